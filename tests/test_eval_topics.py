"""The topic matcher meets the quality bar on the labelled development set (labelling guide, section 1)."""

from __future__ import annotations

import pytest

from monitor.eval.topics import DEFAULT_LABELS, format_report, load_labels, main, score_topics


@pytest.fixture(scope="module")
def report():
    return score_topics(load_labels(DEFAULT_LABELS))


def test_labelled_set_is_there() -> None:
    labels = load_labels(DEFAULT_LABELS)
    assert len(labels) == 61
    assert {item["lang"] for item in labels} == {"en", "uk", "ru"}


def test_overall_precision_and_recall(report) -> None:
    assert report.total.precision >= 0.95, format_report(report)
    assert report.total.recall >= 0.95, format_report(report)


@pytest.mark.parametrize("lang", ["en", "uk", "ru"])
def test_per_language_precision_and_recall(report, lang: str) -> None:
    counts = report.by_language[lang]
    assert counts.precision >= 0.9, format_report(report)
    assert counts.recall >= 0.9, format_report(report)


def test_scoring_counts_false_positives_and_negatives() -> None:
    labels = [
        {"id": "a", "lang": "en", "text": "Desertion is rising.", "topics": ["desertion"]},
        {"id": "b", "lang": "en", "text": "Conscription resumed.", "topics": []},
        {"id": "c", "lang": "en", "text": "Nothing to see.", "topics": ["conscription"]},
    ]
    report = score_topics(labels)
    assert (report.total.tp, report.total.fp, report.total.fn) == (1, 1, 1)
    assert ("b", "FP", "conscription") in report.errors
    assert ("c", "FN", "conscription") in report.errors


def test_command_prints_the_table(capsys) -> None:
    assert main(["--labels", str(DEFAULT_LABELS)]) == 0
    out = capsys.readouterr().out
    assert "micro total" in out and "lang uk" in out and "topic desertion" in out


def test_command_reports_a_missing_folder(tmp_path, capsys) -> None:
    assert main(["--labels", str(tmp_path)]) == 1
    assert "Error:" in capsys.readouterr().out
