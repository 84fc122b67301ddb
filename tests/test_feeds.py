"""Feed bytes → entries (feedparser given bytes), entry ids, URL canonicalisation."""

from __future__ import annotations

import pytest

from monitor.feeds import FeedParseError, canonical_url, entry_id_for, parse_feed, strip_html
from tests.conftest import DATA


def feed(name: str) -> bytes:
    return (DATA / "feeds" / name).read_bytes()


def test_real_ukrainian_feed():
    parsed = parse_feed(feed("unian-ua.rss.xml"), "https://rss.unian.net/site/news_ukr.rss")
    assert len(parsed.entries) == 50
    first = parsed.entries[0]
    assert first.title == '"Зір вдалося зберегти": у Дніпрі лікарі рятують сапера, який підірвався на Донбасі'
    assert first.entry_id == "1f3011bb42f36737c5ac0fd6d7cd3278"  # the GUID
    assert first.published == "2020-09-28T13:35:12+00:00"  # +0300 → UTC
    assert first.summary == "У лікарню військового доправили в суботу ґвинтокрилом."
    assert first.link.startswith("https://www.unian.ua/war/")


def test_windows_1251_declared_feed_decodes():
    parsed = parse_feed(feed("pravda-com-ua-ru-windows1251.rss.xml"), "https://www.pravda.com.ua/rus/rss/")
    assert parsed.entries
    assert any("а" in (e.title or "") for e in parsed.entries)  # Cyrillic survived


def test_utf16_and_atom_feeds():
    assert parse_feed(feed("fastfeedparser-utf16_encoded.xml"), "https://x.example/").entries
    atom = parse_feed(feed("google-alerts.atom.xml"), "https://www.google.com/alerts/feeds/x")
    assert atom.entries and atom.entries[0].title


def test_html_page_and_empty_body_are_not_feeds():
    with pytest.raises(FeedParseError, match="HTML page"):
        parse_feed(b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "https://x.example/")
    with pytest.raises(FeedParseError, match="empty"):
        parse_feed(b"  \n", "https://x.example/")


def test_duplicate_guids_keep_the_first():
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><guid>same</guid><title>one</title><link>https://x.example/1</link></item>
    <item><guid>same</guid><title>two</title><link>https://x.example/2</link></item>
    <item><title>no guid</title><link>https://x.example/3</link></item>
    <item><title>no link, no guid</title></item>
    <item><title>js</title><link>javascript:alert(1)</link></item>
    </channel></rss>"""
    entries = parse_feed(body, "https://x.example/feed").entries
    assert [e.title for e in entries] == ["one", "no guid", "no link, no guid", "js"]
    assert entries[1].entry_id == "https://x.example/3"
    assert entries[2].entry_id.startswith("sha256:") and entries[2].link is None
    assert entries[3].link is None  # javascript: is never a link we fetch


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG/a/b?utm_source=rss&id=7#comments", "https://example.org/a/b?id=7"),
        ("http://example.org:80/x?fbclid=abc", "http://example.org/x"),
        ("https://example.org", "https://example.org/"),
        ("http://127.0.0.1:8000/p?a=1&utm_medium=x&b=2", "http://127.0.0.1:8000/p?a=1&b=2"),
        ("javascript:alert(1)", None),
        ("mailto:a@b.c", None),
        ("", None),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_relative_links_resolve_against_the_feed():
    assert canonical_url("/news/1", "https://example.org/rss") == "https://example.org/news/1"


def test_entry_id_is_stable():
    assert entry_id_for(" g1 ", "https://x/1", "t", None) == "g1"
    assert entry_id_for(None, "https://x/1", "t", None) == "https://x/1"
    a = entry_id_for(None, None, "title", "2026-01-01T00:00:00+00:00")
    assert (
        a
        == entry_id_for(None, None, "title", "2026-01-01T00:00:00+00:00")
        != entry_id_for(None, None, "t2", None)
    )


def test_strip_html():
    assert strip_html("<p>Hello&nbsp;<b>world</b> &amp; more</p>") == "Hello\xa0world & more"
    assert strip_html(None) == ""
