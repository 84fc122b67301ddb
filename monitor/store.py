"""The only SQL in monitor: open (WAL, migrations, user_version), idempotent writes, the queries others need.

One writer: the process that polls. Every poll of a feed is written in one transaction, so a crash
(even kill -9) leaves either all of that feed's new entries, articles, hits and figures or none of them,
and the next run redoes the missing ones. Unique keys make every write an upsert: rerunning never
duplicates. The schema is documented column by column in docs/schema.md.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.types import Article, Entry, Figure, Hit

__all__ = ["FeedState", "ProcessedEntry", "Store", "SCHEMA_VERSION", "open_store", "content_hash"]


class Database:
    """A SQLite connection with what the store needs: explicit transactions (nested ones as savepoints), rows
    as dicts, the table and view names.

    The connection is in autocommit mode, so a statement outside ``atomic()`` commits on its own and
    ``atomic()`` is the only way a transaction starts. (sqlite-utils served here until it was measured: its
    import cost ~45 ms at every process start, 4 % of a warm poll, and its ``query()`` wraps every SELECT in a
    savepoint; bench/README.md.)
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        conn.isolation_level = None
        self.conn = conn
        self._savepoints = 0

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        keys = [d[0] for d in cursor.description or ()]
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """All rows as ``sqlite3.Row`` (by name or position, built in C: cheaper than dicts for big reads)."""
        cursor = self.conn.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params).fetchall()

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction; inside another, a savepoint (undone alone if its block fails)."""
        conn = self.conn
        if conn.in_transaction:
            self._savepoints += 1
            name = f"monitor_sp_{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:  # an error may have ended the whole transaction already
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def view_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]

    def close(self) -> None:
        self.conn.close()


def content_hash(title: str | None, text: str) -> str:
    """Hash of the normalised article text: the same story reached by two URLs is stored once."""
    norm = " ".join((text or "").split()).lower()
    if len(norm) < 200:  # too short to identify a story alone (a feed summary): include the title
        norm = " ".join((title or "").split()).lower() + "\n" + norm
    return hashlib.sha256(norm.encode("utf-8", "replace")).hexdigest()


# Each migration is applied once, in order, inside a transaction; PRAGMA user_version records how many ran.
_MIGRATIONS: list[str] = [
    # 1: the core tables
    """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        language TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        last_status INTEGER,
        last_error TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_polled_at TEXT,
        last_ok_at TEXT,
        next_poll_at TEXT,
        retired_at TEXT,
        added_at TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT UNIQUE,
        title TEXT,
        text TEXT NOT NULL,
        language TEXT,
        published TEXT,
        text_source TEXT NOT NULL CHECK (text_source IN ('page', 'feed')),
        source_note TEXT,
        content_hash TEXT NOT NULL UNIQUE,
        feed_id INTEGER REFERENCES feeds(id),
        first_seen_at TEXT NOT NULL
    );
    CREATE TABLE entries (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        entry_id TEXT NOT NULL,
        link TEXT,
        title TEXT,
        published TEXT,
        article_id INTEGER REFERENCES articles(id),
        status TEXT NOT NULL CHECK (status IN ('stored', 'linked', 'skipped')),
        note TEXT,
        seen_at TEXT NOT NULL,
        UNIQUE (feed_id, entry_id)
    );
    CREATE TABLE hits (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        topic TEXT NOT NULL,
        keywords TEXT NOT NULL,
        terms TEXT NOT NULL,
        field TEXT NOT NULL,
        count INTEGER NOT NULL,
        snippet TEXT NOT NULL,
        score REAL NOT NULL,
        matched_at TEXT NOT NULL,
        retired_at TEXT,
        digest_id INTEGER REFERENCES digests(id),
        UNIQUE (article_id, topic)
    );
    CREATE TABLE figures (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        hit_id INTEGER REFERENCES hits(id),
        topic TEXT,
        value INTEGER,
        low INTEGER,
        high INTEGER,
        qualifier TEXT NOT NULL,
        counted TEXT,
        counted_lemma TEXT,
        period TEXT,
        rate TEXT,
        sentence TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        attributed_to TEXT,
        found_at TEXT NOT NULL,
        UNIQUE (article_id, start, end)
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'written', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        message_id TEXT NOT NULL UNIQUE,
        subject TEXT,
        hit_count INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT,
        eml_path TEXT,
        last_error TEXT
    );
    CREATE INDEX idx_entries_article ON entries(article_id);
    CREATE INDEX idx_articles_published ON articles(published);
    CREATE INDEX idx_hits_topic_matched ON hits(topic, matched_at);
    CREATE INDEX idx_hits_matched ON hits(matched_at);
    CREATE INDEX idx_hits_digest ON hits(digest_id);
    CREATE INDEX idx_figures_topic_found ON figures(topic, found_at);
    CREATE INDEX idx_figures_article ON figures(article_id);
    CREATE INDEX idx_figures_claim ON figures(value, counted_lemma, period);
    """,
    # 2: views that make the common questions one-liners (docs/schema.md)
    """
    CREATE VIEW v_hits AS
    SELECT h.id AS hit_id, h.topic, h.keywords, h.field, h.count, h.score, h.snippet, h.matched_at,
           h.retired_at, h.digest_id, a.id AS article_id, a.url, a.title, a.language, a.published,
           a.text_source, f.id AS feed_id, f.name AS outlet, f.url AS feed_url
    FROM hits h JOIN articles a ON a.id = h.article_id LEFT JOIN feeds f ON f.id = a.feed_id;

    CREATE VIEW v_figures AS
    SELECT g.id AS figure_id, g.topic, g.value, g.low, g.high, g.qualifier, g.counted, g.counted_lemma,
           g.period, g.rate, g.attributed_to, g.sentence, g.found_at, a.id AS article_id, a.url, a.title,
           a.language, a.published, f.name AS outlet
    FROM figures g JOIN articles a ON a.id = g.article_id LEFT JOIN feeds f ON f.id = a.feed_id;

    CREATE VIEW v_figure_ledger AS
    SELECT value, low, high, counted_lemma, period,
           MIN(found_at) AS first_seen_at,
           (SELECT v2.outlet FROM v_figures v2
             WHERE v2.value IS v.value AND v2.counted_lemma IS v.counted_lemma AND v2.period IS v.period
             ORDER BY v2.found_at, v2.figure_id LIMIT 1) AS first_outlet,
           COUNT(DISTINCT outlet) AS outlets,
           COUNT(DISTINCT article_id) AS articles,
           GROUP_CONCAT(DISTINCT attributed_to) AS claimed_by,
           GROUP_CONCAT(DISTINCT topic) AS topics,
           MIN(qualifier) AS qualifier,
           MIN(counted) AS counted
    FROM v_figures v
    WHERE value IS NOT NULL
    GROUP BY value, counted_lemma, period;
    """,
    # 3: full-text search over article title and text, kept in sync by triggers. unicode61 folds case for
    # Cyrillic as for Latin; remove_diacritics 2 folds Latin accents only (й/и, ї/і, ё/е stay distinct).
    """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER articles_fts_au AFTER UPDATE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
    """,
    # 4: a feed that answered 301/308 is polled at its new address from then on (logged; the config keeps
    # the old URL as the feed's identity until the user updates it)
    """
    ALTER TABLE feeds ADD COLUMN moved_to TEXT;
    """,
    # 5: the digest's 14-day chart reads (matched_at, retired_at) only: a covering index (bench/README.md)
    """
    DROP INDEX idx_hits_matched;
    CREATE INDEX idx_hits_matched_retired ON hits(matched_at, retired_at);
    """,
]
SCHEMA_VERSION = len(_MIGRATIONS)


@dataclass(frozen=True)
class FeedState:
    """What the store remembers about a feed between polls."""

    id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    error_count: int = 0
    next_poll_at: str | None = None
    retired_at: str | None = None
    last_polled_at: str | None = None
    moved_to: str | None = None


@dataclass(frozen=True)
class ProcessedEntry:
    """One feed entry after the per-article pipeline: what will be written for it."""

    entry: Entry
    article: Article | None  # None when skipped
    canonical_url: str | None
    hits: tuple[Hit, ...] = ()
    figures: tuple[Figure, ...] = ()
    note: str | None = None  # why skipped, or a remark (e.g. page not used)


@dataclass
class WriteResult:
    new_entries: int = 0
    new_articles: int = 0
    new_hits: int = 0
    new_figures: int = 0
    hit_ids: list[int] = field(default_factory=list)


class Store:
    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path

    # --- connection ----------------------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        try:
            with self.db.atomic():
                yield self.db
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: write failed: {e}") from e

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    # --- feeds ---------------------------------------------------------------------------------------

    def sync_feeds(self, feeds: Iterable[Any], now: str) -> None:
        """Make the feeds table reflect the config (name, language, enabled), keeping each feed's state."""
        with self.transaction() as db:
            for feed in feeds:
                db.execute(
                    "INSERT INTO feeds (url, name, language, enabled, added_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(url) DO UPDATE SET name = excluded.name, language = excluded.language, "
                    "enabled = excluded.enabled",
                    (feed.url, feed.display_name, feed.language, int(feed.enabled), now),
                )

    def feed_state(self, url: str) -> FeedState | None:
        rows = self.query(
            "SELECT id, url, etag, last_modified, error_count, next_poll_at, retired_at, last_polled_at, moved_to "
            "FROM feeds WHERE url = ?",
            (url,),
        )
        return FeedState(**rows[0]) if rows else None

    def seen_entry_ids(self, feed_id: int, entry_ids: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        for i in range(0, len(entry_ids), 500):
            chunk = list(entry_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            seen.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT entry_id FROM entries WHERE feed_id = ? AND entry_id IN ({marks})",
                    [feed_id, *chunk],
                )
            )
        return seen

    def known_article_urls(self, urls: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for i in range(0, len(urls), 500):
            chunk = list(urls[i : i + 500])
            marks = ",".join("?" * len(chunk))
            known.update(
                r[0] for r in self.db.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk)
            )
        return known

    def record_poll(
        self,
        feed_id: int,
        feed_update: dict[str, Any],
        processed: Sequence[ProcessedEntry],
        now: str,
    ) -> WriteResult:
        """Write one poll of one feed in one transaction: the feed's row, its new entries and what they gave."""
        result = WriteResult()
        with self.transaction() as db:
            if feed_update:
                cols = ", ".join(f"{k} = ?" for k in feed_update)
                db.execute(f"UPDATE feeds SET {cols} WHERE id = ?", [*feed_update.values(), feed_id])
            for item in processed:
                self._write_entry(db, feed_id, item, now, result)
        return result

    def _write_entry(
        self, db: Database, feed_id: int, item: ProcessedEntry, now: str, result: WriteResult
    ) -> None:
        article_id: int | None = None
        status = "skipped"
        if item.article is None and item.canonical_url:
            row = db.execute("SELECT id FROM articles WHERE url = ?", (item.canonical_url,)).fetchone()
            if row:
                article_id, status = int(row[0]), "linked"
        if item.article is not None:
            status = "stored"
            article_id = self._upsert_article(db, feed_id, item, now, result)
            self._write_hits_and_figures(db, article_id, item.hits, item.figures, now, result)
        e = item.entry
        cur = db.execute(
            "INSERT OR IGNORE INTO entries (feed_id, entry_id, link, title, published, article_id, status, "
            "note, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                feed_id,
                e.entry_id,
                e.link,
                e.title,
                e.published,
                article_id,
                status,
                item.note,
                now,
            ),
        )
        result.new_entries += cur.rowcount

    def rematch_article(
        self, article_id: int, hits: Sequence[Hit], figures: Sequence[Figure], now: str
    ) -> tuple[list[str], list[str], list[str], int]:
        """Replace a stored article's matches with a new analysis, in one transaction: hits that no longer
        match are retired (kept), returning ones are restored. Returns (added, retired, restored) topics and
        the number of new figures."""
        result = WriteResult()
        with self.transaction() as db:
            before = {
                r[0]: (r[1], r[2])
                for r in db.execute(
                    "SELECT topic, id, retired_at FROM hits WHERE article_id = ?", (article_id,)
                )
            }
            matched = {h.topic for h in hits}
            added = [h.topic for h in hits if h.topic not in before]
            restored = [h.topic for h in hits if h.topic in before and before[h.topic][1] is not None]
            retired = [t for t, (_, retired_at) in before.items() if t not in matched and retired_at is None]
            for topic in retired:
                self._retire(db, before[topic][0], now)
            if retired:
                # Figures under a topic the article no longer matches lose it: an article that now matches
                # nothing gets no figures from the analysis, so none of its stored ones would be updated.
                marks = ",".join("?" * len(retired))
                db.execute(
                    f"UPDATE figures SET topic = NULL, hit_id = NULL WHERE article_id = ? AND topic IN ({marks})",
                    (article_id, *retired),
                )
            self._write_hits_and_figures(db, article_id, hits, figures, now, result)
        return added, retired, restored, result.new_figures

    def _write_hits_and_figures(
        self,
        db: Database,
        article_id: int,
        hits: Sequence[Hit],
        figures: Sequence[Figure],
        now: str,
        result: WriteResult,
    ) -> None:
        for hit in hits:
            self._upsert_hit(db, article_id, hit, now, result)
        hit_ids = {
            r[1]: r[0] for r in db.execute("SELECT id, topic FROM hits WHERE article_id = ?", (article_id,))
        }
        for fig in figures:
            cur = db.execute(
                "INSERT OR IGNORE INTO figures (article_id, hit_id, topic, value, low, high, qualifier, counted, "
                "counted_lemma, period, rate, sentence, start, end, attributed_to, found_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article_id,
                    hit_ids.get(fig.topic) if fig.topic else None,
                    fig.topic,
                    fig.value,
                    fig.low,
                    fig.high,
                    str(fig.qualifier),
                    fig.counted,
                    fig.counted_lemma,
                    fig.period,
                    fig.rate,
                    fig.sentence,
                    fig.start,
                    fig.end,
                    fig.attributed_to,
                    now,
                ),
            )
            if cur.rowcount:
                result.new_figures += 1
            else:  # already stored (a rerun or a rematch): only its topic may have changed
                db.execute(
                    "UPDATE figures SET topic = ?, hit_id = ? WHERE article_id = ? AND start = ? AND end = ?",
                    (
                        fig.topic,
                        hit_ids.get(fig.topic) if fig.topic else None,
                        article_id,
                        fig.start,
                        fig.end,
                    ),
                )

    def _upsert_article(
        self, db: Database, feed_id: int, item: ProcessedEntry, now: str, result: WriteResult
    ) -> int:
        a = item.article
        assert a is not None
        digest = content_hash(a.title, a.text)
        # Same canonical URL or same text: one article, linked from every entry that led to it.
        row = db.execute(
            "SELECT id FROM articles WHERE (url IS NOT NULL AND url = ?) OR content_hash = ? LIMIT 1",
            (item.canonical_url, digest),
        ).fetchone()
        if row:
            return int(row[0])
        cur = db.execute(
            "INSERT INTO articles (url, title, text, language, published, text_source, source_note, "
            "content_hash, feed_id, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.canonical_url,
                a.title,
                a.text,
                a.language,
                a.published,
                a.text_source,
                a.source_note,
                digest,
                feed_id,
                now,
            ),
        )
        result.new_articles += 1
        return int(cur.lastrowid or 0)

    def _upsert_hit(self, db: Database, article_id: int, hit: Hit, now: str, result: WriteResult) -> None:
        values = (
            json.dumps(list(hit.keywords), ensure_ascii=False),
            json.dumps(list(hit.terms), ensure_ascii=False),
            hit.field,
            hit.count,
            hit.snippet,
            hit.score,
        )
        row = db.execute(
            "SELECT id, retired_at FROM hits WHERE article_id = ? AND topic = ?", (article_id, hit.topic)
        ).fetchone()
        if row is None:
            cur = db.execute(
                "INSERT INTO hits (article_id, topic, keywords, terms, field, count, snippet, score, matched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (article_id, hit.topic, *values, now),
            )
            result.new_hits += 1
            result.hit_ids.append(int(cur.lastrowid or 0))
        else:
            db.execute(
                "UPDATE hits SET keywords = ?, terms = ?, field = ?, count = ?, snippet = ?, score = ?, "
                "retired_at = NULL WHERE id = ?",
                (*values, row[0]),
            )

    def retire_hit(self, hit_id: int, now: str) -> None:
        with self.transaction() as db:
            self._retire(db, hit_id, now)

    @staticmethod
    def _retire(db: Database, hit_id: int, now: str) -> None:
        db.execute("UPDATE hits SET retired_at = ? WHERE id = ? AND retired_at IS NULL", (now, hit_id))

    # --- reads for the CLI ---------------------------------------------------------------------------

    def figure_ledger(self, *, topic: str | None = None, since: str | None = None) -> list[dict[str, Any]]:
        """Each claim (value, counted lemma, period) once: first seen, first outlet, how many outlets repeat it."""
        where, params = ["value IS NOT NULL"], []
        if topic:
            where.append("topic = ?")
            params.append(topic)
        sql = f"""
            WITH f AS (SELECT * FROM v_figures WHERE {" AND ".join(where)})
            SELECT value, low, high, MIN(qualifier) AS qualifier, MIN(counted) AS counted, counted_lemma, period,
                   MIN(found_at) AS first_seen_at,
                   (SELECT f2.outlet FROM f f2 WHERE f2.value IS f.value AND f2.counted_lemma IS f.counted_lemma
                      AND f2.period IS f.period ORDER BY f2.found_at, f2.figure_id LIMIT 1) AS first_outlet,
                   COUNT(DISTINCT outlet) AS outlets, COUNT(DISTINCT article_id) AS articles,
                   GROUP_CONCAT(DISTINCT attributed_to) AS claimed_by, GROUP_CONCAT(DISTINCT topic) AS topics
            FROM f GROUP BY value, counted_lemma, period
        """
        if since:
            sql = f"SELECT * FROM ({sql}) WHERE first_seen_at >= ?"
            params.append(since)
        return self.query(sql + " ORDER BY first_seen_at DESC, value DESC", params)

    def search(
        self, query: str, *, topic: str | None = None, since: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Full-text search (FTS5 syntax: words, "phrases", prefix*, OR, NOT), best matches first."""
        where, params = ["articles_fts MATCH ?"], [query]
        if topic:
            where.append(
                "EXISTS (SELECT 1 FROM hits h WHERE h.article_id = a.id AND h.topic = ? AND h.retired_at IS NULL)"
            )
            params.append(topic)
        if since:
            where.append("a.first_seen_at >= ?")
            params.append(since)
        sql = f"""
            SELECT a.id AS article_id, a.title, a.url, a.language, a.published, f.name AS outlet,
                   snippet(articles_fts, 1, '[', ']', ' … ', 16) AS snippet,
                   (SELECT GROUP_CONCAT(h.topic) FROM hits h WHERE h.article_id = a.id AND h.retired_at IS NULL) AS topics
            FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid LEFT JOIN feeds f ON f.id = a.feed_id
            WHERE {" AND ".join(where)} ORDER BY bm25(articles_fts) LIMIT ?
        """
        try:
            return self.query(sql, [*params, limit])
        except sqlite3.OperationalError as e:
            raise StoreError(f"search: bad query {query!r}: {e}") from e

    def export_rows(
        self, what: str, *, topic: str | None = None, since: str | None = None
    ) -> list[dict[str, Any]]:
        """Rows for `monitor export hits|figures|ledger`."""
        if what == "ledger":
            return self.figure_ledger(topic=topic, since=since)
        view, time_col = {"hits": ("v_hits", "matched_at"), "figures": ("v_figures", "found_at")}[what]
        where, params = ["1 = 1"], []
        if what == "hits":
            where.append("retired_at IS NULL")
        if topic:
            where.append("topic = ?")
            params.append(topic)
        if since:
            where.append(f"{time_col} >= ?")
            params.append(since)
        return self.query(
            f"SELECT * FROM {view} WHERE {' AND '.join(where)} ORDER BY {time_col} DESC", params
        )

    def last_poll_at(self) -> str | None:
        row = self.db.execute("SELECT MAX(last_polled_at) FROM feeds WHERE enabled = 1").fetchone()
        return row[0] if row else None

    def stats(self, today: str) -> dict[str, Any]:
        q = self.db.execute
        feeds_ok = q(
            "SELECT COUNT(*) FROM feeds WHERE enabled = 1 AND error_count = 0 AND retired_at IS NULL"
        ).fetchone()[0]
        failing = q(
            "SELECT COUNT(*) FROM feeds WHERE enabled = 1 AND error_count > 0 AND retired_at IS NULL"
        ).fetchone()[0]
        retired = q("SELECT COUNT(*) FROM feeds WHERE retired_at IS NOT NULL").fetchone()[0]
        return {
            "feeds_ok": feeds_ok,
            "feeds_failing": failing,
            "feeds_retired": retired,
            "last_poll_at": self.last_poll_at(),
            "entries_today": q("SELECT COUNT(*) FROM entries WHERE seen_at >= ?", (today,)).fetchone()[0],
            "hits_today": q(
                "SELECT COUNT(*) FROM hits WHERE matched_at >= ? AND retired_at IS NULL", (today,)
            ).fetchone()[0],
            "figures_today": q("SELECT COUNT(*) FROM figures WHERE found_at >= ?", (today,)).fetchone()[0],
            "entries_total": q("SELECT COUNT(*) FROM entries").fetchone()[0],
            "articles_total": q("SELECT COUNT(*) FROM articles").fetchone()[0],
            "hits_total": q("SELECT COUNT(*) FROM hits WHERE retired_at IS NULL").fetchone()[0],
            "figures_total": q("SELECT COUNT(*) FROM figures").fetchone()[0],
        }

    def articles_since(self, since: str | None) -> Iterator[dict[str, Any]]:
        sql = "SELECT id, title, text, language FROM articles"
        params: list[Any] = []
        if since:
            sql += " WHERE first_seen_at >= ?"
            params.append(since)
        yield from self.db.query(sql + " ORDER BY id", params)

    def counts(self) -> dict[str, int]:
        return {
            table: int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("feeds", "entries", "articles", "hits", "figures", "digests")
        }


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")


def open_store(path: str | Path, *, readonly: bool = False) -> Store:
    """Open (creating it and its folder if needed) the database, in WAL mode, migrated to SCHEMA_VERSION."""
    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise StoreError(f"{path}: no database yet (run `monitor run --once` first)")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            _configure(conn)
            return Store(Database(conn), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=10)
        _configure(conn)
        db = Database(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        # synchronous=NORMAL in WAL mode: a power cut may lose the last transactions but never corrupts;
        # a process crash (kill -9) loses nothing committed. https://sqlite.org/wal.html#performance_considerations
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(db, str(path))
        return Store(db, str(path))
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: cannot open database: {e}") from e


def _migrate(db: Database, path: str) -> None:
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this monitor understands ({SCHEMA_VERSION}); upgrade monitor"
        )
    for number in range(version, SCHEMA_VERSION):
        with db.atomic():
            for statement in _split_sql(_MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit behind the transaction's back)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
