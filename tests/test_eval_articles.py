"""Whole-article proxy for the held-out set (tests/data/articles, scored per /work/shared/labels/README.md).

Runs the pipeline in-process, the way ``monitor extract FILE.txt --json`` does (title = first line, body = the
rest, language detected on the whole file), scores it with monitor.eval.articles and asserts floors a little
below the measured values, so the test guards against regressions. ``python -m monitor.eval.articles`` runs
the same scoring through the real CLI and prints every error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.eval.articles import DEFAULT_DIR, REPO, Report, evaluate, format_report, load_gold, score_figures

# Measured on the 36 articles (see docs/evaluation.md); floors sit a little below. The set was written
# independently of the code, but the code has since been improved on its errors: 1.00 now is a ceiling, not an
# estimate of unseen articles (the first, blind measurement is the one in docs/evaluation.md).
FLOORS = {
    # lang: (topics micro F1, figures value F1, figures strict F1); measured 2026-11-28:
    # blind: en 1.00/0.95/0.93, uk 0.97/0.95/0.93, ru 1.00/0.92/0.89, all 0.99/0.94/0.92
    # after fixing the error classes found: 1.00/1.00/1.00 in every language
    "en": (0.97, 0.96, 0.94),
    "uk": (0.97, 0.96, 0.94),
    "ru": (0.97, 0.96, 0.94),
    "all": (0.97, 0.96, 0.94),
}


def _topics() -> Any:
    from monitor.config import load_config
    from monitor.errors import ConfigError
    from monitor.match import load_default_topics

    try:
        return load_config(str(REPO / "feeds.yaml")).topics
    except (ConfigError, OSError):
        return load_default_topics()


def _predict_in_process(directory: Path) -> Any:
    from monitor.analyze import analyze_article, to_json
    from monitor.text import detect_language
    from monitor.types import Article

    topics = _topics()

    def predict(row: dict[str, Any]) -> dict[str, Any]:
        raw = (directory / row["file"]).read_bytes()
        text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
        title, _, body = text.partition("\n")
        article = Article(
            url=None,
            title=title.strip() or None,
            text=body.strip(),
            language=detect_language(text),
            published=None,
            text_source="file",
        )
        return json.loads(json.dumps(to_json(analyze_article(article, topics)), ensure_ascii=False))

    return predict


@pytest.fixture(scope="module")
def report() -> Report:
    rows = load_gold(DEFAULT_DIR)
    rep = evaluate(rows, _predict_in_process(DEFAULT_DIR))
    print("\n" + format_report(rep))
    return rep


def test_article_set_is_complete() -> None:
    rows = load_gold(DEFAULT_DIR)
    assert len(rows) == 36
    on_topic = [r for r in rows if r["topics"]]
    per_lang = {lang: sum(r["lang"] == lang for r in on_topic) for lang in ("en", "uk", "ru")}
    assert per_lang == {"en": 10, "uk": 10, "ru": 10}
    assert len(rows) - len(on_topic) == 6
    for r in rows:
        text = (DEFAULT_DIR / r["file"]).read_text(encoding="utf-8")
        for fig in r["figures"] + r["optional_figures"]:
            assert fig["sentence_has"] in text, (r["file"], fig["sentence_has"])
        for nf in r["not_figures"]:
            assert nf in text, (r["file"], nf)


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "all"])
def test_floors(report: Report, lang: str) -> None:
    topics_f1 = report.topics[lang]["micro"].prf()[2]
    value_f1 = report.figures[lang].value_prf()[2]
    strict_f1 = report.figures[lang].strict_prf()[2]
    print(f"{lang}: topics F1 {topics_f1:.3f}, figures value F1 {value_f1:.3f}, strict F1 {strict_f1:.3f}")
    t, v, s = FLOORS[lang]
    assert topics_f1 >= t, (lang, topics_f1)
    assert value_f1 >= v, (lang, value_f1)
    assert strict_f1 >= s, (lang, strict_f1)


def test_no_topic_on_off_topic_articles(report: Report) -> None:
    fps = [e for e in report.errors if e["kind"] == "topic_fp"]
    assert len(fps) <= 1, fps


def _p(value, qualifier="exact", low=None, high=None, sentence=""):  # type: ignore[no-untyped-def]
    return {"value": value, "low": low, "high": high, "qualifier": qualifier, "sentence": sentence}


def test_scoring_rules() -> None:
    gold: list[dict[str, Any]] = [
        {"value": 15000, "low": 15000, "high": 20000, "qualifier": "range", "sentence_has": "Between 15,000"},
        {"value": None, "low": None, "high": None, "qualifier": "vague", "sentence_has": "thousands hid"},
        {"value": 70, "low": None, "high": None, "qualifier": "exact|approx", "sentence_has": "70 a day"},
    ]
    optional: list[dict[str, Any]] = [{"value": 21600, "sentence_has": "headline"}]
    preds = [
        # either bound of a range is a value TP
        _p(20000, "exact", sentence="Between 15,000 and 20,000 men fled"),
        _p(None, "vague", sentence="Then thousands hid."),  # vague: both null + sentence overlap
        _p(70, "approx", sentence="about 70 a day"),  # qualifier alternative
        _p(21600, "over", sentence="headline"),  # optional: neutral
        _p(407, "exact", sentence="Article 407 applies."),  # not a figure: FP
    ]
    counts, errors = score_figures(gold, optional, preds, ["Article 407"], "x")
    assert (counts.gold, counts.value_tp, counts.strict_tp) == (3, 3, 2)
    assert (counts.fp, counts.optional_hits) == (1, 1)
    assert counts.not_figure_fp == 1
    assert {e["kind"] for e in errors} == {"qualifier", "fp"}
