"""lemon24/reader on the same farm: ``update_feeds`` cold (empty database) or warm (nothing changed).

    bench/.venv-reader/bin/python bench/reader_side.py --db FILE --base URL --feeds N --mode cold|warm

Feed work only (reader does not fetch article pages). ``scheduled=False`` so the warm run really polls
every feed (conditional GETs → 304) instead of skipping feeds not yet due. ``workers`` is set to monitor's
default global concurrency (16), as a user comparing the two would. Prints one JSON line.
Runs under Python ≥ 3.12 (reader 3.27's requirement), in its own venv: bench/.venv-reader.
"""

from __future__ import annotations

import argparse
import json
import time

t_start = time.perf_counter()

from reader import make_reader  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--feeds", type=int, required=True)
    p.add_argument("--mode", choices=["cold", "warm"], required=True)
    p.add_argument("--workers", type=int, default=16)
    args = p.parse_args()
    reader = make_reader(args.db)
    if args.mode == "cold":
        for i in range(args.feeds):
            reader.add_feed(f"{args.base}/feed/{i}.xml", exist_ok=True)
    t0 = time.perf_counter()
    errors = 0
    new = 0
    for _url, value in reader.update_feeds_iter(scheduled=False, workers=args.workers):
        if isinstance(value, Exception):
            errors += 1
        elif value is not None:
            new += value.new
    update_s = time.perf_counter() - t0
    entries = reader.get_entry_counts().total
    reader.close()
    print(json.dumps({"errors": errors, "new_entries": new, "entries": entries, "update_s": update_s}))


if __name__ == "__main__":
    main()
