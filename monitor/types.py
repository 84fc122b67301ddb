"""Plain, frozen data passed between the pipeline's steps.

Every step takes and returns these (never raw feedparser or trafilatura dicts), so each step can be
tested on its own with hand-made values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Article",
    "Entry",
    "Figure",
    "Hit",
    "PollOutcome",
    "Qualifier",
    "TermMatch",
    "TopicSpec",
]


class Qualifier(StrEnum):
    """How a figure is hedged; the table in docs/figures.md (from the labelling guide) defines each."""

    EXACT = "exact"
    APPROX = "approx"
    OVER = "over"
    UNDER = "under"
    UP_TO = "up_to"
    AT_LEAST = "at_least"
    RANGE = "range"
    VAGUE = "vague"


@dataclass(frozen=True)
class TopicSpec:
    """One topic as configured: terms and exclusions per language.

    Keys of ``terms``/``exclusions`` are language codes (``en``, ``uk``, ``ru``) or ``any`` for
    terms that apply to text in every language (abbreviations such as AWOL, СЗЧ).
    """

    name: str
    terms: Mapping[str, tuple[str, ...]]
    exclusions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TermMatch:
    """One occurrence of a topic term in the text: why a hit exists."""

    term: str  # the configured term that matched (dictionary form)
    surface: str  # the words as written in the text
    field: str  # "title" or "body"
    start: int  # character offsets into that field
    end: int


@dataclass(frozen=True)
class Hit:
    """An article matched a topic."""

    topic: str
    keywords: tuple[str, ...]  # distinct surface forms matched, in order of first appearance
    terms: tuple[str, ...]  # distinct configured terms that matched
    field: str  # "title", "body" or "title+body"
    count: int  # number of term occurrences
    snippet: str  # the best sentence
    score: float
    matches: tuple[TermMatch, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A quantity stated in the text, with what it counts and who claims it."""

    value: int | None  # None only for vague quantities; the low bound for a range
    low: int | None
    high: int | None
    qualifier: Qualifier
    counted: str | None  # noun phrase as written
    counted_lemma: str | None  # normalised form of ``counted`` for grouping claims
    period: str | None
    rate: str | None
    sentence: str
    start: int  # character offsets of the number phrase in the text passed in
    end: int
    attributed_to: str | None
    topic: str | None = None


@dataclass(frozen=True)
class Entry:
    """One item of a parsed feed."""

    entry_id: str
    link: str | None
    title: str | None
    summary: str | None  # the feed's own text (content or summary), HTML stripped
    published: str | None  # ISO 8601 UTC, when the feed gives one


@dataclass(frozen=True)
class Article:
    """An article's text, from the page (trafilatura) or, failing that, from the feed entry."""

    url: str | None
    title: str | None
    text: str
    language: str | None
    published: str | None
    text_source: str  # "page" or "feed"
    source_note: str | None = None  # why the page was not used, when text_source == "feed"


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one feed did: recorded on the feed's row, never raised."""

    feed_url: str
    status: int | None  # HTTP status, None when no response came
    new_entries: int = 0
    hits: int = 0
    figures: int = 0
    error: str | None = None
    retry_after: float | None = None  # seconds, from a Retry-After header
    elapsed_ms: int = 0
    not_modified: bool = False
