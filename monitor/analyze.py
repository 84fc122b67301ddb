"""The per-article part of the pipeline, as pure functions: page or feed text → Article → hits → figures.

Both the daemon (in worker processes) and ``monitor extract`` call these, so what a user sees from
``monitor extract`` is exactly what the daemon stores.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.extract import ExtractionError, extract_page
from monitor.figures import find_figures
from monitor.match import compile_topics, match_topics
from monitor.text import detect_language
from monitor.types import Article, Entry, Figure, Hit, TopicSpec

__all__ = ["Analysis", "analyze_article", "article_from_feed", "article_from_page", "to_json"]


@dataclass(frozen=True)
class Analysis:
    article: Article
    hits: tuple[Hit, ...]
    figures: tuple[Figure, ...]


def article_from_feed(entry: Entry, note: str | None, feed_language: str | None = None) -> Article:
    text = entry.summary or ""
    return Article(
        url=entry.link,
        title=entry.title,
        text=text,
        language=detect_language(f"{entry.title or ''}\n{text}") or feed_language,
        published=entry.published,
        text_source="feed",
        source_note=note,
    )


def article_from_page(
    body: bytes | None,
    entry: Entry,
    *,
    content_type: str = "",
    fetch_note: str | None = None,
    feed_language: str | None = None,
) -> Article:
    """The page's main text when it has one, else the feed's own text with the reason recorded."""
    if body is None:
        return article_from_feed(entry, fetch_note or "page not fetched", feed_language)
    try:
        page = extract_page(body, entry.link, content_type)
    except ExtractionError as e:
        return article_from_feed(entry, f"page: {e}", feed_language)
    return Article(
        url=entry.link,
        title=page.title or entry.title,
        text=page.text,
        language=page.language or feed_language,
        published=entry.published or page.published,
        text_source="page",
    )


_COMPILED: dict[int, Any] = {}


def _compiled(topics: Sequence[TopicSpec]) -> Any:
    """The compiled topics, cached for the config's topics tuple (safe to call from several threads)."""
    key = id(topics)
    entry = _COMPILED.get(key)
    if entry is None:
        entry = (topics, compile_topics(topics))  # keeps `topics` alive, so its id is not reused
        _COMPILED.clear()
        _COMPILED[key] = entry
    return entry[1]


def analyze_article(
    article: Article, topics: Sequence[TopicSpec], *, figures_without_topic: bool = False
) -> Analysis:
    """Topics first; figures only for an article on a topic (unless ``figures_without_topic``).

    Most articles of a general news feed match no topic, and their numbers (scores, prices, populations) are
    not what anyone monitors: skipping them saves the figure pass (~2 ms a page, bench/README.md) on most
    pages. ``monitor rematch`` adds an article's figures when new topics make it match; ``monitor extract
    --all-figures`` reads them from any text.
    """
    hits = tuple(match_topics(article.title, article.text, _compiled(topics), article.language))
    wanted = article.text and (hits or figures_without_topic)
    figures = tuple(find_figures(article.text, article.language, hits)) if wanted else ()
    return Analysis(article, hits, figures)


_WORKER_TOPICS: Sequence[TopicSpec] = ()


def init_worker(topics: Sequence[TopicSpec]) -> None:
    """Process-pool initializer: topics are sent and compiled once per worker, not once per page."""
    global _WORKER_TOPICS
    _WORKER_TOPICS = topics
    _compiled(topics)


# Fault injection, for tests only (tests/test_crash.py): a worker handed a page that contains this variable's
# value kills itself with SIGKILL, as the kernel's OOM killer would. No such page can be made on purpose, and
# the pool's recovery (pipeline.Poller._retry_alone) must be tested against a real death. Unset in normal use.
KILL_WORKER_ENV = "MONITOR_TEST_KILL_WORKER_ON"


def process_entry_in_worker(
    entry: Entry, body: bytes | None, content_type: str, fetch_note: str | None, feed_language: str | None
) -> Analysis:
    marker = os.environ.get(KILL_WORKER_ENV)
    if marker and body is not None and marker.encode() in body:
        os.kill(os.getpid(), signal.SIGKILL)
    return process_entry(
        entry,
        body,
        _WORKER_TOPICS,
        content_type=content_type,
        fetch_note=fetch_note,
        feed_language=feed_language,
    )


def process_entry(
    entry: Entry,
    body: bytes | None,
    topics: Sequence[TopicSpec],
    *,
    content_type: str = "",
    fetch_note: str | None = None,
    feed_language: str | None = None,
) -> Analysis:
    """Worker-process entry point: extraction, matching and figures for one entry."""
    article = article_from_page(
        body, entry, content_type=content_type, fetch_note=fetch_note, feed_language=feed_language
    )
    return analyze_article(article, topics)


def to_json(analysis: Analysis) -> dict[str, Any]:
    """The ``monitor extract --json`` contract (docs/cli.md); other tools depend on it: keep it stable."""
    a = analysis.article
    return {
        "title": a.title,
        "language": a.language,
        "text": a.text,
        "text_source": a.text_source,
        "topics": [
            {
                "topic": h.topic,
                "keywords": list(h.keywords),
                "terms": list(h.terms),
                "field": h.field,
                "count": h.count,
                "score": h.score,
                "snippet": h.snippet,
            }
            for h in analysis.hits
        ],
        "figures": [
            {
                "value": f.value,
                "low": f.low,
                "high": f.high,
                "qualifier": str(f.qualifier),
                "counted": f.counted,
                "period": f.period,
                "rate": f.rate,
                "sentence": f.sentence,
                "attributed_to": f.attributed_to,
                "topic": f.topic,
                "start": f.start,
                "end": f.end,
            }
            for f in analysis.figures
        ],
    }
