"""What figure extraction costs next to text extraction, on real pages.

    .venv/bin/python bench/figures_cost.py [--pages GLOB] [--repeat N]

For every page in the corpus (gzip HTML): time ``trafilatura.extract`` (the floor, measured in the same
run), then time ``find_figures`` on the extracted text. Prints both totals and the ratio
figures / extraction; the target is < 10 %. The first pass is timed separately ("cold": pymorphy3 loading
its dictionaries, the number-word table being built, the parse cache filling up) from the following ones
("warm": the steady state of a long-running monitor). Times are CPU times of this process
(``time.process_time``), so other jobs on a shared machine do not skew the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_texts import DEFAULT_GLOB, extract_corpus  # noqa: E402
from monitor.figures import find_figures  # noqa: E402
from monitor.text import detect_language  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=DEFAULT_GLOB)
    parser.add_argument("--repeat", type=int, default=3, help="warm passes over the texts")
    args = parser.parse_args(argv)

    texts, extract_s = extract_corpus(args.pages, time.process_time)
    if not texts:
        print(f"no pages match {args.pages}", file=sys.stderr)
        return 1
    languages = [detect_language(text) for text in texts]

    t0 = time.process_time()
    figures = sum(len(find_figures(text, lang)) for text, lang in zip(texts, languages, strict=True))
    cold_s = time.process_time() - t0

    warm: list[float] = []
    for _ in range(max(1, args.repeat)):
        t0 = time.process_time()
        for text, lang in zip(texts, languages, strict=True):
            find_figures(text, lang)
        warm.append(time.process_time() - t0)
    warm_s = statistics.median(warm)

    chars = sum(map(len, texts))
    print(f"pages: {len(texts)}  extracted chars: {chars:,}  figures: {figures}")
    print(f"extraction (trafilatura.extract): {extract_s:8.3f} s  = floor")
    print(f"find_figures, cold first pass:    {cold_s:8.3f} s  ratio {cold_s / extract_s:6.1%}")
    print(f"find_figures, warm (median of {len(warm)}): {warm_s:8.3f} s  ratio {warm_s / extract_s:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
