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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
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

    def is_allowed_host(self, host: str, port: int) -> bool:
        host = host.lower().strip("[]")
        return (
            any(h == host and p == port for _, h, p in self.allowed_origins)
            or host in self.allow_hosts
            or f"{host}:{port}" in self.allow_hosts
        )

    async def check(self, url: str) -> None:
        """Refuse a URL before any request: bad scheme, no host, or a host that resolves to a non-public address."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in {"http", "https"}:
            raise BlockedAddress(f"refused scheme {parts.scheme!r}: only http and https are fetched")
        if not parts.hostname:
            raise BlockedAddress(f"no host in URL {url!r}")
        if self.is_allowed_origin(url):
            return
        _, host, port = origin_of(url)
        await self.resolve_public(host, port)

    async def resolve_public(self, host: str, port: int) -> str:
        """Resolve ``host`` and return an address to connect to; refuse if ANY address is non-public."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise FetchError(f"DNS lookup failed for {host}: {e.strerror or e}") from e
        if not infos:
            raise FetchError(f"DNS lookup for {host} returned no address")
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not _is_public(address):
                raise BlockedAddress(f"refused {host}: resolves to non-public address {address}")
        return str(infos[0][4][0])


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that checks the address it actually connects to.

    The host is resolved here, checked, and the connection made to that checked IP, so a DNS answer that
    changes between the check and the connect (DNS rebinding) cannot slip a private address through. TLS
    still verifies the certificate against the URL's host name (httpcore passes it as server_hostname).
    """

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = (
            host if self._guard.is_allowed_host(host, port) else await self._guard.resolve_public(host, port)
        )
        return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _guarded_transport(guard: AddressGuard, concurrency: int, *, tls: bool) -> httpx.AsyncHTTPTransport:
    """A transport whose connections go through the address guard; ``tls``: for https (loads the CA bundle)."""
    # one SSL context for every https connection: loading the CA bundle costs ~20 ms
    ssl_context = httpx.create_ssl_context(trust_env=False) if tls else None
    transport = httpx.AsyncHTTPTransport(verify=ssl_context or False, trust_env=False)
    # httpx has no public hook for the network backend; the pool is rebuilt with ours (httpx 0.28, pinned).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=concurrency,
        max_keepalive_connections=concurrency,
        keepalive_expiry=5.0,
        network_backend=_GuardedBackend(guard),
    )
    return transport


class _OnFirstUse(httpx.AsyncBaseTransport):
    """Builds its transport at the first request: the https transport's CA bundle is loaded only by a process
    that fetches something over https (a poll of unchanged plain-http feeds never does; bench/README.md)."""

    def __init__(self, build: Callable[[], httpx.AsyncBaseTransport]) -> None:
        self._build = build
        self.transport: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.transport is None:
            self.transport = self._build()
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self.transport is not None:
            await self.transport.aclose()


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
            transport=transport or _guarded_transport(self.guard, concurrency, tls=False),
            mounts=None
            if transport
            else {"https://": _OnFirstUse(lambda: _guarded_transport(self.guard, concurrency, tls=True))},
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
        """GET ``url``; raises FetchError (or a subclass) on anything but 2xx/304.

        The total deadline covers the request itself (every hop: connect, headers, body), not the time spent
        queueing for a concurrency slot: 500 feeds on one host must not time out waiting for each other.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        permanent = True
        current = url
        budget = self.limits.total
        loop = asyncio.get_running_loop()
        for _hop in range(self.limits.max_redirects + 1):
            await self.guard.check(current)
            async with self._global, self._host_semaphore(current):
                started = loop.time()
                try:
                    async with asyncio.timeout(budget):
                        response, body = await self._request(current, headers, max_bytes)
                except TimeoutError as e:
                    raise FetchError(f"deadline of {self.limits.total:g}s exceeded for {current}") from e
                budget -= loop.time() - started
            status = response.status_code
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            if status in {301, 302, 303, 307, 308}:
                location = response.headers.get("location")
                if not location:
                    raise HTTPStatusError(f"HTTP {status} without Location from {current}", status)
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
            moved = current if permanent and current != url else None
            return FetchResult(current, status, body, resp_headers, permanent_redirect=moved)
        raise FetchError(f"more than {self.limits.max_redirects} redirects starting at {url}")

    async def _request(
        self, url: str, headers: dict[str, str], max_bytes: int
    ) -> tuple[httpx.Response, bytes]:
        """One hop: the response and, for a 2xx, its body (capped); redirect and error bodies are not read."""
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                body = b""
                if 200 <= response.status_code < 300:
                    body = await _read_capped(response, max_bytes, url)
                else:
                    await _drain(response)
                return response, body
        except httpx.TimeoutException as e:
            raise FetchError(f"timeout ({type(e).__name__}) fetching {url}") from e
        except httpx.TransportError as e:
            raise FetchError(f"network error fetching {url}: {e or type(e).__name__}") from e
        except httpx.HTTPError as e:
            raise FetchError(f"HTTP error fetching {url}: {e}") from e


_DRAIN_BYTES = 64 * 1024
_DRAIN_SECONDS = 0.5


async def _drain(response: httpx.Response) -> None:
    """Read a 304's, redirect's or error's small body to its end, best effort, so the connection goes back to
    the pool instead of being closed (it is reusable only once the response has been read to its end).

    Never changes the outcome: a body that is large, slow or broken is left unread (the connection is closed
    instead) and the status, Location or Retry-After stand. A 304 that declares a body (not allowed, RFC 9110
    §15.4.5) is not read either: its bytes would sit in front of the next response on that connection."""
    headers = response.headers
    declared = headers.get("content-length")
    if response.status_code == 304:
        if "transfer-encoding" in headers or (declared and declared.strip() != "0"):
            return
    elif declared and declared.isdigit() and int(declared) > _DRAIN_BYTES:
        return
    size = 0
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > _DRAIN_BYTES:
                    return
    except (httpx.HTTPError, TimeoutError):
        return


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
