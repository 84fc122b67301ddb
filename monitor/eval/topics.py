"""``python -m monitor.eval topics [--labels DIR] [--lemmatizer NAME] [--errors]``

Scores ``match_topics`` with the default topics against the labelled set (``topics.jsonl``): per text
and per topic, the predicted set of topics against the gold set. Prints precision, recall and F1 per
language, per topic and micro over everything, as in the labelling guide ("How predictions are
scored").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.match import compile_topics, load_default_topics, match_topics
from monitor.types import TopicSpec

__all__ = ["Counts", "DEFAULT_LABELS", "TopicsReport", "load_labels", "main", "score_topics"]

DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "tests" / "data" / "labels"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class TopicsReport:
    """Counts per language, per topic, per (language, topic), and the micro total; plus the errors."""

    total: Counts = field(default_factory=Counts)
    by_language: dict[str, Counts] = field(default_factory=dict)
    by_topic: dict[str, Counts] = field(default_factory=dict)
    by_language_topic: dict[tuple[str, str], Counts] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (id, "FP"/"FN", topic)


def load_labels(labels_dir: Path | str = DEFAULT_LABELS) -> list[dict]:
    path = Path(labels_dir) / "topics.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score_topics(
    labels: Iterable[dict] | None = None,
    topics: Sequence[TopicSpec] | None = None,
    *,
    lemmatizer: str = "auto",
) -> TopicsReport:
    """Match every labelled text (language hint = its ``lang``) and count per text, per topic."""
    specs = tuple(topics) if topics is not None else load_default_topics()
    compiled = compile_topics(specs, lemmatizer=lemmatizer)
    names = [s.name for s in specs]
    report = TopicsReport()
    for item in load_labels() if labels is None else labels:
        lang = item["lang"]
        predicted = {h.topic for h in match_topics(None, item["text"], compiled, language=lang)}
        gold = set(item["topics"])
        for topic in names:
            cells = (
                report.total,
                report.by_language.setdefault(lang, Counts()),
                report.by_topic.setdefault(topic, Counts()),
                report.by_language_topic.setdefault((lang, topic), Counts()),
            )
            p, g = topic in predicted, topic in gold
            for c in cells:
                c.tp += p and g
                c.fp += p and not g
                c.fn += g and not p
            if p != g:
                report.errors.append((item["id"], "FP" if p else "FN", topic))
    return report


def _row(name: str, c: Counts) -> str:
    return f"{name:<22} {c.tp:>4} {c.fp:>4} {c.fn:>4}  {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"


def format_report(report: TopicsReport) -> str:
    lines = [f"{'':<22} {'tp':>4} {'fp':>4} {'fn':>4}  {'prec':>6} {'recall':>6} {'f1':>6}"]
    for lang, c in sorted(report.by_language.items()):
        lines.append(_row(f"lang {lang}", c))
    for topic, c in report.by_topic.items():
        lines.append(_row(f"topic {topic}", c))
    for (lang, topic), c in sorted(report.by_language_topic.items()):
        lines.append(_row(f"  {lang} {topic}", c))
    lines.append(_row("micro total", report.total))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.eval topics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS, help="folder holding topics.jsonl")
    parser.add_argument("--lemmatizer", default="auto", help="auto (default), pymorphy, simplemma, snowball")
    parser.add_argument("--errors", action="store_true", help="list the texts scored wrong")
    args = parser.parse_args(argv)
    try:
        labels = load_labels(args.labels)
    except (OSError, ValueError) as e:
        print(f"Error: cannot read {args.labels / 'topics.jsonl'}: {e}")
        return 1
    report = score_topics(labels, lemmatizer=args.lemmatizer)
    print(format_report(report))
    if args.errors:
        for item_id, kind, topic in report.errors:
            print(f"{kind} {topic:<14} {item_id}")
    return 0
