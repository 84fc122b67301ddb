"""``monitor rematch``: re-run matching and figures over stored article text after the topics changed.

New matches become hits; hits that no longer match are retired (kept, with ``retired_at`` set, so history is
not lost); a retired hit that matches again comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.analyze import analyze_article
from monitor.store import Store
from monitor.types import Article, TopicSpec

__all__ = ["RematchReport", "rematch_articles"]


@dataclass
class RematchReport:
    articles: int = 0
    added: list[tuple[int, str]] = field(default_factory=list)
    retired: list[tuple[int, str]] = field(default_factory=list)
    restored: list[tuple[int, str]] = field(default_factory=list)
    new_figures: int = 0

    def lines(self) -> list[str]:
        out = [
            f"articles: {self.articles}  hits added: {len(self.added)}  retired: {len(self.retired)}  "
            f"restored: {len(self.restored)}  figures added: {self.new_figures}"
        ]
        out += [f"+ article {a} {t}" for a, t in self.added]
        out += [f"- article {a} {t} (retired)" for a, t in self.retired]
        out += [f"* article {a} {t} (restored)" for a, t in self.restored]
        return out


def rematch_articles(
    store: Store, topics: Sequence[TopicSpec], *, since: str | None, now: str
) -> RematchReport:
    report = RematchReport()
    for row in list(store.articles_since(since)):
        report.articles += 1
        article = Article(
            url=None,
            title=row["title"],
            text=row["text"],
            language=row["language"],
            published=None,
            text_source="page",
        )
        analysis = analyze_article(article, topics)
        before = store.hits_for(row["id"])
        matched = {h.topic for h in analysis.hits}
        with store.transaction() as db:
            for hit in analysis.hits:
                old = before.get(hit.topic)
                if old is None:
                    report.added.append((row["id"], hit.topic))
                elif old["retired_at"] is not None:
                    report.restored.append((row["id"], hit.topic))
            for topic, old in before.items():
                if topic not in matched and old["retired_at"] is None:
                    db.execute("UPDATE hits SET retired_at = ? WHERE id = ?", (now, old["id"]))
                    report.retired.append((row["id"], topic))
        report.new_figures += store.write_analysis(row["id"], analysis.hits, analysis.figures, now)
    return report
