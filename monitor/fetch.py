"""HTTP only: conditional GET, timeouts and a total deadline, byte caps counted while streaming (after
decompression), redirects followed by hand with an address check on every hop, bounded concurrency.

Nothing here parses feeds or pages: callers get bytes and hand them to feedparser / trafilatura.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from monitor.errors import BlockedAddress, FetchError, HTTPStatusError, TooLarge

__all__ = ["AddressGuard", "FetchLimits", "FetchResult", "Fetcher", "origin_of", "parse_retry_after"]


@dataclass(frozen=True)
class FetchLimits:
    connect: float = 10.0
    read: float = 20.0
    total: float = 60.0
    max_redirects: int = 5
    user_agent: str = "monitor/0.1"


@dataclass(frozen=True)
class FetchResult:
    url: str  # the URL finally answered (after redirects)
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False
    permanent_redirect: str | None = None  # set when every hop was 301/308: the new address of the resource

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower(), port


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class AddressGuard:
    """Refuses URLs whose host resolves to a non-public address (SSRF), unless the URL's origin is allowed.

    Allowed origins are the configured feeds' own origins (scheme, host, port) and ``allow_hosts`` entries
    (``host`` or ``host:port``).
    """

    def __init__(self, allowed_origins: Iterable[tuple[str, str, int]] = (), allow_hosts: Iterable[str] = ()):
        self.allowed_origins = set(allowed_origins)
        self.allow_hosts = {h.lower() for h in allow_hosts}

    def is_allowed_origin(self, url: str) -> bool:
        scheme, host, port = origin_of(url)
        return (
            (scheme, host, port) in self.allowed_origins
            or host in self.allow_hosts
            or f"{host}:{port}" in self.allow_hosts
        )

    async def check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme.lower() not in {"http", "https"}:
            raise BlockedAddress(f"refused scheme {parts.scheme!r}: only http and https are fetched")
        if not parts.hostname:
            raise BlockedAddress(f"no host in URL {url!r}")
        if self.is_allowed_origin(url):
            return
        _, host, port = origin_of(url)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise FetchError(f"DNS lookup failed for {host}: {e.strerror or e}") from e
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if not _is_public(address):
                raise BlockedAddress(f"refused {host}: resolves to non-public address {address}")


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _is_public(mapped)
    return address.is_global and not (address.is_multicast or address.is_reserved)


class Fetcher:
    """One shared async HTTP client with global and per-host concurrency limits."""

    def __init__(
        self,
        limits: FetchLimits,
        *,
        concurrency: int = 16,
        per_host: int = 2,
        guard: AddressGuard | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.limits = limits
        self.guard = guard or AddressGuard()
        self._global = asyncio.Semaphore(concurrency)
        self._per_host_limit = per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # redirects are followed by hand so each hop is checked
            timeout=httpx.Timeout(
                connect=limits.connect, read=limits.read, write=limits.read, pool=limits.total
            ),
            headers={"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _host_semaphore(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).hostname or ""
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self._per_host_limit)
        return sem

    async def get(
        self,
        url: str,
        *,
        max_bytes: int,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> FetchResult:
        """GET ``url``; raises FetchError (or a subclass) on anything but 2xx/304."""
        try:
            async with asyncio.timeout(self.limits.total):
                return await self._get(url, max_bytes, etag, last_modified, accept)
        except TimeoutError as e:
            raise FetchError(f"deadline of {self.limits.total:g}s exceeded for {url}") from e

    async def _get(
        self, url: str, max_bytes: int, etag: str | None, last_modified: str | None, accept: str
    ) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent = True
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            await self.guard.check(current)
            async with self._global, self._host_semaphore(current):
                try:
                    async with self._client.stream("GET", current, headers=headers) as response:
                        status = response.status_code
                        resp_headers = {k.lower(): v for k, v in response.headers.items()}
                        if status in {301, 302, 303, 307, 308}:
                            location = response.headers.get("location")
                            if not location:
                                raise HTTPStatusError(
                                    f"HTTP {status} without Location from {current}", status
                                )
                            permanent = permanent and status in {301, 308}
                            current = urljoin(current, location.strip())
                            continue
                        if status == 304:
                            return FetchResult(current, status, b"", resp_headers, not_modified=True)
                        if not 200 <= status < 300:
                            raise HTTPStatusError(
                                f"HTTP {status} from {current}",
                                status,
                                parse_retry_after(response.headers.get("retry-after")),
                            )
                        body = await _read_capped(response, max_bytes, current)
                except httpx.TimeoutException as e:
                    raise FetchError(f"timeout ({type(e).__name__}) fetching {current}") from e
                except httpx.TransportError as e:
                    raise FetchError(f"network error fetching {current}: {e or type(e).__name__}") from e
                except httpx.HTTPError as e:
                    raise FetchError(f"HTTP error fetching {current}: {e}") from e
            moved = current if permanent and current != url else None
            return FetchResult(current, status, body, resp_headers, permanent_redirect=moved)
        raise FetchError(f"more than {self.limits.max_redirects} redirects starting at {url}")


async def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    declared = response.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > max_bytes
        and "content-encoding" not in response.headers
    ):
        raise TooLarge(f"body of {url} is {int(declared)} bytes, over the cap of {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    # aiter_bytes yields decoded (decompressed) bytes, so a gzip bomb stops at the cap too.
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"body of {url} went over the cap of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
