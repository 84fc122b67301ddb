"""A real HTTP server on 127.0.0.1 for tests: serves feeds and pages, answers conditional GETs with 304,
records every request. Hostile behaviours (trickling, huge or compressed bodies, redirects) are routes too.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"
# Pages the demo ships (monitor/data/demo) are not copied again into tests/data.
PAGE_DIRS = (DATA / "pages", Path(__file__).parent.parent / "monitor" / "data" / "demo")


def page_path(name: str) -> Path:
    for folder in PAGE_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304
    delay: float = 0.0
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None  # full control


def trickle(
    handler: BaseHTTPRequestHandler, content_type: str = "application/rss+xml", count: int = 100
) -> None:
    """A server that sends one byte every half second: only a total deadline stops a client waiting."""
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(count))
    handler.end_headers()
    for _ in range(count):
        try:
            handler.wfile.write(b" ")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.5)


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.peers: list[int] = []  # the client's port of each request: one port per TCP connection
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with server._lock:
                    server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.peers.append(self.client_address[1])
                route = server.routes.get(self.path) or server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self._send(404, b"not found", "text/plain", {})
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.handler is not None:
                    route.handler(self)
                    return
                headers = dict(route.headers)
                if route.etag and route.status == 200:
                    tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        self._send(304, b"", None, headers)
                        return
                self._send(route.status, route.body, route.content_type, headers)

            def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str]) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def add_feed_file(self, path: str, name: str) -> str:
        body = (DATA / "feeds" / name).read_bytes().replace(b"{base}", self.base.encode())
        return self.add(path, Route(body=body))

    def add_page_file(self, path: str, name: str) -> str:
        raw = page_path(name).read_bytes()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        return self.add(path, Route(body=raw, content_type="text/html; charset=utf-8"))

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p.split("?", 1)[0] == path)

    def statuses_for(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [h for p, h in self.requests if p.split("?", 1)[0] == path]
