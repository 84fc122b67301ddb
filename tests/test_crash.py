"""kill -9 at random moments: the database stays intact, and the next run completes with nothing lost and
nothing doubled, compared with a run that was never interrupted."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.conftest import ROOT, monitor_argv, run_monitor
from tests.feedserver import Route, page_path

PAGES = ["seed-article.html", "uk-szch.html", "ru-soch.html"]
RUN_ONCE = ("run", "--once", "--workers", "2")


def build_farm(server, feeds: int = 9, per_feed: int = 5) -> list[str]:
    bodies = [page_path(p).read_bytes() for p in PAGES]
    urls = []
    for f in range(feeds):
        items = []
        for i in range(per_feed):
            n = f * per_feed + i
            # each page unique (a marker paragraph), so every run stores the same articles under the same URLs
            body = bodies[n % len(bodies)].replace(
                b"</article>", f"<p>Report number {n} of the series.</p></article>".encode()
            )
            server.add(f"/p/{n}.html", Route(body=body, content_type="text/html; charset=utf-8", delay=0.3))
            items.append(
                f"<item><guid isPermaLink='false'>g{n}</guid><title>Story {n}</title>"
                f"<link>{server.base}/p/{n}.html</link><description>Summary {n}</description></item>"
            )
        rss = f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>farm {f}</title>{''.join(items)}</channel></rss>"
        urls.append(server.add(f"/farm/{f}.xml", Route(body=rss.encode())))
    return urls


def snapshot(db) -> dict[str, set]:
    con = sqlite3.connect(db)
    try:
        return {
            "entries": set(
                con.execute(
                    "SELECT f.url, e.entry_id, e.status FROM entries e JOIN feeds f ON f.id = e.feed_id"
                )
            ),
            "articles": set(con.execute("SELECT url, content_hash FROM articles")),
            "hits": set(
                con.execute("SELECT a.url, h.topic FROM hits h JOIN articles a ON a.id = h.article_id")
            ),
            "figures": set(
                con.execute(
                    "SELECT a.url, g.start, g.end, g.value FROM figures g JOIN articles a ON a.id = g.article_id"
                )
            ),
        }
    finally:
        con.close()


def config_for(path, urls):
    path.write_text(
        "defaults:\n  interval: 15m\n  jitter: 0\n  concurrency: 2\n  per_host_concurrency: 2\nfeeds:\n"
        + "".join(f"  - {u}\n" for u in urls),
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_kill_9_at_random_points_loses_and_doubles_nothing(feed_server, tmp_path):
    urls = build_farm(feed_server)
    config = config_for(tmp_path / "feeds.yaml", urls)

    reference_db = tmp_path / "reference.db"
    ok = run_monitor("--config", str(config), "--db", str(reference_db), "run", "--once", "--workers", "2")
    assert ok.returncode == 0, ok.stderr
    reference = snapshot(reference_db)
    assert len(reference["entries"]) == 45 and reference["hits"] and reference["figures"]

    db = tmp_path / "crashed.db"
    rng = random.Random(1234)
    kills = 0
    for _ in range(12):  # until 4 runs were really interrupted (each one commits some feeds)
        if kills == 4:
            break
        proc = subprocess.Popen(
            monitor_argv(config, db, *RUN_ONCE),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill takes the workers too, like a container dying
            env={k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
        )
        time.sleep(rng.uniform(0.5, 6.0))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        if db.exists():
            con = sqlite3.connect(db)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            con.close()
    assert kills >= 3, f"only {kills} runs were interrupted"

    final = run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "2")
    assert final.returncode == 0, final.stderr
    after = snapshot(db)
    for key in reference:
        assert after[key] == reference[key], key
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # no row twice: the unique keys hold and counts equal the distinct sets
    assert con.execute("SELECT COUNT(*) FROM hits").fetchone()[0] == len(reference["hits"])
    assert con.execute("SELECT COUNT(*) FROM figures").fetchone()[0] == len(reference["figures"])


def _children(pid: int) -> list[int]:
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:
                kids.append(int(name))
    return kids


def _run_in_background(config, db, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        monitor_argv(config, db, *RUN_ONCE),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}, **env},
    )


def _reference(feed_server, tmp_path, feeds: int) -> tuple:
    urls = build_farm(feed_server, feeds=feeds)
    config = config_for(tmp_path / "feeds.yaml", urls)
    reference_db = tmp_path / "reference.db"
    ok = run_monitor("--config", str(config), "--db", str(reference_db), *RUN_ONCE)
    assert ok.returncode == 0, ok.stderr
    return config, snapshot(reference_db)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the workers through /proc")
def test_killed_extraction_workers_are_replaced_and_nothing_is_lost(feed_server, tmp_path):
    """The kernel's OOM killer, an operator or a crash in a C library can end an extraction worker. The pool
    then fails every page in flight and refuses new ones: the poll starts a new pool, tries those pages
    again, and stores exactly what an undisturbed run stores."""
    config, reference = _reference(feed_server, tmp_path, feeds=3)
    served_before = len(feed_server.requests)
    db = tmp_path / "killed.db"
    proc = _run_in_background(config, db)
    killed: list[int] = []
    deadline = time.monotonic() + 60
    while not killed and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        # monitor -> forkserver -> workers (the resource tracker, monitor's other child, has no children)
        workers = [w for child in _children(proc.pid) for w in _children(child)]
        pages = sum(1 for p, _ in feed_server.requests[served_before:] if p.startswith("/p/"))
        # in the middle of the poll: some pages analysed, some not fetched yet
        if workers and 3 <= pages < 15:
            for w in workers:
                os.kill(w, signal.SIGKILL)
            killed = workers
    _, err = proc.communicate(timeout=120)
    assert killed, "no worker was found to kill in the middle of the poll"
    assert proc.returncode == 0, err
    assert "extraction worker died" in err
    after = snapshot(db)
    for key in reference:
        assert after[key] == reference[key], key


@pytest.mark.slow
def test_a_page_that_kills_its_worker_is_stored_from_the_feed_and_takes_no_other_page_down(
    feed_server, tmp_path
):
    """A page that kills the worker every time it is analysed (here by fault injection: the worker SIGKILLs
    itself on a marker, as the OOM killer would). The pages in flight with it are retried one at a time;
    the culprit kills its worker again, alone, and its entry gets the feed's text with a note. Every other
    page is stored as in an undisturbed run, and the next poll does not fetch the culprit again."""
    from monitor.analyze import KILL_WORKER_ENV

    config, reference = _reference(feed_server, tmp_path, feeds=3)
    culprit = f"{feed_server.base}/p/7.html"
    marker = "Report number 7 of"  # in page 7 only (build_farm)
    db = tmp_path / "poison.db"
    proc = _run_in_background(config, db, **{KILL_WORKER_ENV: marker})
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"page {culprit} killed the extraction worker on its own" in err

    after = snapshot(db)
    assert after["entries"] == reference["entries"]
    for key in ("articles", "hits", "figures"):
        assert {row for row in after[key] if row[0] != culprit} == {
            row for row in reference[key] if row[0] != culprit
        }, key
    con = sqlite3.connect(db)
    source, note, text = con.execute(
        "SELECT text_source, source_note, text FROM articles WHERE url = ?", (culprit,)
    ).fetchone()
    con.close()
    assert source == "feed" and "killed the extraction worker" in note and text == "Summary 7"

    for path, route in feed_server.routes.items():  # the feeds answer 200 again: their entries are read
        if path.startswith("/farm/"):
            route.etag = False
    served = len(feed_server.requests)
    again = run_monitor("--config", str(config), "--db", str(db), *RUN_ONCE, env={KILL_WORKER_ENV: marker})
    assert again.returncode == 0, again.stderr
    asked = [p for p, _ in feed_server.requests[served:]]
    assert "/farm/1.xml" in asked and "/p/7.html" not in asked
