"""HTML bytes → title, text, language and date via trafilatura. Pure: no fetching.

trafilatura and lxml are imported on first use, so a poll in which no page changed never loads them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from monitor.text import detect_language

__all__ = ["Extracted", "extract_page", "load_trafilatura", "looks_like_html"]

_MIN_TEXT = 200  # shorter "main text" is a cookie wall, a teaser or a paywall stub: the feed text is better


@dataclass(frozen=True)
class Extracted:
    title: str | None
    text: str
    language: str | None
    published: str | None


class ExtractionError(ValueError):
    """The page yielded no usable main text; the message says why."""


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype and ctype not in {"text/html", "application/xhtml+xml", "text/plain", ""}:
        return False
    head = body[:2048].lstrip().lower()
    if head.startswith((b"%pdf", b"\x89png", b"gif8", b"\xff\xd8", b"pk\x03\x04")):
        return False
    return b"<" in head or ctype == "text/html"


# trafilatura's justext fallback, given no language, scores paragraphs against the union of all 100 justext
# stoplists: 154,000 words, ~27 MB in every extraction process, built on first use. monitor reads English,
# Ukrainian and Russian, so their stoplists are what it scores against (9,300 words). Checked on the 242
# corpus pages: one extracted text differs (3,933 → 4,083 characters), token precision/recall against the
# ground truth unchanged (bench/README.md).
JUSTEXT_LANGUAGES = ("English", "Ukrainian", "Russian")


def load_trafilatura() -> Any:
    """trafilatura, imported (heavy: lxml, justext…) and set up for monitor's languages on first call."""
    import trafilatura
    from trafilatura import external

    if external.JT_STOPLIST is None:
        from justext.utils import get_stoplist

        external.JT_STOPLIST = tuple(  # type: ignore[assignment]  # trafilatura declares it None until built
            sorted({word for language in JUSTEXT_LANGUAGES for word in get_stoplist(language)})
        )
        try:  # justext lower-cases it into a frozenset on first use and keeps that (lru_cache): do it here,
            # so the forkserver builds it once for every worker instead of each worker on its first page
            from justext.core import define_stoplist

            define_stoplist(external.JT_STOPLIST)
        except ImportError:  # pragma: no cover - another justext layout: it is built on first use instead
            pass
    return trafilatura


def extract_page(body: bytes, url: str | None = None, content_type: str = "") -> Extracted:
    """Main text of an article page; raises ExtractionError with the reason when there is none."""
    if not body.strip():
        raise ExtractionError("empty page")
    if not looks_like_html(body, content_type):
        raise ExtractionError(f"not an HTML page ({content_type or 'binary content'})")
    trafilatura = load_trafilatura()  # loaded only when a page must be extracted

    try:
        # with_metadata=False: the same main text (checked on 120 corpus pages) in two thirds of the time and
        # ~50 MB less per worker (bench/README.md); the title comes from page_title, the date from the feed.
        doc = trafilatura.bare_extraction(
            body.replace(b"\x00", b""),
            url=url,
            with_metadata=False,
            include_comments=False,
            include_tables=False,
            deduplicate=False,
        )
    except Exception as e:  # trafilatura raises assorted lxml/parser errors on hostile markup
        raise ExtractionError(f"extraction failed: {type(e).__name__}: {e}") from e
    if doc is None:
        raise ExtractionError("no main text found")
    text = (getattr(doc, "text", None) or "").strip()
    if len(text) < _MIN_TEXT:
        raise ExtractionError(f"main text too short ({len(text)} characters)")
    title = page_title(body)
    language = detect_language(f"{title or ''}\n{text}")
    return Extracted(title=title, text=text, language=language, published=None)


# og:title is the headline without the site's suffix; <title> is the fallback. Bounded repeats keep the scan
# linear on hostile markup.
_TITLE_PATTERNS = (
    re.compile(
        rb'<meta\b[^>]{0,300}?property\s*=\s*["\']og:title["\'][^>]{0,300}?content\s*=\s*"([^"]{1,1000})"',
        re.I,
    ),
    re.compile(
        rb'<meta\b[^>]{0,300}?content\s*=\s*"([^"]{1,1000})"[^>]{0,300}?property\s*=\s*["\']og:title["\']',
        re.I,
    ),
    re.compile(rb"<title\b[^>]{0,200}>([^<]{1,1000})</title", re.I),
)
_CHARSET = re.compile(rb'<meta\b[^>]{0,300}?charset\s*=\s*["\']?([A-Za-z0-9._-]{1,40})', re.I)


def page_title(body: bytes) -> str | None:
    """The page's headline from its markup (og:title, else <title>), decoded by its declared charset."""
    head = body[:300_000]
    for pattern in _TITLE_PATTERNS:
        m = pattern.search(head)
        if not m:
            continue
        raw = m.group(1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            declared = _CHARSET.search(head)
            try:
                text = raw.decode(declared.group(1).decode() if declared else "cp1252", errors="replace")
            except LookupError:
                text = raw.decode("utf-8", errors="replace")
        title = " ".join(html.unescape(text).split())
        if title:
            return title[:2000]
    return None
