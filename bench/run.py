"""The monitor benchmark (issue 8): monitor against a floor measured in the same run, on a local feed farm.

    .venv/bin/python bench/run.py            # the default run: 200 feeds × 25 entries, 3 repeats (~15 min)
    .venv/bin/python bench/run.py --quick    # 20 × 10, 1 repeat, small query database (~1 min)

Sides, each a separate process on the same farm (bench/farm.py, 127.0.0.1 only), its wall time measured
from process start to exit and its peak memory sampled from /proc over the process and its children:
  floor cold    bench/floor.py: httpx + trafilatura in a process pool, nothing else
  floor warm    bench/floor.py: conditional GETs of every feed (all 304)
  monitor cold  python -m monitor.cli --config X --db Y run --once   on an empty database
  monitor warm  the same again: nothing changed, every feed answers 304
  monitor feeds the same with fetch_articles: false (feed text only), cold and warm, to compare with
  reader        lemon24/reader 3.27 update_feeds cold and warm (scheduled=False), in bench/.venv-reader
Then: 5 more warm `run --once` (RSS of each), a long-lived in-process Poller over 5 polls (RSS after each;
304s only, then with one new entry per feed per poll), cold runs at 50 / 200 / 800 feeds (time per feed),
and the digest / figure queries on a synthetic 1M-hit database (bench/querybench.py).
Where a memory cgroup can be made (bench/cgroup.py), the cold sides also report the memory the kernel charged
to their tree (each page once), and monitor runs cold once more under a 300 MB limit (--memory-limit).

Results are printed and written to bench/results/run-<UTC time>.json. bench/README.md explains the sides.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.cgroup import MemoryCgroup  # noqa: E402
from bench.proctree import TreeSampler  # noqa: E402

PY = sys.executable
PYCACHE = BENCH / ".pycache"


def _env(bytecode: bool = True) -> dict[str, str]:
    """The measured processes' environment. By default Python caches bytecode, as on any normal install; this
    shell may set PYTHONDONTWRITEBYTECODE=1 (the Dockerfile does too) while the venv holds no .pyc files, so
    every process start would compile every module it imports (~1.2 s for monitor). The cache goes to
    bench/.pycache (PYTHONPYCACHEPREFIX) so nothing is written into .venv or monitor/."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if bytecode:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


READER_VENV = BENCH / ".venv-reader"
READER_PY = READER_VENV / "bin" / "python"


# --- the farm --------------------------------------------------------------------------------------------


class FarmProcess:
    def __init__(self, feeds: int, entries: int, latency: float) -> None:
        self.feeds, self.entries = feeds, entries
        self.proc = subprocess.Popen(
            [
                PY,
                str(BENCH / "farm.py"),
                "--feeds",
                str(feeds),
                "--entries",
                str(entries),
                "--latency",
                str(latency),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line.startswith("PORT "):
            self.proc.kill()
            raise SystemExit(f"the farm did not start: {line!r}")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def _call(self, path: str, method: str = "GET") -> bytes:
        req = urllib.request.Request(self.base + path, method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def stats(self) -> dict:
        return json.loads(self._call("/_stats"))

    def reset(self) -> None:
        self._call("/_reset", "POST")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self) -> FarmProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- measuring one process -------------------------------------------------------------------------------


def measure(
    cmd: list[str],
    farm: FarmProcess | None = None,
    log: Path | None = None,
    *,
    bytecode: bool = True,
    cgroup: MemoryCgroup | None = None,
) -> dict:
    """Run ``cmd``; wall time from start to exit, peak RSS/PSS of its tree, CPU seconds of the tree; in
    ``cgroup`` (removed afterwards), also the peak memory the kernel charged to the tree."""
    if farm:
        farm.reset()
    load0 = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stderr = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        cwd=ROOT,
        env=_env(bytecode),
        preexec_fn=cgroup.enter if cgroup else None,  # noqa: PLW1509 - the bench starts no threads before
    )
    with TreeSampler(proc.pid, interval=0.1) as sampler:
        out, _ = proc.communicate()
        wall = time.perf_counter() - t0  # at exit: not waiting for the sampler's last interval
    if log:
        stderr.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "rc": proc.returncode,
        "wall_s": wall,
        "peak_rss_mb": sampler.peak_mb,
        "peak_pss_mb": sampler.peak_pss_mb,
        "procs": sampler.peak_procs,
        # CPU of the whole tree: /proc samples per process (forkserver workers are not reaped by the
        # measured process, so RUSAGE_CHILDREN misses them); the larger of the two is the better bound.
        "cpu_s": max(sampler.cpu_s, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)),
        "peak_detail": sampler.peak_detail,
        # 1-minute load average before and after: other work on the machine shows up here
        "loadavg": (round(load0, 2), round(os.getloadavg()[0], 2)),
    }
    if cgroup:
        result["cgroup_peak_mb"] = cgroup.peak_mb()
        result["cgroup_limit_hits"] = cgroup.limit_hits()
        result["cgroup_oom_kills"] = cgroup.oom_kills()
        cgroup.remove()
    last = [line for line in out.splitlines() if line.startswith("{")]
    if last:
        result["out"] = json.loads(last[-1])
    if farm:
        s = farm.stats()
        result["farm"] = {k: s[k] for k in ("requests", "feeds_200", "feeds_304", "pages", "cpu_s", "wall_s")}
    if proc.returncode != 0:
        tail = Path(log).read_text()[-2000:] if log else ""
        print(f"  ! {' '.join(cmd[:4])}… exited {proc.returncode}\n{tail}", file=sys.stderr)
    return result


# --- monitor -----------------------------------------------------------------------------------------------


def write_config(path: Path, farm: FarmProcess, *, fetch_articles: bool, db: Path) -> None:
    lines = [
        "# generated by bench/run.py: the farm's feeds, monitor's defaults except where noted",
        "defaults:",
        "  interval: 15m",
        "  concurrency: 16",
        # The farm is one host standing in for hundreds of publishers; with the default per-host limit (2)
        # every request would queue behind one host. The floor uses the same global limit of 16.
        "  per_host_concurrency: 16",
        f"  fetch_articles: {'true' if fetch_articles else 'false'}",
        "digest: {enabled: false}",
        f"storage: {{path: {json.dumps(str(db))}}}",
        "feeds:",
    ]
    lines += [f'  - {{url: "{farm.base}/feed/{i}.xml", name: "farm {i}"}}' for i in range(farm.feeds)]
    path.write_text("\n".join(lines) + "\n")


def monitor_cmd(config: Path, db: Path) -> list[str]:
    return [PY, "-m", "monitor.cli", "--config", str(config), "--db", str(db), "run", "--once"]


def db_counts(db: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "entries": q("SELECT COUNT(*) FROM entries"),
            "entries_stored_or_linked": q("SELECT COUNT(*) FROM entries WHERE status IN ('stored','linked')"),
            "articles": q("SELECT COUNT(*) FROM articles"),
            "articles_from_page": q("SELECT COUNT(*) FROM articles WHERE text_source = 'page'"),
            "hits": q("SELECT COUNT(*) FROM hits"),
            "figures": q("SELECT COUNT(*) FROM figures"),
            "feeds_failing": q("SELECT COUNT(*) FROM feeds WHERE error_count > 0"),
        }
    finally:
        conn.close()


# --- reader ------------------------------------------------------------------------------------------------


def ensure_reader() -> str | None:
    """bench/.venv-reader with reader==3.27 (needs Python ≥ 3.12); returns why not, or None when ready."""
    if READER_PY.exists():
        ok = subprocess.run([str(READER_PY), "-c", "import reader"], capture_output=True)
        if ok.returncode == 0:
            return None
    candidates = [shutil.which("python3.13"), shutil.which("python3.12")]
    candidates += sorted(str(p) for p in Path("/root/.pyenv/versions").glob("3.1[2-9]*/bin/python3"))
    py = None
    for c in candidates:
        if (
            c
            and subprocess.run(
                [c, "-c", "import sys; assert sys.version_info >= (3, 12)"], capture_output=True
            ).returncode
            == 0
        ):
            py = c
            break
    if py is None:
        return "no Python ≥ 3.12 found (reader 3.27 needs it): reader side skipped"
    print(f"creating {READER_VENV} with {py} and installing reader==3.27 …", flush=True)
    r = subprocess.run([py, "-m", "venv", str(READER_VENV)], capture_output=True, text=True)
    if r.returncode == 0:
        r = subprocess.run(
            [str(READER_PY), "-m", "pip", "install", "-q", "reader==3.27"], capture_output=True, text=True
        )
    if r.returncode != 0:
        return f"could not install reader==3.27: {r.stderr.strip()[-300:]}: reader side skipped"
    return None


# --- the run -------------------------------------------------------------------------------------------------


def med(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main_side_by_side(args: argparse.Namespace, work: Path, results: dict) -> dict:
    n, m = args.feeds, args.entries
    print(
        f"\n== side by side: {n} feeds × {m} entries, latency {args.latency * 1000:.0f} ms, {args.repeat} repeat(s)"
    )
    reader_skip = None if args.no_reader else ensure_reader()
    if args.no_reader:
        reader_skip = "--no-reader"
    sides: dict[str, list[dict]] = {
        k: []
        for k in (
            "floor_cold",
            "floor_warm",
            "monitor_cold",
            "monitor_warm",
            "feeds_cold",
            "feeds_warm",
            "reader_cold",
            "reader_warm",
        )
    }
    # compile every module the sides import once, untimed, into bench/.pycache
    subprocess.run(
        [
            PY,
            "-c",
            "import monitor.cli, monitor.scheduler, monitor.analyze, monitor.mailer, trafilatura, "
            "httpx, feedparser",
        ],
        env=_env(True),
        cwd=ROOT,
        check=False,
    )
    with FarmProcess(n, m, args.latency) as farm:
        for rep in range(args.repeat):
            cold = rep < args.cold_repeat
            d = work / f"rep{rep}"
            d.mkdir()
            state = d / "floor-state.json"
            fl = [PY, str(BENCH / "floor.py"), "--base", farm.base, "--feeds", str(n), "--state", str(state)]
            db, cfg = d / "monitor.db", d / "feeds.yaml"
            if cold:
                sides["floor_cold"].append(
                    measure(
                        [*fl, "--mode", "cold", *args.floor_opts], farm, cgroup=MemoryCgroup.create("floor")
                    )
                )
                write_config(cfg, farm, fetch_articles=True, db=db)
                r = measure(
                    monitor_cmd(cfg, db), farm, d / "monitor-cold.log", cgroup=MemoryCgroup.create("monitor")
                )
                r["db"] = db_counts(db)
                sides["monitor_cold"].append(r)
                last_full = d
            else:  # the warm sides need the state of a cold run: reuse the last cold repeat's
                for f in last_full.iterdir():
                    if f.name.startswith(("monitor.db", "floor-state")):
                        shutil.copy(f, d / f.name)
                cfg.write_text((last_full / "feeds.yaml").read_text().replace(str(last_full), str(d)))
            sides["floor_warm"].append(measure([*fl, "--mode", "warm"], farm))
            sides["monitor_warm"].append(measure(monitor_cmd(cfg, db), farm, d / "monitor-warm.log"))
            fdb, fcfg = d / "feeds-only.db", d / "feeds-only.yaml"
            write_config(fcfg, farm, fetch_articles=False, db=fdb)
            r = measure(monitor_cmd(fcfg, fdb), farm, d / "feeds-cold.log")
            r["db"] = db_counts(fdb)
            sides["feeds_cold"].append(r)
            sides["feeds_warm"].append(measure(monitor_cmd(fcfg, fdb), farm, d / "feeds-warm.log"))
            if reader_skip is None:
                rdb = d / "reader.sqlite"
                rc = [
                    str(READER_PY),
                    str(BENCH / "reader_side.py"),
                    "--db",
                    str(rdb),
                    "--base",
                    farm.base,
                    "--feeds",
                    str(n),
                ]
                sides["reader_cold"].append(measure([*rc, "--mode", "cold"], farm, d / "reader-cold.log"))
                sides["reader_warm"].append(measure([*rc, "--mode", "warm"], farm, d / "reader-warm.log"))
            coldtext = (
                f"floor cold {sides['floor_cold'][-1]['wall_s']:.1f}s, monitor cold {sides['monitor_cold'][-1]['wall_s']:.1f}s, "
                if cold
                else ""
            )
            print(
                f"  repeat {rep + 1}: {coldtext}floor warm {sides['floor_warm'][-1]['wall_s']:.2f}s, monitor warm "
                f"{sides['monitor_warm'][-1]['wall_s']:.2f}s, feeds-only warm {sides['feeds_warm'][-1]['wall_s']:.2f}s"
                + (
                    f", reader warm {sides['reader_warm'][-1]['wall_s']:.2f}s" if sides["reader_warm"] else ""
                ),
                flush=True,
            )

        # monitor cold under a memory limit, as `docker run --memory` sets one: does it finish, as fast?
        limited: dict | str
        cg = MemoryCgroup.create("limited", limit_mb=args.memory_limit) if args.memory_limit else None
        if cg is None:
            limited = "no writable memory cgroup here (or --memory-limit 0): run skipped"
        else:
            d = work / "limited"
            d.mkdir()
            write_config(d / "feeds.yaml", farm, fetch_articles=True, db=d / "monitor.db")
            limited = measure(
                monitor_cmd(d / "feeds.yaml", d / "monitor.db"), farm, d / "monitor-cold.log", cgroup=cg
            )
            limited["db"] = db_counts(d / "monitor.db")
            limited["limit_mb"] = args.memory_limit

        last = work / f"rep{args.repeat - 1}"
        # the same warm poll without a bytecode cache (PYTHONDONTWRITEBYTECODE=1 and no .pyc: the Docker image)
        nopyc = [
            measure(monitor_cmd(last / "feeds.yaml", last / "monitor.db"), farm, bytecode=False)
            for _ in range(2)
        ]
        # RSS over 5 warm polls, each a fresh `run --once` process, on the last repeat's database
        warm_polls = [
            measure(monitor_cmd(last / "feeds.yaml", last / "monitor.db"), farm, last / f"warm-{i}.log")
            for i in range(args.polls)
        ]
        # a long-lived poller in one process: 304s only, then churn (one new entry per feed per poll)
        probe = [
            PY,
            str(BENCH / "poller_probe.py"),
            "--config",
            str(last / "feeds.yaml"),
            "--db",
            str(last / "monitor.db"),
            "--polls",
            str(args.polls),
        ]
        inproc_warm = measure(probe, farm, last / "probe-warm.log")
        inproc_churn = measure([*probe, "--bump", farm.base + "/_bump"], farm, last / "probe-churn.log")

    pages = n * m
    summary = {
        "feeds": n,
        "entries": m,
        "pages": pages,
        "repeat": args.repeat,
        "latency_ms": args.latency * 1000,
        "reader": reader_skip or "measured",
        "cold_repeat": args.cold_repeat,
        "median": {},
    }
    for k, runs in sides.items():
        if runs:
            summary["median"][k] = {
                "wall_s": med(runs, "wall_s"),
                "peak_rss_mb": med(runs, "peak_rss_mb"),
                "peak_pss_mb": med(runs, "peak_pss_mb"),
                "cpu_s": med(runs, "cpu_s"),
            }
            if all(r.get("cgroup_peak_mb") is not None for r in runs):
                summary["median"][k]["cgroup_peak_mb"] = med(runs, "cgroup_peak_mb")
    mm = summary["median"]
    summary["pages_per_s"] = {
        "floor": pages / mm["floor_cold"]["wall_s"],
        "monitor": pages / mm["monitor_cold"]["wall_s"],
    }
    summary["ratios"] = {
        "monitor_cold_throughput_over_floor": mm["floor_cold"]["wall_s"] / mm["monitor_cold"]["wall_s"],
        "monitor_warm_time_over_floor_warm": mm["monitor_warm"]["wall_s"] / mm["floor_warm"]["wall_s"],
    }
    if "reader_warm" in mm:
        summary["ratios"]["monitor_feeds_warm_over_reader_warm"] = (
            mm["feeds_warm"]["wall_s"] / mm["reader_warm"]["wall_s"]
        )
        summary["ratios"]["monitor_warm_over_reader_warm"] = (
            mm["monitor_warm"]["wall_s"] / mm["reader_warm"]["wall_s"]
        )
        summary["ratios"]["monitor_feeds_cold_over_reader_cold"] = (
            mm["feeds_cold"]["wall_s"] / mm["reader_cold"]["wall_s"]
        )
    summary["monitor_warm_no_bytecode_s"] = statistics.median(r["wall_s"] for r in nopyc)
    fc = sides["floor_cold"] + sides["monitor_cold"]
    summary["farm_cpu_share"] = max(r["farm"]["cpu_s"] / r["farm"]["wall_s"] for r in fc)
    summary["cpu_ms_per_page"] = {
        "floor": 1000 * mm["floor_cold"]["cpu_s"] / pages,
        "monitor": 1000 * mm["monitor_cold"]["cpu_s"] / pages,
    }
    summary["loadavg_max"] = max(max(r["loadavg"]) for runs in sides.values() for r in runs)
    summary["warm_polls"] = [
        {"wall_s": r["wall_s"], "peak_rss_mb": r["peak_rss_mb"], "peak_pss_mb": r["peak_pss_mb"]}
        for r in warm_polls
    ]
    summary["limited"] = (
        limited
        if isinstance(limited, str)
        else {
            "limit_mb": limited["limit_mb"],
            "rc": limited["rc"],
            "wall_s": limited["wall_s"],
            "pages_per_s": pages / limited["wall_s"],
            "cgroup_peak_mb": limited["cgroup_peak_mb"],
            "limit_hits": limited["cgroup_limit_hits"],
            "oom_kills": limited["cgroup_oom_kills"],
            # the pool replaces a worker the OOM killer ends: count the deaths it logged as well
            "worker_deaths": (work / "limited" / "monitor-cold.log")
            .read_text()
            .count("extraction worker died"),
            "entries": limited["db"]["entries"],
        }
    )
    summary["inprocess_warm"] = inproc_warm.get("out", {}).get("polls", [])
    summary["inprocess_churn"] = inproc_churn.get("out", {}).get("polls", [])
    results["side_by_side_runs"] = sides
    results["warm_poll_runs"] = warm_polls
    results["inprocess_runs"] = {"warm": inproc_warm, "churn": inproc_churn}
    return summary


def scaling(args: argparse.Namespace, work: Path) -> list[dict]:
    m = args.scale_entries
    print(f"\n== scaling: cold runs at {args.scale} feeds × {m} entries", flush=True)
    rows = []
    for n in args.scale:
        with FarmProcess(n, m, args.latency) as farm:
            d = work / f"scale{n}"
            d.mkdir()
            fl = [
                PY,
                str(BENCH / "floor.py"),
                "--base",
                farm.base,
                "--feeds",
                str(n),
                "--state",
                str(d / "s.json"),
            ]
            floor = measure([*fl, "--mode", "cold", *args.floor_opts], farm)
            db, cfg = d / "monitor.db", d / "feeds.yaml"
            write_config(cfg, farm, fetch_articles=True, db=db)
            mon = measure(monitor_cmd(cfg, db), farm, d / "monitor.log")
            warm = measure(monitor_cmd(cfg, db), farm, d / "monitor-warm.log")
            fwarm = measure([*fl, "--mode", "warm"], farm)
            row = {
                "feeds": n,
                "pages": n * m,
                "floor_cold_s": floor["wall_s"],
                "monitor_cold_s": mon["wall_s"],
                "monitor_ms_per_feed": mon["wall_s"] * 1000 / n,
                "floor_ms_per_feed": floor["wall_s"] * 1000 / n,
                "monitor_peak_rss_mb": mon["peak_rss_mb"],
                "monitor_warm_s": warm["wall_s"],
                "floor_warm_s": fwarm["wall_s"],
                "db": db_counts(db),
            }
            rows.append(row)
            print(
                f"  {n:4d} feeds: monitor {row['monitor_cold_s']:.1f}s ({row['monitor_ms_per_feed']:.0f} ms/feed), "
                f"floor {row['floor_cold_s']:.1f}s ({row['floor_ms_per_feed']:.0f} ms/feed); warm monitor "
                f"{warm['wall_s']:.2f}s / floor {fwarm['wall_s']:.2f}s",
                flush=True,
            )
    return rows


def queries(args: argparse.Namespace) -> dict:
    print(f"\n== queries on {args.query_hits:,} hits", flush=True)
    r = subprocess.run(
        [PY, str(BENCH / "querybench.py"), "--hits", str(args.query_hits)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if r.returncode != 0:
        print(r.stderr[-2000:], file=sys.stderr)
        return {"error": r.stderr[-2000:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def report(s: dict, scale: list[dict], q: dict) -> None:
    mm = s["median"]
    print(
        f"\n== results (median of {s['repeat']}): {s['feeds']} feeds × {s['entries']} entries = {s['pages']} pages"
    )
    print(f"{'side':<16}{'wall s':>9}{'pages/s':>9}{'CPU s':>8}{'peak RSS MB':>13}{'peak PSS MB':>13}")
    for k, label in [
        ("floor_cold", "floor cold"),
        ("monitor_cold", "monitor cold"),
        ("floor_warm", "floor warm"),
        ("monitor_warm", "monitor warm"),
        ("feeds_cold", "monitor feeds"),
        ("feeds_warm", "monitor feeds w"),
        ("reader_cold", "reader cold"),
        ("reader_warm", "reader warm"),
    ]:
        if k not in mm:
            continue
        v = mm[k]
        pps = f"{s['pages'] / v['wall_s']:.1f}" if k in ("floor_cold", "monitor_cold") else ""
        print(
            f"{label:<16}{v['wall_s']:>9.2f}{pps:>9}{v['cpu_s']:>8.1f}{v['peak_rss_mb']:>13.0f}{v['peak_pss_mb']:>13.0f}"
        )
    print(
        f"cold runs: median of {s['cold_repeat']}; CPU ms per page: floor {s['cpu_ms_per_page']['floor']:.1f}, "
        f"monitor {s['cpu_ms_per_page']['monitor']:.1f}; the farm used at most {100 * s['farm_cpu_share']:.0f}% of one core; "
        f"highest 1-min load average seen {s['loadavg_max']:.1f} (2 cores)"
    )
    print(
        f"monitor warm without a bytecode cache (PYTHONDONTWRITEBYTECODE=1, no .pyc): {s['monitor_warm_no_bytecode_s']:.2f}s"
    )
    if s["reader"] != "measured":
        print(f"reader: {s['reader']}")
    r = s["ratios"]
    print("\nratios against the targets:")
    print(
        f"  monitor cold throughput / floor      {r['monitor_cold_throughput_over_floor']:.2f}   (target ≥ 0.85)"
    )
    print(
        f"  monitor warm time / floor warm       {r['monitor_warm_time_over_floor_warm']:.2f}   (target ≤ 1.3)"
    )
    if "monitor_feeds_warm_over_reader_warm" in r:
        print(
            f"  monitor warm (feeds only) / reader   {r['monitor_feeds_warm_over_reader_warm']:.2f}   (target < 1)"
        )
        print(f"  monitor warm (full) / reader warm    {r['monitor_warm_over_reader_warm']:.2f}")
        print(f"  monitor cold (feeds only) / reader   {r['monitor_feeds_cold_over_reader_cold']:.2f}")
    mc, fc = mm["monitor_cold"], mm["floor_cold"]
    charged = (
        f", charged to its cgroup {mc['cgroup_peak_mb']:.0f} (floor {fc['cgroup_peak_mb']:.0f})"
        if "cgroup_peak_mb" in mc and "cgroup_peak_mb" in fc
        else ""
    )
    print(
        f"  monitor cold peak memory             RSS summed {mc['peak_rss_mb']:.0f} MB, PSS {mc['peak_pss_mb']:.0f}"
        f"{charged}   (target ≤ 300)"
    )
    lim = s.get("limited")
    if isinstance(lim, str):
        print(f"  under a memory limit: {lim}")
    elif lim:
        print(
            f"  monitor cold in a {lim['limit_mb']} MB memory cgroup: exit {lim['rc']}, {lim['entries']} entries stored, "
            f"{lim['pages_per_s']:.1f} pages/s ({mm['monitor_cold']['wall_s'] / lim['wall_s']:.2f} × unlimited), "
            f"peak charge {lim['cgroup_peak_mb']:.0f} MB, limit reached {lim['limit_hits']} times, "
            f"OOM kills {'not counted by this kernel' if lim['oom_kills'] is None else lim['oom_kills']}, "
            f"worker deaths logged {lim['worker_deaths']}"
        )
    rss = ", ".join(f"{p['peak_rss_mb']:.0f}" for p in s["warm_polls"])
    print(f"\nwarm `run --once` ×{len(s['warm_polls'])} (fresh process each): peak RSS MB {rss}")
    for name in ("inprocess_warm", "inprocess_churn"):
        polls = s[name]
        if polls:
            print(
                f"in-process Poller, {name.split('_')[1]:5s}: RSS after each poll (tree MB) "
                + ", ".join(f"{p['tree_rss_mb']:.0f}" for p in polls)
                + "; poll s "
                + ", ".join(f"{p['s']:.2f}" for p in polls)
                + "; new "
                + ", ".join(str(p["new"]) for p in polls)
            )
    if scale:
        print("\nscaling (cold):")
        for row in scale:
            print(
                f"  {row['feeds']:4d} feeds, {row['pages']:5d} pages: monitor {row['monitor_cold_s']:6.1f}s = "
                f"{row['monitor_ms_per_feed']:5.0f} ms/feed; floor {row['floor_cold_s']:6.1f}s = "
                f"{row['floor_ms_per_feed']:5.0f} ms/feed; ratio {row['floor_cold_s'] / row['monitor_cold_s']:.2f}"
            )
    if q and "error" not in q:
        print(
            f"\nqueries on {q['counts']['hits']:,} hits / {q['counts']['figures']:,} figures (median ms, target < 50):"
        )
        print(
            f"  digest: claim scan {q['claim_scan_ms']} + gather_digest_data {q['gather_digest_ms']} = "
            f"{q['digest_total_ms']} ms ({q['digest_hits']} hits)"
        )
        print(f"  figures for a topic, last 30 days: {q['figures_topic_30d_ms']} ms")
        for name, piece in q["pieces"].items():
            print(
                f"    {name:<22}{piece['ms']:>8.2f} ms {piece['rows']:>7} rows  {' | '.join(piece['plan'])}"
            )
        print(
            f"  worst case, all {q['all_unclaimed_hits']:,} hits unclaimed: claim scan {q['claim_scan_all_unclaimed_ms']} ms"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="20 × 10, 1 repeat, small scaling and query runs")
    p.add_argument("--feeds", type=int, default=None, help="feeds on the farm (default 200; quick 20)")
    p.add_argument("--entries", type=int, default=None, help="entries per feed (default 25; quick 10)")
    p.add_argument("--latency", type=float, default=0.05, help="seconds the farm waits before each answer")
    p.add_argument(
        "--repeat", type=int, default=None, help="repeats of the side-by-side runs (default 3; quick 1)"
    )
    p.add_argument(
        "--cold-repeat",
        type=int,
        default=None,
        help="how many of the repeats include the cold full-pipeline runs (default: all 3; ~4 min each at 200 × 25)",
    )
    p.add_argument(
        "--floor-opts",
        default="",
        help='extra bench/floor.py options, e.g. --floor-opts="--fast"',
    )
    p.add_argument("--polls", type=int, default=5, help="warm polls for the memory check")
    p.add_argument(
        "--memory-limit",
        type=int,
        default=300,
        help="MB: one more cold run of monitor in a memory cgroup with this limit, where one can be made (0: none)",
    )
    p.add_argument(
        "--scale",
        type=int,
        nargs="*",
        default=None,
        help="feed counts for the scaling runs (default 50 200 800)",
    )
    p.add_argument(
        "--scale-entries", type=int, default=None, help="entries per feed in the scaling runs (default 2)"
    )
    p.add_argument(
        "--query-hits", type=int, default=None, help="hits in the query database (default 1000000)"
    )
    p.add_argument("--no-reader", action="store_true")
    p.add_argument(
        "--only", choices=["sides", "scale", "queries"], action="append", help="run only these parts"
    )
    args = p.parse_args(argv)
    q = args.quick
    args.feeds = args.feeds or (20 if q else 200)
    args.entries = args.entries or (10 if q else 25)
    args.repeat = args.repeat or (1 if q else 3)
    args.scale = args.scale if args.scale is not None else ([10, 20, 40] if q else [50, 200, 800])
    args.scale_entries = args.scale_entries or 2
    args.floor_opts = args.floor_opts.split()
    args.cold_repeat = min(args.repeat, args.cold_repeat or (1 if q else 3))
    args.query_hits = args.query_hits or (50_000 if q else 1_000_000)
    parts = set(args.only or ["sides", "scale", "queries"])

    started = datetime.now(UTC)
    print(
        f"monitor bench {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    results: dict = {
        "started": started.isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "args": vars(args),
    }
    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as tmp:
        work = Path(tmp)
        s = main_side_by_side(args, work, results) if "sides" in parts else None
        sc = scaling(args, work) if "scale" in parts else []
        qr = queries(args) if "queries" in parts else {}
    results.update(summary=s, scaling=sc, queries=qr)
    results["seconds"] = (datetime.now(UTC) - started).total_seconds()
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"run-{started:%Y%m%dT%H%M%SZ}{'-quick' if q else ''}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    if s:
        report(s, sc, qr)
    elif sc or qr:
        report_partial(sc, qr)
    print(f"\nwhole run {results['seconds']:.0f}s; raw numbers in {out.relative_to(ROOT)}")
    return 0


def report_partial(sc: list[dict], q: dict) -> None:
    for row in sc:
        print(
            f"  {row['feeds']:4d} feeds: monitor {row['monitor_cold_s']:.1f}s ({row['monitor_ms_per_feed']:.0f} ms/feed) "
            f"floor {row['floor_cold_s']:.1f}s"
        )
    if q and "error" not in q:
        print(json.dumps({k: v for k, v in q.items() if k != "pieces"}, indent=1))
        for name, piece in q["pieces"].items():
            print(
                f"    {name:<22}{piece['ms']:>8.2f} ms {piece['rows']:>7} rows  {' | '.join(piece['plan'])}"
            )


if __name__ == "__main__":
    sys.exit(main())
