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
        added, retired, restored, new_figures = store.rematch_article(
            row["id"], analysis.hits, analysis.figures, now
        )
        report.added += [(row["id"], topic) for topic in added]
        report.retired += [(row["id"], topic) for topic in retired]
        report.restored += [(row["id"], topic) for topic in restored]
        report.new_figures += new_figures
    return report
