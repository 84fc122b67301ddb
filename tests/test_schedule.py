"""Scheduling decisions are pure: now and randomness are passed in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from monitor.schedule import backoff_delay, interleave, is_due, next_poll_at

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_interval_with_jitter_is_deterministic_for_a_seed():
    a = next_poll_at(NOW, interval=900, jitter=30, error_count=0, max_backoff=3600, rng=random.Random(1))
    b = next_poll_at(NOW, interval=900, jitter=30, error_count=0, max_backoff=3600, rng=random.Random(1))
    assert a == b
    assert NOW + timedelta(seconds=870) <= a <= NOW + timedelta(seconds=930)


def test_backoff_grows_and_is_capped():
    rng = random.Random(0)
    delays = [backoff_delay(n, 900, 6 * 3600, rng) for n in range(1, 12)]
    assert delays[0] >= 900
    assert delays[3] > delays[0]
    assert max(delays) <= 6 * 3600
    assert all(d >= 900 for d in delays)  # never faster than the interval


def test_retry_after_is_honoured():
    t = next_poll_at(
        NOW, interval=900, jitter=0, error_count=1, max_backoff=3600, rng=random.Random(0), retry_after=7200
    )
    assert t >= NOW + timedelta(seconds=7200)


def test_is_due():
    assert is_due(None, NOW)
    assert is_due(NOW - timedelta(seconds=1), NOW)
    assert not is_due(NOW + timedelta(hours=1), NOW)
    assert not is_due(None, NOW, retired=True)


def test_interleave_lets_hosts_take_turns_and_keeps_each_hosts_order():
    urls = ["a/1", "a/2", "a/3", "b/1", "a/4", "c/1", "c/2"]
    assert interleave(urls, key=lambda u: u.split("/")[0]) == [
        "a/1",
        "b/1",
        "c/1",
        "a/2",
        "c/2",
        "a/3",
        "a/4",
    ]
    assert interleave([], key=str) == []
    # every item exactly once, whatever the grouping
    items = list(range(50))
    assert sorted(interleave(items, key=lambda i: i % 7)) == items
