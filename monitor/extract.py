"""HTML bytes → title, text, language and date via trafilatura. Pure: no fetching.

trafilatura and lxml are imported on first use, so a poll in which no page changed never loads them.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.text import detect_language

__all__ = ["Extracted", "extract_page", "looks_like_html"]

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


def extract_page(body: bytes, url: str | None = None, content_type: str = "") -> Extracted:
    """Main text of an article page; raises ExtractionError with the reason when there is none."""
    if not body.strip():
        raise ExtractionError("empty page")
    if not looks_like_html(body, content_type):
        raise ExtractionError(f"not an HTML page ({content_type or 'binary content'})")
    import trafilatura  # heavy (lxml, dateparser…): loaded only when a page must be extracted

    try:
        doc = trafilatura.bare_extraction(
            body.replace(b"\x00", b""),
            url=url,
            with_metadata=True,
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
    title = (getattr(doc, "title", None) or "").strip() or None
    language = getattr(doc, "language", None) or detect_language(f"{title or ''}\n{text}")
    return Extracted(title=title, text=text, language=language, published=getattr(doc, "date", None))
