"""Scheduling decisions as pure functions: when to poll a feed next, and whether it is due now.

``now`` and the random source are arguments, so backoff and jitter are deterministic in tests.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

__all__ = ["backoff_delay", "interleave", "is_due", "next_poll_at"]

T = TypeVar("T")


def interleave(items: Sequence[T], key: Callable[[T], Hashable]) -> list[T]:
    """``items`` taken round-robin across their ``key`` groups (groups in order of first appearance, each
    group's items in their order): A1 A2 A3 B1 C1 -> A1 B1 C1 A2 A3.

    Polls start in this order, by host: a poll holds one of a bounded number of feed slots while it waits for
    its host's connection limit, so 40 feeds of one host listed together would otherwise fill every slot and
    keep the other hosts' feeds waiting behind one host's two connections.
    """
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    out: list[T] = []
    queues = list(groups.values())
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


def backoff_delay(error_count: int, interval: float, max_backoff: float, rng: random.Random) -> float:
    """Capped exponential backoff with full jitter on the upper half: interval × 2^(n-1), at most max_backoff.

    A failing feed is never disabled: it is retried at least every ``max_backoff`` seconds.
    """
    if error_count <= 0:
        return interval
    base = min(max_backoff, interval * (2 ** min(error_count - 1, 20)))
    return max(interval, base / 2 + rng.random() * base / 2)


def next_poll_at(
    now: datetime,
    *,
    interval: float,
    jitter: float,
    error_count: int,
    max_backoff: float,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    """When the feed should be polled next, given the outcome of the poll that just ended."""
    if error_count > 0:
        delay = backoff_delay(error_count, interval, max_backoff, rng)
    else:
        delay = interval + (rng.uniform(-jitter, jitter) if jitter else 0.0)
    if retry_after is not None:
        # Retry-After is the server's explicit wish (RFC 9110 §10.2.3); honour it, within one day.
        delay = max(delay, min(retry_after, 86400.0))
    return now + timedelta(seconds=max(1.0, delay))


def is_due(next_poll: datetime | None, now: datetime, *, retired: bool = False, slack: float = 5.0) -> bool:
    """Whether a scheduled run at ``now`` should poll (a little slack absorbs the scheduler's own jitter)."""
    if retired:
        return False
    return next_poll is None or next_poll <= now + timedelta(seconds=slack)
