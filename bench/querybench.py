"""The digest and figure queries on a synthetic database of 1 million hits and 1 million figures.

    .venv/bin/python bench/querybench.py [--hits 1000000] [--db FILE] [--repeat 7]

The database is made by monitor.store.open_store (the real schema, indexes, views and FTS triggers), then
filled with executemany in one transaction: 200 feeds; hits / 4 articles (4 topics each, so hits = 4 ×
articles) with one entry each (plus a second entry from another feed for 1 in 10); one figure per hit;
a year of history, one digest per day that claimed that day's hits; the last day's hits are unclaimed,
as they are just before the daily digest.

Timed (median of --repeat runs, ms), with SQLite's query plan for each statement:
- digest: the real monitor.mailer functions the digest cycle calls — _unclaimed_hit_ids (the claim scan)
  and gather_digest_data (hits ⋈ articles ⋈ feeds, entries for "also in", figures, the 14-day chart);
- figures: SELECT … FROM v_figures WHERE topic = ? AND found_at >= ? ORDER BY value DESC LIMIT 50.
Also the worst case of the claim scan: every hit unclaimed (the first digest after an import).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import parse_config  # noqa: E402
from monitor.store import open_store  # noqa: E402

TOPICS = ("desertion", "conscription", "mobilization", "recruitment")
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DAYS = 365

FIGURES_SQL = (
    "SELECT figure_id, value, qualifier, counted, period, attributed_to, outlet, url, found_at "
    "FROM v_figures WHERE topic = ? AND found_at >= ? ORDER BY value DESC LIMIT 50"
)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def build(path: str, n_hits: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    store = open_store(path)
    db = store.db
    conn = db.conn
    n_articles = n_hits // len(TOPICS)
    start = NOW - timedelta(days=DAYS)
    step = DAYS * 86400 / n_articles
    with db.atomic():
        conn.executemany(
            "INSERT INTO feeds (url, name, language, added_at) VALUES (?, ?, 'en', ?)",
            [(f"https://outlet{i}.example/feed", f"Outlet {i}", _iso(start)) for i in range(200)],
        )
        # one digest per day: day d's digest claimed hits matched that day
        conn.executemany(
            "INSERT INTO digests (id, period_start, period_end, created_at, status, message_id, hit_count) "
            "VALUES (?, ?, ?, ?, 'sent', ?, 0)",
            [
                (
                    d + 1,
                    _iso(start + timedelta(days=d)),
                    _iso(start + timedelta(days=d + 1)),
                    _iso(start + timedelta(days=d + 1)),
                    f"<d{d}@bench>",
                )
                for d in range(DAYS)
            ],
        )
        words = "soldiers deserted units army draft mobilization officials said thousand month cases".split()

        def articles():
            for a in range(n_articles):
                at = start + timedelta(seconds=a * step)
                text = " ".join(rng.choices(words, k=30))
                yield (
                    a + 1,
                    f"https://outlet{a % 200}.example/news/{a}",
                    f"Story {a}",
                    text,
                    "en",
                    _iso(at),
                    "page",
                    f"{a:064x}",
                    a % 200 + 1,
                    _iso(at),
                )

        conn.executemany(
            "INSERT INTO articles (id, url, title, text, language, published, text_source, content_hash, "
            "feed_id, first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            articles(),
        )

        def entries():
            n = 0
            for a in range(n_articles):
                at = _iso(start + timedelta(seconds=a * step))
                n += 1
                yield (
                    n,
                    a % 200 + 1,
                    f"e{a}",
                    f"https://outlet{a % 200}.example/news/{a}",
                    a + 1,
                    "stored",
                    at,
                )
                if a % 10 == 0:  # the same story in a second feed
                    n += 1
                    yield (n, (a + 7) % 200 + 1, f"x{a}", None, a + 1, "linked", at)

        conn.executemany(
            "INSERT INTO entries (id, feed_id, entry_id, link, article_id, status, seen_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            entries(),
        )
        last_day = NOW - timedelta(days=1)

        def hits():
            h = 0
            for a in range(n_articles):
                at = start + timedelta(seconds=a * step)
                day = min(DAYS - 1, int((at - start).total_seconds() // 86400))
                digest = None if at >= last_day else day + 1
                for t in TOPICS:
                    h += 1
                    yield (
                        h,
                        a + 1,
                        t,
                        '["deserted"]',
                        '["deserted"]',
                        "text",
                        2,
                        "… soldiers deserted …",
                        0.8,
                        _iso(at),
                        digest,
                    )

        conn.executemany(
            "INSERT INTO hits (id, article_id, topic, keywords, terms, field, count, snippet, score, "
            "matched_at, digest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            hits(),
        )

        def figures():
            g = 0
            for a in range(n_articles):
                at = _iso(start + timedelta(seconds=a * step))
                for k, t in enumerate(TOPICS):
                    g += 1
                    v = rng.randint(1, 200_000)
                    yield (
                        g,
                        a + 1,
                        g,
                        t,
                        v,
                        "over",
                        "soldiers",
                        "soldier",
                        "month",
                        None,
                        f"Over {v} soldiers deserted last month.",
                        k * 100,
                        k * 100 + 20,
                        "officials",
                        at,
                    )

        conn.executemany(
            "INSERT INTO figures (id, article_id, hit_id, topic, value, qualifier, counted, counted_lemma, "
            "period, rate, sentence, start, end, attributed_to, found_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            figures(),
        )
    conn.execute("ANALYZE")
    counts = store.counts()
    store.close()
    return {
        "build_s": round(time.perf_counter() - t0, 1),
        "counts": counts,
        "size_mb": os.path.getsize(path) / 1e6,
    }


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def plan(store, sql: str, params) -> list[str]:
    return [r[-1] for r in store.db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()]


def measure(path: str, repeat: int) -> dict:
    from monitor import mailer

    cfg = parse_config("digest: {tz: Europe/Kyiv}\n")
    store = open_store(path)
    out: dict = {}
    since = NOW - timedelta(days=1)
    ms, ids = timed(lambda: mailer._unclaimed_hit_ids(store, None, NOW), repeat)
    out["claim_scan_ms"] = round(ms, 1)
    out["unclaimed_hits"] = len(ids)
    ms, data = timed(lambda: mailer.gather_digest_data(store, cfg, ids, since, NOW), repeat)
    out["gather_digest_ms"] = round(ms, 1)
    out["digest_hits"] = len(data.hits)
    out["digest_figures"] = len(data.figures)
    out["digest_total_ms"] = round(out["claim_scan_ms"] + out["gather_digest_ms"], 1)
    # the pieces of gather_digest_data, each alone, to see which one costs
    marks = ",".join("?" * min(500, len(ids)))
    chunk = ids[:500]
    art = [r[0] for r in store.db.execute(f"SELECT article_id FROM hits WHERE id IN ({marks})", chunk)]
    amarks = ",".join("?" * len(art))
    pieces = {
        "claim": (
            "SELECT id, matched_at FROM hits WHERE digest_id IS NULL AND retired_at IS NULL ORDER BY id",
            [],
        ),
        "hits_join": (
            "SELECT h.id, a.url, substr(a.text, 1, 5000), COALESCE(f.name, f.url) FROM hits h JOIN articles a "
            f"ON a.id = h.article_id LEFT JOIN feeds f ON f.id = a.feed_id WHERE h.id IN ({marks})",
            chunk,
        ),
        "also_in": (
            "SELECT DISTINCT e.article_id, e.feed_id, COALESCE(f.name, f.url) FROM entries e JOIN feeds f "
            f"ON f.id = e.feed_id WHERE e.article_id IN ({amarks}) ORDER BY e.article_id, e.id",
            art,
        ),
        "figures_of_articles": (
            "SELECT g.id, g.value, COALESCE(f.name, f.url), a.url FROM figures g JOIN articles a ON a.id = "
            f"g.article_id LEFT JOIN feeds f ON f.id = a.feed_id WHERE g.article_id IN ({amarks}) ORDER BY g.id",
            art,
        ),
        # one of the chart's 14 per-day counts (a day's index range; gather_digest_data runs 14)
        "chart_one_day": (
            "SELECT COUNT(*) FROM hits WHERE matched_at >= ? AND matched_at < ? AND retired_at IS NULL",
            [_iso(NOW - timedelta(days=2)), _iso(NOW - timedelta(days=1))],
        ),
        "figures_topic_30d": (FIGURES_SQL, ["desertion", _iso(NOW - timedelta(days=30))]),
    }
    out["pieces"] = {}
    for name, (sql, params) in pieces.items():
        ms, rows = timed(lambda sql=sql, params=params: store.db.execute(sql, params).fetchall(), repeat)
        out["pieces"][name] = {"ms": round(ms, 2), "rows": len(rows), "plan": plan(store, sql, params)}
    out["figures_topic_30d_ms"] = out["pieces"]["figures_topic_30d"]["ms"]
    store.close()
    # worst case: nothing claimed yet (the first digest after an import of a year of hits)
    s = open_store(path)
    s.db.conn.execute("BEGIN")
    s.db.conn.execute("UPDATE hits SET digest_id = NULL")  # rolled back below
    ms, ids_all = timed(lambda: mailer._unclaimed_hit_ids(s, None, NOW), max(1, repeat // 3))
    out["claim_scan_all_unclaimed_ms"] = round(ms, 1)
    out["all_unclaimed_hits"] = len(ids_all)
    s.db.conn.execute("ROLLBACK")
    s.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hits", type=int, default=1_000_000)
    p.add_argument("--db", default=None, help="reuse/keep the database here (default: a temporary file)")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    tmp = None
    path = args.db
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="monitor-qbench-")
        path = os.path.join(tmp.name, "q.db")
    info = {}
    if not os.path.exists(path):
        info = build(path, args.hits)
    info.update(measure(path, args.repeat))
    print(json.dumps(info), flush=True)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
