"""fetch.py against a real HTTP server on 127.0.0.1: conditional GET, caps, deadlines, redirects, SSRF."""

from __future__ import annotations

import asyncio
import gzip
import time

import pytest

from monitor.errors import BlockedAddress, FetchError, HTTPStatusError, TooLarge
from monitor.fetch import AddressGuard, Fetcher, FetchLimits, origin_of, parse_retry_after
from tests.feedserver import Route, trickle


def fetcher_for(server, **limits) -> Fetcher:
    guard = AddressGuard({origin_of(server.base)})
    return Fetcher(
        FetchLimits(**{"connect": 2, "read": 2, "total": 3, "user_agent": "monitor-test/1", **limits}),
        guard=guard,
    )


def get(fetcher: Fetcher, url: str, **kw):
    async def go():
        try:
            return await fetcher.get(url, max_bytes=kw.pop("max_bytes", 1_000_000), **kw)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def test_conditional_get_and_user_agent(feed_server):
    url = feed_server.add("/f.xml", Route(body=b"<rss/>"))
    first = get(fetcher_for(feed_server), url)
    assert first.status == 200 and first.body == b"<rss/>" and first.etag
    second = get(fetcher_for(feed_server), url, etag=first.etag)
    assert second.status == 304 and second.not_modified and second.body == b""
    assert feed_server.requests[0][1]["user-agent"] == "monitor-test/1"


def test_connection_is_reused_after_304_redirect_and_error(feed_server):
    """A response without a body to read (304) or with a small one left unread (redirect, 404) must not cost
    a new TCP (and, for https, TLS) connection for the next request."""
    url = feed_server.add("/f.xml", Route(body=b"<rss/>"))
    feed_server.add(
        "/moved", Route(status=302, headers={"Location": "/f.xml"}, body=b"see /f.xml", etag=False)
    )
    fetcher = fetcher_for(feed_server)

    async def go():
        try:
            first = await fetcher.get(url, max_bytes=1000)
            for _ in range(3):
                assert (await fetcher.get(url, max_bytes=1000, etag=first.etag)).not_modified
            assert (await fetcher.get(feed_server.url("/moved"), max_bytes=1000)).body == b"<rss/>"
            with pytest.raises(HTTPStatusError):
                await fetcher.get(feed_server.url("/missing"), max_bytes=1000)
            await fetcher.get(url, max_bytes=1000)
        finally:
            await fetcher.aclose()

    asyncio.run(go())
    assert len(feed_server.peers) == 8 and len(set(feed_server.peers)) == 1


def _raw(status_line: bytes, headers: dict[str, str], body: bytes, *, close: bool = False):
    """A route handler writing exactly these bytes (for malformed responses http.server would not send)."""

    def handler(h) -> None:
        head = status_line + b"\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
        h.wfile.write(head + b"\r\n" + body)
        h.wfile.flush()
        h.close_connection = close

    return handler


def test_reading_an_error_or_redirect_body_never_changes_the_outcome(feed_server):
    """The bodies are read only so the connection can be reused: a truncated or stalled body must not turn a
    410 into a network error (the feed would never be retired), lose a Retry-After, or stall a redirect."""
    feed_server.add("/f.xml", Route(body=b"<rss/>"))
    gone = feed_server.add(
        "/gone", Route(handler=_raw(b"HTTP/1.1 410 Gone", {"Content-Length": "100"}, b"short", close=True))
    )
    busy = feed_server.add(
        "/busy",
        Route(
            handler=_raw(
                b"HTTP/1.1 503 Busy",
                {"Transfer-Encoding": "chunked", "Retry-After": "3600"},
                b"zz\r\nnot chunked",
                close=True,
            )
        ),
    )

    def stall(h) -> None:  # a redirect whose promised body never comes
        h.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: /f.xml\r\nContent-Length: 100\r\n\r\n")
        h.wfile.flush()
        time.sleep(2.5)
        h.close_connection = True

    moved = feed_server.add("/stall", Route(handler=stall))
    with pytest.raises(HTTPStatusError) as e:
        get(fetcher_for(feed_server), gone)
    assert e.value.status == 410
    with pytest.raises(HTTPStatusError) as e:
        get(fetcher_for(feed_server), busy)
    assert e.value.status == 503 and e.value.retry_after == 3600
    started = time.monotonic()
    assert get(fetcher_for(feed_server, total=10), moved).body == b"<rss/>"
    assert time.monotonic() - started < 2.0  # not waiting for the body (nor the read timeout)


def test_a_304_with_a_body_does_not_poison_the_next_response(feed_server):
    """A 304 has no body (RFC 9110 §15.4.5); a server that sends one anyway must not leave its bytes in front
    of the next response on a reused connection."""
    feed_server.add(
        "/junk304",
        Route(handler=_raw(b"HTTP/1.1 304 Not Modified", {"ETag": '"x"', "Content-Length": "6"}, b"<rss/>")),
    )
    feed_server.add("/f.xml", Route(body=b"<rss/>"))
    fetcher = fetcher_for(feed_server)

    async def go():
        try:
            for _ in range(2):
                assert (
                    await fetcher.get(feed_server.url("/junk304"), max_bytes=100, etag='"x"')
                ).not_modified
                assert (await fetcher.get(feed_server.url("/f.xml"), max_bytes=100)).body == b"<rss/>"
        finally:
            await fetcher.aclose()

    asyncio.run(go())


def test_https_transport_is_built_on_first_https_request_and_guarded(feed_server):
    """Plain-http polls never load the CA bundle; the first https request builds the TLS transport, whose
    connections go through the same connect-time address check."""
    from monitor.fetch import _OnFirstUse

    fetcher = fetcher_for(feed_server)
    https = next(t for t in fetcher._client._mounts.values() if isinstance(t, _OnFirstUse))
    url = feed_server.add("/f.xml", Route(body=b"<rss/>"))
    tls_url = url.replace(
        "http://", "https://"
    )  # the same port, which speaks plain HTTP: the handshake fails
    fetcher.guard.allow_hosts.add(f"127.0.0.1:{feed_server.port}")

    async def go():
        try:
            assert (await fetcher.get(url, max_bytes=1000)).body == b"<rss/>"
            assert https.transport is None
            with pytest.raises(FetchError, match="network error fetching https://"):
                await fetcher.get(tls_url, max_bytes=1000)
            assert https.transport is not None
            pool = https.transport._pool
            assert pool._ssl_context is not None and type(pool._network_backend).__name__ == "_GuardedBackend"
        finally:
            await fetcher.aclose()

    asyncio.run(go())


def test_byte_cap_counts_while_streaming(feed_server):
    url = feed_server.add("/big", Route(body=b"x" * 50_000, content_type="text/html"))
    with pytest.raises(TooLarge, match="cap of 10000"):
        get(fetcher_for(feed_server), url, max_bytes=10_000)


def test_gzip_bomb_stops_at_the_cap(feed_server):
    bomb = gzip.compress(b"\0" * 20_000_000)  # 20 MB that compress to ~20 KB
    url = feed_server.add("/bomb", Route(body=bomb, headers={"Content-Encoding": "gzip"}, etag=False))
    with pytest.raises(TooLarge):
        get(fetcher_for(feed_server), url, max_bytes=1_000_000)


def test_trickling_server_is_cut_off_by_the_total_deadline(feed_server):
    url = feed_server.add("/slow", Route(handler=trickle))
    started = time.monotonic()
    with pytest.raises(FetchError, match="deadline"):
        get(fetcher_for(feed_server, total=1.5, read=1.0), url)
    assert time.monotonic() - started < 10


def test_redirects_are_followed_and_capped(feed_server):
    feed_server.add("/final", Route(body=b"done"))
    feed_server.add("/r1", Route(status=301, headers={"Location": "/final"}, etag=False))
    result = get(fetcher_for(feed_server), feed_server.url("/r1"))
    assert result.body == b"done" and result.permanent_redirect == feed_server.url("/final")
    for i in range(10):
        feed_server.add(f"/loop{i}", Route(status=302, headers={"Location": f"/loop{i + 1}"}, etag=False))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        get(fetcher_for(feed_server, max_redirects=3), feed_server.url("/loop0"))


def test_status_errors_carry_retry_after(feed_server):
    url = feed_server.add("/busy", Route(status=503, headers={"Retry-After": "120"}, etag=False))
    with pytest.raises(HTTPStatusError) as e:
        get(fetcher_for(feed_server), url)
    assert e.value.status == 503 and e.value.retry_after == 120


def test_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("soon") is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://2130706433:9/",  # 127.0.0.1 as a decimal
        "http://[::1]:9/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://[fd00::1]/",
        "ftp://example.org/x",
        "file:///etc/passwd",
    ],
)
def test_non_public_addresses_are_refused(url):
    with pytest.raises(BlockedAddress):
        asyncio.run(AddressGuard().check(url))


def test_redirect_to_a_non_public_address_is_refused(feed_server):
    feed_server.add(
        "/to-metadata", Route(status=302, headers={"Location": "http://169.254.169.254/"}, etag=False)
    )
    with pytest.raises(BlockedAddress):
        get(fetcher_for(feed_server), feed_server.url("/to-metadata"))


def test_feed_origin_is_allowed_but_not_another_port(feed_server):
    guard = AddressGuard({origin_of(feed_server.base)})
    asyncio.run(guard.check(feed_server.url("/article")))
    with pytest.raises(BlockedAddress):
        asyncio.run(guard.check(f"http://127.0.0.1:{feed_server.port + 1}/article"))


def test_address_is_checked_again_at_connect_time(feed_server):
    """DNS rebinding: even when the pre-request check is fooled, the connection itself is refused."""

    class FooledGuard(AddressGuard):
        async def check(self, url: str) -> None:  # as if DNS had answered with a public address
            return None

    other = f"http://127.0.0.1:{feed_server.port}/x"
    fetcher = Fetcher(FetchLimits(total=3), guard=FooledGuard())  # the feed server's origin is NOT allowed
    with pytest.raises(BlockedAddress, match="non-public address 127.0.0.1"):
        get(fetcher, other)
    assert feed_server.requests == []
