"""The CLI's read-side commands on a database filled by a real poll: figures, rematch, search, export, stats."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from tests.conftest import run_monitor, write_config


@pytest.fixture(scope="module")
def polled(tmp_path_factory):
    from tests.feedserver import FeedServer

    tmp = tmp_path_factory.mktemp("cli")
    server = FeedServer().start()
    feed = server.add_feed_file("/feeds/topical.xml", "topical.rss.xml")
    for name in ("seed-article.html", "uk-szch.html", "ru-soch.html"):
        server.add_page_file(f"/articles/{name}", name)
    config = write_config(tmp / "feeds.yaml", [feed])
    db = tmp / "m.db"
    result = run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "0")
    assert result.returncode == 0, result.stderr
    yield {"config": config, "db": db, "tmp": tmp}
    server.stop()


def cli(polled, *args):
    return run_monitor("--config", str(polled["config"]), "--db", str(polled["db"]), *args)


def test_figures_ledger_formats(polled):
    table = cli(polled, "figures", "--topic", "desertion")
    assert table.returncode == 0 and "21600" in table.stdout and "first_outlet" in table.stdout
    rows = json.loads(cli(polled, "figures", "--format", "json").stdout)
    values = {r["value"] for r in rows}
    assert {21600, 30000, 160000, 180000} <= values
    seed = next(r for r in rows if r["value"] == 21600)
    assert seed["outlets"] == 1 and seed["first_seen_at"]
    reader = csv.DictReader(io.StringIO(cli(polled, "figures", "--format", "csv").stdout))
    assert "counted_lemma" in reader.fieldnames and len(list(reader)) == len(rows)


def test_search_finds_cyrillic_and_english(polled):
    out = json.loads(cli(polled, "search", "самовільне", "--format", "json").stdout)
    assert len(out) == 1 and out[0]["url"].endswith("uk-szch.html") and "[самовільне]" in out[0]["snippet"]
    out = json.loads(cli(polled, "search", "desert*", "--topic", "desertion", "--format", "json").stdout)
    assert any(r["url"].endswith("seed-article.html") for r in out)
    bad = cli(polled, "search", '"unbalanced')
    assert bad.returncode == 1 and bad.stderr.startswith("Error: search: bad query")


def test_export_hits_figures_ledger(polled, tmp_path):
    lines = cli(polled, "export", "hits", "--format", "jsonl").stdout.strip().splitlines()
    hits = [json.loads(line) for line in lines]
    assert {h["topic"] for h in hits} == {"desertion", "conscription"} and all(h["url"] for h in hits)
    out = tmp_path / "figures.csv"
    result = cli(polled, "export", "figures", "--format", "csv", "--topic", "desertion", "--out", str(out))
    assert result.returncode == 0 and "rows →" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and all(r["topic"] == "desertion" for r in rows)
    assert json.loads(cli(polled, "export", "ledger", "--format", "json", "--since", "1d").stdout)


def test_stats(polled):
    out = cli(polled, "stats").stdout
    values = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert int(values["hits_total"]) >= 6 and int(values["feeds_ok"]) == 1


def test_rematch_retires_and_restores_hits(polled, tmp_path):
    narrowed = tmp_path / "narrow.yaml"
    feeds_part = polled["config"].read_text(encoding="utf-8")
    narrowed.write_text(
        feeds_part
        + "topics:\n  desertion:\n    terms:\n      en: [desertion, deserter]\n      uk: [дезертирство]\n"
        "      ru: [дезертирство]\n      any: [AWOL, СЗЧ, СОЧ]\n",
        encoding="utf-8",
    )
    first = run_monitor("--config", str(narrowed), "--db", str(polled["db"]), "rematch")
    assert first.returncode == 0, first.stderr
    assert "retired:" in first.stdout and "conscription (retired)" in first.stdout
    con = sqlite3.connect(polled["db"])
    live = con.execute(
        "SELECT COUNT(*) FROM hits WHERE topic = 'conscription' AND retired_at IS NULL"
    ).fetchone()[0]
    kept = con.execute("SELECT COUNT(*) FROM hits WHERE topic = 'conscription'").fetchone()[0]
    assert live == 0 and kept >= 3  # retired, not deleted
    again = cli(polled, "rematch")  # back to the default topics
    assert again.returncode == 0 and "(restored)" in again.stdout
    live = con.execute(
        "SELECT COUNT(*) FROM hits WHERE topic = 'conscription' AND retired_at IS NULL"
    ).fetchone()[0]
    assert live == kept
    third = cli(polled, "rematch")
    assert "hits added: 0  retired: 0  restored: 0" in third.stdout


def test_digest_dry_run_and_out(polled, tmp_path):
    dry = cli(polled, "digest", "--since", "7d", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.startswith("Subject: monitor:") and "desertion" in dry.stdout
    eml = tmp_path / "d.eml"
    out = cli(polled, "digest", "--since", "7d", "--out", str(eml))
    assert out.returncode == 0 and eml.read_bytes().startswith(b"")
    import email
    from email import policy

    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg.get_body(preferencelist=("html",)) is not None
    both = cli(polled, "digest", "--send", "--out", str(eml))
    assert both.returncode == 2 and "choose one" in both.stderr


def test_extract_human_output(polled):
    out = run_monitor("extract", "tests/data/seed-article.txt")
    assert out.returncode == 0 and "topic desertion" in out.stdout and "21,600 [exact]" in out.stdout


def test_unknown_file_is_one_error_line():
    out = run_monitor("extract", "does/not/exist.txt")
    assert out.returncode == 1 and out.stderr.strip().startswith("Error: does/not/exist.txt: cannot read")
