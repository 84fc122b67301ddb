"""What topic matching costs next to text extraction, on real pages.

    .venv/bin/python bench/match_cost.py [--pages GLOB] [--repeat N]

For every page in the corpus (gzip HTML): time ``trafilatura.extract`` (the floor, measured in the same
run), then time ``match_topics`` with the default topics on the extracted text. Prints both totals and
the ratio matching / extraction; the target is < 10 %. The first pass over the texts is timed
separately ("cold": pymorphy3 loading its dictionaries and the lemma cache filling up) from the
following ones ("warm": the steady state of a long-running monitor).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_texts import DEFAULT_GLOB, extract_corpus  # noqa: E402
from monitor.match import compile_topics, load_default_topics, match_topics  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=DEFAULT_GLOB)
    parser.add_argument("--repeat", type=int, default=3, help="warm passes over the texts")
    args = parser.parse_args(argv)

    texts, extract_s = extract_corpus(args.pages, time.perf_counter)
    if not texts:
        print(f"no pages match {args.pages}", file=sys.stderr)
        return 1

    t0 = time.perf_counter()
    compiled = compile_topics(load_default_topics())
    compile_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    hits = sum(len(match_topics(None, text, compiled)) for text in texts)
    cold_s = time.perf_counter() - t0

    warm: list[float] = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        for text in texts:
            match_topics(None, text, compiled)
        warm.append(time.perf_counter() - t0)
    warm_s = statistics.median(warm)

    chars = sum(map(len, texts))
    print(f"pages: {len(texts)}  extracted chars: {chars:,}  topic hits: {hits}")
    print(f"extraction (trafilatura.extract): {extract_s:8.3f} s  = floor")
    print(f"compile_topics (once):            {compile_s:8.3f} s")
    print(f"match_topics, cold first pass:    {cold_s:8.3f} s  ratio {cold_s / extract_s:6.1%}")
    print(f"match_topics, warm (median of {len(warm)}): {warm_s:8.3f} s  ratio {warm_s / extract_s:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
