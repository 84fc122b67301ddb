from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    yield server
    server.stop()


def monitor_argv(config: Path | str, db: Path | str, *args: str) -> list[str]:
    """The command line of the real `monitor` CLI on ``config`` and ``db``."""
    return [sys.executable, "-m", "monitor.cli", "--config", str(config), "--db", str(db), *args]


def run_monitor(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run the real `monitor` CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("MONITOR_CONFIG", None)
    full_env.pop("MONITOR_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=ROOT,
    )


def write_config(path: Path, feeds: list[str], extra: str = "") -> Path:
    lines = [
        "defaults:",
        "  interval: 15m",
        "  jitter: 0",
        "  timeouts: {connect: 5, read: 10, total: 20}",
        "feeds:",
    ]
    lines += [f"  - url: {u}" for u in feeds]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
