"""A hostile-server fixture: a real HTTP server on 127.0.0.1 serving broken, malicious and abusive feeds and
pages beside one healthy control feed. `monitor run --once` (the real CLI) must survive them all, record
each outcome on the feed's row, store the control feed's hits exactly once, and never reach the trap server.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from datetime import datetime

import pytest

from tests.conftest import DATA, run_monitor
from tests.feedserver import FeedServer, Route, trickle

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>bl1</guid><title>laughs &lol9;</title><description>x</description></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><guid>xxe1</guid><title>secret: &xxe;</title><description>see title</description></item></channel></rss>"""


def rss(items: str, encoding: str = "utf-8", decl: bool = True) -> str:
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if decl else ""
    return f'{head}<rss version="2.0"><channel><title>t</title><link>http://x/</link>{items}</channel></rss>'


def item(guid: str, title: str, link: str | None = None, description: str = "text") -> str:
    link_xml = f"<link>{link}</link>" if link is not None else ""
    return f'<item><guid isPermaLink="false">{guid}</guid><title>{title}</title>{link_xml}<description>{description}</description></item>'


def hang_after_headers(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "5000")
    handler.end_headers()
    handler.wfile.flush()
    time.sleep(8)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    server = FeedServer().start()
    trap = FeedServer().start()  # a "private" service on another port: nothing may reach it
    trap.add("/secret", Route(body=b"secret", content_type="text/html"))
    b = server.base
    feeds: dict[str, str] = {}

    def feed(name: str, route: Route) -> None:
        feeds[name] = server.add(f"/feeds/{name}.xml", route)

    # the healthy control feed
    feed(
        "control",
        Route(body=(DATA / "feeds" / "topical.rss.xml").read_bytes().replace(b"{base}", b.encode())),
    )
    for page in ("seed-article.html", "uk-szch.html", "ru-soch.html"):
        server.add_page_file(f"/articles/{page}", page)
    server.add_page_file("/articles/bbc.com.52241221.html", "bbc.com.52241221.html.gz")

    # --- feeds ---
    feed("huge", Route(body=rss(item("h", "x" * 10, None, "y" * 2_500_000)).encode()))
    feed(
        "gzip-bomb",
        Route(
            body=gzip.compress(b"<rss>" + b" " * 30_000_000), headers={"Content-Encoding": "gzip"}, etag=False
        ),
    )
    feed("trickle", Route(handler=trickle))
    for i in range(8):
        server.add(f"/loop/{i}", Route(status=302, headers={"Location": f"/loop/{i + 1}"}, etag=False))
    feeds["redirect-loop"] = server.url("/loop/0")
    server.add(
        "/feeds/new-home.xml", Route(body=rss(item("moved-1", "moved entry", None, "moved text")).encode())
    )
    feed("moved", Route(status=301, headers={"Location": "/feeds/new-home.xml"}, etag=False))
    feed("gone", Route(status=410, body=b"gone", content_type="text/plain", etag=False))
    feed(
        "rate-limited",
        Route(
            status=429,
            headers={"Retry-After": "7200"},
            body=b"slow down",
            content_type="text/plain",
            etag=False,
        ),
    )
    feed("unavailable", Route(status=503, headers={"Retry-After": "600"}, body=b"", etag=False))
    feed("server-error", Route(status=500, body=b"boom", content_type="text/plain", etag=False))
    feed(
        "html-page",
        Route(
            body=b"<!DOCTYPE html><html><head><title>Home</title></head><body>Welcome</body></html>",
            content_type="text/html",
        ),
    )
    feed("empty", Route(body=b"", etag=False))
    feed("binary", Route(body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, content_type="image/png"))
    feed("billion-laughs", Route(body=BILLION_LAUGHS))
    feed("xxe", Route(body=XXE))
    feed(
        "invalid-utf8-nul",
        Route(
            body=rss(item("bad1", "broken \udcff bytes", None, "NUL\x00here"))
            .encode("utf-8", "surrogateescape")
            .replace(b"\\udcff", b"\xff")
        ),
    )
    cp1251 = rss(
        item("cp1", "Мобилизация в регионах продолжается", None, "Военкоматы рассылают повестки."), decl=False
    )
    feed("cp1251-undeclared", Route(body=cp1251.encode("cp1251")))
    koi8 = rss(item("koi1", "Дезертиры вернулись в часть", None, "Дело о дезертирстве закрыто."), decl=False)
    feed("koi8r-undeclared", Route(body=koi8.encode("koi8_r")))
    feed(
        "utf8-bom",
        Route(body=b"\xef\xbb\xbf" + rss(item("bom1", "Мобілізація: нові правила", None, "ТЦК")).encode()),
    )
    feed("huge-title", Route(body=rss(item("ht1", "T" * 1_000_000, None, "body")).encode()))
    many = "".join(item(f"m{i}", f"entry {i}", None, f"text {i}") for i in range(10_000))
    feed("10k-entries", Route(body=rss(many).encode()))
    feed(
        "dup-guids",
        Route(body=rss(item("same", "first") + item("same", "second") + item("same", "third")).encode()),
    )

    # --- article links: each entry points somewhere bad ---
    server.add(
        "/articles/to-trap", Route(status=302, headers={"Location": f"{trap.base}/secret"}, etag=False)
    )
    server.add("/articles/to-ftp", Route(status=302, headers={"Location": "ftp://example.org/x"}, etag=False))
    server.add(
        "/articles/doc.pdf",
        Route(body=b"%PDF-1.7\n" + b"\x00\x01binary" * 1000, content_type="application/pdf"),
    )
    server.add(
        "/articles/huge.html",
        Route(body=b"<html><body><p>" + b"word " * 200_000 + b"</p></body></html>", content_type="text/html"),
    )
    server.add("/articles/hang.html", Route(handler=hang_after_headers))
    server.add(
        "/articles/nul.html",
        Route(
            body=b"<html><body><article><p>"
            + b"Mobilization \x00 news \xff\xfe " * 60
            + b"</p></article></body></html>",
            content_type="text/html",
        ),
    )
    links = [
        ("l-trap", f"{trap.base}/secret"),
        ("l-metadata", "http://169.254.169.254/latest/meta-data/"),
        ("l-decimal", f"http://2130706433:{trap.port}/secret"),
        ("l-localhost", f"http://localhost:{trap.port}/secret"),
        ("l-ipv6", f"http://[::1]:{trap.port}/secret"),
        ("l-redirect-trap", f"{b}/articles/to-trap"),
        ("l-redirect-ftp", f"{b}/articles/to-ftp"),
        ("l-javascript", "javascript:alert(1)"),
        ("l-none", None),
        ("l-pdf", f"{b}/articles/doc.pdf"),
        ("l-huge", f"{b}/articles/huge.html"),
        ("l-hang", f"{b}/articles/hang.html"),
        ("l-nul", f"{b}/articles/nul.html"),
    ]
    body = "".join(
        item(g, f"Mobilization story {g}", link, f"Feed text of {g}: conscripts and mobilization.")
        for g, link in links
    )
    feed("links", Route(body=rss(body).encode()))

    config = tmp / "feeds.yaml"
    config.write_text(
        "defaults:\n  interval: 15m\n  jitter: 0\n  timeouts: {connect: 2, read: 2, total: 3}\n"
        "  max_feed_bytes: 2000000\n  max_page_bytes: 300000\n  max_new_entries: 50\n"
        "feeds:\n" + "".join(f"  - {{url: '{u}', name: {n}}}\n" for n, u in feeds.items()),
        encoding="utf-8",
    )
    db = tmp / "m.db"
    started = time.time()
    first = run_monitor(
        "--config", str(config), "--db", str(db), "run", "--once", "--workers", "0", timeout=240
    )
    first_counts = counts(db)
    second = run_monitor(
        "--config", str(config), "--db", str(db), "run", "--once", "--workers", "0", timeout=240
    )
    yield {
        "first": first,
        "second": second,
        "db": db,
        "feeds": feeds,
        "trap": trap,
        "started": started,
        "first_counts": first_counts,
    }
    server.stop()
    trap.stop()


def counts(db) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {
            t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("entries", "articles", "hits", "figures")
        }
    finally:
        con.close()


def feed_row(run, name):
    con = sqlite3.connect(run["db"])
    con.row_factory = sqlite3.Row
    try:
        return dict(con.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone())
    finally:
        con.close()


def entries(run, name):
    con = sqlite3.connect(run["db"])
    con.row_factory = sqlite3.Row
    try:
        return [
            dict(r)
            for r in con.execute(
                "SELECT e.*, a.text, a.text_source, a.source_note, a.title AS article_title FROM entries e "
                "JOIN feeds f ON f.id = e.feed_id LEFT JOIN articles a ON a.id = e.article_id WHERE f.name = ?",
                (name,),
            )
        ]
    finally:
        con.close()


def test_daemon_survives_and_control_feed_is_stored_exactly_once(hostile_run):
    assert hostile_run["first"].returncode == 0, hostile_run["first"].stderr[-3000:]
    assert hostile_run["second"].returncode == 0
    con = sqlite3.connect(hostile_run["db"])
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    topics = {
        r[0]: r[1]
        for r in con.execute(
            "SELECT a.url, GROUP_CONCAT(h.topic) FROM hits h JOIN articles a ON a.id = h.article_id "
            "JOIN feeds f ON f.id = a.feed_id WHERE f.name = 'control' GROUP BY a.url"
        )
    }
    seed = [u for u in topics if u.endswith("seed-article.html")]
    assert len(seed) == 1 and set(topics[seed[0]].split(",")) == {"desertion", "conscription"}
    # The second run added nothing but the next batch of 50 from the 10,000-entry feed.
    before, after = hostile_run["first_counts"], counts(hostile_run["db"])
    assert after["entries"] - before["entries"] == 50 and after["articles"] - before["articles"] == 50
    assert after["hits"] == before["hits"]


def test_no_request_reached_the_trap(hostile_run):
    assert hostile_run["trap"].requests == []


def test_every_feed_logged_one_line(hostile_run):
    log = hostile_run["first"].stderr
    for name in hostile_run["feeds"]:
        assert f"feed='{name}'" in log, name


@pytest.mark.parametrize(
    ("name", "error_part"),
    [
        ("huge", "cap of 2000000"),
        ("gzip-bomb", "cap of 2000000"),
        ("trickle", "deadline"),
        ("redirect-loop", "more than 5 redirects"),
        ("server-error", "HTTP 500"),
        ("html-page", "HTML page"),
        ("empty", "empty body"),
        ("binary", "not a feed"),
    ],
)
def test_failing_feed_is_recorded_with_its_reason_and_backs_off(hostile_run, name, error_part):
    row = feed_row(hostile_run, name)
    assert error_part in (row["last_error"] or ""), row["last_error"]
    assert row["error_count"] == 2  # both runs failed, each counted
    assert row["next_poll_at"] > row["last_polled_at"]


def test_410_retires_the_feed(hostile_run):
    row = feed_row(hostile_run, "gone")
    assert row["retired_at"] is not None and row["last_status"] == 410
    assert "retired" in hostile_run["second"].stderr


@pytest.mark.parametrize(("name", "seconds"), [("rate-limited", 7200), ("unavailable", 600)])
def test_retry_after_is_honoured(hostile_run, name, seconds):
    row = feed_row(hostile_run, name)
    polled = datetime.fromisoformat(row["last_polled_at"])
    assert (datetime.fromisoformat(row["next_poll_at"]) - polled).total_seconds() >= seconds - 1


def test_301_updates_the_stored_feed_url(hostile_run):
    row = feed_row(hostile_run, "moved")
    assert row["moved_to"].endswith("/feeds/new-home.xml")
    assert "moved permanently" in hostile_run["first"].stderr
    assert [e["entry_id"] for e in entries(hostile_run, "moved")] == ["moved-1"]


def test_xml_bombs_are_not_expanded(hostile_run):
    laughs = entries(hostile_run, "billion-laughs")
    assert all(len(e["title"] or "") < 100 for e in laughs)
    xxe = entries(hostile_run, "xxe")
    assert all("root:" not in (e["title"] or "") + (e["text"] or "") for e in xxe)


def test_undeclared_cyrillic_encodings_are_decoded(hostile_run):
    assert entries(hostile_run, "cp1251-undeclared")[0]["title"] == "Мобилизация в регионах продолжается"
    assert entries(hostile_run, "koi8r-undeclared")[0]["title"] == "Дезертиры вернулись в часть"
    assert entries(hostile_run, "utf8-bom")[0]["title"] == "Мобілізація: нові правила"


def test_invalid_utf8_and_nul_bytes_are_stored_safely(hostile_run):
    rows = entries(hostile_run, "invalid-utf8-nul")
    assert len(rows) == 1 and "\x00" not in (rows[0]["text"] or "")


def test_huge_title_is_truncated(hostile_run):
    (row,) = entries(hostile_run, "huge-title")
    assert 0 < len(row["title"]) <= 2000


def test_10k_entries_are_taken_in_bounded_batches(hostile_run):
    rows = entries(hostile_run, "10k-entries")
    assert len(rows) == 100  # 50 per poll, two polls
    assert (
        "10000 new entries" in hostile_run["first"].stderr
        or "has 10000 new entries" in hostile_run["first"].stderr
    )


def test_duplicate_guids_are_stored_once(hostile_run):
    assert [e["title"] for e in entries(hostile_run, "dup-guids")] == ["first"]


@pytest.mark.parametrize(
    ("guid", "note_part"),
    [
        ("l-trap", "non-public address"),
        ("l-metadata", "non-public address 169.254.169.254"),
        ("l-decimal", "non-public address 127.0.0.1"),
        ("l-localhost", "non-public address"),
        ("l-ipv6", "non-public address ::1"),
        ("l-redirect-trap", "non-public address"),
        ("l-redirect-ftp", "refused scheme 'ftp'"),
        ("l-javascript", "no http(s) link"),
        ("l-none", "no http(s) link"),
        ("l-pdf", "not an HTML page"),
        ("l-huge", "cap of 300000"),
        ("l-hang", "page not fetched"),
    ],
)
def test_bad_article_links_fall_back_to_the_feed_text_with_a_reason(hostile_run, guid, note_part):
    (row,) = [e for e in entries(hostile_run, "links") if e["entry_id"] == guid]
    assert row["text_source"] == "feed"
    assert note_part in (row["source_note"] or row["note"] or ""), (row["source_note"], row["note"])
    assert row["text"].startswith(f"Feed text of {guid}")


def test_page_with_nul_and_invalid_bytes_is_extracted_or_falls_back(hostile_run):
    (row,) = [e for e in entries(hostile_run, "links") if e["entry_id"] == "l-nul"]
    assert row["status"] == "stored" and "\x00" not in row["text"]


def test_stats_and_health_report_the_state(hostile_run):
    stats = run_monitor(
        "--db", str(hostile_run["db"]), "--config", str(hostile_run["db"].parent / "feeds.yaml"), "stats"
    )
    assert stats.returncode == 0
    values = dict(line.split(": ", 1) for line in stats.stdout.strip().splitlines())
    assert int(values["feeds_failing"]) >= 10 and int(values["feeds_retired"]) == 1
    health = run_monitor(
        "--db", str(hostile_run["db"]), "--config", str(hostile_run["db"].parent / "feeds.yaml"), "health"
    )
    assert health.returncode == 0 and health.stdout.startswith("healthy")
    json.dumps(values)
