"""A long-lived poller in one process: RSS after each of several polls (does memory grow?).

    .venv/bin/python bench/poller_probe.py --config FILE --db FILE --polls 5 [--bump URL]

Imports monitor.pipeline.Poller as the daemon does (one Poller, one store, one fetcher, one process pool
kept across polls) and calls poll_all() --polls times. With --bump, POSTs to the farm's /_bump before each
poll after the first, so every feed has one new entry per poll (churn); without it the polls are 304s.
Prints one JSON line: per poll its seconds, new entries, and the RSS (MB) of this process and of the
whole tree (workers included) after the poll.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.proctree import tree_rss_mb  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.pipeline import Poller, make_fetcher  # noqa: E402
from monitor.store import open_store  # noqa: E402


async def run(args: argparse.Namespace) -> dict:
    config = load_config(args.config)
    store = open_store(args.db)
    store.sync_feeds(config.feeds, "2026-01-01T00:00:00+00:00")
    poller = Poller(config, store, make_fetcher(config))
    polls = []
    try:
        for n in range(args.polls):
            if args.bump and n > 0:
                urllib.request.urlopen(urllib.request.Request(args.bump, method="POST"), timeout=10).read()
            t0 = time.perf_counter()
            outcomes = await poller.poll_all(force=True)
            secs = time.perf_counter() - t0
            own, tree = tree_rss_mb(os.getpid())
            polls.append(
                {
                    "poll": n + 1,
                    "s": round(secs, 3),
                    "new": sum(o.new_entries for o in outcomes),
                    "not_modified": sum(1 for o in outcomes if o.not_modified),
                    "errors": sum(1 for o in outcomes if o.error),
                    "rss_mb": round(own, 1),
                    "tree_rss_mb": round(tree, 1),
                }
            )
    finally:
        await poller.fetcher.aclose()
        poller.shutdown()
        store.close()
    return {"polls": polls}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--polls", type=int, default=5)
    p.add_argument("--bump", default=None, help="farm /_bump URL: one new entry per feed before each poll")
    args = p.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
