"""The feed farm: N RSS 2.0 feeds × M entries on 127.0.0.1, each entry linking to a real news page.

    .venv/bin/python bench/farm.py --feeds 200 --entries 25 --latency 0.05 [--port 0]

A raw asyncio HTTP/1.1 server (keep-alive, no framework) so that it is never the bottleneck: bodies are
built once at start-up and served from memory; pages are the corpus' gzip files sent as they are stored
(``Content-Encoding: gzip``, as news sites do), so the server does no compression. Every response waits
``--latency`` seconds first (asyncio.sleep), so concurrency matters as it does on the internet.

Feeds:  /feed/{i}.xml        RSS 2.0, unique GUIDs, ETag + Last-Modified; 304 on If-None-Match /
                              If-Modified-Since; the window of entries moves on with each generation.
Pages:  /page/{i}/{j}.html   corpus page number (i * M + j) % pages, round-robin, a distinct URL each.
Control (no latency): GET /_stats (JSON counters + the server's own CPU seconds), POST /_bump (a new
generation: each feed gains one new entry and drops its oldest), POST /_reset (counters to zero).

Prints ``PORT <n>`` on stdout once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import gzip
import html
import json
import re
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

DEFAULT_PAGES = "/work/shared/corpus/pages/*/html/*.html.gz"
_BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def _page_meta(raw: bytes) -> tuple[str, str]:
    """A title and a ~500-character summary for the feed item (crude on purpose: the farm must start fast)."""
    text = raw.decode("utf-8", "replace")
    m = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    title = html.unescape(re.sub(r"\s+", " ", m.group(1))).strip() if m else "Untitled"
    paras = re.findall(r"<p[^>]*>(.*?)</p>", text, re.S | re.I)
    summary = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", p)) for p in paras[:12])
    summary = re.sub(r"\s+", " ", summary).strip()[:500]
    return title[:200] or "Untitled", summary


class Farm:
    def __init__(self, feeds: int, entries: int, latency: float, pages_glob: str) -> None:
        self.n_feeds = feeds
        self.n_entries = entries
        self.latency = latency
        paths = sorted(glob.glob(pages_glob))
        if not paths:
            raise SystemExit(f"farm: no pages match {pages_glob}")
        self.pages: list[bytes] = []  # gzip bytes, served as stored
        self.meta: list[tuple[str, str]] = []
        for p in paths:
            with open(p, "rb") as f:
                gz = f.read()
            self.pages.append(gz)
            self.meta.append(_page_meta(gzip.decompress(gz)))
        self.generation = 0
        self.port = 0
        self._feed_cache: dict[tuple[int, int], bytes] = {}
        self.reset()

    def reset(self) -> None:
        self.stats = {"requests": 0, "feeds_200": 0, "feeds_304": 0, "pages": 0, "other": 0, "bytes": 0}
        self.cpu0 = self._cpu()
        self.t0 = time.monotonic()

    @staticmethod
    def _cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def last_modified(self) -> datetime:
        return _BASE_TIME + timedelta(minutes=self.generation)

    def etag(self, i: int) -> str:
        return f'"f{i}-g{self.generation}"'

    def page_index(self, i: int, j: int) -> int:
        return (i * self.n_entries + j) % len(self.pages)

    def feed_body(self, i: int) -> bytes:
        key = (i, self.generation)
        body = self._feed_cache.get(key)
        if body is not None:
            return body
        g = self.generation
        base = f"http://127.0.0.1:{self.port}"
        items = []
        for j in range(g + self.n_entries - 1, g - 1, -1):  # newest first
            title, summary = self.meta[self.page_index(i, j)]
            pub = format_datetime(_BASE_TIME + timedelta(minutes=j), usegmt=True)
            items.append(
                "<item>"
                f"<title>{html.escape(title)} [{i}-{j}]</title>"
                f"<link>{base}/page/{i}/{j}.html</link>"
                f'<guid isPermaLink="false">farm-{i}-{j}</guid>'
                f"<pubDate>{pub}</pubDate>"
                f"<description>{html.escape(summary)}</description>"
                "</item>"
            )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Farm feed {i}</title><link>{base}/</link><description>bench feed {i}</description>"
            f"<language>en</language><lastBuildDate>{format_datetime(self.last_modified(), usegmt=True)}"
            f"</lastBuildDate>{''.join(items)}</channel></rss>"
        )
        body = xml.encode("utf-8")
        if len(self._feed_cache) > 4 * self.n_feeds:
            self._feed_cache.clear()
        self._feed_cache[key] = body
        return body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                status, resp_headers, body = await self.respond(method, target, headers)
                out = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
                resp_headers["Content-Length"] = str(len(body))
                out += [f"{k}: {v}" for k, v in resp_headers.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
                self.stats["bytes"] += len(body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def respond(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        path = target.split("?", 1)[0]
        if path == "/_stats":
            cpu = self._cpu() - self.cpu0
            wall = time.monotonic() - self.t0
            data = {
                **self.stats,
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "generation": self.generation,
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()
        if path == "/_bump" and method == "POST":
            self.generation += 1
            return 200, {"Content-Type": "text/plain"}, str(self.generation).encode()
        if path == "/_reset" and method == "POST":
            self.reset()
            return 200, {"Content-Type": "text/plain"}, b"ok"
        self.stats["requests"] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        m = re.fullmatch(r"/feed/(\d+)\.xml", path)
        if m and int(m.group(1)) < self.n_feeds:
            i = int(m.group(1))
            etag = self.etag(i)
            lm = format_datetime(self.last_modified(), usegmt=True)
            common = {"ETag": etag, "Last-Modified": lm, "Cache-Control": "max-age=0"}
            inm = headers.get("if-none-match")
            ims = headers.get("if-modified-since")
            if (inm is not None and etag in [t.strip() for t in inm.split(",")]) or (
                inm is None and ims == lm
            ):
                self.stats["feeds_304"] += 1
                return 304, common, b""
            self.stats["feeds_200"] += 1
            return 200, {**common, "Content-Type": "application/rss+xml; charset=utf-8"}, self.feed_body(i)
        m = re.fullmatch(r"/page/(\d+)/(\d+)\.html", path)
        if m:
            self.stats["pages"] += 1
            body = self.pages[self.page_index(int(m.group(1)), int(m.group(2)))]
            h = {"Content-Type": "text/html; charset=utf-8"}
            if "gzip" in headers.get("accept-encoding", ""):
                h["Content-Encoding"] = "gzip"
            else:
                body = gzip.decompress(body)
            return 200, h, body
        self.stats["other"] += 1
        return 404, {"Content-Type": "text/plain"}, b"not found"


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found"}


async def serve(args: argparse.Namespace) -> None:
    farm = Farm(args.feeds, args.entries, args.latency, args.pages)
    server = await asyncio.start_server(farm.handle, "127.0.0.1", args.port, backlog=1024)
    farm.port = server.sockets[0].getsockname()[1]
    print(f"PORT {farm.port}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=200)
    p.add_argument("--entries", type=int, default=25)
    p.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--pages", default=DEFAULT_PAGES)
    args = p.parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
