"""`monitor demo`: the whole pipeline in a minute, without internet access.

Serves the bundled sample feeds and pages (``monitor/data/demo/``, sources in its ATTRIBUTION.md) from a
local HTTP server on 127.0.0.1, polls them once into a database (a temporary one unless a path is given),
prints the hits and figures found, and writes a sample digest as an ``.eml`` file. The three sample feeds
show the three outcomes a real feed can have: pages fetched and extracted (en/uk/ru, one non-topical page
that must not match, one page gone so the feed's own text is used), a real outlet's feed whose pages
cannot be fetched (UNIAN, every page falls back to the feed text), and a feed that is down (recorded as data
on its row, the others go on).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.config import Config, parse_config

__all__ = ["DEMO_DATA", "DEMO_FEEDS", "demo_config", "run_demo", "serve_demo"]

DEMO_DATA = Path(__file__).parent / "data" / "demo"  # shipped as package data (pyproject: data/demo/*)

# path on the demo server → (bundled file, content type)
_FILES: dict[str, tuple[str, str]] = {
    "/feeds/topical.xml": ("topical.rss.xml", "application/rss+xml; charset=utf-8"),
    "/feeds/unian.xml": ("unian-ua.rss.xml", "application/rss+xml; charset=utf-8"),
    "/articles/seed-article.html": ("seed-article.html", "text/html; charset=utf-8"),
    "/articles/uk-szch.html": ("uk-szch.html", "text/html; charset=utf-8"),
    "/articles/ru-soch.html": ("ru-soch.html", "text/html; charset=utf-8"),
    "/articles/bbc.com.52241221.html": ("bbc.com.52241221.html.gz", "text/html; charset=utf-8"),
}
_DOWN = "/feeds/down.xml"  # answers 503 with Retry-After: a failing feed is data, not a crash

# (path, name, language) of the demo's feeds, in the order they are configured
DEMO_FEEDS: tuple[tuple[str, str, str | None], ...] = (
    ("/feeds/topical.xml", "Sample: topical news (en/uk/ru)", None),
    ("/feeds/unian.xml", "Sample: UNIAN, 28 Sep 2020", "uk"),
    (_DOWN, "Sample: a feed that is down", None),
)


def _load(name: str, base: str) -> bytes:
    raw = (DEMO_DATA / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.replace(b"{base}", base.encode())


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client closing a keep-alive connection is normal; anything else is worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve_demo() -> Iterator[str]:
    """Serve the bundled feeds and pages on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    routes: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # the demo prints its own summary
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            path = self.path.split("?", 1)[0]
            if path == _DOWN:
                self._send(503, b"Service Unavailable", "text/plain", {"Retry-After": "600"})
            elif path in routes:
                body, content_type = routes[path]
                self._send(200, body, content_type, {})
            else:  # e.g. the UNIAN article pages: not bundled, so the feed's own text is used
                self._send(404, b"not found", "text/plain", {})

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for path, (name, content_type) in _FILES.items():
        routes[path] = (_load(name, base), content_type)
    thread = threading.Thread(target=httpd.serve_forever, name="monitor-demo-server", daemon=True)
    thread.start()
    try:
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def demo_config(base: str, db_path: str, out_dir: str) -> Config:
    """The demo's configuration, built like any other: a feeds.yaml text through the real validator."""
    lines = [
        "defaults:",
        "  interval: 15m",
        "  jitter: 0",
        "  timeouts: {connect: 5, read: 10, total: 30}",
        "feeds:",
    ]
    for path, name, language in DEMO_FEEDS:
        lines.append(f"  - url: {base}{path}")
        lines.append(f"    name: {json.dumps(name, ensure_ascii=False)}")
        if language:
            lines.append(f"    language: {language}")
    lines += [
        "digest:",
        "  to: [you@example.org]",
        "  from: monitor-demo@localhost",
        "  subject_prefix: monitor demo",
        "storage:",
        f"  path: {json.dumps(db_path)}",
        f"  digests_dir: {json.dumps(out_dir)}",
    ]
    return parse_config("\n".join(lines) + "\n", "<demo feeds.yaml>")


def _figure_text(row: dict[str, Any]) -> str:
    if row["qualifier"] == "range" and row["low"] is not None and row["high"] is not None:
        number = f"{row['low']:,}–{row['high']:,}"
    elif row["value"] is None:
        number = "(vague)"
    else:
        number = f"{row['value']:,}"
    return number


def _short(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def run_demo(db_path: str | None, out_dir: str, *, echo: Callable[[str], Any] = print) -> int:
    """Poll the bundled sample feeds once, print what was found and write a sample digest into out_dir.

    ``db_path``: the database to fill (created if missing); None for a temporary one, removed at the end.
    Returns 0 when the pipeline found hits and wrote the digest, 1 otherwise, and 2 (writing nothing) when
    ``db_path`` already holds feeds other than the demo's: sample hits would end up in a real digest.
    """
    if db_path is not None and Path(db_path).exists():
        others = _other_feeds(db_path)
        if others:
            echo(
                f"{db_path} already holds {len(others)} feed(s) that are not the demo's ({others[0]}, …): "
                "the demo would add sample feeds and hits to it. Give it a new file, or none."
            )
            return 2
    if db_path is None:
        with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp:
            return _run_demo(str(Path(tmp) / "demo.db"), out_dir, echo, keep=False)
    return _run_demo(db_path, out_dir, echo, keep=True)


def _other_feeds(db_path: str) -> list[str]:
    from monitor.store import open_store

    store = open_store(db_path, readonly=True)
    try:
        names = {name for _, name, _ in DEMO_FEEDS}
        return [
            r["name"] for r in store.query("SELECT name FROM feeds ORDER BY id") if r["name"] not in names
        ]
    finally:
        store.close()


def _run_demo(db_path: str, out_dir: str, echo: Callable[[str], Any], *, keep: bool) -> int:
    from monitor.mailer import preview_digest, write_eml
    from monitor.scheduler import run_once
    from monitor.store import open_store

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with serve_demo() as base:
        config = demo_config(base, db_path, out_dir)
        echo(
            f"Serving {len(DEMO_FEEDS)} sample feeds and their pages on {base} (nothing leaves this machine)."
        )
        echo(f"Polling them once into {db_path if keep else 'a temporary database'} …")
        code = asyncio.run(run_once(config, db_path, workers=0))

    store = open_store(db_path)
    try:
        feed_ids = [
            r["id"]
            for r in store.query(
                f"SELECT id FROM feeds WHERE url IN ({','.join('?' * len(config.feeds))})",
                [f.url for f in config.feeds],
            )
        ]
        marks = ",".join("?" * len(feed_ids))
        in_demo = f"article_id IN (SELECT article_id FROM entries WHERE feed_id IN ({marks}))"
        feeds = store.query(
            f"SELECT name, last_status, error_count, last_error, "
            f"(SELECT COUNT(*) FROM entries e WHERE e.feed_id = feeds.id) AS entries "
            f"FROM feeds WHERE id IN ({marks}) ORDER BY id",
            feed_ids,
        )
        hits = store.query(
            f"SELECT topic, outlet, title, keywords, text_source, matched_at FROM v_hits "
            f"WHERE retired_at IS NULL AND {in_demo} ORDER BY topic, hit_id",
            feed_ids,
        )
        figures = store.query(
            f"SELECT value, low, high, qualifier, counted, period, rate, attributed_to, topic, outlet "
            f"FROM v_figures WHERE {in_demo} AND topic IS NOT NULL ORDER BY topic, value IS NULL, value DESC",
            feed_ids,
        )
        untopical = store.query(
            f"SELECT COUNT(*) AS n FROM figures WHERE {in_demo} AND topic IS NULL", feed_ids
        )[0]["n"]
        message = None
        if hits:
            since = min(datetime.fromisoformat(h["matched_at"]) for h in hits)
            message = preview_digest(store, config, since, datetime.now(UTC))
    finally:
        store.close()

    echo("")
    echo("Feeds:")
    for f in feeds:
        state = f"failing: {f['last_error']}" if f["error_count"] else f"HTTP {f['last_status']}"
        echo(f"  {f['name']}: {f['entries']} entries, {state}")

    echo("")
    echo(f"Hits ({len(hits)}): topic · outlet · title · keywords as written")
    for h in hits:
        keywords = ", ".join(json.loads(h["keywords"]))
        source = "" if h["text_source"] == "page" else "  [feed text]"
        echo(f"  {h['topic']:<12} {h['outlet']} · {_short(h['title'])} · {keywords}{source}")

    echo("")
    echo(
        f"Figures under a topic ({len(figures)}; {untopical} more in these articles sit under no topic):"
        " value · qualifier · what is counted · period · claimed by"
    )
    for g in figures:
        parts = [
            f"{_figure_text(g):>14}",
            f"{g['qualifier']:<8}",
            g["counted"] or "?",
            g["period"] or g["rate"] or "-",
            g["attributed_to"] or "-",
        ]
        echo("  " + " · ".join(parts) + (f"  ({g['topic']})" if g["topic"] else ""))

    echo("")
    if message is None:
        echo("No hits, so no digest: something is wrong with this installation.")
        return 1
    eml = write_eml(message, out_dir, "demo-digest.eml")
    echo(f"Sample digest: {eml}")
    echo(f"  Subject: {message['Subject']}")
    echo("")
    if keep:
        echo(f'Query it: sqlite3 {db_path} "SELECT topic, outlet, title FROM v_hits"   (docs/schema.md)')
        echo(f"     or:  datasette {db_path} -m metadata.yml   (metadata.yml is in the repository)")
        if Path(db_path).stem != "monitor":
            echo("          (datasette names a database after its file: metadata.yml describes monitor.db)")
    else:
        echo(
            "The database was temporary: pass --db demo/monitor.db to keep it and query it (docs/schema.md)."
        )
    return 0 if code == 0 else 1
