"""A small but realistic monitor database, written through the real store (open_store, record_poll,
create_digest), for the docs and datasette tests.

Three feeds (English, Ukrainian with a Russian-language article, and an English wire that is failing now),
articles in en/uk/ru with page and feed text, hits for both topics (one retired), figures of every kind
(exact, over, up_to, at_least, approx, range, vague; attributed and not; one claim repeated by two outlets),
linked and skipped entries, and one delivered digest. Times are relative to now, so "this month" and
"the last 7 days" queries find rows whenever the tests run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import parse_config
from monitor.mailer import create_digest
from monitor.store import ProcessedEntry, Store, open_store
from monitor.types import Article, Entry, Figure, Hit, Qualifier

__all__ = ["build_fixture_db", "FEEDS"]


@dataclass(frozen=True)
class FeedRow:
    url: str
    name: str
    language: str
    enabled: bool = True

    @property
    def display_name(self) -> str:
        return self.name


EN = FeedRow("https://defence.example.org/feed.rss", "Example Defence News", "en")
UK = FeedRow("https://novyny.example.net/rss.xml", "Приклад Новини", "uk")
WIRE = FeedRow("https://wire.example.com/world.atom", "Example Wire", "en")
FEEDS = (EN, UK, WIRE)

SEED_TEXT = (
    "Russian news agency RIA reported that thousands of convicts who signed contracts with the Ukrainian "
    "Armed Forces have deserted, citing sources within Ukraine's security forces. The agency's unnamed source "
    "alleged that Kyiv recruited approximately 11,000 prisoners at the start of 2024 into special units under "
    "the conditional early release program. On December 18, 2023, Valery Gerasimov, Chief of the General "
    "Staff of the Russian Armed Forces, stated that desertion among Ukrainian troops has become widespread, "
    "with up to 30,000 soldiers abandoning their units each month. He further claimed that over 160,000 "
    "criminal cases had been opened in Ukraine targeting deserters. According to Die Welt correspondent "
    "Christoph Vanner, 21,600 soldiers deserted in October alone."
)
UK_TEXT = (
    "За даними Офісу генпрокурора, у жовтні правоохоронці зареєстрували 21 602 кримінальні провадження за "
    "статтею 407 про самовільне залишення частини. З початку року кількість справ про дезертирство "
    "перевищила 180 тисяч, повідомив речник Офісу генпрокурора. Водночас ТЦК продовжують вручати повістки "
    "чоловікам призовного віку, а за тиждень прикордонники затримали від 150 до 200 ухилянтів."
)
RU_TEXT = (
    "Гарнизонные суды с начала года рассмотрели более 7 тысяч дел о самовольном оставлении части, "
    "подсчитало издание «Медиазона». Тысячи мобилизованных получили условные сроки за СОЧ и дезертирство "
    "и вернулись на фронт."
)
EVADERS_TEXT = (
    "Border guards detained at least 2,500 draft evaders in the first half of the year, the State Border "
    "Guard Service said. The men tried to avoid mobilization by crossing the Tisza river."
)
WIRE_TEXT = (
    "Die Welt reported that 21,600 soldiers deserted in October, citing Ukrainian prosecutors. Kyiv has "
    "lowered the mobilization age to 25 to fill the ranks."
)
SANDS_TEXT = (
    "Tourists crossed the desert sands of Wadi Rum on camels; about 40 guides work in the reserve, "
    "the park authority said."
)


def _sentence(text: str, start: int) -> str:
    begin = max(text.rfind(". ", 0, start) + 2, 0) if ". " in text[:start] else 0
    end = text.find(". ", start)
    return text[begin : end + 1 if end != -1 else len(text)]


def fig(
    text: str,
    phrase: str,
    value: int | None,
    qualifier: Qualifier,
    counted: str | None,
    lemma: str | None,
    *,
    topic: str | None,
    period: str | None = None,
    rate: str | None = None,
    who: str | None = None,
    low: int | None = None,
    high: int | None = None,
) -> Figure:
    start = text.index(phrase)
    return Figure(
        value,
        low,
        high,
        qualifier,
        counted,
        lemma,
        period,
        rate,
        _sentence(text, start),
        start,
        start + len(phrase),
        who,
        topic,
    )


def hit(topic: str, text: str, keywords: tuple[str, ...], terms: tuple[str, ...], field: str = "body") -> Hit:
    first = min(text.index(k) for k in keywords)
    return Hit(
        topic=topic,
        keywords=keywords,
        terms=terms,
        field=field,
        count=sum(len(re.findall(re.escape(k), text)) for k in keywords),
        snippet=_sentence(text, first),
        score=float(2 * len(keywords) + 1),
    )


def item(
    feed: FeedRow,
    guid: str,
    url: str,
    title: str,
    text: str,
    language: str,
    published: str,
    *,
    source: str = "page",
    note: str | None = None,
    hits: tuple[Hit, ...] = (),
    figures: tuple[Figure, ...] = (),
) -> ProcessedEntry:
    entry = Entry(entry_id=guid, link=url, title=title, summary=text[:200], published=published)
    article = Article(url, title, text, language, published, source, note)
    return ProcessedEntry(entry, article, url, hits, figures, note=note)


def build_fixture_db(path: str | Path) -> Path:
    """Write the fixture database at ``path`` (a real SQLite file, schema migrated by open_store)."""
    now = datetime.now(UTC).replace(microsecond=0)
    earlier = now - timedelta(days=2)
    iso_now, iso_earlier = now.isoformat(), earlier.isoformat()
    store = open_store(path)
    try:
        store.sync_feeds(FEEDS, (now - timedelta(days=30)).isoformat())
        ids = {r["url"]: r["id"] for r in store.query("SELECT id, url FROM feeds")}
        _earlier_polls(store, ids, iso_earlier)
        _current_polls(store, ids, now, iso_now)
        _digest(store, now - timedelta(days=1), now)
    finally:
        store.close()
    return Path(path)


def _ok(now: str, etag: str | None = None, **more: Any) -> dict[str, Any]:
    return {
        "last_status": 200,
        "last_error": None,
        "error_count": 0,
        "last_polled_at": now,
        "last_ok_at": now,
        "next_poll_at": (datetime.fromisoformat(now) + timedelta(minutes=15)).isoformat(),
        "etag": etag,
        **more,
    }


def _earlier_polls(store: Store, ids: dict[str, int], now: str) -> None:
    """Two days ago: the wire was still up; the Ukrainian feed had the Russian-language СОЧ story."""
    wire = item(
        WIRE,
        "wire-2211",
        "https://wire.example.com/world/ukraine-desertion-october",
        "Ukraine: 21,600 soldiers deserted in October, Die Welt says",
        WIRE_TEXT,
        "en",
        now,
        hits=(
            hit("desertion", WIRE_TEXT, ("deserted",), ("desert",), "title+body"),
            hit("conscription", WIRE_TEXT, ("mobilization",), ("mobilization",)),
        ),
        figures=(
            fig(
                WIRE_TEXT,
                "21,600",
                21600,
                Qualifier.EXACT,
                "soldiers",
                "soldier",
                topic="desertion",
                period="October",
                who="Die Welt",
            ),
        ),
    )
    store.record_poll(ids[WIRE.url], _ok(now, '"w-1"'), [wire], now)
    ru = item(
        UK,
        "ru-soch-1",
        "https://novyny.example.net/rus/news/soch-sudy",
        "Гарнизонные суды рассмотрели более 7 тысяч дел о СОЧ",
        RU_TEXT,
        "ru",
        now,
        hits=(
            hit(
                "desertion",
                RU_TEXT,
                ("самовольном оставлении части", "СОЧ", "дезертирство"),
                ("самовольное оставление части", "СОЧ", "дезертирство"),
                "title+body",
            ),
        ),
        figures=(
            fig(
                RU_TEXT,
                "более 7 тысяч",
                7000,
                Qualifier.OVER,
                "дел о самовольном оставлении части",
                "дело о самовольном оставлении части",
                topic="desertion",
                period="с начала года",
                who="«Медиазона»",
            ),
            fig(
                RU_TEXT,
                "Тысячи",
                None,
                Qualifier.VAGUE,
                "мобилизованных",
                "мобилизованный",
                topic="desertion",
            ),
        ),
    )
    store.record_poll(ids[UK.url], _ok(now, '"u-1"'), [ru], now)


def _current_polls(store: Store, ids: dict[str, int], now_dt: datetime, now: str) -> None:
    seed = item(
        EN,
        "seed-2023-12-20",
        "https://defence.example.org/2023/12/20/convicts-desertion",
        "Ukrainian Convicts Mass Desertion Amid Conditional Early Release Program",
        SEED_TEXT,
        "en",
        "2023-12-20T10:00:00+00:00",
        hits=(
            hit(
                "desertion",
                SEED_TEXT,
                ("deserted", "desertion", "deserters"),
                ("desert", "desertion", "deserter"),
                "title+body",
            ),
            hit(
                "conscription",
                SEED_TEXT,
                ("recruited approximately 11,000 prisoners",),
                ("recruit prisoner",),
            ),
        ),
        figures=(
            fig(
                SEED_TEXT,
                "approximately 11,000",
                11000,
                Qualifier.APPROX,
                "prisoners",
                "prisoner",
                topic="conscription",
                period="start of 2024",
                who="RIA's unnamed source",
            ),
            fig(
                SEED_TEXT,
                "up to 30,000",
                30000,
                Qualifier.UP_TO,
                "soldiers",
                "soldier",
                topic="desertion",
                rate="per month",
                who="Valery Gerasimov",
            ),
            fig(
                SEED_TEXT,
                "over 160,000",
                160000,
                Qualifier.OVER,
                "criminal cases",
                "criminal case",
                topic="desertion",
                who="Valery Gerasimov",
            ),
            fig(
                SEED_TEXT,
                "21,600",
                21600,
                Qualifier.EXACT,
                "soldiers",
                "soldier",
                topic="desertion",
                period="October",
                who="Christoph Vanner",
            ),
            fig(
                SEED_TEXT,
                "thousands",
                None,
                Qualifier.VAGUE,
                "convicts",
                "convict",
                topic="desertion",
            ),
        ),
    )
    evaders = item(
        EN,
        "evaders-2025-11-09",
        "https://defence.example.org/2025/11/09/draft-evaders-border",
        "Draft evaders detained at the border",
        EVADERS_TEXT,
        "en",
        "2025-11-09T09:00:00+00:00",
        source="feed",
        note="page not fetched: HTTP 404 from https://defence.example.org/2025/11/09/draft-evaders-border",
        hits=(
            hit(
                "conscription",
                EVADERS_TEXT,
                ("draft evaders", "mobilization"),
                ("draft evader", "mobilization"),
            ),
        ),
        figures=(
            fig(
                EVADERS_TEXT,
                "at least 2,500",
                2500,
                Qualifier.AT_LEAST,
                "draft evaders",
                "draft evader",
                topic="conscription",
                period="first half of the year",
                who="State Border Guard Service",
            ),
        ),
    )
    sands = item(
        EN,
        "sands-1",
        "https://defence.example.org/travel/wadi-rum",
        "Across the desert sands of Wadi Rum",
        SANDS_TEXT,
        "en",
        now,
        hits=(hit("desertion", SANDS_TEXT, ("desert",), ("desert",)),),
        figures=(
            fig(
                SANDS_TEXT,
                "about 40",
                40,
                Qualifier.APPROX,
                "guides",
                "guide",
                topic=None,
                who="the park authority",
            ),
        ),
    )
    skipped = ProcessedEntry(
        Entry("empty-1", None, None, None, None), None, None, note="entry has no http(s) link"
    )
    store.record_poll(ids[EN.url], _ok(now, '"e-1"'), [seed, evaders, sands, skipped], now)
    # a rematch after the exclusions were added ("desert sands" is no desertion) retired that hit
    sands_hit = store.query(
        "SELECT h.id FROM hits h JOIN articles a ON a.id = h.article_id WHERE a.url LIKE ?", ("%wadi-rum",)
    )
    store.retire_hit(sands_hit[0]["id"], now)

    uk = item(
        UK,
        "uk-szch-1",
        "https://novyny.example.net/news/szch-zhovten",
        "У жовтні зафіксували понад 21 тисячу випадків СЗЧ",
        UK_TEXT,
        "uk",
        now,
        hits=(
            hit(
                "desertion",
                UK_TEXT,
                ("самовільне залишення частини", "дезертирство"),
                ("самовільне залишення частини", "дезертирство"),
                "title+body",
            ),
            hit("conscription", UK_TEXT, ("ТЦК", "повістки", "ухилянтів"), ("ТЦК", "повістка", "ухилянт")),
        ),
        figures=(
            fig(
                UK_TEXT,
                "21 602",
                21602,
                Qualifier.EXACT,
                "кримінальні провадження",
                "кримінальне провадження",
                topic="desertion",
                period="у жовтні",
                who="Офіс генпрокурора",
            ),
            fig(
                UK_TEXT,
                "180 тисяч",
                180000,
                Qualifier.OVER,
                "справ про дезертирство",
                "справа про дезертирство",
                topic="desertion",
                period="з початку року",
                who="речник Офісу генпрокурора",
            ),
            fig(
                UK_TEXT,
                "від 150 до 200",
                150,
                Qualifier.RANGE,
                "ухилянтів",
                "ухилянт",
                topic="conscription",
                period="за тиждень",
                low=150,
                high=200,
            ),
        ),
    )
    # the wire's story reached through the Ukrainian feed too: linked, not stored twice
    linked = ProcessedEntry(
        Entry(
            "uk-wire-copy",
            "https://wire.example.com/world/ukraine-desertion-october",
            "Die Welt: 21 600",
            None,
            now,
        ),
        None,
        "https://wire.example.com/world/ukraine-desertion-october",
        note="article already stored",
    )
    # the Ukrainian feed answered 301 to a new address: polled there from now on, the config keeps the old URL
    moved = _ok(now, '"u-2"', moved_to="https://novyny.example.net/rss/all.xml")
    store.record_poll(ids[UK.url], moved, [uk, linked], now)

    # the wire is down now: a failing feed is data on its row
    store.record_poll(
        ids[WIRE.url],
        {
            "last_status": 503,
            "last_error": "HTTP 503 from https://wire.example.com/world.atom",
            "error_count": 3,
            "last_polled_at": now,
            "next_poll_at": (now_dt + timedelta(hours=2)).isoformat(),
        },
        (),
        now,
    )


def _digest(store: Store, period_end: datetime, now: datetime) -> None:
    """Yesterday's digest delivered the hits of two days ago (written as .eml: no SMTP configured)."""
    cfg = parse_config("digest:\n  from: monitor@example.org\n  to: [desk@example.org]\n", "<fixture>")
    digest_id = create_digest(store, cfg, (period_end - timedelta(days=1), period_end), period_end)
    assert digest_id is not None
    with store.transaction() as db:
        db.execute(
            "UPDATE digests SET status = 'written', attempts = 1, next_attempt_at = NULL, sent_at = ?, "
            "eml_path = ? WHERE id = ?",
            (period_end.isoformat(), f"storage/digests/digest-{digest_id:06d}.eml", digest_id),
        )
