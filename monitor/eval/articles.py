"""``python -m monitor.eval articles [--dir DIR] [--jobs N]``: score whole articles like the held-out set.

A proxy for the held-out set (10 en, 10 uk, 10 ru whole articles plus off-topic ones): synthetic articles in
``tests/data/articles/*.txt`` (first line = title) with gold labels in ``gold.jsonl``. Each article is run
through the real command line, ``monitor extract FILE --json``, in a subprocess, because that is how the
held-out set is scored. Scoring follows /work/shared/labels/README.md ("How predictions are scored",
"Headlines and repeats", "Off-topic quantities"):

* topics: precision/recall/F1 per topic, per language and micro;
* figures: a prediction matches a gold figure when the values are equal (range: either bound or the same
  low/high pair; vague: both values null and the sentences overlap). Each gold figure takes at most one
  prediction. Predictions that match an ``optional_figures`` entry are neither TP nor FP. Every other
  prediction is a FP. Strict also needs the qualifier (gold may list alternatives as ``exact|approx``).
* attribution / counted / period agreement (case-insensitive containment either way, ``|`` alternatives)
  is printed as an informative extra; it is not part of any F1.

The scoring functions (:func:`score_topics`, :func:`score_figures`, :func:`evaluate`) take plain dicts, so a
test can feed them in-process predictions instead of subprocess output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_DIR",
    "Report",
    "evaluate",
    "extract_cli",
    "load_gold",
    "main",
    "score_figures",
    "score_topics",
]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "tests" / "data" / "articles"
LANGUAGES = ("en", "uk", "ru")
TOPICS = ("desertion", "conscription")


def load_gold(directory: Path | str = DEFAULT_DIR) -> list[dict[str, Any]]:
    path = Path(directory) / "gold.jsonl"
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def extract_cli(path: Path | str, python: str = sys.executable, timeout: float = 120.0) -> dict[str, Any]:
    """Run ``monitor extract PATH --json`` exactly as the held-out scorer does and parse its output.

    Runs from the repository root (so ``feeds.yaml`` supplies the topics, as for a user of the checkout).
    """
    proc = subprocess.run(
        [python, "-m", "monitor.cli", "extract", str(Path(path).resolve()), "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"monitor extract {path} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )
    return json.loads(proc.stdout)


# --------------------------------------------------------------------------------------------- counts


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class FigureCounts:
    gold: int = 0
    value_tp: int = 0
    strict_tp: int = 0
    fp: int = 0  # unmatched predictions (optional matches excluded)
    optional_hits: int = 0
    not_figure_fp: int = 0  # FPs whose sentence holds a listed non-figure with the same number
    extras: dict[str, list[int]] = field(
        default_factory=lambda: {"attributed_to": [0, 0], "counted": [0, 0], "period": [0, 0]}
    )

    def add(self, other: FigureCounts) -> None:
        self.gold += other.gold
        self.value_tp += other.value_tp
        self.strict_tp += other.strict_tp
        self.fp += other.fp
        self.optional_hits += other.optional_hits
        self.not_figure_fp += other.not_figure_fp
        for k, (a, b) in other.extras.items():
            self.extras[k][0] += a
            self.extras[k][1] += b

    def _prf(self, tp: int) -> tuple[float, float, float]:
        # value FPs: unmatched predictions. Strict: a value match with the wrong qualifier counts as FP and FN.
        predicted = self.value_tp + self.fp
        p = tp / predicted if predicted else 1.0
        r = tp / self.gold if self.gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def value_prf(self) -> tuple[float, float, float]:
        return self._prf(self.value_tp)

    def strict_prf(self) -> tuple[float, float, float]:
        return self._prf(self.strict_tp)


@dataclass
class Report:
    topics: dict[str, dict[str, PRF]] = field(default_factory=dict)  # lang|"all" -> topic|"micro" -> PRF
    figures: dict[str, FigureCounts] = field(default_factory=dict)  # lang|"all"
    errors: list[dict[str, Any]] = field(default_factory=list)
    per_article: list[dict[str, Any]] = field(default_factory=list)


# -------------------------------------------------------------------------------------------- scoring


def score_topics(gold_topics: Iterable[str], predicted: Iterable[str]) -> dict[str, PRF]:
    g, p = set(gold_topics), set(predicted)
    out: dict[str, PRF] = {}
    for t in sorted(set(TOPICS) | g | p):
        out[t] = PRF(tp=int(t in g and t in p), fp=int(t in p and t not in g), fn=int(t in g and t not in p))
    return out


def _alts(s: str | None) -> list[str]:
    return [a.strip() for a in (s or "").split("|") if a.strip()]


def _contains(gold: str | None, pred: str | None) -> bool:
    """Case-insensitive containment either way, with ``|`` alternatives in gold."""
    if not pred:
        return False

    def norm(s: str) -> str:
        return (
            s.casefold()
            .replace("\u2019", "'")
            .replace("\u02bc", "'")
            .replace("\u00ab", "")
            .replace("\u00bb", "")
        )

    p = norm(pred)
    return any(norm(a) in p or p in norm(a) for a in _alts(gold))


def _num(x: Any) -> float | None:
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _values_match(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    gv, pv = _num(gold.get("value")), _num(pred.get("value"))
    if gv is None or pv is None:
        if gv is None and pv is None:
            sh = (gold.get("sentence_has") or "").casefold()
            sent = (pred.get("sentence") or "").casefold()
            return bool(sh) and (sh in sent or (bool(sent) and sent in sh))
        return False
    gl, gh = _num(gold.get("low")), _num(gold.get("high"))
    pl, ph = _num(pred.get("low")), _num(pred.get("high"))
    gold_bounds = {b for b in (gv, gl, gh) if b is not None}
    if gl is not None and gh is not None:
        if pl == gl and ph == gh:
            return True
        return (
            pv in gold_bounds
            or (pl is not None and pl in gold_bounds)
            or (ph is not None and ph in gold_bounds)
        )
    if pv == gv:
        return True
    return pl == gv or ph == gv


def _sentence_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    sh = (gold.get("sentence_has") or "").casefold()
    return bool(sh) and sh in (pred.get("sentence") or "").casefold()


def _qualifier_ok(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    return str(pred.get("qualifier") or "") in _alts(gold.get("qualifier"))


def score_figures(
    gold: Sequence[dict[str, Any]],
    optional: Sequence[dict[str, Any]],
    predicted: Sequence[dict[str, Any]],
    not_figures: Sequence[str] = (),
    file: str = "",
) -> tuple[FigureCounts, list[dict[str, Any]]]:
    """Match predictions to gold, then to optional gold; everything left is a FP.

    A prediction prefers a gold figure whose ``sentence_has`` lies in its sentence (so that a headline
    repeat does not take the body's gold figure when the body one is also predicted).
    """
    counts = FigureCounts(gold=len(gold))
    errors: list[dict[str, Any]] = []
    gold_taken: dict[int, int] = {}  # gold idx -> pred idx
    opt_taken: set[int] = set()
    pred_free = list(range(len(predicted)))

    # pass 1: value + sentence; pass 2: value only
    for need_sentence in (True, False):
        for pi in list(pred_free):
            for gi, g in enumerate(gold):
                if gi in gold_taken:
                    continue
                if _values_match(g, predicted[pi]) and (not need_sentence or _sentence_ok(g, predicted[pi])):
                    gold_taken[gi] = pi
                    pred_free.remove(pi)
                    break
    for need_sentence in (True, False):
        for pi in list(pred_free):
            for oi, o in enumerate(optional):
                if oi in opt_taken:
                    continue
                if _values_match(o, predicted[pi]) and (not need_sentence or _sentence_ok(o, predicted[pi])):
                    opt_taken.add(oi)
                    pred_free.remove(pi)
                    counts.optional_hits += 1
                    break

    for gi, g in enumerate(gold):
        if gi not in gold_taken:
            errors.append(
                {
                    "kind": "missed",
                    "file": file,
                    "value": g.get("value"),
                    "low": g.get("low"),
                    "high": g.get("high"),
                    "qualifier": g.get("qualifier"),
                    "sentence_has": g.get("sentence_has"),
                }
            )
            continue
        p = predicted[gold_taken[gi]]
        counts.value_tp += 1
        if _qualifier_ok(g, p):
            counts.strict_tp += 1
        else:
            errors.append(
                {
                    "kind": "qualifier",
                    "file": file,
                    "value": g.get("value"),
                    "gold": g.get("qualifier"),
                    "predicted": p.get("qualifier"),
                    "sentence_has": g.get("sentence_has"),
                }
            )
        for key in ("attributed_to", "counted", "period"):
            if g.get(key):
                counts.extras[key][1] += 1
                if _contains(g.get(key), p.get(key)):
                    counts.extras[key][0] += 1
                else:
                    errors.append(
                        {
                            "kind": f"extra:{key}",
                            "file": file,
                            "value": g.get("value"),
                            "gold": g.get(key),
                            "predicted": p.get(key),
                        }
                    )
    for pi in pred_free:
        p = predicted[pi]
        counts.fp += 1
        sent = p.get("sentence") or ""
        hit = [nf for nf in not_figures if nf in sent and _shares_number(nf, p)]
        if hit:
            counts.not_figure_fp += 1
        errors.append(
            {
                "kind": "fp",
                "file": file,
                "value": p.get("value"),
                "low": p.get("low"),
                "high": p.get("high"),
                "qualifier": p.get("qualifier"),
                "counted": p.get("counted"),
                "sentence": sent,
                "not_figure": hit[0] if hit else None,
            }
        )
    return counts, errors


def _shares_number(not_figure: str, pred: dict[str, Any]) -> bool:
    import re

    nums = {float(n) for n in re.findall(r"\d+", not_figure)}
    vals = {_num(pred.get(k)) for k in ("value", "low", "high")} - {None}
    return not nums or bool(nums & vals)


# ----------------------------------------------------------------------------------------- evaluate


def evaluate(
    gold_rows: Sequence[dict[str, Any]],
    predict: Callable[[dict[str, Any]], dict[str, Any]],
    jobs: int = 1,
) -> Report:
    """Score ``predict(row) -> extract JSON`` over the gold rows."""
    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outputs = list(pool.map(predict, gold_rows))
    else:
        outputs = [predict(r) for r in gold_rows]
    rep = Report()
    for lang in (*LANGUAGES, "all"):
        rep.topics[lang] = {t: PRF() for t in (*TOPICS, "micro")}
        rep.figures[lang] = FigureCounts()
    for row, out in zip(gold_rows, outputs, strict=True):
        lang = row["lang"]
        if lang not in LANGUAGES:
            raise ValueError(f"{row['file']}: unknown lang {lang!r}")
        pred_topics = [t["topic"] for t in out.get("topics") or []]
        for t, c in score_topics(row["topics"], pred_topics).items():
            for bucket in (lang, "all"):
                rep.topics[bucket].setdefault(t, PRF()).add(c)
                rep.topics[bucket]["micro"].add(c)
            if c.fp:
                rep.errors.append(
                    {
                        "kind": "topic_fp",
                        "file": row["file"],
                        "topic": t,
                        "keywords": next((h.get("keywords") for h in out["topics"] if h["topic"] == t), None),
                    }
                )
            if c.fn:
                rep.errors.append({"kind": "topic_fn", "file": row["file"], "topic": t})
        counts, errors = score_figures(
            row["figures"],
            row.get("optional_figures", []),
            out.get("figures") or [],
            row.get("not_figures", []),
            row["file"],
        )
        rep.figures[lang].add(counts)
        rep.figures["all"].add(counts)
        rep.errors.extend(errors)
        rep.per_article.append(
            {
                "file": row["file"],
                "lang": lang,
                "predicted": len(out.get("figures") or []),
                "gold": len(row["figures"]),
                "value_tp": counts.value_tp,
                "fp": counts.fp,
                "detected_language": out.get("language"),
            }
        )
    return rep


# ------------------------------------------------------------------------------------------- output


def _fmt(prf: tuple[float, float, float]) -> str:
    return " ".join(f"{x:5.2f}" for x in prf)


def format_report(rep: Report) -> str:
    lines = []
    lines.append(
        f"{'lang':<5} {'topics P     R     F1':<24}{'figures value P R F1':<24}{'strict P R F1':<20} gold  fp  opt  nonfig"
    )
    for lang in (*LANGUAGES, "all"):
        fc = rep.figures[lang]
        lines.append(
            f"{lang:<5} {_fmt(rep.topics[lang]['micro'].prf()):<24}{_fmt(fc.value_prf()):<24}{_fmt(fc.strict_prf()):<20}"
            f"{fc.gold:>4} {fc.fp:>3} {fc.optional_hits:>4} {fc.not_figure_fp:>6}"
        )
    lines.append("")
    lines.append(
        "topics per topic (all languages): "
        + "; ".join(f"{t} P/R/F1 {_fmt(rep.topics['all'][t].prf())}" for t in TOPICS)
    )
    for lang in LANGUAGES:
        lines.append(f"  {lang}: " + "; ".join(f"{t} {_fmt(rep.topics[lang][t].prf())}" for t in TOPICS))
    ex = rep.figures["all"].extras
    lines.append(
        "informative (matched figures, gold field set): "
        + ", ".join(f"{k} {a}/{b}" for k, (a, b) in ex.items())
    )
    lines.append("")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for e in rep.errors:
        by_kind.setdefault(e["kind"], []).append(e)
    order = [
        "topic_fp",
        "topic_fn",
        "missed",
        "fp",
        "qualifier",
        "extra:attributed_to",
        "extra:counted",
        "extra:period",
    ]
    for kind in order + sorted(set(by_kind) - set(order)):
        errs = by_kind.get(kind, [])
        lines.append(f"== {kind} ({len(errs)})")
        for e in errs:
            if kind == "missed":
                rng = f" [{e['low']}-{e['high']}]" if e.get("low") is not None else ""
                lines.append(f"  {e['file']}: {e['value']}{rng} ({e['qualifier']}) «{e['sentence_has']}»")
            elif kind == "fp":
                rng = f" [{e['low']}-{e['high']}]" if e.get("low") is not None else ""
                nf = f" NOT-FIGURE «{e['not_figure']}»" if e.get("not_figure") else ""
                lines.append(
                    f"  {e['file']}: {e['value']}{rng} {e['qualifier']} counted={e['counted']!r}{nf} | {e['sentence'][:160]}"
                )
            elif kind == "qualifier":
                lines.append(
                    f"  {e['file']}: {e['value']} gold={e['gold']} predicted={e['predicted']} «{e['sentence_has']}»"
                )
            elif kind.startswith("topic"):
                kw = f" keywords={e.get('keywords')}" if e.get("keywords") else ""
                lines.append(f"  {e['file']}: {e['topic']}{kw}")
            else:
                lines.append(f"  {e['file']}: {e['value']} gold={e['gold']!r} predicted={e['predicted']!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m monitor.eval articles", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=str(DEFAULT_DIR), help="folder with *.txt articles and gold.jsonl")
    ap.add_argument("--jobs", type=int, default=4, help="parallel `monitor extract` subprocesses")
    ap.add_argument("--json", dest="as_json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    directory = Path(args.dir)
    rows = load_gold(directory)
    rep = evaluate(rows, lambda r: extract_cli(directory / r["file"]), jobs=max(1, args.jobs))
    if args.as_json:
        print(
            json.dumps(
                {
                    "topics": {lang: {t: c.prf() for t, c in d.items()} for lang, d in rep.topics.items()},
                    "figures": {
                        lang: {"value": c.value_prf(), "strict": c.strict_prf(), "gold": c.gold, "fp": c.fp}
                        for lang, c in rep.figures.items()
                    },
                    "errors": rep.errors,
                    "per_article": rep.per_article,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(format_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
