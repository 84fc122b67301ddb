"""One poll of one feed, end to end: fetch → parse → new entries → fetch pages → extract/match/figures →
one transaction. A feed's failure is recorded on its row and returned as data, never raised past here.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.config import Config, FeedConfig
from monitor.errors import FetchError, MonitorError
from monitor.feeds import FeedParseError, canonical_url, parse_feed
from monitor.fetch import AddressGuard, Fetcher, FetchLimits, origin_of
from monitor.schedule import interleave, is_due, next_poll_at
from monitor.store import ProcessedEntry, Store
from monitor.types import Entry, PollOutcome

if TYPE_CHECKING:
    from monitor import analyze

__all__ = ["Poller", "make_fetcher", "utcnow"]

log = logging.getLogger("monitor.poll")

# More worker deaths than this within the window: stop retrying pages (a broken installation, or far too
# little memory), so a poll fails fast and says so instead of forking pool after pool.
_MAX_DEATHS = 5
_DEATH_WINDOW = 600.0
_KILLER_NOTE = "page not analysed: it killed the extraction worker (out of memory or a crash); feed text used"


@functools.cache
def _cores() -> int:
    """os.cpu_count(), asked once per process instead of once per page (each call reads /sys)."""
    return os.cpu_count() or 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def make_fetcher(config: Config) -> Fetcher:
    d = config.defaults
    guard = AddressGuard(
        allowed_origins={origin_of(f.url) for f in config.feeds},
        allow_hosts=d.allow_hosts,
    )
    limits = FetchLimits(
        connect=d.timeouts.connect,
        read=d.timeouts.read,
        total=d.timeouts.total,
        max_redirects=d.max_redirects,
        user_agent=d.user_agent,
    )
    return Fetcher(limits, concurrency=d.concurrency, per_host=d.per_host_concurrency, guard=guard)


@dataclass
class Poller:
    """Everything a poll needs, passed in: config, store, fetcher, clock, randomness, CPU executor."""

    config: Config
    store: Store
    fetcher: Fetcher
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)
    workers: int | None = None  # None: one per core; 0: analyse in this process
    stopping: bool = False  # set when the daemon stops: feeds still waiting for a slot are not polled
    _executor: Executor | None = None
    _page_slots: asyncio.Semaphore | None = None
    _feed_slots: asyncio.Semaphore | None = None
    # pages that were in flight when a worker died are tried again here, one at a time (see _retry_alone)
    _quarantine: Executor | None = None
    _quarantine_lock: asyncio.Lock | None = None
    _pool_deaths: list[float] = field(default_factory=list)  # time.monotonic() of each death
    _retrying: int = 0
    # one thread that shuts down dropped pools (a worker died, or the retries are over) and waits for their
    # workers, off the event loop; shutdown() waits for it, so that no worker outlives the process (`run
    # --once` ends with os._exit, which would orphan one still waiting for its stop signal)
    _reaper: ThreadPoolExecutor | None = None
    _closed: bool = False

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers is not None else _cores()

    def page_slots(self) -> asyncio.Semaphore:
        """Bounds pages fetched but not yet analysed: fetching outruns extraction, and without a bound a cold
        poll of 200 feeds × 25 pages would hold every page body in memory at once (bench: 1.3 GB peak RSS)."""
        if self._page_slots is None:
            self._page_slots = asyncio.Semaphore(max(16, 8 * max(1, self.worker_count)))
        return self._page_slots

    def feed_slots(self) -> asyncio.Semaphore:
        """Bounds feeds being polled at once: fetched, parsed, their new entries waiting for page slots.
        Feeds are fetched far faster than their pages are analysed, so without a bound every feed of a cold
        poll would be fetched and parsed at the start and wait in memory, with its results, until its last
        page (bench: +30 MB in the main process at 200 × 25). Twice the fetch concurrency, so a poll of
        unchanged feeds (304s) is bounded by the network, not by this."""
        if self._feed_slots is None:
            self._feed_slots = asyncio.Semaphore(2 * self.config.defaults.concurrency)
        return self._feed_slots

    def executor(self) -> Executor | None:
        workers = self.worker_count
        if workers <= 0:
            return None
        if self._executor is None:
            self._executor = self._new_pool(workers)
        return self._executor

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the poller was shut down")
        # forkserver: children start from a clean process, not a fork of one running threads and an event loop
        from monitor import analyze  # matching, figures: loaded only when a page is analysed

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["monitor.worker_preload"])
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=analyze.init_worker,
            initargs=(self.config.topics,),
        )

    def shutdown(self) -> None:
        self._closed = True
        for pool in (self._executor, self._quarantine):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._executor = self._quarantine = None
        if self._reaper is not None:
            self._reaper.shutdown(wait=True)
            self._reaper = None

    def _retire(self, pool: Executor) -> None:
        """Shut ``pool`` down and wait for its workers in the reaper thread: the event loop goes on."""
        if self._reaper is None:
            self._reaper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-reaper")
        self._reaper.submit(pool.shutdown, wait=True, cancel_futures=True)

    async def poll_all(
        self, feeds: Sequence[FeedConfig] | None = None, *, force: bool = True
    ) -> list[PollOutcome]:
        feeds = self.config.enabled_feeds if feeds is None else feeds
        order = interleave(range(len(feeds)), key=lambda i: origin_of(feeds[i].url))
        outcomes = await asyncio.gather(*(self.poll_feed(feeds[i], force=force) for i in order))
        by_feed = dict(zip(order, outcomes, strict=True))
        return [by_feed[i] for i in range(len(feeds))]

    async def poll_feed(self, feed: FeedConfig, *, force: bool = False) -> PollOutcome:
        async with self.feed_slots():  # the feed's state and clock are read once it has its slot
            if self.stopping:
                return PollOutcome(feed.url, None, error="not polled: stopping")
            return await self._poll_feed(feed, force=force)

    async def _poll_feed(self, feed: FeedConfig, *, force: bool) -> PollOutcome:
        started = time.monotonic()
        now = self.clock()
        state = self.store.feed_state(feed.url)
        if state is None:
            self.store.sync_feeds([feed], _iso(now))
            state = self.store.feed_state(feed.url)
        assert state is not None
        if state.retired_at:
            log.info("feed=%r skipped: retired at %s (HTTP 410 Gone)", feed.display_name, state.retired_at)
            return PollOutcome(feed.url, None, error=f"retired at {state.retired_at}")
        if not force and state.error_count > 0 and state.next_poll_at:
            due = datetime.fromisoformat(state.next_poll_at)
            if not is_due(due, now, slack=2 * self.config.defaults.jitter + 5):
                log.info("feed=%r skipped: backing off until %s", feed.display_name, state.next_poll_at)
                return PollOutcome(feed.url, None, error="backing off")
        interval = self.config.interval_for(feed)
        try:
            outcome = await self._poll(feed, state, now, interval, started)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a feed's failure is data: record it and go on with the others
            outcome = self._record_failure(feed, state, now, interval, e, started)
        self._log(feed, outcome)
        return outcome

    async def _poll(
        self, feed: FeedConfig, state: Any, now: datetime, interval: float, started: float
    ) -> PollOutcome:
        d = self.config.defaults
        result = await self.fetcher.get(
            state.moved_to or feed.url,
            max_bytes=d.max_feed_bytes,
            etag=state.etag,
            last_modified=state.last_modified,
            accept="application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        )
        update: dict[str, Any] = {
            "last_status": result.status,
            "last_polled_at": _iso(now),
            "last_ok_at": _iso(now),
            "last_error": None,
            "error_count": 0,
            "next_poll_at": _iso(
                next_poll_at(
                    now,
                    interval=interval,
                    jitter=d.jitter,
                    error_count=0,
                    max_backoff=d.max_backoff,
                    rng=self.rng,
                )
            ),
        }
        if result.permanent_redirect and result.permanent_redirect != (state.moved_to or feed.url):
            # 301/308: the feed lives elsewhere now; poll it there (RFC 9110 §15.4.2) and tell the operator.
            update["moved_to"] = result.permanent_redirect
            log.warning(
                "feed=%r moved permanently to %s: update feeds.yaml",
                feed.display_name,
                result.permanent_redirect,
            )
        if result.not_modified:
            self.store.record_poll(state.id, update, (), _iso(now))
            return PollOutcome(feed.url, 304, not_modified=True, elapsed_ms=_ms(started), error=None)
        try:
            parsed = parse_feed(result.body, result.url, content_type=result.content_type)
        except FeedParseError as e:
            raise FetchError(f"not a feed: {e}", status=result.status) from e
        update["etag"] = result.etag
        update["last_modified"] = result.last_modified
        entry_ids = [e.entry_id for e in parsed.entries]
        seen = self.store.seen_entry_ids(state.id, entry_ids)
        new = [e for e in parsed.entries if e.entry_id not in seen]
        if len(new) > d.max_new_entries:
            # A feed of 10,000 entries must not make one poll fetch 10,000 pages: take the first
            # max_new_entries (feeds list newest first); the rest are new again at the next poll.
            log.warning(
                "feed=%r has %d new entries; taking %d this poll",
                feed.display_name,
                len(new),
                d.max_new_entries,
            )
            update["last_error"] = (
                f"{len(new)} new entries; {d.max_new_entries} taken this poll, the rest next poll"
            )
            new = new[: d.max_new_entries]
            # keep no validators, so the next poll gets the whole feed again instead of a 304
            update["etag"] = update["last_modified"] = None
        processed = await self._process_entries(new, feed, parsed.language)
        written = self.store.record_poll(state.id, update, processed, _iso(self.clock()))
        return PollOutcome(
            feed.url,
            result.status,
            new_entries=written.new_entries,
            hits=written.new_hits,
            figures=written.new_figures,
            error=None,
            elapsed_ms=_ms(started),
        )

    async def _process_entries(
        self, entries: Sequence[Entry], feed: FeedConfig, feed_language: str | None
    ) -> list[ProcessedEntry]:
        language = feed.language or feed_language
        known = self.store.known_article_urls([e.link for e in entries if e.link])
        # A task group: if one entry fails the feed's poll, its siblings are cancelled instead of going on
        # fetching and analysing pages whose results nobody will store.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._process_entry(e, known, language)) for e in entries]
        except ExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [t.result() for t in tasks]

    async def _process_entry(
        self, entry: Entry, known_urls: set[str], language: str | None
    ) -> ProcessedEntry:
        url = canonical_url(entry.link)
        if url and url in known_urls:
            # Already stored via another entry or feed: link this entry to it, fetch nothing.
            return ProcessedEntry(entry, None, url, note="article already stored")
        async with self.page_slots():
            return await self._fetch_and_analyze(entry, url, language)

    async def _fetch_and_analyze(self, entry: Entry, url: str | None, language: str | None) -> ProcessedEntry:
        body: bytes | None = None
        content_type = ""
        note: str | None = None
        if url and self.config.defaults.fetch_articles:
            try:
                page = await self.fetcher.get(
                    url,
                    max_bytes=self.config.defaults.max_page_bytes,
                    accept="text/html,application/xhtml+xml",
                )
                body, content_type = page.body, page.content_type
            except FetchError as e:
                note = f"page not fetched: {e}"
        elif not url:
            note = "entry has no http(s) link"
        if body is None and not (entry.summary or entry.title):
            return ProcessedEntry(entry, None, url, note=note or "no text")
        analysis = await self._analyze(entry, body, content_type, note, language)
        return ProcessedEntry(
            entry, analysis.article, url, hits=analysis.hits, figures=analysis.figures, note=note
        )

    async def _analyze(
        self, entry: Entry, body: bytes | None, content_type: str, note: str | None, language: str | None
    ) -> analyze.Analysis:
        from monitor import analyze  # matching, figures: loaded only when an entry is analysed

        executor = self.executor() if body is not None else None
        if executor is None:
            # In a thread, so the event loop keeps the network moving meanwhile.
            return await asyncio.to_thread(
                analyze.process_entry,
                entry,
                body,
                self.config.topics,
                content_type=content_type,
                fetch_note=note,
                feed_language=language,
            )
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                executor, analyze.process_entry_in_worker, entry, body, content_type, note, language
            )
        except BrokenProcessPool:
            # A worker died: the kernel's OOM killer, a kill, a crash in a C library. The pool fails every page
            # in flight and refuses new ones; each of those pages lands here.
            self._pool_died(executor)
        return await self._retry_alone(entry, body, content_type, note, language)

    def _pool_died(self, executor: Executor) -> None:
        """Replace a dead pool, once (every page that was in flight in it lands in _analyze's handler)."""
        if self._executor is not executor:
            return
        self._executor = None
        self._retire(executor)
        self._note_death()
        log.warning(
            "extraction worker died (out of memory, killed or crashed): pool replaced; the pages that were "
            "in flight are tried again one at a time"
        )

    def _note_death(self) -> None:
        now = time.monotonic()
        self._pool_deaths = [t for t in self._pool_deaths if now - t < _DEATH_WINDOW] + [now]

    async def _retry_alone(
        self, entry: Entry, body: bytes | None, content_type: str, note: str | None, language: str | None
    ) -> analyze.Analysis:
        """A page that was in flight when a worker died, tried again alone in a pool of one worker. If it
        kills that worker too, it is the culprit: the entry is stored with the feed's own text and a note,
        so the page is not tried at every poll and takes no other page down with it."""
        from monitor import analyze

        if len(self._pool_deaths) > _MAX_DEATHS:
            raise MonitorError(
                f"extraction workers died {len(self._pool_deaths)} times in {_DEATH_WINDOW / 60:.0f} minutes: "
                "not retrying (out of memory? see the log)"
            )
        if self._quarantine_lock is None:
            self._quarantine_lock = asyncio.Lock()
        loop = asyncio.get_running_loop()
        self._retrying += 1
        try:
            async with self._quarantine_lock:
                log.debug("retrying %s alone", entry.link)
                for page, why in ((body, note), (None, _KILLER_NOTE)):
                    if self._quarantine is None:
                        self._quarantine = self._new_pool(1)
                    pool = self._quarantine
                    try:
                        return await loop.run_in_executor(
                            pool, analyze.process_entry_in_worker, entry, page, content_type, why, language
                        )
                    except BrokenProcessPool:
                        self._quarantine = None
                        self._retire(pool)
                        self._note_death()
                        if page is None:
                            raise
                        log.error(
                            "page %s killed the extraction worker on its own: storing the feed's text",
                            entry.link,
                        )
        finally:
            self._retrying -= 1
            if not self._retrying and self._quarantine is not None:  # the last retry: free the worker
                self._retire(self._quarantine)
                self._quarantine = None
        raise AssertionError("unreachable: the second attempt returns or raises")  # pragma: no cover

    def _record_failure(
        self, feed: FeedConfig, state: Any, now: datetime, interval: float, error: Exception, started: float
    ) -> PollOutcome:
        d = self.config.defaults
        status = error.status if isinstance(error, FetchError) else None
        retry_after = error.retry_after if isinstance(error, FetchError) else None
        message = str(error) if isinstance(error, MonitorError) else f"{type(error).__name__}: {error}"
        errors = state.error_count + 1
        update: dict[str, Any] = {
            "last_status": status,
            "last_polled_at": _iso(now),
            "last_error": message[:1000],
            "error_count": errors,
            "next_poll_at": _iso(
                next_poll_at(
                    now,
                    interval=interval,
                    jitter=d.jitter,
                    error_count=errors,
                    max_backoff=d.max_backoff,
                    rng=self.rng,
                    retry_after=retry_after,
                )
            ),
        }
        if status == 410:  # Gone: the publisher says the feed will not come back (RFC 9110 §15.5.11)
            update["retired_at"] = _iso(now)
        try:
            self.store.record_poll(state.id, update, (), _iso(now))
        except MonitorError as e:
            log.error("feed=%s could not record failure: %s", feed.display_name, e)
        return PollOutcome(feed.url, status, error=message, retry_after=retry_after, elapsed_ms=_ms(started))

    def _log(self, feed: FeedConfig, o: PollOutcome) -> None:
        if o.error:
            log.warning(
                "feed=%r status=%s error=%r ms=%d", feed.display_name, o.status or "-", o.error, o.elapsed_ms
            )
        else:
            log.info(
                "feed=%r status=%s new=%d hits=%d figures=%d ms=%d",
                feed.display_name,
                o.status,
                o.new_entries,
                o.hits,
                o.figures,
                o.elapsed_ms,
            )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
