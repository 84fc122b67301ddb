"""The docs cannot drift: every query in docs/schema.md runs against a real database and finds what it says,
every table and column is documented as it is in monitor/store.py, and every `monitor` command is in the
README's command table and in docs/cli.md."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from monitor.cli import cli
from monitor.store import SCHEMA_VERSION
from tests.fixture_db import build_fixture_db

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_MD = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")

TABLES = ("feeds", "entries", "articles", "hits", "figures", "digests")
VIEWS = ("v_hits", "v_figures", "v_figure_ledger")


def sql_blocks(markdown: str) -> list[tuple[str, str]]:
    """(the question heading above it, the SQL) for every ```sql block."""
    blocks = []
    heading = "(no heading)"
    for m in re.finditer(r"^### ([^\n]+)$|^```sql\n(.*?)^```", markdown, re.M | re.S):
        if m.group(1):
            heading = m.group(1).strip()
        else:
            blocks.append((heading, m.group(2)))
    return blocks


QUERIES = sql_blocks(SCHEMA_MD)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_fixture_db(tmp_path_factory.mktemp("docs") / "monitor.db")


@pytest.fixture(scope="module")
def con(db):
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def test_the_schema_doc_has_the_promised_examples():
    assert len(QUERIES) >= 10
    text = "\n".join(sql for _, sql in QUERIES)
    for needle in (
        "v_figure_ledger",
        "attributed_to IS NOT NULL",
        "MATCH 'дезертир*'",
        "text_source",
        "digests",
    ):
        assert needle in text, needle
    assert "```mermaid" in SCHEMA_MD


@pytest.mark.parametrize(("question", "sql"), QUERIES, ids=[q for q, _ in QUERIES])
def test_every_example_query_runs_and_answers(con, question, sql):
    assert sqlite3.complete_statement(sql), "one complete statement per block"
    assert sql.strip().rstrip(";").count(";") == 0, "one statement per block"
    rows = con.execute(sql).fetchall()
    # the fixture database holds an answer to every question the doc asks
    assert rows, f"no rows for: {question}"


def test_example_queries_find_the_right_rows(con):
    by_question = dict(QUERIES)

    def run(prefix: str) -> list[sqlite3.Row]:
        [sql] = [s for q, s in by_question.items() if q.startswith(prefix)]
        return con.execute(sql).fetchall()

    largest = run("The largest desertion figures")
    assert largest[0]["value"] == 180000 and {r["value"] for r in largest} >= {21600, 30000, 160000, 21602}
    assert all(r["value"] is not None for r in largest)
    assert [(r["value"], r["first_outlet"], r["outlets"]) for r in run("Which claims were reported")] == [
        (21600, "Example Wire", 2)
    ]
    assert {r["language"] for r in run("Full-text search in Cyrillic")} == {"uk", "ru"}
    assert {r["language"] for r in run("Full-text search in titles only")} == {"uk", "ru"}
    failing = run("Which feeds are failing")
    assert [r["name"] for r in failing] == ["Example Wire"] and failing[0]["last_status"] == 503
    both = run("Articles that mention both topics")
    assert {r["language"] for r in both} == {"en", "uk"}
    assert "Wadi Rum" not in str([tuple(r) for r in run("How many hits per day")])
    assert {r["qualifier"] for r in run("Figures hedged")} == {"over", "up_to"}
    assert [r["status"] for r in run("Digests and their delivery status")] == ["written"]


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    end = markdown.find("\n### ", start + len(heading))
    end2 = markdown.find("\n## ", start + len(heading))
    ends = [e for e in (end, end2) if e != -1]
    return markdown[start : min(ends) if ends else len(markdown)]


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_documented_as_it_is(con, table):
    actual = {r["name"] for r in con.execute(f"PRAGMA table_info({table})")}
    section = _section(SCHEMA_MD, f"### `{table}`")
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = set()
    for line in rows:
        first_cell = line.split("|")[1]
        documented.update(re.findall(r"`([a-z_]+)`", first_cell))
    assert documented == actual, (
        f"docs/schema.md {table}: missing {actual - documented}, stale {documented - actual}"
    )
    mermaid = re.search(rf"^    {table} \{{\n(.*?)^    \}}", SCHEMA_MD, re.M | re.S)
    assert mermaid, f"{table} missing from the mermaid diagram"
    in_diagram = {line.split()[1] for line in mermaid.group(1).splitlines() if line.strip()}
    assert in_diagram == actual, (
        f"mermaid {table}: missing {actual - in_diagram}, stale {in_diagram - actual}"
    )


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_is_documented_with_its_columns(con, view):
    actual = [r["name"] for r in con.execute(f"PRAGMA table_info({view})")]
    row = re.search(rf"^\| `{view}` \|[^|]*\| `([^`]*)` \|$", SCHEMA_MD, re.M)
    assert row, f"{view} not in the views table"
    assert [c.strip() for c in row.group(1).split(",")] == actual


def test_the_documented_schema_version_is_the_current_one():
    assert f"(currently {SCHEMA_VERSION})" in SCHEMA_MD


def _readme_commands() -> set[str]:
    section = README[README.index("## Commands") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `monitor")]
    return {name for line in rows for name in re.findall(r"`monitor ([a-z][a-z-]*)", line.split("|")[1])}


def _cli_md_commands() -> set[str]:
    rows = [line for line in CLI_MD.splitlines() if re.match(r"^\| `[a-z][a-z-]*[` ]", line)]
    return {re.match(r"^\| `([a-z][a-z-]*)", line).group(1) for line in rows}  # type: ignore[union-attr]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme_table(command):
    assert command in _readme_commands(), f"README.md ## Commands has no row for `monitor {command}`"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_cli_md(command):
    assert command in _cli_md_commands(), f"docs/cli.md has no row for `{command}`"


def test_no_documented_command_is_gone():
    assert _readme_commands() <= set(cli.commands)
    assert _cli_md_commands() <= set(cli.commands)


def test_the_documented_full_text_behaviour(tmp_path):
    """docs/schema.md: case folded for Cyrillic, ё/е (and й/и, ї/і) not folded, no stemming, prefixes work."""
    from monitor.store import open_store

    store = open_store(tmp_path / "fts.db")
    try:
        with store.transaction() as db:
            db.execute(
                "INSERT INTO articles (url, title, text, text_source, content_hash, first_seen_at) "
                "VALUES ('https://x.example/1', 'СЗЧ', 'Генерал Ковалёв: у Київському районі дезертирів стало більше', 'page', 'h1', 'now')"
            )

        def found(query: str) -> bool:
            return bool(store.query("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (query,)))

        assert found("сзч") and found("ковалёв") and found("дезертир*")
        assert not found("Ковалев") and not found("дезертир")
        assert found("Київськ*") and not found("Кіівськ*") and found("районі") and not found("раионі")
        assert found("Ковалёв OR Ковалев")
    finally:
        store.close()


def test_the_canned_queries_in_the_doc_are_those_of_metadata_yml():
    import yaml

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    section = SCHEMA_MD[SCHEMA_MD.index("| canned query |") :]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert documented == list(metadata["databases"]["monitor"]["queries"])
    for name, query in metadata["databases"]["monitor"]["queries"].items():
        for param in query.get("params", []):
            line = next(line for line in section.splitlines() if line.startswith(f"| `{name}` |"))
            assert f"`{param}`" in line, f"{name}: parameter {param} not documented"
