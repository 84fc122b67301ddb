"""The digest's pure part: when it is due, how hits become stories, and what the message looks like.

The fixture digest below is also rendered to tests/data/digest-snapshot.html, which a reviewer can open
in a browser; regenerate it with ``UPDATE_SNAPSHOTS=1 pytest tests/test_digest.py``.
"""

from __future__ import annotations

import email
import os
import re
from datetime import UTC, date, datetime, timedelta
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import html5lib
import pytest

from monitor.config import DigestConfig
from monitor.digest import (
    DUPLICATE_THRESHOLD,
    MAX_ATTEMPTS,
    DigestData,
    DigestFigure,
    DigestHit,
    FailedFeed,
    after_failed_attempt,
    build_digest,
    cluster_stories,
    daily_counts,
    digest_period,
    digest_subject,
    format_figure,
    highlight,
    local_days_utc,
    render_digest,
    retry_delay,
    story_similarity,
)

SNAPSHOT = Path(__file__).parent / "data" / "digest-snapshot.html"
KYIV = ZoneInfo("Europe/Kyiv")
NS = "{http://www.w3.org/1999/xhtml}"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


AWOL_TEXT = (
    "Ukraine's armed forces registered about 21,600 cases of soldiers leaving their units without leave "
    "in October, according to figures cited by Die Welt. The number of AWOL cases has grown every month "
    "since the summer, prosecutors said, and the parliament is debating a law that would let deserters "
    "return to service without criminal charges. Commanders on the eastern front say exhaustion and the "
    "lack of rotation are the main reasons soldiers desert."
)
AWOL_COPY = AWOL_TEXT.replace("Ukraine's armed forces", "The Ukrainian army").replace(
    "prosecutors said", "the prosecutor general's office said"
)
SZCH_TEXT = (
    "У жовтні кількість випадків самовільного залишення частини (СЗЧ) зросла до майже 20 тисяч, "
    "повідомляє Офіс генпрокурора. Дезертирство та СЗЧ залишаються однією з головних проблем війська."
)
DRAFT_TEXT = (
    "Осенний призыв 2026 года: Минобороны планирует призвать 160 000 человек. Призывники ёжатся: "
    "отсрочки для студентов сохраняются, но повестки рассылают электронно."
)

FIG_WELT = DigestFigure(
    figure_id=1,
    article_id=1,
    value=21600,
    qualifier="approx",
    counted="soldiers",
    counted_lemma="soldier",
    period="October",
    attributed_to="Die Welt",
    topic="desertion",
    hit_id=1,
    outlet="Kyiv Independent",
    url="https://kyivindependent.com/awol-october",
)
FIG_WELT_COPY = DigestFigure(
    **{**FIG_WELT.__dict__, "figure_id": 2, "article_id": 2, "hit_id": 2, "outlet": "Die Welt English"}
)
FIG_SZCH = DigestFigure(
    figure_id=3,
    article_id=3,
    value=20000,
    qualifier="under",
    counted="випадків СЗЧ",
    counted_lemma="випадок сзч",
    period="у жовтні",
    attributed_to="Офіс генпрокурора",
    topic="desertion",
    hit_id=3,
    outlet="Українська правда",
    url="https://www.pravda.com.ua/news/szch",
)
FIG_DRAFT = DigestFigure(
    figure_id=4,
    article_id=4,
    value=160000,
    qualifier="exact",
    counted="человек",
    counted_lemma="человек",
    period="осенний призыв 2026",
    attributed_to="Минобороны",
    topic="conscription",
    hit_id=4,
    outlet="Медуза",
    url="https://meduza.io/news/draft",
)


def fixture_data() -> DigestData:
    hits = (
        DigestHit(
            hit_id=1,
            topic="desertion",
            title="21,600 Ukrainian soldiers went AWOL in October, Die Welt reports",
            url="https://kyivindependent.com/awol-october",
            outlet="Kyiv Independent",
            language="en",
            matched_at=utc(2026, 11, 27, 9, 0),
            published=utc(2026, 11, 27, 8, 40),
            keywords=("AWOL", "desert"),
            snippet="The number of AWOL cases has grown every month since the summer <and> soldiers desert.",
            text=AWOL_TEXT,
            article_id=1,
        ),
        DigestHit(
            hit_id=2,
            topic="desertion",
            title="Report: 21,600 Ukrainian soldiers AWOL in October",
            url="https://www.welt.de/english/awol",
            outlet="Die Welt English",
            language="en",
            matched_at=utc(2026, 11, 27, 11, 0),
            published=utc(2026, 11, 27, 10, 30),
            keywords=("AWOL",),
            snippet="The number of AWOL cases has grown every month since the summer.",
            text=AWOL_COPY,
            article_id=2,
        ),
        DigestHit(
            hit_id=3,
            topic="desertion",
            title="Кількість СЗЧ у жовтні зросла майже до 20 тисяч",
            url="https://www.pravda.com.ua/news/szch",
            outlet="Українська правда",
            language="uk",
            matched_at=utc(2026, 11, 27, 15, 0),
            published=utc(2026, 11, 27, 14, 55),
            keywords=("СЗЧ", "Дезертирство"),
            snippet="Дезертирство та СЗЧ залишаються однією з головних проблем війська.",
            text=SZCH_TEXT,
            article_id=3,
            also_in=("ТСН",),
        ),
        DigestHit(
            hit_id=4,
            topic="conscription",
            title="Осенний призыв: Минобороны призовёт 160 000 человек",
            url="https://meduza.io/news/draft",
            outlet="Медуза",
            language="ru",
            matched_at=utc(2026, 11, 28, 1, 0),
            published=None,
            keywords=("призыв", "Призывники ежатся"),
            snippet="Осенний призыв 2026 года. Призывники ёжатся: отсрочки сохраняются.",
            text=DRAFT_TEXT,
            article_id=4,
        ),
        DigestHit(
            hit_id=5,
            topic="conscription",
            title="Draft notices go electronic",
            url="javascript:alert(1)",
            outlet="Hostile Feed",
            language="en",
            matched_at=utc(2026, 11, 27, 20, 0),
            keywords=("draft",),
            snippet="Draft notices <script>alert(1)</script> are now sent by e-mail & SMS.",
            text="Draft notices are now sent by e-mail and SMS, the ministry said, in a change to mobilisation rules.",
            article_id=5,
        ),
    )
    daily = tuple(
        (date(2026, 11, 15) + timedelta(days=i), n)
        for i, n in enumerate([0, 2, 1, 0, 3, 5, 4, 0, 1, 2, 6, 3, 2, 5])
    )
    return DigestData(
        period_start=utc(2026, 11, 27, 5, 0),
        period_end=utc(2026, 11, 28, 5, 0),
        hits=hits,
        figures=(FIG_WELT, FIG_WELT_COPY, FIG_SZCH, FIG_DRAFT),
        daily=daily,
        failed_feeds=(
            FailedFeed(
                name="Broken <Feed>",
                url="https://broken.example/rss",
                last_error="HTTP 503 from server",
                error_count=4,
            ),
        ),
    )


CFG = DigestConfig(
    time="07:00", tz="Europe/Kyiv", to=("editor@example.org",), **{"from": "monitor@example.org"}
)
NOW = utc(2026, 11, 28, 5, 1)


def render_fixture(cfg: DigestConfig = CFG) -> email.message.EmailMessage:
    msg = render_digest(fixture_data(), cfg, message_id="<digest-1@example.org>", now=NOW)
    # what a mail client sees: the bytes, parsed back
    return email.message_from_bytes(bytes(msg), policy=policy.default)


def parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


# --- when a digest is due --------------------------------------------------------------------------------


class TestDigestPeriod:
    def test_due_after_the_daily_time_in_the_configured_zone(self):
        # 07:00 in Kyiv is 05:00 UTC in November (EET, UTC+2)
        before = digest_period(utc(2026, 11, 28, 4, 59), CFG, last_period_end=utc(2026, 11, 27, 5, 0))
        at = digest_period(utc(2026, 11, 28, 5, 0), CFG, last_period_end=utc(2026, 11, 27, 5, 0))
        assert before is None
        assert at == (utc(2026, 11, 27, 5, 0), utc(2026, 11, 28, 5, 0))

    def test_not_due_again_once_covered(self):
        assert digest_period(utc(2026, 11, 28, 18, 0), CFG, last_period_end=utc(2026, 11, 28, 5, 0)) is None

    def test_first_digest_covers_the_day_before_the_latest_slot(self):
        start, end = digest_period(utc(2026, 11, 28, 9, 0), CFG, last_period_end=None)
        assert (start, end) == (utc(2026, 11, 27, 5, 0), utc(2026, 11, 28, 5, 0))
        assert end.utcoffset() == timedelta(0)  # UTC: safe to subtract across DST
        assert end.astimezone(KYIV).strftime("%d %H:%M") == "28 07:00"

    def test_a_long_outage_gives_one_digest_for_the_whole_gap(self):
        period = digest_period(utc(2026, 11, 28, 6, 0), CFG, last_period_end=utc(2026, 11, 24, 5, 0))
        assert period == (utc(2026, 11, 24, 5, 0), utc(2026, 11, 28, 5, 0))

    def test_same_inputs_same_answer(self):
        now = utc(2026, 11, 28, 5, 30)
        assert digest_period(now, CFG, None) == digest_period(now, CFG, None)
        assert digest_period(now, CFG, None) == digest_period(
            now.astimezone(ZoneInfo("America/New_York")), CFG, None
        )

    def test_disabled_is_never_due(self):
        assert digest_period(utc(2026, 11, 28, 9, 0), CFG.model_copy(update={"enabled": False}), None) is None

    def test_naive_now_is_refused(self):
        with pytest.raises(ValueError):
            digest_period(datetime(2026, 11, 28, 9, 0), CFG, None)

    def test_spring_forward_day_is_23_hours(self):
        # Kyiv: 2026-03-29 03:00 EET → 04:00 EEST
        start, end = digest_period(utc(2026, 3, 29, 6, 0), CFG, None)
        assert end == utc(2026, 3, 29, 4, 0)  # 07:00 EEST
        assert start == utc(2026, 3, 28, 5, 0)  # 07:00 EET
        assert end - start == timedelta(hours=23)

    def test_autumn_back_day_is_25_hours(self):
        # Kyiv: 2026-10-25 04:00 EEST → 03:00 EET
        start, end = digest_period(utc(2026, 10, 25, 6, 0), CFG, None)
        assert end - start == timedelta(hours=25)

    def test_a_time_skipped_by_dst_fires_an_hour_later_in_wall_time(self):
        cfg = CFG.model_copy(update={"time": "03:30"})
        _, end = digest_period(utc(2026, 3, 29, 12, 0), cfg, None)
        assert end == utc(2026, 3, 29, 1, 30)
        assert end.astimezone(KYIV).strftime("%H:%M") == "04:30"

    def test_a_time_repeated_by_dst_fires_at_its_first_occurrence(self):
        cfg = CFG.model_copy(update={"time": "03:30"})
        _, end = digest_period(utc(2026, 10, 25, 12, 0), cfg, None)
        assert end == utc(2026, 10, 25, 0, 30)  # 03:30 EEST, not the second 03:30 (EET, 01:30 UTC)


# --- delivery decisions --------------------------------------------------------------------------------------


def test_retry_delay_grows_exponentially_and_is_capped():
    delays = [retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == timedelta(hours=1) == delays[-1]


def test_after_failed_attempt_gives_up_at_max_attempts():
    now = utc(2026, 11, 28, 5, 0)
    assert after_failed_attempt(1, now) == ("pending", now + timedelta(minutes=1))
    assert after_failed_attempt(MAX_ATTEMPTS, now) == ("failed", None)


# --- pieces ---------------------------------------------------------------------------------------------------


def test_subject_says_what_is_inside():
    assert digest_subject("monitor", [("desertion", 9), ("conscription", 5)]) == (
        "monitor: 14 new hits — desertion 9, conscription 5"
    )
    assert digest_subject("monitor", [("мобілізація", 1)]) == "monitor: 1 new hit — мобілізація 1"
    assert digest_subject("monitor", []) == "monitor: no new hits"


def test_highlight_marks_surface_forms_case_and_yo_insensitively():
    pieces = highlight("Призывники ёжатся: призыв идёт.", ["призывники ежатся", "Призыв"])
    assert [p for p, marked in pieces if marked] == ["Призывники ёжатся", "призыв"]
    assert "".join(p for p, _ in pieces) == "Призывники ёжатся: призыв идёт."


def test_highlight_without_keywords_is_the_plain_snippet():
    assert highlight("no terms here", []) == (("no terms here", False),)
    assert highlight("", ["x"]) == ()


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        (FIG_WELT, "about 21,600 soldiers · October · per Die Welt"),
        (FIG_DRAFT, "160,000 человек · осенний призыв 2026 · per Минобороны"),
        (
            DigestFigure(
                figure_id=9,
                article_id=1,
                value=1000,
                low=1000,
                high=2000,
                qualifier="range",
                counted="recruits",
            ),
            "1,000–2,000 recruits",
        ),
        (
            DigestFigure(figure_id=9, article_id=1, value=None, qualifier="vague", counted="deserters"),
            "an unstated number deserters",
        ),
        (
            DigestFigure(figure_id=9, article_id=1, value=500, qualifier="at_least", rate="a day"),
            "at least 500 · a day",
        ),
    ],
)
def test_format_figure(figure, expected):
    assert format_figure(figure) == expected


def test_daily_counts_bins_by_local_day_and_fills_gaps():
    end = utc(2026, 11, 28, 5, 0)  # 07:00 Kyiv, 28 Nov
    stamps = [
        utc(2026, 11, 27, 21, 30),  # 23:30 Kyiv on the 27th
        utc(2026, 11, 27, 22, 30),  # 00:30 Kyiv on the 28th
        utc(2026, 11, 28, 4, 0),
        utc(2026, 11, 28, 6, 0),  # after the end: not counted
        utc(2026, 11, 1, 12, 0),  # before the window
    ]
    days = daily_counts(stamps, end, "Europe/Kyiv", days=14)
    assert len(days) == 14
    assert days[0][0] == date(2026, 11, 15) and days[-1][0] == date(2026, 11, 28)
    assert dict(days)[date(2026, 11, 27)] == 1
    assert dict(days)[date(2026, 11, 28)] == 2
    assert sum(n for _, n in days) == 3


@pytest.mark.parametrize(
    "tz, end",
    [
        ("Europe/Kyiv", utc(2026, 11, 28, 5, 0)),
        ("Europe/Kyiv", utc(2026, 4, 3, 12, 0)),  # the window holds the spring DST change (29 March)
        ("America/Santiago", utc(2026, 9, 15, 12, 0)),  # DST starts at local midnight (6 Sept): no 00:00
        ("Asia/Kathmandu", utc(2026, 11, 28, 23, 59, 30)),  # +05:45, the end seconds before a UTC day ends
    ],
)
def test_local_days_utc_count_what_daily_counts_bins(tz, end):
    """The chart counts hits in SQL per UTC range of each local day; the ranges must give exactly the bins
    daily_counts gives stamp by stamp, around DST changes and odd offsets too."""
    import random

    rng = random.Random(7)
    start = end - timedelta(days=16)
    stamps = [
        start + timedelta(seconds=rng.randrange(int(timedelta(days=16.5).total_seconds())))
        for _ in range(3000)
    ]
    stamps += [end, end + timedelta(seconds=1)]
    ranges = local_days_utc(end, tz, days=14)
    by_range = tuple((day, sum(1 for s in stamps if lo <= s < hi)) for day, lo, hi in ranges)
    assert by_range == daily_counts(stamps, end, tz, days=14)
    assert all(lo.tzinfo is UTC and hi.tzinfo is UTC for _, lo, hi in ranges)


class TestClustering:
    def test_the_same_story_from_two_outlets_is_one_story(self):
        data = fixture_data()
        stories = cluster_stories([h for h in data.hits if h.topic == "desertion"])
        assert len(stories) == 2
        awol = next(s for s in stories if s.lead.hit_id in (1, 2))
        assert awol.lead.hit_id == 1  # the earliest report leads
        assert [h.hit_id for h in awol.others] == [2]

    def test_different_stories_stay_apart(self):
        data = fixture_data()
        stories = cluster_stories(data.hits)
        assert sorted(len(s.hits) for s in stories) == [1, 1, 1, 2]

    def test_newest_story_first(self):
        data = fixture_data()
        stories = cluster_stories(data.hits)
        assert stories[0].lead.hit_id == 4
        newest = [s.newest for s in stories]
        assert newest == sorted(newest, reverse=True)

    def test_threshold_margin(self):
        # The numbers quoted in docs/digest.md: an edited copy vs. the original, and two different stories.
        hits = fixture_data().hits
        copy = story_similarity(hits[0], hits[1])
        other = max(story_similarity(hits[0], hits[4]), story_similarity(hits[2], hits[3]))
        assert copy >= DUPLICATE_THRESHOLD + 0.2
        assert other <= DUPLICATE_THRESHOLD - 0.3


def test_max_items_is_shared_fairly_between_topics():
    model = build_digest(fixture_data(), CFG.model_copy(update={"max_items": 2}))
    assert [len(g.stories) for g in model.topics] == [1, 1]
    assert model.hidden == 2
    assert model.hit_count == 5  # every claimed hit is still counted


# --- the rendered message ---------------------------------------------------------------------------------


def test_message_is_multipart_alternative_utf8_with_a_clear_subject():
    msg = render_fixture()
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
    assert msg["Subject"] == "monitor: 5 new hits — desertion 3, conscription 2"
    assert msg["Message-ID"] == "<digest-1@example.org>"
    assert msg["To"] == "editor@example.org"


def test_cyrillic_subject_is_rfc2047_encoded_and_decodes():
    cfg = CFG.model_copy(update={"subject_prefix": "монітор"})
    raw = bytes(render_digest(fixture_data(), cfg, message_id="<d@example.org>", now=NOW))
    subject_line = next(line for line in raw.split(b"\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in subject_line.lower()
    assert raw.isascii()  # 7-bit clean on the wire
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"].startswith("монітор: 5 new hits")


def test_text_part_carries_everything_readably():
    text, _ = parts(render_fixture())
    assert "21,600 Ukrainian soldiers went AWOL" in text
    assert "https://kyivindependent.com/awol-october" in text
    assert "Кількість СЗЧ у жовтні зросла майже до 20 тисяч" in text
    assert "*Дезертирство* та *СЗЧ*" in text
    assert "about 21,600 soldiers · October · per Die Welt" in text
    assert "and 1 more: Die Welt English <https://www.welt.de/english/awol>" in text
    assert "Broken <Feed> (4×): HTTP 503 from server" in text
    assert "<script>" in text  # text is text: nothing to escape in text/plain


def test_html_part_parses_and_escapes_what_feeds_wrote():
    _, html = parts(render_fixture())
    doc = html5lib.parse(html)
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(html)
    assert not [e for e in parser.errors if e[1] not in ("unexpected-end-tag",)], parser.errors
    assert doc.find(f".//{NS}script") is None
    assert doc.find(f".//{NS}img") is None  # no external images
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Broken &lt;Feed&gt;" in html
    hrefs = [a.get("href") for a in doc.iter(f"{NS}a")]
    assert "https://kyivindependent.com/awol-october" in hrefs
    assert not [h for h in hrefs if not h.startswith("https://")]  # javascript: is not a link
    marks = ["".join(m.itertext()) for m in doc.iter(f"{NS}mark")]
    assert {"AWOL", "desert", "Дезертирство", "СЗЧ", "призыв", "Призывники ёжатся"} <= set(marks)


def test_html_is_a_single_mobile_column_with_inline_styles():
    _, html = parts(render_fixture())
    assert "max-width:600px" in html
    assert 'name="viewport"' in html
    assert "<style" not in html


def test_html_shows_figures_table_chart_and_failed_feeds():
    _, html = parts(render_fixture())
    doc = html5lib.parse(html)
    text = " ".join("".join(doc.itertext()).split())
    assert "about 21,600 soldiers · October · per Die Welt" in text
    assert "160,000 человек · осенний призыв 2026 · per Минобороны" in text
    # the figures table: one row per claim, both outlets of the copied figure on that row
    rows = [
        " | ".join("".join(td.itertext()).strip() for td in tr.findall(f"{NS}td"))
        for tr in doc.iter(f"{NS}tr")
    ]
    assert (
        "about 21,600 | approx | soldiers | October | Die Welt | Kyiv Independent, Die Welt English" in rows
    )
    assert "under 20,000 | under | випадків СЗЧ | у жовтні | Офіс генпрокурора | Українська правда" in rows
    # the chart: 14 days, the busiest day the tallest bar
    heights = [int(h) for h in re.findall(r'<div style="height:(\d+)px', html)]
    assert len(heights) == 14
    assert heights.index(60) == 10 and heights.count(60) == 1  # 6 hits on 25 Nov, the peak
    assert heights[0] == 1 and heights[5] == 50  # no hits → a 1px baseline; 5 hits → 5/6 of the peak
    assert "and 1 more:" in text and "also in ТСН" in text
    assert "Broken <Feed> (4×): HTTP 503 from server" in text


def test_empty_digest_renders():
    data = DigestData(period_start=utc(2026, 11, 27, 5), period_end=utc(2026, 11, 28, 5))
    msg = render_digest(data, CFG, message_id="<e@example.org>", now=NOW)
    assert msg["Subject"] == "monitor: no new hits"
    assert "No new hits in this period." in msg.get_body(("plain",)).get_content()


def test_snapshot():
    _, html = parts(render_fixture())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(html, encoding="utf-8")
    assert html == SNAPSHOT.read_text(encoding="utf-8"), (
        "rendering changed; rerun with UPDATE_SNAPSHOTS=1 and review"
    )
