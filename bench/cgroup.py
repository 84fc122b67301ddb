"""The memory the kernel charges to a command's process tree: a memory cgroup of its own (Linux, v1 or v2).

Summed RSS counts a page shared by forked processes once for every process that maps it (the forkserver's
dictionaries three times with two workers); PSS splits it; a memory cgroup charges each page once, page cache
the tree caused included (the database file it writes). That last figure is what a container's memory limit
(`docker run --memory`) holds the process tree to, so the benchmark also runs monitor under such a limit.

Needs a writable memory cgroup. cgroup v1 (this machine): root is enough. cgroup v2: the benchmark's own cgroup
must already hand the memory controller to its children (`memory` in its `cgroup.subtree_control`), which v2
allows only for a cgroup holding no processes itself, e.g. a systemd-delegated one (`systemd-run --user --scope
-p Delegate=yes .venv/bin/python bench/run.py` may need moving the run into a leaf first). Without one,
`MemoryCgroup.create` returns None and the benchmark says the figure was skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from pathlib import Path

__all__ = ["MemoryCgroup"]

_ROOT = Path("/sys/fs/cgroup")
_SERIAL = itertools.count()


def _own_cgroup() -> tuple[str, Path] | None:
    """("v1" | "v2", this process's memory cgroup directory), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(",") and (_ROOT / "memory").is_dir():
            return "v1", _ROOT / "memory" / path.lstrip("/")
    for line in lines:
        if line.startswith("0::") and (_ROOT / "cgroup.controllers").exists():
            return "v2", _ROOT / line[3:].lstrip("/")
    return None


class MemoryCgroup:
    def __init__(self, version: str, path: Path) -> None:
        self.version = version
        self.path = path
        self._peak_file = path / ("memory.max_usage_in_bytes" if version == "v1" else "memory.peak")

    @classmethod
    def create(cls, name: str, limit_mb: int | None = None) -> MemoryCgroup | None:
        own = _own_cgroup()
        if own is None:
            return None
        version, parent = own
        path = parent / f"monitor-bench-{os.getpid()}-{next(_SERIAL)}-{name}"
        try:
            path.mkdir()
        except OSError:
            return None
        cg = cls(version, path)
        if not cg._peak_file.exists():  # v2 without the memory controller delegated, or a kernel < 5.19
            cg.remove()
            return None
        if limit_mb is not None:
            limit = "memory.limit_in_bytes" if version == "v1" else "memory.max"
            try:
                (path / limit).write_text(str(limit_mb * 2**20))
            except OSError:
                cg.remove()
                return None
            # no swapping past the limit either, as `docker run --memory` without --memory-swap
            swap, value = (
                ("memory.memsw.limit_in_bytes", str(limit_mb * 2**20))
                if version == "v1"
                else ("memory.swap.max", "0")
            )
            with contextlib.suppress(OSError):  # no swap accounting in this kernel: nothing to limit
                (path / swap).write_text(value)
        return cg

    def enter(self) -> None:
        """Move the calling process in (Popen's preexec_fn: the child, before it runs the command)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self) -> float:
        return int(self._peak_file.read_text()) / 2**20

    def limit_hits(self) -> int:
        """How often the tree's charge reached the limit (each time, the kernel reclaimed page cache first)."""
        if self.version == "v1":
            return int((self.path / "memory.failcnt").read_text())
        return self._counters("memory.events").get("max", 0)

    def oom_kills(self) -> int | None:
        """Processes of the tree the OOM killer ended (None: this kernel does not count them per cgroup)."""
        counters = self._counters("memory.oom_control" if self.version == "v1" else "memory.events")
        return counters.get("oom_kill")

    def _counters(self, name: str) -> dict[str, int]:
        try:
            lines = (self.path / name).read_text().splitlines()
        except OSError:
            return {}
        return {k: int(v) for k, v in (line.split() for line in lines if len(line.split()) == 2)}

    def remove(self) -> None:
        """Remove the cgroup once its last process has gone (the forkserver and the resource tracker outlive
        the measured process by a moment)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if not (self.path / "cgroup.procs").read_text().strip():
                    self.path.rmdir()
                    return
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            self.path.rmdir()
