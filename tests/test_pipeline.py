"""End to end: a real HTTP server on 127.0.0.1, the real `monitor run --once`, a real SQLite file."""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import run_monitor, write_config
from tests.feedserver import Route


def serve_corpus(server) -> list[str]:
    topical = server.add_feed_file("/feeds/topical.xml", "topical.rss.xml")
    unian = server.add_feed_file("/feeds/unian.xml", "unian-ua.rss.xml")
    # the real feed's links point at unian.ua: serve them from here (404) so no DNS lookup leaves the machine
    route = server.routes["/feeds/unian.xml"]
    route.body = route.body.replace(b"https://www.unian.ua/", server.base.encode() + b"/unian/")
    for name in ("seed-article.html", "uk-szch.html", "ru-soch.html"):
        server.add_page_file(f"/articles/{name}", name)
    server.add_page_file("/articles/bbc.com.52241221.html", "bbc.com.52241221.html.gz")
    return [topical, unian]


def rows(db, sql, *params):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def test_run_once_stores_hits_and_figures_exactly_once(feed_server, tmp_path):
    feeds = serve_corpus(feed_server)
    broken = feed_server.add(
        "/feeds/broken.xml", Route(body=b"<html><body>Not a feed</body></html>", content_type="text/html")
    )
    down = feed_server.add("/feeds/down.xml", Route(body=b"oops", status=500, content_type="text/plain"))
    config = write_config(tmp_path / "feeds.yaml", [*feeds, broken, down])
    db = tmp_path / "m.db"

    first = run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "2")
    assert first.returncode == 0, first.stderr

    # one log line per feed, naming it
    for url in [*feeds, broken, down]:
        assert url.rsplit("/", 1)[-1] in first.stderr or "127.0.0.1" in first.stderr
    hits = rows(db, "SELECT a.url, h.topic, h.keywords FROM hits h JOIN articles a ON a.id = h.article_id")
    by_url: dict[str, set[str]] = {}
    for h in hits:
        by_url.setdefault(h["url"].rsplit("/", 1)[-1], set()).add(h["topic"])
    # the tracking parameters are gone from the stored URL
    assert by_url["seed-article.html"] == {"desertion", "conscription"}
    assert "desertion" in by_url["uk-szch.html"]
    assert {"desertion", "conscription"} <= by_url["ru-soch.html"]
    assert "conscription" in by_url["missing.html"]  # page 404 -> the feed's own text was used
    assert "bbc.com.52241221.html" not in by_url

    articles = {r["url"].rsplit("/", 1)[-1]: r for r in rows(db, "SELECT * FROM articles")}
    assert articles["missing.html"]["text_source"] == "feed"
    assert "404" in articles["missing.html"]["source_note"]
    assert articles["seed-article.html"]["text_source"] == "page"
    assert "Gerasimov" in articles["seed-article.html"]["text"]
    assert "Most read" not in articles["seed-article.html"]["text"]  # boilerplate removed

    values = {r["value"] for r in rows(db, "SELECT value FROM figures")}
    assert {11000, 30000, 160000, 21600, 180000} <= values
    assert 21602 in values

    # every entry of the real UNIAN feed is recorded once, so it is never fetched twice
    n_unian = rows(
        db, "SELECT COUNT(*) AS n FROM entries e JOIN feeds f ON f.id = e.feed_id WHERE f.url = ?", feeds[1]
    )
    assert n_unian[0]["n"] == 50

    # the broken feeds are recorded on their rows; the others are fine
    state = {r["url"]: r for r in rows(db, "SELECT * FROM feeds")}
    assert state[broken]["error_count"] == 1 and "not a feed" in state[broken]["last_error"]
    assert state[down]["error_count"] == 1 and state[down]["last_status"] == 500
    assert state[feeds[0]]["error_count"] == 0 and state[feeds[0]]["etag"]

    counts_before = rows(
        db,
        "SELECT (SELECT COUNT(*) FROM hits) h, (SELECT COUNT(*) FROM figures) f, "
        "(SELECT COUNT(*) FROM entries) e, (SELECT COUNT(*) FROM articles) a",
    )[0]
    page_requests = feed_server.count("/articles/seed-article.html")

    second = run_monitor("--config", str(config), "--db", str(db), "run", "--once")
    assert second.returncode == 0, second.stderr
    counts_after = rows(
        db,
        "SELECT (SELECT COUNT(*) FROM hits) h, (SELECT COUNT(*) FROM figures) f, "
        "(SELECT COUNT(*) FROM entries) e, (SELECT COUNT(*) FROM articles) a",
    )[0]
    assert counts_after == counts_before
    # conditional GET: the feed answered 304 and no page was fetched again
    assert feed_server.statuses_for("/feeds/topical.xml")[-1].get("if-none-match")
    assert feed_server.count("/articles/seed-article.html") == page_requests
    assert rows(db, "SELECT last_status FROM feeds WHERE url = ?", feeds[0])[0]["last_status"] == 304
    assert "status=304" in second.stderr
    assert state[down]["error_count"] == 1
    assert rows(db, "SELECT error_count FROM feeds WHERE url = ?", down)[0]["error_count"] == 2


def test_same_article_via_two_feeds_is_stored_once(feed_server, tmp_path):
    a = feed_server.add_feed_file("/feeds/a.xml", "topical.rss.xml")
    b = feed_server.add_feed_file("/feeds/b.xml", "topical.rss.xml")
    for name in ("seed-article.html", "uk-szch.html", "ru-soch.html"):
        feed_server.add_page_file(f"/articles/{name}", name)
    config = write_config(tmp_path / "feeds.yaml", [a, b])
    db = tmp_path / "m.db"
    result = run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "0")
    assert result.returncode == 0, result.stderr
    seed = rows(db, "SELECT id FROM articles WHERE url LIKE '%seed-article.html'")
    assert len(seed) == 1
    linked = rows(db, "SELECT DISTINCT feed_id FROM entries WHERE article_id = ?", seed[0]["id"])
    assert len(linked) == 2
    assert len(rows(db, "SELECT * FROM hits WHERE article_id = ?", seed[0]["id"])) == 2


def test_all_feeds_down_exits_nonzero_and_names_each(tmp_path):
    config = write_config(tmp_path / "feeds.yaml", ["http://127.0.0.1:9/feed.xml"])
    result = run_monitor("--config", str(config), "--db", str(tmp_path / "m.db"), "run", "--once")
    assert result.returncode == 1
    assert "127.0.0.1" in result.stderr and "error=" in result.stderr


def test_extract_seed_article_json_finds_both_topics():
    result = run_monitor("extract", "tests/data/seed-article.txt", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {t["topic"] for t in out["topics"]} == {"desertion", "conscription"}
    assert out["title"].startswith("Ukrainian Convicts Mass Desertion")
    assert out["language"] == "en"
    assert {f["value"] for f in out["figures"]} >= {11000, 30000, 160000, 21600, 180000}
    for key in (
        "value",
        "low",
        "high",
        "qualifier",
        "counted",
        "period",
        "rate",
        "sentence",
        "attributed_to",
        "topic",
    ):
        assert key in out["figures"][0]


def test_extract_reads_figures_of_off_topic_text_only_when_asked(tmp_path):
    text = tmp_path / "budget.txt"
    text.write_text(
        "City budget approved\nThe council approved a budget of 4.2 million euros, up from 3.9 million.\n",
        encoding="utf-8",
    )
    plain = json.loads(run_monitor("extract", str(text), "--json").stdout)
    assert plain["topics"] == [] and plain["figures"] == []  # as the daemon stores it
    every = json.loads(run_monitor("extract", str(text), "--json", "--all-figures").stdout)
    assert every["topics"] == [] and {f["value"] for f in every["figures"]} >= {4200000}
    assert all(f["topic"] is None for f in every["figures"])


def test_extract_html_page(tmp_path):
    result = run_monitor("extract", "monitor/data/demo/uk-szch.html", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["language"] == "uk"
    assert "desertion" in {t["topic"] for t in out["topics"]}


def test_off_topic_article_gets_figures_only_once_a_topic_matches(feed_server, tmp_path):
    """Figures are extracted for articles on a topic; an off-topic article's numbers are skipped until
    `monitor rematch` with new topics makes it match."""
    feeds = serve_corpus(feed_server)
    config = write_config(tmp_path / "feeds.yaml", feeds[:1])
    db = tmp_path / "m.db"
    first = run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "1")
    assert first.returncode == 0, first.stderr

    def figures_of(page: str) -> list[dict]:
        return rows(
            db,
            "SELECT f.* FROM figures f JOIN articles a ON a.id = f.article_id WHERE a.url LIKE ?",
            f"%{page}",
        )

    bbc = rows(db, "SELECT id, text FROM articles WHERE url LIKE '%bbc.com.52241221.html'")
    assert bbc and any(ch.isdigit() for ch in bbc[0]["text"])  # stored, with numbers in its text
    assert figures_of("bbc.com.52241221.html") == []
    assert figures_of("seed-article.html")  # the on-topic article's figures are there

    widened = tmp_path / "widened.yaml"
    widened.write_text(
        config.read_text(encoding="utf-8") + "topics:\n  epidemic:\n    terms:\n      en: [coronavirus]\n",
        encoding="utf-8",
    )
    rematch = run_monitor("--config", str(widened), "--db", str(db), "rematch")
    assert rematch.returncode == 0, rematch.stderr
    added = figures_of("bbc.com.52241221.html")
    assert added and {f["topic"] for f in added} <= {"epidemic", None}
    assert f"+ article {bbc[0]['id']} epidemic" in rematch.stdout


def test_feeds_wait_for_a_slot_instead_of_all_being_fetched_at_once(feed_server, tmp_path):
    """Feeds are fetched far faster than their pages are analysed: a poll takes a feed (fetch, parse, its
    pages) only when one of 2 × concurrency slots is free, so the parsed feeds and their results do not all
    wait in memory. With concurrency 1 (two slots) and one request at a time, the third feed is asked for
    only after every page of some earlier feed was; without the bound all six feeds come first."""
    page = b"<html><body><p>" + b"Soldiers deserted their units. " * 40 + b"</p></body></html>"
    feeds = []
    for i in range(6):
        items = "".join(
            f"<item><guid>f{i}e{j}</guid><title>Item {i}.{j}</title>"
            f"<link>{feed_server.base}/pages/{i}-{j}.html</link></item>"
            for j in range(2)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{i}</title>{items}</channel></rss>'
        feeds.append(feed_server.add(f"/feeds/{i}.xml", Route(body=body.encode())))
        for j in range(2):
            feed_server.add(f"/pages/{i}-{j}.html", Route(body=page, content_type="text/html; charset=utf-8"))
    config = write_config(tmp_path / "feeds.yaml", feeds)
    config.write_text(config.read_text().replace("defaults:\n", "defaults:\n  concurrency: 1\n"))
    done = run_monitor(
        "--config", str(config), "--db", str(tmp_path / "m.db"), "run", "--once", "--workers", "0"
    )
    assert done.returncode == 0, done.stderr

    paths = [p for p, _ in feed_server.requests]
    assert len([p for p in paths if p.startswith("/feeds/")]) == 6
    pages_seen: dict[int, int] = {}
    feeds_asked = 0
    for path in paths:
        if path.startswith("/pages/"):
            i = int(path.split("/")[2].split("-")[0])
            pages_seen[i] = pages_seen.get(i, 0) + 1
        else:
            finished = sum(1 for n in pages_seen.values() if n == 2)
            assert finished >= feeds_asked - 1, (path, paths)
            feeds_asked += 1


def test_shutdown_waits_for_pools_stopped_without_waiting(tmp_path):
    """A pool dropped during a poll (a worker died, or the one-at-a-time retries are over) is told to stop
    without waiting, so the event loop goes on. shutdown() must still wait for its workers: `run --once` ends
    with os._exit, and a worker still waiting for its stop signal would outlive monitor, holding its stderr."""
    import os

    from monitor.config import load_config
    from monitor.pipeline import Poller, make_fetcher
    from monitor.store import open_store

    config = load_config(write_config(tmp_path / "feeds.yaml", ["http://127.0.0.1:9/feed.xml"]))
    store = open_store(str(tmp_path / "m.db"))
    poller = Poller(config, store, make_fetcher(config), workers=1)
    try:
        pool = poller._new_pool(1)
        worker = pool.submit(os.getpid).result(timeout=60)
        poller._retire(pool)
    finally:
        poller.shutdown()
        store.close()
    assert not os.path.exists(f"/proc/{worker}"), "the retired pool's worker outlived shutdown()"
