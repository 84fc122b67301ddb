"""`monitor demo` end to end: the bundled feeds served on 127.0.0.1, one real poll into a real SQLite file,
the hits and figures printed, a sample digest written as .eml."""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
from pathlib import Path

from monitor.demo import DEMO_DATA, run_demo


def rows(db: Path, sql: str) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql)]
    finally:
        con.close()


def test_the_demo_runs_the_whole_pipeline(tmp_path):
    db, out = tmp_path / "demo" / "monitor.db", tmp_path / "out"
    lines: list[str] = []

    assert run_demo(str(db), str(out), echo=lines.append) == 0

    hits = rows(db, "SELECT topic, language, text_source FROM v_hits WHERE retired_at IS NULL")
    assert {h["topic"] for h in hits} == {"desertion", "conscription"}
    assert {h["language"] for h in hits if h["topic"] == "desertion"} >= {"en", "uk", "ru"}
    assert "feed" in {h["text_source"] for h in hits}  # the page that is gone: the feed's own text was used
    figures = rows(db, "SELECT value, qualifier, attributed_to FROM figures WHERE topic IS NOT NULL")
    values = {f["value"] for f in figures}
    assert {21600, 30000, 160000, 180000, 11000, 21602} <= values
    assert {"value": 30000, "qualifier": "up_to", "attributed_to": "Valery Gerasimov"} in figures
    # the non-topical page was stored but did not match
    assert not rows(db, "SELECT 1 FROM v_hits WHERE url LIKE '%bbc.com.52241221%'")
    # the feed that is down is data on its row; the others are fine
    feeds = {f["name"]: f for f in rows(db, "SELECT name, error_count, last_status FROM feeds")}
    assert feeds["Sample: a feed that is down"]["last_status"] == 503
    assert feeds["Sample: a feed that is down"]["error_count"] == 1
    assert [f["error_count"] for name, f in feeds.items() if "down" not in name] == [0, 0]

    output = "\n".join(lines)
    for text in (
        "desertion",
        "conscription",
        "21,600",
        "Valery Gerasimov",
        "СЗЧ",
        "HTTP 503",
        "demo-digest.eml",
    ):
        assert text in output, text

    [eml] = list(out.glob("*.eml"))
    assert str(eml) in output
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("monitor demo:") and message["Message-ID"]
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "СЗЧ" in plain and "Gerasimov" in html


def test_a_second_run_stores_nothing_twice(tmp_path):
    db, out = tmp_path / "monitor.db", tmp_path / "out"
    assert run_demo(str(db), str(out), echo=lambda _: None) == 0
    count = (
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM hits), (SELECT COUNT(*) FROM figures)"
    )
    first = rows(db, count)
    lines: list[str] = []
    assert run_demo(str(db), str(out), echo=lines.append) == 0  # a new port, so new feed URLs: same articles
    assert rows(db, count) == first
    assert any(line.startswith("Hits (7)") for line in lines), lines


def test_without_a_database_path_nothing_is_left_behind(tmp_path):
    out = tmp_path / "out"
    lines: list[str] = []
    assert run_demo(None, str(out), echo=lines.append) == 0
    assert [p.name for p in out.iterdir()] == ["demo-digest.eml"]
    assert any("temporary" in line for line in lines)


def test_the_demo_data_is_small_and_attributed():
    files = [p for p in DEMO_DATA.iterdir() if p.name != "ATTRIBUTION.md"]
    assert sum(p.stat().st_size for p in DEMO_DATA.iterdir()) < 300_000
    attribution = (DEMO_DATA / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for path in files:
        assert f"`{path.name}`" in attribution, path.name
    # nothing in the bundled feeds points at the internet: every article link is served by the demo server
    for feed in DEMO_DATA.glob("*.xml"):
        items = re.findall(r"<item>(.*?)</item>", feed.read_text(encoding="utf-8"), re.S)
        links = [re.search(r"<link>\s*(.*?)\s*</link>", item, re.S).group(1) for item in items]  # type: ignore[union-attr]
        assert links and all(link.startswith("{base}/") for link in links), feed.name


def test_the_demo_refuses_a_database_with_real_feeds(tmp_path):
    from tests.fixture_db import build_fixture_db

    db = build_fixture_db(tmp_path / "monitor.db")
    before = rows(db, "SELECT COUNT(*) AS n FROM feeds")
    lines: list[str] = []
    assert run_demo(str(db), str(tmp_path / "out"), echo=lines.append) == 2
    assert "not the demo's" in lines[0]
    assert rows(db, "SELECT COUNT(*) AS n FROM feeds") == before
    assert not (tmp_path / "out").exists()
