"""The store on real SQLite files: migrations, idempotent writes, one transaction per poll."""

from __future__ import annotations

import sqlite3

import pytest

from monitor.errors import StoreError
from monitor.store import SCHEMA_VERSION, ProcessedEntry, content_hash, open_store
from monitor.types import Article, Entry, Figure, Hit, Qualifier

NOW = "2026-11-28T07:00:00+00:00"


class FeedCfg:
    def __init__(self, url: str) -> None:
        self.url, self.display_name, self.language, self.enabled = url, url, "en", True


def entry(i: int) -> Entry:
    return Entry(entry_id=f"g{i}", link=f"https://x.example/{i}", title=f"t{i}", summary="s", published=None)


def processed(i: int, text: str = "Up to 30,000 soldiers desert each month.") -> ProcessedEntry:
    article = Article(
        url=f"https://x.example/{i}",
        title=f"t{i}",
        text=text,
        language="en",
        published=None,
        text_source="page",
    )
    hit = Hit(
        topic="desertion",
        keywords=("desert",),
        terms=("desert",),
        field="body",
        count=1,
        snippet=text,
        score=1.0,
    )
    fig = Figure(
        30000,
        None,
        None,
        Qualifier.UP_TO,
        "soldiers",
        "soldier",
        None,
        "per month",
        text,
        6,
        12,
        None,
        "desertion",
    )
    return ProcessedEntry(entry(i), article, f"https://x.example/{i}", (hit,), (fig,))


def test_transactions_nest_as_savepoints_and_roll_back_whole(tmp_path):
    """Store.transaction is the only way a transaction starts; a failing inner block is undone alone, a
    failing outer block leaves nothing; another connection sees only committed rows."""
    path = tmp_path / "t.db"
    store = open_store(path)
    other = sqlite3.connect(path)

    def names() -> list[str]:
        return [r[0] for r in other.execute("SELECT name FROM feeds ORDER BY name")]

    def add(db, name: str) -> None:
        db.execute("INSERT INTO feeds (url, name, added_at) VALUES (?, ?, ?)", (f"https://{name}", name, NOW))

    add(store.db, "autocommitted")  # outside a transaction: committed at once
    assert names() == ["autocommitted"]
    with store.transaction() as db:
        add(db, "kept")
        with pytest.raises(RuntimeError), db.atomic():
            add(db, "undone")
            raise RuntimeError("inner block fails")
        assert names() == ["autocommitted"]  # not committed yet
    assert names() == ["autocommitted", "kept"]
    with pytest.raises(RuntimeError), store.transaction() as db:
        add(db, "lost")
        raise RuntimeError("outer block fails")
    with pytest.raises(StoreError, match="write failed"), store.transaction() as db:
        add(db, "duplicate")
        add(db, "duplicate")  # UNIQUE(url): the whole transaction is rolled back
    assert names() == ["autocommitted", "kept"]
    assert not store.db.conn.in_transaction
    assert store.query("SELECT name FROM feeds WHERE name = ?", ["kept"]) == [{"name": "kept"}]
    other.close()
    store.close()


def test_schema_is_created_in_wal_mode_and_versioned(tmp_path):
    store = open_store(tmp_path / "sub" / "m.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"feeds", "entries", "articles", "hits", "figures", "digests"} <= set(store.db.table_names())
    assert {"v_hits", "v_figures", "v_figure_ledger"} <= set(store.db.view_names())
    store.close()
    open_store(tmp_path / "sub" / "m.db").close()  # reopening migrates nothing and loses nothing


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "m.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError, match="newer than this monitor"):
        open_store(path)


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "m.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open database"):
        open_store(path)


def test_record_poll_is_idempotent(tmp_path):
    store = open_store(tmp_path / "m.db")
    store.sync_feeds([FeedCfg("https://x.example/feed")], NOW)
    state = store.feed_state("https://x.example/feed")
    items = [processed(1), processed(2, "Other text: over 160,000 criminal cases against deserters.")]
    first = store.record_poll(state.id, {"last_status": 200}, items, NOW)
    assert (first.new_entries, first.new_articles, first.new_hits, first.new_figures) == (2, 2, 2, 2)
    again = store.record_poll(state.id, {"last_status": 200}, items, NOW)
    assert (again.new_entries, again.new_articles, again.new_hits, again.new_figures) == (0, 0, 0, 0)
    assert store.counts()["hits"] == 2 and store.counts()["figures"] == 2
    assert store.seen_entry_ids(state.id, ["g1", "g2", "g3"]) == {"g1", "g2"}


def test_same_text_under_another_url_is_one_article(tmp_path):
    store = open_store(tmp_path / "m.db")
    store.sync_feeds([FeedCfg("https://a.example/feed"), FeedCfg("https://b.example/feed")], NOW)
    a, b = store.feed_state("https://a.example/feed"), store.feed_state("https://b.example/feed")
    store.record_poll(a.id, {}, [processed(1)], NOW)
    moved = processed(1)
    moved = ProcessedEntry(
        Entry("other-guid", "https://mirror.example/1", "t", None, None),
        moved.article,
        "https://mirror.example/1",
        moved.hits,
        moved.figures,
    )
    result = store.record_poll(b.id, {}, [moved], NOW)
    assert result.new_articles == 0 and result.new_hits == 0 and result.new_entries == 1
    assert store.counts()["articles"] == 1
    assert len(store.query("SELECT DISTINCT feed_id FROM entries WHERE article_id IS NOT NULL")) == 2


def test_failed_transaction_leaves_nothing(tmp_path):
    store = open_store(tmp_path / "m.db")
    store.sync_feeds([FeedCfg("https://x.example/feed")], NOW)
    state = store.feed_state("https://x.example/feed")
    bad = ProcessedEntry(
        entry(9), Article("https://x.example/9", "t", "x", "en", None, "nonsense"), "https://x.example/9"
    )
    with pytest.raises(StoreError):
        store.record_poll(state.id, {"last_status": 200}, [processed(1), bad], NOW)
    assert store.counts()["entries"] == 0 and store.counts()["articles"] == 0
    assert store.feed_state("https://x.example/feed").etag is None


def test_figure_ledger_groups_the_same_claim(tmp_path):
    store = open_store(tmp_path / "m.db")
    store.sync_feeds([FeedCfg("https://a.example/feed"), FeedCfg("https://b.example/feed")], NOW)
    a, b = store.feed_state("https://a.example/feed"), store.feed_state("https://b.example/feed")
    store.record_poll(a.id, {}, [processed(1)], "2026-11-27T07:00:00+00:00")
    store.record_poll(
        b.id, {}, [processed(2, "Different wording, still up to 30,000 soldiers desert each month.")], NOW
    )
    ledger = store.figure_ledger(topic="desertion")
    assert len(ledger) == 1
    assert ledger[0]["value"] == 30000 and ledger[0]["outlets"] == 2 and ledger[0]["articles"] == 2
    assert ledger[0]["first_outlet"] == "https://a.example/feed"
    assert store.figure_ledger(since="2026-11-28T00:00:00+00:00") == []


def test_content_hash_ignores_whitespace_and_case():
    long = "word " * 100
    assert content_hash("A", long) == content_hash("B", "  " + long.upper())
    assert content_hash("A", "short") != content_hash("B", "short")


def test_rematch_that_retires_every_hit_takes_the_topic_off_the_figures(tmp_path):
    """An article that matches nothing any more gets no figures from the analysis, so the store itself must
    take the retired topic off its stored figures: `figures --topic` must not list them."""
    store = open_store(tmp_path / "m.db")
    store.sync_feeds([FeedCfg("https://f.example/rss")], NOW)
    feed = store.feed_state("https://f.example/rss")
    store.record_poll(feed.id, {"last_status": 200}, [processed(1)], NOW)
    article_id = store.query("SELECT id FROM articles")[0]["id"]
    assert store.query("SELECT topic FROM figures") == [{"topic": "desertion"}]

    added, retired, restored, new = store.rematch_article(article_id, (), (), "2026-11-29T07:00:00+00:00")
    assert (added, retired, restored, new) == ([], ["desertion"], [], 0)
    assert store.query("SELECT topic, hit_id FROM figures") == [{"topic": None, "hit_id": None}]
    assert store.query("SELECT retired_at FROM hits")[0]["retired_at"] == "2026-11-29T07:00:00+00:00"
    store.close()
