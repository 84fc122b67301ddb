"""The floor: the least work that gets the same pages' main text, to compare monitor against.

    .venv/bin/python bench/floor.py --base http://127.0.0.1:PORT --feeds N --mode cold|warm --state FILE

cold: GET every feed (httpx, the same global concurrency as monitor's defaults), pull the <link>s out with
      a regex (no feedparser), GET every page and hand it to trafilatura.bare_extraction — with monitor's
      settings — in a ProcessPoolExecutor with one process per core, as pages arrive (at most concurrency + 2 × workers
      pages in memory at once). No database.
      The feeds' ETag / Last-Modified go to --state.
warm: a conditional GET of every feed with the validators from --state (expects 304s), nothing else.

Prints one JSON line: counts and the in-process seconds of each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor

import httpx

_LINK = re.compile(rb"<link>([^<]+)</link>")


# Keep these the same as monitor/extract.py's call, so the floor does the same extraction work.
SETTINGS = {"with_metadata": False, "include_comments": False, "include_tables": False, "deduplicate": False}


def extract(body: bytes, url: str, settings: dict) -> int:
    import trafilatura

    doc = trafilatura.bare_extraction(body, url=url, **settings)
    return len(doc.text or "") if doc is not None else 0


async def run(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    sem = asyncio.Semaphore(args.concurrency)
    feeds = [f"{args.base}/feed/{i}.xml" for i in range(args.feeds)]
    out: dict = {"feeds": len(feeds)}
    async with httpx.AsyncClient(limits=limits, timeout=60, trust_env=False) as client:
        if args.mode == "warm":
            with open(args.state) as f:
                state = json.load(f)

            async def cond(url: str) -> int:
                h = {}
                if state[url].get("etag"):
                    h["If-None-Match"] = state[url]["etag"]
                if state[url].get("last_modified"):
                    h["If-Modified-Since"] = state[url]["last_modified"]
                async with sem:
                    r = await client.get(url, headers=h)
                return r.status_code

            codes = await asyncio.gather(*(cond(u) for u in feeds))
            out["not_modified"] = sum(1 for c in codes if c == 304)
            out["net_s"] = time.perf_counter() - t0
            return out

        pool = ProcessPoolExecutor(max_workers=args.workers)
        settings = dict(SETTINGS)
        if args.fast:
            settings["fast"] = True
        loop = asyncio.get_running_loop()
        state: dict = {}
        chars = 0
        pages = 0

        # At most this many pages fetched but not yet extracted: fetching (16 × 50 ms) outruns extraction,
        # and without a bound every page of the run would wait in memory for a worker.
        inflight = asyncio.Semaphore(args.concurrency + 2 * args.workers)

        async def page(url: str) -> None:
            nonlocal chars, pages
            async with inflight:
                async with sem:
                    r = await client.get(url)
                n = await loop.run_in_executor(pool, extract, r.content, url, settings)
            chars += n
            pages += 1

        async def feed(url: str) -> None:
            async with sem:
                r = await client.get(url)
            state[url] = {"etag": r.headers.get("etag"), "last_modified": r.headers.get("last-modified")}
            links = [m.decode() for m in _LINK.findall(r.content)[1:]]  # [0] is the channel's link
            await asyncio.gather(*(page(link) for link in links))

        await asyncio.gather(*(feed(u) for u in feeds))
        pool.shutdown()
        out.update(pages=pages, text_chars=chars, total_s=time.perf_counter() - t0)
        with open(args.state, "w") as f:
            json.dump(state, f)
        return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True)
    p.add_argument("--feeds", type=int, required=True)
    p.add_argument("--mode", choices=["cold", "warm"], required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--fast", action="store_true", help="trafilatura fast=True (no fallback extractors)")
    args = p.parse_args()
    print(json.dumps(asyncio.run(run(args))), flush=True)


if __name__ == "__main__":
    main()
