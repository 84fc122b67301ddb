"""metadata.yml with the real datasette (its own ASGI test client) over a fixture database named monitor.db:
every canned query answers with the columns it promises, every table and view page loads, every column is
described, and the articles page searches with FTS5 syntax."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml

from tests.fixture_db import build_fixture_db

datasette_app = pytest.importorskip("datasette.app", reason="datasette is a dev/optional dependency")

ROOT = Path(__file__).resolve().parent.parent
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
MONITOR = METADATA["databases"]["monitor"]

# canned query → (parameters, the columns it answers with, a check on the rows)
CANNED = {
    "hits_per_day": (
        {},
        ["day", "topic", "hits"],
        lambda rows: {r["topic"] for r in rows} == {"desertion", "conscription"},
    ),
    "largest_figures": (
        {},
        [
            "value",
            "qualifier",
            "counted",
            "period",
            "rate",
            "attributed_to",
            "outlet",
            "title",
            "url",
            "found_at",
        ],
        lambda rows: rows[0]["value"] == 180000 and 21600 in {r["value"] for r in rows},
    ),
    "attributed_figures": (
        {"who": "Gerasimov"},
        [
            "attributed_to",
            "value",
            "low",
            "high",
            "qualifier",
            "counted",
            "period",
            "rate",
            "topic",
            "outlet",
            "sentence",
            "url",
        ],
        lambda rows: {(r["value"], r["qualifier"]) for r in rows} == {(160000, "over"), (30000, "up_to")},
    ),
    "qualified_figures": (
        {},
        [
            "qualifier",
            "value",
            "low",
            "high",
            "counted",
            "period",
            "rate",
            "attributed_to",
            "topic",
            "outlet",
            "sentence",
        ],
        lambda rows: {r["qualifier"] for r in rows} == {"over", "up_to"},
    ),
    "both_topics": (
        {},
        ["article_id", "language", "title", "outlet", "url", "first_seen_at"],
        lambda rows: {r["language"] for r in rows} == {"en", "uk"},
    ),
    "claims_across_outlets": (
        {},
        [
            "value",
            "qualifier",
            "counted",
            "counted_lemma",
            "period",
            "first_seen_at",
            "first_outlet",
            "outlets",
            "articles",
            "claimed_by",
            "topics",
        ],
        lambda rows: [(r["value"], r["outlets"]) for r in rows] == [(21600, 2)],
    ),
    "claim_reports": (
        {"value": "21600", "counted_lemma": "soldier", "period": "October"},
        ["found_at", "outlet", "attributed_to", "qualifier", "counted", "title", "url", "sentence"],
        lambda rows: [r["outlet"] for r in rows] == ["Example Wire", "Example Defence News"],
    ),
    "failing_feeds": (
        {},
        [
            "name",
            "url",
            "error_count",
            "last_status",
            "last_error",
            "last_ok_at",
            "next_poll_at",
            "moved_to",
            "retired_at",
        ],
        lambda rows: rows[0]["name"] == "Example Wire" and rows[0]["error_count"] == 3,
    ),
    "search_articles": (
        {},
        ["article_id", "language", "title", "outlet", "published", "snippet", "topics", "url"],
        lambda rows: {r["language"] for r in rows} == {"uk", "ru"} and "[дезертирство]" in rows[0]["snippet"],
    ),
    "text_sources": (
        {},
        ["outlet", "text_source", "articles", "avg_chars", "example_reason"],
        lambda rows: {r["text_source"] for r in rows} == {"page", "feed"},
    ),
    "digests": (
        {},
        [
            "id",
            "created_at",
            "period_start",
            "period_end",
            "status",
            "attempts",
            "hit_count",
            "subject",
            "sent_at",
            "eml_path",
            "last_error",
            "next_attempt_at",
        ],
        lambda rows: [r["status"] for r in rows] == ["written"] and rows[0]["hit_count"] == 3,
    ),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("datasette") / "monitor.db")


def fetch(db: Path, *paths: str) -> list:
    """GET each path from a real Datasette over db with metadata.yml, through its own ASGI client."""

    async def run() -> list:
        ds = datasette_app.Datasette([str(db)], metadata=METADATA)
        await ds.invoke_startup()
        return [await ds.client.get(path) for path in paths]

    return asyncio.run(run())


def test_every_canned_query_is_tested():
    assert set(MONITOR["queries"]) == set(CANNED)
    for name, query in MONITOR["queries"].items():
        assert query.get("title"), f"{name} has no title"


@pytest.mark.parametrize("name", sorted(CANNED))
def test_canned_query_answers_with_its_columns(db, name):
    params, columns, check = CANNED[name]
    query = urlencode({**params, "_shape": "objects"})
    [json_response, html_response] = fetch(db, f"/monitor/{name}.json?{query}", f"/monitor/{name}")
    assert json_response.status_code == 200, json_response.text[:500]
    body = json_response.json()
    assert body["columns"] == columns
    assert body["rows"], f"{name}: no rows"
    assert check(body["rows"]), body["rows"]
    assert html_response.status_code == 200
    assert MONITOR["queries"][name]["title"] in html_response.text


def test_canned_query_parameters_filter(db):
    [per_day, last_week, search] = fetch(
        db,
        "/monitor/hits_per_day.json?_shape=objects&topic=conscription&days=7",
        "/monitor/largest_figures.json?_shape=objects&topic=conscription&days=7",
        "/monitor/search_articles.json?"
        + urlencode({"q": "AWOL OR СЗЧ OR СОЧ", "topic": "conscription", "_shape": "objects"}),
    )
    assert {r["topic"] for r in per_day.json()["rows"]} == {"conscription"}
    assert {r["value"] for r in last_week.json()["rows"]} == {11000, 2500, 150}
    # both Cyrillic abbreviations match, but only the Ukrainian article has a conscription hit
    assert [r["language"] for r in search.json()["rows"]] == ["uk"]


def test_every_table_and_view_page_loads(db):
    names = list(MONITOR["tables"])
    responses = fetch(
        db, "/", "/monitor", *(f"/monitor/{n}" for n in names), *(f"/monitor/{n}.json" for n in names)
    )
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert METADATA["title"] in responses[0].text
    for query in MONITOR["queries"].values():  # the database page lists the canned queries
        assert query["title"] in responses[1].text
    feeds_page = responses[2 + names.index("feeds")].text
    assert MONITOR["tables"]["feeds"]["columns"]["error_count"] in feeds_page  # column descriptions shown


def test_every_table_view_and_column_is_described(db):
    con = sqlite3.connect(db)
    try:
        objects = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'articles_fts%' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert set(objects) == set(MONITOR["tables"])
        for name in objects:
            described = MONITOR["tables"][name]
            assert described.get("description"), name
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({name})")]
            assert set(described["columns"]) == set(columns), name
    finally:
        con.close()


def test_the_articles_page_searches_with_fts5_syntax(db):
    search = urlencode({"_search": "дезертир*", "_shape": "objects"})
    phrase = urlencode({"_search": 'NEAR(самовільн* залиш*, 2) OR "soldiers deserted"', "_shape": "objects"})
    [prefix, near] = fetch(db, f"/monitor/articles.json?{search}", f"/monitor/articles.json?{phrase}")
    assert {r["language"] for r in prefix.json()["rows"]} == {"uk", "ru"}
    assert {r["language"] for r in near.json()["rows"]} == {"uk", "en"}
