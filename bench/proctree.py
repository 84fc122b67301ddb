"""Memory of a process tree from /proc (Linux; no psutil): RSS summed over a process and its descendants."""

from __future__ import annotations

import os
import threading

__all__ = ["TreeSampler", "descendants", "tree_rss_mb"]

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def descendants(pid: int) -> list[int]:
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def _cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            parts = f.read().split(b"\0")
        return " ".join(p.decode(errors="replace") for p in parts[1:4])[:80]
    except OSError:
        return "?"


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1000
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of pid, RSS summed over pid and all its descendants), in MB (1e6 bytes)."""
    return _rss_mb(pid), sum(_rss_mb(p) for p in descendants(pid))


class TreeSampler:
    """Samples the tree RSS (and PSS: shared pages split between the processes sharing them) of ``pid`` every ``interval`` s in a thread; ``peak_mb`` is the highest sum seen."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_procs = 0
        self.peak_pss_mb = 0.0
        self.peak_detail: list[tuple[int, float, str]] = []  # (pid, RSS MB, command) at the RSS peak
        self._cpu: dict[int, float] = {}  # last utime+stime seen per pid (s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def cpu_s(self) -> float:
        """CPU seconds of every process seen in the tree (up to its last sample: a lower bound)."""
        return sum(self._cpu.values())

    def _run(self) -> None:
        n = 0
        pids: list[int] = []
        while not self._stop.is_set():
            # The full /proc scan for new descendants and the PSS walk cost CPU that the measured processes
            # would miss on a 2-core machine: rescan every 4th sample only (pool workers live long).
            if n % 4 == 0:
                pids = descendants(self.pid)
            else:
                pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
            n += 1
            rss = {p: _rss_mb(p) for p in pids}
            total = sum(rss.values())
            if total > self.peak_mb:
                self.peak_mb, self.peak_procs = total, len(pids)
                self.peak_detail = [(p, round(r, 1), _cmd(p)) for p, r in rss.items()]
            for p in pids:
                c = _cpu_s(p)
                if c is not None:
                    self._cpu[p] = c
            if n % 2 == 1:
                self.peak_pss_mb = max(self.peak_pss_mb, sum(_pss_mb(p) for p in pids))
            self._stop.wait(self.interval)  # returns at once when the process has exited
