"""The figure extractor meets the quality bar on the labelled development set (labelling guide, section 2)."""

from __future__ import annotations

import pytest

from monitor.eval.figures import DEFAULT_LABELS, Counts, evaluate, load_examples, main, score_example
from monitor.types import Figure, Qualifier


@pytest.fixture(scope="module")
def result() -> dict[str, Counts]:
    return evaluate(load_examples(DEFAULT_LABELS))


def test_labelled_set_is_there() -> None:
    examples = load_examples(DEFAULT_LABELS)
    assert len(examples) == 64
    assert sum(len(e["figures"]) for e in examples) == 69
    assert {e["lang"] for e in examples} == {"en", "uk", "ru"}


def test_overall_targets(result: dict[str, Counts]) -> None:
    assert result["all"].value_prf()[2] >= 0.92, result["all"]
    assert result["all"].strict_prf()[2] >= 0.88, result["all"]


@pytest.mark.parametrize("lang", ["en", "uk", "ru"])
def test_per_language_value_f1(result: dict[str, Counts], lang: str) -> None:
    assert result[lang].value_prf()[2] >= 0.85, result[lang]


def _figure(value, qualifier="exact", low=None, high=None, sentence="", start=0, end=0) -> Figure:
    return Figure(value, low, high, Qualifier(qualifier), None, None, None, None, sentence, start, end, None)


def test_scoring_rules() -> None:
    text = "Between 15,000 and 20,000 men fled; thousands hid. Article 407 applies."
    example = {
        "id": "x",
        "lang": "en",
        "sentence_or_paragraph": text,
        "figures": [
            {"value": 15000, "low": 15000, "high": 20000, "qualifier": "range", "sentence_has": "Between"},
            {"value": None, "low": None, "high": None, "qualifier": "vague", "sentence_has": "thousands hid"},
            {"value": 40, "low": None, "high": None, "qualifier": "exact|approx", "sentence_has": "x"},
        ],
        "not_figures": ["407"],
    }
    sentence = text[: text.index(".") + 1]
    predicted = [
        _figure(20000, "exact"),  # the high bound alone matches the range, but not strictly
        _figure(None, "vague", sentence=sentence),
        _figure(407, start=text.index("407"), end=text.index("407") + 3),  # a listed non-figure
    ]
    counts = score_example(example, predicted)
    assert (counts.gold, counts.predicted, counts.matched, counts.strict, counts.not_figures) == (
        3,
        3,
        2,
        1,
        1,
    )
    p, r, f1 = counts.value_prf()
    assert (round(p, 3), round(r, 3)) == (0.667, 0.667)
    assert score_example(example, [_figure(40, "approx")]).strict == 1


def test_main_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    for row in ("en", "uk", "ru", "all", "quantulum3"):
        assert row in out
