"""The daily digest, edge part: the digest SQL (gather, claim, record), SMTP delivery and .eml files.

The decisions (is a digest due, what it says, how long to wait after a failure) are pure and live in
``monitor.digest``; this module applies them to a :class:`~monitor.store.Store` and the network.

Delivery state machine of one ``digests`` row (docs/digest.md has the guarantees in prose)::

    (created + hits claimed, one transaction)
        │
        ▼
     pending ──attempt ok (SMTP)──────────► sent
        │    ──attempt ok (no SMTP)───────► written   (.eml under storage.digests_dir)
        │    ──attempt failed, attempts < MAX_ATTEMPTS: next_attempt_at = now + backoff ─┐
        │ ◄──────────────────────────────────────────────────────────────────────────────┘
        └────attempt failed, attempts = MAX_ATTEMPTS──► failed (.eml written as a fallback;
                                                        retry_failed_digests tries again by hand)

An attempt is recorded (attempts + 1, next_attempt_at pushed back) *before* the message is handed to
SMTP, so a crash between "accepted by the server" and "recorded as sent" leads to one more delivery
after the backoff, re-rendered from the same claimed hits with the same Message-ID: at-least-once on
the wire, once in the reader's mail client (which de-duplicates by Message-ID).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import smtplib
import sqlite3
import ssl
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from monitor.config import Config, SmtpSettings
from monitor.digest import (
    DigestData,
    DigestFigure,
    DigestHit,
    FailedFeed,
    after_failed_attempt,
    digest_period,
    digest_subject,
    local_days_utc,
    render_digest,
    retry_delay,
)
from monitor.errors import MailError
from monitor.store import Store

__all__ = [
    "DigestOutcome",
    "create_digest",
    "deliver_smtp",
    "gather_digest_data",
    "last_period_end",
    "preview_digest",
    "retry_failed_digests",
    "run_digest_cycle",
    "send_digest_now",
    "write_eml",
]

log = logging.getLogger("monitor.digest")

_CHUNK = 500  # SQLite's default limit on bound parameters is 999 (older builds); stay well below it


@dataclass(frozen=True)
class DigestOutcome:
    """What happened to one digest in one call; the scheduler logs it, the CLI turns it into an exit code."""

    digest_id: int | None
    status: str  # 'sent' | 'written' | 'pending' (will retry) | 'failed' | 'empty' (nothing to send)
    hit_count: int = 0
    attempts: int = 0
    message_id: str | None = None
    subject: str | None = None
    eml_path: str | None = None
    next_attempt_at: datetime | None = None
    error: str | None = None


# --- time stamps ---------------------------------------------------------------------------------------


def _ts(dt: datetime) -> str:
    """How the digests table stores times: ISO 8601 in UTC, whole seconds."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _parse(value: str | None) -> datetime | None:
    """Parse a stored ISO 8601 time; naive values are UTC. None for empty or unparseable values."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)  # the stored shape (docs/schema.md): no clean-up needed
    except ValueError:
        try:
            dt = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def _chunks(items: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(items), _CHUNK):
        yield list(items[i : i + _CHUNK])


# --- reading what a digest shows -------------------------------------------------------------------------


def last_period_end(store: Store) -> datetime | None:
    """End of the latest digest's period (daily or sent by hand), or None before the first digest."""
    ends = [_parse(r["period_end"]) for r in store.query("SELECT period_end FROM digests")]
    return max((e for e in ends if e is not None), default=None)


def _unclaimed_hit_ids(store: Store, since: datetime | None, until: datetime) -> list[int]:
    """Unclaimed, live hits matched in [since, until]; times compared parsed, whatever their ISO spelling."""
    rows = store.query(
        "SELECT id, matched_at FROM hits WHERE digest_id IS NULL AND retired_at IS NULL ORDER BY id"
    )
    ids = []
    for row in rows:
        at = _parse(row["matched_at"])
        if at is None:  # unparseable: claim it rather than lose it forever
            ids.append(row["id"])
        elif at <= until and (since is None or at >= since):
            ids.append(row["id"])
    return ids


_FIGURE_FIELDS = tuple(f.name for f in dataclasses.fields(DigestFigure))


def gather_digest_data(
    store: Store, cfg: Config, hit_ids: Sequence[int], start: datetime, end: datetime
) -> DigestData:
    """Everything the digest for these hits shows: hits with articles, their figures, the 14-day chart
    (hits matched up to ``end``) and the feeds currently failing."""
    hit_rows: list[sqlite3.Row] = []
    for chunk in _chunks(list(hit_ids)):
        marks = ",".join("?" * len(chunk))
        hit_rows += store.db.rows(
            "SELECT h.id AS hit_id, h.topic, h.keywords, h.snippet, h.matched_at, a.id AS article_id, a.url, "
            "a.title, a.language, a.published, a.feed_id, "
            "COALESCE(f.name, f.url) AS outlet "
            "FROM hits h JOIN articles a ON a.id = h.article_id LEFT JOIN feeds f ON f.id = a.feed_id "
            f"WHERE h.id IN ({marks})",
            chunk,
        )
    article_ids = sorted({r["article_id"] for r in hit_rows})
    feed_of = {r["article_id"]: r["feed_id"] for r in hit_rows}
    also_in: dict[int, list[str]] = {}
    figure_rows: list[sqlite3.Row] = []
    text_of: dict[int, str] = {}  # read once per article, not once per hit (an article often has several)
    for chunk in _chunks(article_ids):
        marks = ",".join("?" * len(chunk))
        text_of.update(
            store.db.execute(
                f"SELECT id, substr(text, 1, 5000) FROM articles WHERE id IN ({marks})", chunk
            ).fetchall()
        )
        for row in store.query(
            "SELECT DISTINCT e.article_id, e.feed_id, COALESCE(f.name, f.url) AS name FROM entries e "
            f"JOIN feeds f ON f.id = e.feed_id WHERE e.article_id IN ({marks}) ORDER BY e.article_id, e.id",
            chunk,
        ):
            names = also_in.setdefault(row["article_id"], [])
            if row["feed_id"] != feed_of.get(row["article_id"]) and row["name"] not in names:
                names.append(row["name"])
        figure_rows += store.db.rows(
            "SELECT g.id AS figure_id, g.article_id, g.value, g.low, g.high, g.qualifier, g.counted, "
            "g.counted_lemma, g.period, g.rate, g.attributed_to, g.topic, g.hit_id, "
            "COALESCE(f.name, f.url) AS outlet, a.url "
            "FROM figures g JOIN articles a ON a.id = g.article_id LEFT JOIN feeds f ON f.id = a.feed_id "
            f"WHERE g.article_id IN ({marks}) ORDER BY g.id",
            chunk,
        )
    topics_of: dict[int, set[str]] = {}
    for r in hit_rows:
        topics_of.setdefault(r["article_id"], set()).add(r["topic"])
    # by position when the columns are the fields, in order (3x cheaper than by name on a day's 2,736 figures)
    positional = bool(figure_rows) and tuple(figure_rows[0].keys()) == _FIGURE_FIELDS
    figures = tuple(
        DigestFigure(*r) if positional else DigestFigure(**r)
        for r in figure_rows
        if r["topic"] is None or r["topic"] in topics_of[r["article_id"]]
    )
    hits = []
    for r in hit_rows:
        try:
            keywords = tuple(map(str, json.loads(r["keywords"] or "[]")))
        except (ValueError, TypeError):
            keywords = ()
        hits.append(
            DigestHit(
                hit_id=r["hit_id"],
                topic=r["topic"],
                title=r["title"],
                url=r["url"],
                outlet=r["outlet"],
                language=r["language"],
                matched_at=_parse(r["matched_at"]) or end,
                published=_parse(r["published"]),
                keywords=keywords,
                snippet=r["snippet"] or "",
                text=text_of.get(r["article_id"]) or "",
                article_id=r["article_id"],
                also_in=tuple(also_in.get(r["article_id"], ())),
            )
        )
    hits.sort(key=lambda h: h.hit_id)
    # The chart: hits per local day, counted in SQL over the covering index hits(matched_at, retired_at), one
    # index range per day (local midnights in UTC; stored stamps are UTC ISO strings, which sort as times):
    # ~3 ms on a million hits, against ~30 ms grouping 15-minute buckets in SQL and far more parsing every
    # stamp in Python (bench/README.md).
    daily = tuple(
        (
            day,
            store.db.execute(
                "SELECT COUNT(*) FROM hits WHERE matched_at >= ? AND matched_at < ? AND retired_at IS NULL",
                (lo.isoformat(timespec="seconds"), hi.isoformat(timespec="seconds")),
            ).fetchone()[0],
        )
        for day, lo, hi in local_days_utc(end, cfg.digest.tz)
    )
    failed = tuple(
        FailedFeed(**r)
        for r in store.query(
            "SELECT COALESCE(name, url) AS name, url, last_error, error_count FROM feeds "
            "WHERE enabled = 1 AND retired_at IS NULL AND error_count > 0 ORDER BY name"
        )
    )
    return DigestData(
        period_start=start,
        period_end=end,
        hits=tuple(hits),
        figures=figures,
        daily=daily,
        failed_feeds=failed,
    )


# --- creating a digest: one transaction ----------------------------------------------------------------


def _message_id(cfg: Config, kind: str, end: datetime) -> str:
    domain = parseaddr(cfg.digest.from_)[1].rpartition("@")[2] or "localhost"
    return f"<monitor.{kind}.{end.astimezone(UTC):%Y%m%dT%H%M%SZ}.{uuid.uuid4().hex[:20]}@{domain}>"


def create_digest(
    store: Store,
    cfg: Config,
    period: tuple[datetime, datetime],
    now: datetime,
    *,
    since: datetime | None = None,
) -> int | None:
    """Create a pending digest and claim its hits in one transaction; returns its id.

    Claims every unclaimed, unretired hit matched up to the period's end (and, for a digest asked for by
    hand, not before ``since``): hits left over from an earlier, skipped or crashed run are never dropped,
    and the ``digest_id IS NULL`` guard makes each hit belong to exactly one digest. Returns None (and
    writes nothing) when there is nothing to send and ``send_empty`` is off.
    """
    start, end = period
    with store.transaction() as db:
        ids = _unclaimed_hit_ids(store, since, end)
        if not ids and not cfg.digest.send_empty:
            return None
        cur = db.execute(
            "INSERT INTO digests (period_start, period_end, created_at, status, attempts, next_attempt_at, "
            "message_id, hit_count) VALUES (?, ?, ?, 'pending', 0, ?, ?, 0)",
            (_ts(start), _ts(end), _ts(now), _ts(now), _message_id(cfg, "digest", end)),
        )
        digest_id = int(cur.lastrowid or 0)
        claimed = 0
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            claimed += db.execute(
                f"UPDATE hits SET digest_id = ? WHERE digest_id IS NULL AND id IN ({marks})",
                [digest_id, *chunk],
            ).rowcount
        counts = [
            (r["topic"], r["n"])
            for r in store.query(
                "SELECT topic, COUNT(*) AS n FROM hits WHERE digest_id = ? GROUP BY topic ORDER BY n DESC, topic",
                (digest_id,),
            )
        ]
        db.execute(
            "UPDATE digests SET hit_count = ?, subject = ? WHERE id = ?",
            (claimed, digest_subject(cfg.digest.subject_prefix, counts), digest_id),
        )
    log.info("digest %d created: %d hits claimed, period %s – %s", digest_id, claimed, _ts(start), _ts(end))
    return digest_id


# --- delivery ------------------------------------------------------------------------------------------


def deliver_smtp(
    msg: EmailMessage, smtp: SmtpSettings, sender: str, recipients: Sequence[str]
) -> dict[str, Any]:
    """Hand the message to the SMTP server; returns the recipients it refused (all refused raises).

    Raises MailError naming the phase (connect, ehlo, starttls, login, send) and the server.
    A failure after the server accepted the data (at QUIT) is ignored: the message is on its way, and
    reporting it as failed would only send it twice.
    """
    phase = "connect"
    client: smtplib.SMTP | None = None
    try:
        if smtp.ssl:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        phase = "ehlo"
        client.ehlo()
        if smtp.starttls and not smtp.ssl:
            phase = "starttls"
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if smtp.user:
            phase = "login"
            client.login(smtp.user, smtp.password or "")
        phase = "send"
        refused = client.send_message(msg, from_addr=sender, to_addrs=list(recipients))
    except (smtplib.SMTPException, OSError) as e:
        if client is not None:
            client.close()
        raise MailError(f"smtp {phase} {smtp.host}:{smtp.port}: {e or type(e).__name__}") from e
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
    return dict(refused)


def write_eml(msg: EmailMessage, directory: str | Path, name: str) -> Path:
    """Write the message as ``directory/name`` atomically (temp file + rename); returns the path."""
    folder = Path(directory)
    path = folder / name
    tmp = folder / f".{name}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(bytes(msg))
        os.replace(tmp, path)
    except OSError as e:
        raise MailError(f"write {path}: {e}") from e
    return path


def _eml_name(row: dict[str, Any], cfg: Config) -> str:
    end = _parse(row["period_end"]) or datetime.now(UTC)
    local = end.astimezone(ZoneInfo(cfg.digest.tz))
    return f"digest-{row['id']:06d}-{local:%Y%m%d-%H%M}.eml"


def _render_row(store: Store, cfg: Config, row: dict[str, Any]) -> EmailMessage:
    """Re-render a digest from its claimed hits with its stored Message-ID and creation time as Date."""
    hit_ids = [
        r["id"] for r in store.query("SELECT id FROM hits WHERE digest_id = ? ORDER BY id", (row["id"],))
    ]
    start = _parse(row["period_start"])
    end = _parse(row["period_end"])
    created = _parse(row["created_at"])
    assert start is not None and end is not None and created is not None
    data = gather_digest_data(store, cfg, hit_ids, start, end)
    try:
        return render_digest(data, cfg.digest, message_id=row["message_id"], now=created)
    except jinja2.TemplateError as e:
        raise MailError(f"render digest {row['id']}: {e}") from e


def _attempt(
    store: Store, cfg: Config, smtp: SmtpSettings | None, row: dict[str, Any], now: datetime
) -> DigestOutcome:
    digest_id = row["id"]
    attempts = int(row["attempts"]) + 1
    fail_status, retry_at = after_failed_attempt(attempts, now)
    # Record the attempt first: if we die mid-send, the retry waits for the backoff instead of looping.
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET attempts = ?, next_attempt_at = ? WHERE id = ?",
            (attempts, _ts(now + retry_delay(attempts)), digest_id),
        )
    base = {
        "digest_id": digest_id,
        "hit_count": int(row["hit_count"]),
        "attempts": attempts,
        "message_id": row["message_id"],
        "subject": row["subject"],
    }
    msg: EmailMessage | None = None
    try:
        msg = _render_row(store, cfg, row)
        if smtp is None or not cfg.digest.to:
            path = write_eml(msg, cfg.storage.digests_dir, _eml_name(row, cfg))
            note = None if smtp is None else "SMTP is configured but digest.to is empty"
            _record(store, digest_id, status="written", sent_at=_ts(now), eml_path=str(path), last_error=note)
            log.info("digest %d written to %s (%s)", digest_id, path, note or "SMTP_HOST not set")
            return DigestOutcome(**base, status="written", eml_path=str(path), error=note)
        refused = deliver_smtp(msg, smtp, parseaddr(cfg.digest.from_)[1] or cfg.digest.from_, cfg.digest.to)
    except MailError as e:
        error = str(e)
        eml_path = None
        if fail_status == "failed" and msg is not None:
            try:  # the last attempt failed: keep the digest readable on disk
                eml_path = str(write_eml(msg, cfg.storage.digests_dir, _eml_name(row, cfg)))
            except MailError as write_error:
                error += f"; {write_error}"
        _record(store, digest_id, status=fail_status, last_error=error, eml_path=eml_path)
        when = f"retry at {_ts(retry_at)}" if retry_at else f"giving up after {attempts} attempts"
        log.warning("digest %d not delivered (attempt %d): %s; %s", digest_id, attempts, error, when)
        return DigestOutcome(
            **base, status=fail_status, next_attempt_at=retry_at, error=error, eml_path=eml_path
        )
    note = f"refused by the server: {', '.join(sorted(refused))}" if refused else None
    _record(store, digest_id, status="sent", sent_at=_ts(now), last_error=note)
    log.info(
        "digest %d sent to %d recipient(s): %s", digest_id, len(cfg.digest.to) - len(refused), row["subject"]
    )
    return DigestOutcome(**base, status="sent", error=note)


def _record(
    store: Store,
    digest_id: int,
    *,
    status: str,
    sent_at: str | None = None,
    eml_path: str | None = None,
    last_error: str | None = None,
) -> None:
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET status = ?, sent_at = COALESCE(?, sent_at), eml_path = COALESCE(?, eml_path), "
            "last_error = ?, next_attempt_at = CASE WHEN ? = 'pending' THEN next_attempt_at END WHERE id = ?",
            (status, sent_at, eml_path, last_error, status, digest_id),
        )


def _digest_row(store: Store, digest_id: int) -> dict[str, Any]:
    return store.query("SELECT * FROM digests WHERE id = ?", (digest_id,))[0]


# --- what the scheduler and the CLI call ---------------------------------------------------------------


def run_digest_cycle(
    store: Store, cfg: Config, smtp: SmtpSettings | None, now: datetime
) -> list[DigestOutcome]:
    """Create today's digest if one is due, then try every pending digest whose next attempt has come.

    Called by the scheduler every few minutes; cheap when there is nothing to do. A digest that cannot
    be delivered is returned with status 'pending' (or 'failed'), never raised.
    """
    if cfg.digest.enabled:
        period = digest_period(now, cfg.digest, last_period_end(store))
        if period is not None and create_digest(store, cfg, period, now) is None:
            # Nothing to send: no row is written, so this stays "due" until the next slot; each cycle
            # re-checks the same period (hits matched after its end are left for the next digest).
            log.debug("digest due for %s – %s: no new hits, nothing sent", *map(_ts, period))
    outcomes = []
    for row in store.query("SELECT * FROM digests WHERE status = 'pending' ORDER BY id"):
        due = _parse(row["next_attempt_at"])
        if due is None or due <= now:
            outcomes.append(_attempt(store, cfg, smtp, row, now))
    return outcomes


def send_digest_now(
    store: Store, cfg: Config, smtp: SmtpSettings | None, since: datetime, now: datetime
) -> DigestOutcome:
    """Claim the unclaimed hits matched since ``since`` and deliver them now (``monitor digest --send``).

    Honours ``send_empty``: with no hits and send_empty off, returns status 'empty' and writes nothing.
    If delivery fails the digest stays pending and the scheduler retries it like any other.
    """
    digest_id = create_digest(store, cfg, (since, now), now, since=since)
    if digest_id is None:
        return DigestOutcome(digest_id=None, status="empty")
    return _attempt(store, cfg, smtp, _digest_row(store, digest_id), now)


def retry_failed_digests(
    store: Store, cfg: Config, smtp: SmtpSettings | None, now: datetime, digest_id: int | None = None
) -> list[DigestOutcome]:
    """Try once more every 'failed' digest (or just ``digest_id``, failed or pending), by hand.

    The hits stay claimed by the failed digest, so this is the way they reach a reader; a further failure
    leaves it 'failed' (one attempt per call, no automatic retries).
    """
    if digest_id is None:
        rows = store.query("SELECT * FROM digests WHERE status = 'failed' ORDER BY id")
    else:
        rows = store.query(
            "SELECT * FROM digests WHERE id = ? AND status IN ('failed', 'pending')", (digest_id,)
        )
    return [_attempt(store, cfg, smtp, row, now) for row in rows]


def preview_digest(store: Store, cfg: Config, since: datetime, now: datetime) -> EmailMessage | None:
    """The digest ``send_digest_now(since, now)`` would send, rendered without claiming or writing anything.

    None when there are no hits and ``send_empty`` is off. Its Message-ID is a throwaway.
    """
    ids = _unclaimed_hit_ids(store, since, now)
    if not ids and not cfg.digest.send_empty:
        return None
    data = gather_digest_data(store, cfg, ids, since, now)
    try:
        return render_digest(data, cfg.digest, message_id=_message_id(cfg, "preview", now), now=now)
    except jinja2.TemplateError as e:
        raise MailError(f"render preview: {e}") from e
