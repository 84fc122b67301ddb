"""Feed bytes → entries, via feedparser (given bytes, never a URL, so it does no I/O); entry ids; URL
canonicalisation. Pure.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from monitor.types import Entry

__all__ = ["ParsedFeed", "canonical_url", "entry_id_for", "parse_feed", "strip_html"]

_MAX_FIELD = 100_000  # a 1 MB title is cut here: nobody reads past it and it bloats every index


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    entries: tuple[Entry, ...]
    problem: str | None = None  # feedparser's complaint when the feed is ill-formed but usable


class FeedParseError(ValueError):
    """The bytes are not a feed at all (an HTML page, an empty body, binary)."""


_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|table|blockquote|section|article)\b[^>]{0,2000}>", re.I
)
_SPACE = re.compile(r"[ \t\r\f\v]+")


def strip_html(value: str | None) -> str:
    """Feed summaries are HTML fragments: drop tags, unescape entities, fold spaces."""
    if not value:
        return ""
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", value.replace("\x00", "")))
    text = html.unescape(text)
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[:_MAX_FIELD]


_TRACKING = re.compile(
    r"^(utm_[a-z]*|fbclid|gclid|yclid|mc_cid|mc_eid|igshid|ref_src|at_medium|at_campaign)$", re.I
)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """Lower-cased scheme and host, no default port, no fragment, no tracking parameters (utm_*, fbclid…)."""
    if not url:
        return None
    url = url.strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def entry_id_for(guid: str | None, link: str | None, title: str | None, published: str | None) -> str:
    """A stable id: the GUID, else the link, else a hash of title + date."""
    if guid and guid.strip():
        return guid.strip()[:2000]
    if link and link.strip():
        return link.strip()[:2000]
    digest = hashlib.sha256(f"{title or ''}\n{published or ''}".encode("utf-8", "replace")).hexdigest()
    return f"sha256:{digest}"


def _iso(struct: object) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat(timespec="seconds")  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", re.I)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def normalize_encoding(body: bytes, content_type: str = "") -> bytes:
    """Re-encode a feed that declares no usable charset and is not UTF-8 (a windows-1251 or KOI8-R feed
    served without a declaration) as UTF-8, so feedparser does not read it as windows-1252 mojibake.

    A BOM, valid UTF-8, or an explicit non-UTF-8 declaration (XML or HTTP) is trusted as is.
    """
    if body.startswith(_BOMS):
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    declared = _XML_ENCODING.match(body[:300])
    charset = re.search(r"charset=([\w.-]+)", content_type or "", re.I)
    name = (declared.group(1).decode() if declared else charset.group(1) if charset else "utf-8").lower()
    if name not in {"utf-8", "utf8"}:
        return body
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    if best is None or best.encoding in {"utf_8", "ascii"}:
        return body
    text = body.decode(best.encoding, errors="replace")
    text = re.sub(r"^\s*<\?xml[^>]{0,200}?\?>", "", text, count=1)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text.lstrip().encode("utf-8")


def parse_feed(body: bytes, url: str, *, content_type: str = "") -> ParsedFeed:
    """Parse feed bytes. Raises FeedParseError when the body is not a feed at all."""
    import feedparser  # imported on first use: a warm poll of unchanged feeds never needs it

    if not body.strip():
        raise FeedParseError("empty body")
    body = normalize_encoding(body, content_type)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        head = body[:1024].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise FeedParseError("got an HTML page, not RSS/Atom")
        problem = parsed.get("bozo_exception")
        reason = f": {problem}" if problem else ""
        raise FeedParseError(f"not an RSS/Atom feed{reason}")
    feed = parsed.get("feed", {})
    entries: list[Entry] = []
    seen: set[str] = set()
    for item in parsed.entries:
        link = canonical_url(item.get("link"), url) if item.get("link") else None
        title = strip_html(item.get("title"))[:2000] or None
        published = _iso(item.get("published_parsed") or item.get("updated_parsed"))
        contents = item.get("content") or []
        content = max((c.get("value", "") for c in contents), key=len, default="")
        summary = strip_html(
            content if len(content) > len(item.get("summary") or "") else item.get("summary")
        )
        eid = entry_id_for(item.get("id"), item.get("link"), title, published)
        if eid in seen:  # duplicate GUIDs inside one feed: the first wins
            continue
        seen.add(eid)
        entries.append(
            Entry(entry_id=eid, link=link, title=title, summary=summary or None, published=published)
        )
    problem = None
    if parsed.get("bozo"):
        problem = str(parsed.get("bozo_exception") or "ill-formed feed")[:300]
    language = (feed.get("language") or "").split("-")[0].lower() or None
    return ParsedFeed(
        title=strip_html(feed.get("title")) or None,
        language=language,
        entries=tuple(entries),
        problem=problem,
    )
