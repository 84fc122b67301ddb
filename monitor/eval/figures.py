"""``python -m monitor.eval figures [--labels DIR]``: score find_figures on the labelled examples.

Scoring follows the labelling guide ("How predictions are scored"): a prediction matches a gold figure when
the values are equal; for a range either bound or the same pair is enough; vague figures (value null) match
when both are null and the sentences overlap. Strict also needs the qualifier (gold may list alternatives
as ``exact|approx``). Each gold figure matches at most one prediction. Every prediction left unmatched is a
false positive (the development examples are fully labelled, so this is stricter than the held-out rule
where off-topic quantities are neutral); predictions of listed ``not_figures`` are counted separately too.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.figures import find_figures

__all__ = ["Counts", "evaluate", "load_examples", "main", "quantulum_counts", "score_example"]

DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "tests" / "data" / "labels"
LANGUAGES = ("en", "uk", "ru")


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    matched: int = 0  # value matches
    strict: int = 0  # value and qualifier match
    not_figures: int = 0  # predictions that hit a listed non-figure

    def add(self, other: Counts) -> None:
        self.gold += other.gold
        self.predicted += other.predicted
        self.matched += other.matched
        self.strict += other.strict
        self.not_figures += other.not_figures

    @staticmethod
    def _f1(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
        p = tp / predicted if predicted else 1.0
        r = tp / gold if gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def value_prf(self) -> tuple[float, float, float]:
        return self._f1(self.matched, self.predicted, self.gold)

    def strict_prf(self) -> tuple[float, float, float]:
        return self._f1(self.strict, self.predicted, self.gold)


def load_examples(labels_dir: Path | str = DEFAULT_LABELS) -> list[dict[str, Any]]:
    path = Path(labels_dir) / "figures.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _span_of(text: str, fragment: str | None) -> tuple[int, int] | None:
    if not fragment:
        return None
    i = text.find(fragment)
    return (i, i + len(fragment)) if i >= 0 else None


def _matches(gold: dict[str, Any], pred: Any, text: str) -> bool:
    if gold.get("value") is None:
        if getattr(pred, "value", None) is not None:
            return False
        g = _span_of(text, gold.get("sentence_has"))
        p = _span_of(text, getattr(pred, "sentence", None))
        return g is None or p is None or (g[0] < p[1] and p[0] < g[1])
    gold_bounds = {gold.get(k) for k in ("value", "low", "high")} - {None}
    pred_bounds = {getattr(pred, k, None) for k in ("value", "low", "high")} - {None}
    return bool(gold_bounds & pred_bounds)


def _qualifier_ok(gold: dict[str, Any], pred: Any) -> bool:
    allowed = {q.strip() for q in str(gold.get("qualifier", "")).split("|")}
    return str(getattr(pred, "qualifier", "")) in allowed


def score_example(example: dict[str, Any], predicted: Sequence[Any]) -> Counts:
    """Match one example's gold figures against predictions (objects with value/low/high/qualifier/...)."""
    text = example["sentence_or_paragraph"]
    golds = example.get("figures", [])
    counts = Counts(gold=len(golds), predicted=len(predicted))
    used: set[int] = set()
    for gold in golds:
        candidates = [i for i, p in enumerate(predicted) if i not in used and _matches(gold, p, text)]
        if not candidates:
            continue
        best = next((i for i in candidates if _qualifier_ok(gold, predicted[i])), candidates[0])
        used.add(best)
        counts.matched += 1
        counts.strict += _qualifier_ok(gold, predicted[best])
    for i, p in enumerate(predicted):
        if i in used:
            continue
        start, end = getattr(p, "start", None), getattr(p, "end", None)
        if start is not None and end is not None:
            surface = text[start:end]
            if any(surface and (surface in nf or nf in surface) for nf in example.get("not_figures", [])):
                counts.not_figures += 1
    return counts


def evaluate(
    examples: Iterable[dict[str, Any]],
    find: Callable[[str, str | None], Sequence[Any]] = lambda text, lang: find_figures(text, lang),
) -> dict[str, Counts]:
    """Counts per language and overall ("all")."""
    result = {lang: Counts() for lang in (*LANGUAGES, "all")}
    for example in examples:
        counts = score_example(example, find(example["sentence_or_paragraph"], example["lang"]))
        result.setdefault(example["lang"], Counts()).add(counts)
        result["all"].add(counts)
    return result


@dataclass(frozen=True)
class _Quantity:
    value: int | None
    low: int | None = None
    high: int | None = None
    qualifier: str = "exact"
    sentence: str | None = None
    start: int | None = None
    end: int | None = None


def quantulum_counts(examples: Iterable[dict[str, Any]]) -> Counts | None:
    """The same value scoring for quantulum3's parser on the English examples (None if not installed)."""
    try:
        with warnings.catch_warnings():  # "classifier dependencies not installed": irrelevant here
            warnings.simplefilter("ignore")
            from quantulum3 import parser  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - quantulum3 is a test extra
        return None

    def find(text: str, _lang: str | None) -> list[_Quantity]:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantities = parser.parse(text)
        for q in quantities:
            span = getattr(q, "span", None) or (None, None)
            out.append(_Quantity(value=int(round(q.value)), start=span[0], end=span[1]))
        return out

    return evaluate([e for e in examples if e["lang"] == "en"], find)["en"]


def _row(name: str, counts: Counts, value_only: bool = False) -> str:
    vp, vr, vf = counts.value_prf()
    sp, sr, sf = counts.strict_prf()
    strict = f"{'-':>9}{'-':>8}{'-':>8}" if value_only else f"{sp:>9.3f}{sr:>8.3f}{sf:>8.3f}"
    return f"{name:<14}{counts.gold:>5}{counts.predicted:>6}{vp:>8.3f}{vr:>8.3f}{vf:>8.3f}{strict}{counts.not_figures:>8}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.eval figures")
    parser.add_argument("--labels", default=str(DEFAULT_LABELS), help="folder holding figures.jsonl")
    args = parser.parse_args(argv)
    examples = load_examples(args.labels)
    result = evaluate(examples)
    print(f"figures: {len(examples)} examples from {Path(args.labels) / 'figures.jsonl'}")
    print(
        f"{'':<14}{'gold':>5}{'pred':>6}{'P':>8}{'R':>8}{'F1':>8}{'strictP':>9}{'R':>8}{'F1':>8}{'non-fig':>8}"
    )
    for lang in (*LANGUAGES, "all"):
        print(_row(lang, result[lang]))
    q = quantulum_counts(examples)
    if q is not None:
        print(_row("en quantulum3", q, value_only=True) + "   (quantulum3 has no qualifiers)")
        print(
            f"value F1 on en: monitor {result['en'].value_prf()[2]:.3f} vs quantulum3 {q.value_prf()[2]:.3f}"
        )
    return 0
