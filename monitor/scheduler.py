"""APScheduler wiring for the daemon: one job per feed, the digest job, signals and a graceful stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.config import Config, FeedConfig, smtp_from_env
from monitor.fetch import origin_of
from monitor.pipeline import Poller, make_fetcher, utcnow
from monitor.schedule import interleave
from monitor.store import open_store

__all__ = ["run_daemon", "run_once"]

log = logging.getLogger("monitor")

_STOP_GRACE = 8.0  # seconds to let in-flight polls finish after SIGTERM (Docker waits 10 s before SIGKILL)
DIGEST_CHECK_SECONDS = 300


async def run_once(config: Config, db_path: str, *, workers: int | None = None) -> int:
    """Poll every enabled feed once. Exit code 0 if at least one feed could be polled (or none configured)."""
    store = open_store(db_path)
    store.sync_feeds(config.feeds, utcnow().isoformat(timespec="seconds"))
    poller = Poller(config, store, make_fetcher(config), workers=workers)
    try:
        outcomes = await poller.poll_all(force=True)
    finally:
        await poller.fetcher.aclose()
        poller.shutdown()
        store.close()
    failed = sum(1 for o in outcomes if o.error)
    log.info("poll finished: feeds=%d ok=%d failed=%d", len(outcomes), len(outcomes) - failed, failed)
    return 1 if outcomes and failed == len(outcomes) else 0


async def run_daemon(
    config: Config,
    db_path: str,
    *,
    workers: int | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Run until SIGTERM/SIGINT; then let the in-flight writes finish and return 0."""
    # imported here: `run --once` (and the warm-poll benchmark) never needs APScheduler
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    store = open_store(db_path)
    store.sync_feeds(config.feeds, clock().isoformat(timespec="seconds"))
    poller = Poller(config, store, make_fetcher(config), clock=clock, workers=workers)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    running: set[asyncio.Task] = set()

    async def poll_job(feed: FeedConfig) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await poller.poll_feed(feed)
        finally:
            running.discard(task)

    scheduler = AsyncIOScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    start = clock()
    # Spread the first polls (0.25 s apart, over a minute at most) so 500 feeds don't all start at once, hosts
    # taking turns (schedule.interleave) so one host's many feeds do not hold every feed slot at start-up.
    feeds = interleave(config.enabled_feeds, key=lambda f: origin_of(f.url))
    spread = min(60.0, 0.25 * len(feeds))
    for i, feed in enumerate(feeds):
        first = start + timedelta(seconds=i * spread / max(1, len(feeds)))
        scheduler.add_job(
            poll_job,
            IntervalTrigger(
                seconds=config.interval_for(feed), jitter=config.defaults.jitter or None, timezone="UTC"
            ),
            args=[feed],
            id=f"feed:{feed.url}",
            name=feed.display_name,
            next_run_time=first,
            misfire_grace_time=None,
        )
    if config.digest.enabled:
        scheduler.add_job(
            _digest_job,
            IntervalTrigger(seconds=DIGEST_CHECK_SECONDS, timezone="UTC"),
            args=[config, db_path, clock],
            id="digest",
            next_run_time=start + timedelta(seconds=5),
        )
    scheduler.start()
    log.info("monitor running: feeds=%d db=%s (Ctrl-C or SIGTERM to stop)", len(feeds), db_path)
    try:
        await stop.wait()
    finally:
        poller.stopping = True  # polls still waiting for a feed slot end at once
        log.info("stopping: waiting for %d poll(s) in flight", len(running))
        scheduler.shutdown(wait=False)
        if running:
            # Writes are synchronous inside a poll, so a poll is only ever interrupted between transactions.
            done, pending = await asyncio.wait(set(running), timeout=_STOP_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await poller.fetcher.aclose()
        poller.shutdown()
        store.close()
        log.info("stopped")
    return 0


async def _digest_job(config: Config, db_path: str, clock: Callable[[], datetime]) -> None:
    """Create the day's digest when due and (re)try pending ones; SMTP and SQLite run in a worker thread."""

    def cycle() -> None:
        from monitor.mailer import run_digest_cycle

        store = open_store(db_path)  # its own connection: sqlite3 connections stay in their thread
        try:
            for outcome in run_digest_cycle(store, config, smtp_from_env(), clock()):
                log.info("digest: %s", outcome)
        finally:
            store.close()

    try:
        await asyncio.get_running_loop().run_in_executor(None, cycle)
    except Exception as e:  # the digest must never take the poller down
        log.error("digest: %s", e)
