"""The daily digest, pure part: when one is due, and plain data → digest model → ``EmailMessage``.

No network, disk, clock or database here: the caller (``monitor.mailer``) gathers a :class:`DigestData`
from the store and passes ``now``. Everything below is deterministic for given inputs, which is what
lets a retry re-render the same message (same Message-ID, same body) after a crash.

The delivery guarantees are described in docs/digest.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from datasketch import MinHash, MinHashLSH

from monitor.config import DigestConfig
from monitor.text import normalize

__all__ = [
    "CHART_DAYS",
    "DUPLICATE_THRESHOLD",
    "MAX_ATTEMPTS",
    "SHINGLE_SIZE",
    "DigestData",
    "DigestFigure",
    "DigestHit",
    "DigestModel",
    "FailedFeed",
    "Story",
    "after_failed_attempt",
    "build_digest",
    "cluster_stories",
    "daily_counts",
    "local_days_utc",
    "digest_period",
    "digest_subject",
    "figure_amount",
    "format_figure",
    "highlight",
    "render_digest",
    "render_parts",
    "retry_delay",
    "safe_link",
    "story_similarity",
]

# --- near-duplicate clustering --------------------------------------------------------------------------
# Character 5-grams of the normalised title + text: robust to inflection (Ukrainian/Russian endings change,
# the stem 5-grams survive) and to the small edits outlets make to a wire story. Two articles whose
# estimated Jaccard similarity of shingle sets is >= 0.5 are shown as one story. Measured on hand-made
# pairs (tests/test_digest.py): a syndicated copy with a changed headline scores ~0.8-0.95, two
# different stories on the same topic ~0.05-0.15, so 0.5 leaves a wide margin either way.
SHINGLE_SIZE = 5
DUPLICATE_THRESHOLD = 0.5
NUM_PERM = 128
_CLUSTER_TEXT_CHARS = 5000  # the start of a story identifies it; bounds the cost on 5 MB texts

# --- delivery ---------------------------------------------------------------------------------------------
MAX_ATTEMPTS = 10  # then status 'failed' (about 5 h of retrying with the delays below)
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)

CHART_DAYS = 14


# --- plain data in ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestFigure:
    """A figure found in one of the digest's articles (a row of ``figures`` joined to its article)."""

    figure_id: int
    article_id: int
    value: int | None
    low: int | None = None
    high: int | None = None
    qualifier: str = "exact"
    counted: str | None = None
    counted_lemma: str | None = None
    period: str | None = None
    rate: str | None = None
    attributed_to: str | None = None
    topic: str | None = None
    hit_id: int | None = None
    outlet: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class DigestHit:
    """One hit with its article, as the digest shows it."""

    hit_id: int
    topic: str
    title: str | None
    url: str | None
    outlet: str | None
    language: str | None
    matched_at: datetime
    published: datetime | None = None
    keywords: tuple[str, ...] = ()
    snippet: str = ""
    text: str = ""  # the start of the article text, for near-duplicate clustering
    article_id: int = 0
    also_in: tuple[str, ...] = ()  # other feeds whose entries led to the very same article
    figures: tuple[DigestFigure, ...] = ()

    @property
    def when(self) -> datetime:
        return self.published or self.matched_at


@dataclass(frozen=True)
class FailedFeed:
    name: str
    url: str
    last_error: str | None
    error_count: int = 0


@dataclass(frozen=True)
class DigestData:
    """Everything one digest shows; gathered by ``monitor.mailer`` from the store."""

    period_start: datetime
    period_end: datetime
    hits: tuple[DigestHit, ...] = ()
    figures: tuple[DigestFigure, ...] = ()
    daily: tuple[tuple[date, int], ...] = ()  # hits per local day, oldest first (see daily_counts)
    failed_feeds: tuple[FailedFeed, ...] = ()


# --- the model the templates render ------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One story: the lead hit (the earliest report) and the other outlets that carried it."""

    lead: DigestHit
    others: tuple[DigestHit, ...] = ()

    @property
    def hits(self) -> tuple[DigestHit, ...]:
        return (self.lead, *self.others)

    @property
    def newest(self) -> datetime:
        return max(h.when for h in self.hits)


@dataclass(frozen=True)
class TopicGroup:
    name: str
    hit_count: int
    stories: tuple[Story, ...]
    hidden: int = 0  # stories left out because of max_items


@dataclass(frozen=True)
class FigureRow:
    text: str  # "about 21,600"
    qualifier: str
    counted: str
    period: str
    claimed_by: str
    outlets: str
    url: str | None


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    height: int  # pixels


@dataclass(frozen=True)
class DigestModel:
    subject: str
    period_start: datetime  # in the digest's time zone
    period_end: datetime
    tz: str
    hit_count: int
    story_count: int
    topic_counts: tuple[tuple[str, int], ...]
    topics: tuple[TopicGroup, ...]
    figures: tuple[FigureRow, ...]
    bars: tuple[Bar, ...]
    chart_max: int
    failed_feeds: tuple[FailedFeed, ...]
    outlet_count: int
    hidden: int = 0


# --- when a digest is due ----------------------------------------------------------------------------------


def _slot(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The digest time on a local day, as an aware datetime.

    zoneinfo resolves wall times the DST change makes odd: a time that does not exist (02:30 on a
    spring-forward night) is read with the offset before the change, i.e. it lands an hour later in
    real time (03:30); a time that occurs twice (autumn) is its first occurrence (fold=0). PEP 495.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(tz)


def digest_period(
    now: datetime, cfg: DigestConfig, last_period_end: datetime | None
) -> tuple[datetime, datetime] | None:
    """Is a digest due at ``now``? Daily at ``cfg.time`` in ``cfg.tz``; returns the period to cover.

    The period ends at the latest scheduled time not after ``now`` and starts where the previous
    digest ended (or one day earlier when there was none). If the daemon was down for days, one digest
    covers the whole gap. Returns None when disabled or when the latest slot is already covered.
    Both datetimes are aware, in UTC.
    """
    if not cfg.enabled:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = ZoneInfo(cfg.tz)
    hour, minute = (int(part) for part in cfg.time.split(":"))
    at = time(hour, minute)
    local_now = now.astimezone(tz)
    end = _slot(local_now.date(), at, tz)
    if end > now:
        end = _slot(local_now.date() - timedelta(days=1), at, tz)
    if last_period_end is not None and last_period_end >= end:
        return None
    start = last_period_end if last_period_end is not None else _slot(end.date() - timedelta(days=1), at, tz)
    # Returned in UTC: arithmetic on two datetimes sharing a ZoneInfo is wall-clock arithmetic
    # (a DST day would look 24 h long); in UTC it is real elapsed time.
    return start.astimezone(UTC), end.astimezone(UTC)


# --- delivery state (pure decisions; the mailer applies them) -----------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Capped exponential backoff after ``attempts`` failed attempts: 1, 2, 4 … 60 minutes."""
    if attempts < 1:
        return timedelta(0)
    return min(RETRY_CAP, RETRY_BASE * (2 ** min(attempts - 1, 20)))


def after_failed_attempt(
    attempts: int, now: datetime, max_attempts: int = MAX_ATTEMPTS
) -> tuple[str, datetime | None]:
    """Status and next attempt time after the ``attempts``-th attempt failed."""
    if attempts >= max_attempts:
        return "failed", None
    return "pending", now + retry_delay(attempts)


# --- pieces of the model ------------------------------------------------------------------------------------


def daily_counts(
    stamps: Iterable[datetime], end: datetime, tz: str, days: int = CHART_DAYS
) -> tuple[tuple[date, int], ...]:
    """Hits per local day for the ``days`` days ending with ``end``'s day, oldest first, stamp by stamp: the
    definition the digest's chart follows (it counts the same days in SQL over ``local_days_utc``)."""
    zone = ZoneInfo(tz)
    last = end.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    counts: Counter[date] = Counter()
    for stamp in stamps:
        if stamp > end:
            continue
        day = stamp.astimezone(zone).date()
        if first <= day <= last:
            counts[day] += 1
    return tuple((first + timedelta(days=i), counts[first + timedelta(days=i)]) for i in range(days))


def local_days_utc(
    end: datetime, tz: str, days: int = CHART_DAYS
) -> tuple[tuple[date, datetime, datetime], ...]:
    """The ``days`` local days ending with ``end``'s day, oldest first, each as (day, first UTC instant, UTC
    instant after it): what ``daily_counts`` bins by, as ranges a database index can count. The last range
    ends just after ``end`` (later stamps are not counted, as in ``daily_counts``).

    Midnight is taken with fold=0, so a day whose midnight is skipped by a DST change starts at the
    transition and one whose midnight repeats starts at the first — the same days ``astimezone`` gives."""
    zone = ZoneInfo(tz)
    last = end.astimezone(zone).date()
    first = last - timedelta(days=days - 1)
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        lo = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        out.append((day, lo, min(hi, end.astimezone(UTC) + timedelta(seconds=1))))
    return tuple(out)


def highlight(snippet: str, keywords: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """Split ``snippet`` into (text, is_match) pieces, marking every occurrence of a matched surface form.

    Matching is case-insensitive and tolerant of ё/е and apostrophe variants (the same normalisation the
    matcher uses; it keeps offsets, so the marks fall on the original characters). Longest forms win.
    The pieces are plain text: the template escapes them, so a snippet containing ``<`` stays text.
    """
    forms = sorted({normalize(k).strip() for k in keywords if k and k.strip()}, key=len, reverse=True)
    if not snippet or not forms:
        return ((snippet, False),) if snippet else ()
    pattern = re.compile("|".join(re.escape(f) for f in forms), re.IGNORECASE)
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for m in pattern.finditer(normalize(snippet)):
        if m.start() > pos:
            pieces.append((snippet[pos : m.start()], False))
        pieces.append((snippet[m.start() : m.end()], True))
        pos = m.end()
    if pos < len(snippet):
        pieces.append((snippet[pos:], False))
    return tuple(pieces)


_QUALIFIER_WORDS = {
    "exact": "",
    "approx": "about ",
    "over": "over ",
    "under": "under ",
    "up_to": "up to ",
    "at_least": "at least ",
}


def safe_link(url: str | None) -> str | None:
    """Only http(s) URLs become links (a feed could carry ``javascript:``); anything else is shown as text."""
    if url and re.match(r"(?i)^https?://", url.strip()):
        return url.strip()
    return None


def _number(n: int) -> str:
    return f"{n:,}"


def figure_amount(fig: DigestFigure) -> str:
    """The number as a reader says it: "about 21,600", "1,000–2,000", "thousands"."""
    if fig.qualifier == "range" and fig.low is not None and fig.high is not None:
        return f"{_number(fig.low)}–{_number(fig.high)}"
    if fig.value is None:
        return "an unstated number"
    return _QUALIFIER_WORDS.get(fig.qualifier, "") + _number(fig.value)


def format_figure(fig: DigestFigure) -> str:
    """One line: "21,600 soldiers · October · per Die Welt"."""
    head = figure_amount(fig) + (f" {fig.counted}" if fig.counted else "")
    parts = [head]
    if fig.rate:
        parts.append(fig.rate)
    if fig.period:
        parts.append(fig.period)
    if fig.attributed_to:
        parts.append(f"per {fig.attributed_to}")
    return " · ".join(parts)


def _shingles(hit: DigestHit) -> set[bytes]:
    raw = f"{hit.title or ''} {hit.text[:_CLUSTER_TEXT_CHARS]}"
    text = normalize(unicodedata.normalize("NFC", raw)).casefold()
    text = " ".join(re.findall(r"\w+", text))
    if len(text) <= SHINGLE_SIZE:
        return {text.encode("utf-8")}
    return {text[i : i + SHINGLE_SIZE].encode("utf-8") for i in range(len(text) - SHINGLE_SIZE + 1)}


def _signature(hit: DigestHit) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=1)  # fixed seed: the same hits always cluster the same way
    mh.update_batch(sorted(_shingles(hit)))
    return mh


def story_similarity(a: DigestHit, b: DigestHit) -> float:
    """MinHash estimate of the Jaccard similarity of two hits' title + text shingles (0..1)."""
    return float(_signature(a).jaccard(_signature(b)))


def cluster_stories(hits: Sequence[DigestHit], threshold: float = DUPLICATE_THRESHOLD) -> tuple[Story, ...]:
    """Group near-duplicate hits (MinHash over title + text) into stories, newest story first.

    Candidates come from MinHash LSH and each candidate pair is confirmed with the MinHash estimate
    of Jaccard similarity; connected pairs form one story (union-find), so A~B and B~C group A, B, C.
    The lead is the earliest report; the others follow in time order.
    """
    if not hits:
        return ()
    signatures = [_signature(hit) for hit in hits]
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(hits) > 1:
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        for i, mh in enumerate(signatures):
            lsh.insert(i, mh)
        for i, mh in enumerate(signatures):
            for j in sorted(lsh.query(mh)):
                if j > i and mh.jaccard(signatures[j]) >= threshold:
                    parent[find(j)] = find(i)
    groups: dict[int, list[DigestHit]] = {}
    for i, hit in enumerate(hits):
        groups.setdefault(find(i), []).append(hit)
    stories = []
    for members in groups.values():
        members.sort(key=lambda h: (h.when, h.hit_id))
        stories.append(Story(lead=members[0], others=tuple(members[1:])))
    stories.sort(key=lambda s: (s.newest, s.lead.hit_id), reverse=True)
    return tuple(stories)


def _figure_rows(figures: Sequence[DigestFigure]) -> tuple[FigureRow, ...]:
    """One row per claim (same amount, counted noun, period and source); the outlets that carried it joined."""
    claims: dict[tuple, list[DigestFigure]] = {}
    for fig in sorted(figures, key=lambda f: f.figure_id):
        key = (
            fig.value,
            fig.low,
            fig.high,
            fig.qualifier,
            fig.counted_lemma or fig.counted,
            fig.period,
            fig.attributed_to,
        )
        claims.setdefault(key, []).append(fig)
    rows = []
    for figs in claims.values():
        first = figs[0]
        outlets = list(dict.fromkeys(f.outlet for f in figs if f.outlet))
        rows.append(
            (
                -(first.value or first.high or 0),
                first.figure_id,
                FigureRow(
                    text=figure_amount(first),
                    qualifier=first.qualifier,
                    counted=first.counted or "",
                    period=" ".join(p for p in (first.period, first.rate) if p),
                    claimed_by=first.attributed_to or "",
                    outlets=", ".join(outlets),
                    url=first.url,
                ),
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    return tuple(r[2] for r in rows)


def digest_subject(prefix: str, topic_counts: Sequence[tuple[str, int]]) -> str:
    """ "monitor: 14 new hits — desertion 9, conscription 5" (or "monitor: no new hits")."""
    total = sum(n for _, n in topic_counts)
    if total == 0:
        return f"{prefix}: no new hits"
    noun = "hit" if total == 1 else "hits"
    return f"{prefix}: {total} new {noun} — " + ", ".join(f"{name} {n}" for name, n in topic_counts)


def _fair_cut(per_topic: list[tuple[str, tuple[Story, ...]]], limit: int) -> dict[str, int]:
    """How many stories each topic may show so the total stays within ``limit``: round-robin, so one busy
    topic cannot crowd the others out."""
    shown = {name: 0 for name, _ in per_topic}
    budget = limit
    rank = 0
    while budget > 0:
        progressed = False
        for name, stories in per_topic:
            if rank < len(stories) and budget > 0:
                shown[name] += 1
                budget -= 1
                progressed = True
        if not progressed:
            break
        rank += 1
    return shown


def build_digest(data: DigestData, cfg: DigestConfig) -> DigestModel:
    """Plain data → what the templates show: topics (busiest first), stories, figures, chart, footer."""
    tz = ZoneInfo(cfg.tz)
    figures_by_hit: dict[int, list[DigestFigure]] = {}
    for fig in data.figures:
        for hit in data.hits:
            if hit.article_id == fig.article_id and (
                fig.hit_id == hit.hit_id or (fig.hit_id is None and fig.topic in (None, hit.topic))
            ):
                figures_by_hit.setdefault(hit.hit_id, []).append(fig)
    hits = [h if h.figures else _with_figures(h, tuple(figures_by_hit.get(h.hit_id, ()))) for h in data.hits]
    by_topic: dict[str, list[DigestHit]] = {}
    for hit in hits:
        by_topic.setdefault(hit.topic, []).append(hit)
    topic_counts = sorted(((name, len(hs)) for name, hs in by_topic.items()), key=lambda t: (-t[1], t[0]))
    clustered = [(name, cluster_stories(by_topic[name])) for name, _ in topic_counts]
    cut = _fair_cut(clustered, cfg.max_items)
    groups = tuple(
        TopicGroup(
            name=name,
            hit_count=len(by_topic[name]),
            stories=stories[: cut[name]],
            hidden=len(stories) - cut[name],
        )
        for name, stories in clustered
    )
    figures = _figure_rows(list({f.figure_id: f for f in data.figures}.values()))
    peak = max((n for _, n in data.daily), default=0)
    bars = tuple(
        Bar(day=d, count=n, height=(round(60 * n / peak) if peak and n else 0)) for d, n in data.daily
    )
    outlets = {o for h in hits for o in (h.outlet, *h.also_in) if o}
    return DigestModel(
        subject=digest_subject(cfg.subject_prefix, topic_counts),
        period_start=data.period_start.astimezone(tz),
        period_end=data.period_end.astimezone(tz),
        tz=cfg.tz,
        hit_count=len(hits),
        story_count=sum(len(s) for _, s in clustered),
        topic_counts=tuple(topic_counts),
        topics=groups,
        figures=figures,
        bars=bars,
        chart_max=peak,
        failed_feeds=tuple(sorted(data.failed_feeds, key=lambda f: (f.name.casefold(), f.url))),
        outlet_count=len(outlets),
        hidden=sum(g.hidden for g in groups),
    )


def _with_figures(hit: DigestHit, figures: tuple[DigestFigure, ...]) -> DigestHit:
    return replace(hit, figures=figures)


# --- rendering -------------------------------------------------------------------------------------------------

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environments() -> tuple[jinja2.Environment, jinja2.Environment]:
    loader = jinja2.FileSystemLoader(_TEMPLATES)
    html = jinja2.Environment(  # every value is escaped unless marked safe
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    text = jinja2.Environment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for env in (html, text):
        env.filters["figure"] = format_figure
        env.filters["amount"] = figure_amount
        env.filters["number"] = _number
        env.globals["highlight"] = highlight
        env.globals["link"] = safe_link
    return html, text


# Month names spelled out here: strftime's %b follows the process locale, and the digest must not.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _local_filters(tz: ZoneInfo) -> dict[str, object]:
    def when(value: datetime) -> str:
        local = value.astimezone(tz)
        return f"{local.day} {_MONTHS[local.month - 1]} {local:%H:%M}"

    def day(value: date) -> str:
        return f"{value.day} {_MONTHS[value.month - 1]}"

    return {"when": when, "day": day}


def render_parts(model: DigestModel, cfg: DigestConfig, *, now: datetime) -> tuple[str, str]:
    """The text and HTML bodies for a digest model."""
    html_env, text_env = _environments()
    context = {
        "d": model,
        "cfg": cfg,
        "generated": now,
        **_local_filters(ZoneInfo(cfg.tz)),
    }
    text = text_env.get_template("digest.txt.j2").render(context)
    html = html_env.get_template("digest.html.j2").render(context)
    return text, html


def render_digest(data: DigestData, cfg: DigestConfig, *, message_id: str, now: datetime) -> EmailMessage:
    """A multipart/alternative (text, then HTML) UTF-8 message; ``now`` is its Date header.

    Non-ASCII headers (a Cyrillic topic in the subject) are RFC 2047-encoded by the default email policy.
    """
    model = build_digest(data, cfg)
    text, html = render_parts(model, cfg, now=now)
    msg = EmailMessage()
    msg["Subject"] = model.subject
    msg["From"] = cfg.from_
    if cfg.to:
        msg["To"] = ", ".join(cfg.to)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    # RFC 3834: a machine-generated message; well-behaved auto-responders stay quiet.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Monitor-Period"] = f"{model.period_start.isoformat()} / {model.period_end.isoformat()}"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg
