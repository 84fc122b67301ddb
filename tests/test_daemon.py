"""The daemon as a user runs it: `monitor run` polls, logs a line per feed, and stops cleanly on a signal."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pytest

from tests.conftest import ROOT, monitor_argv, write_config
from tests.feedserver import Route


def start_daemon(config, db, **env_extra: str) -> subprocess.Popen:
    """`monitor run` as a user starts it, with only the environment the test gives it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "SMTP_"))}
    env.update(PYTHONUNBUFFERED="1", **env_extra)
    cmd = monitor_argv(config, db, "run", "--workers", "0")
    return subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)


def wait_for_lines(proc: subprocess.Popen, needles: list[str], timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    remaining = list(needles)
    while remaining and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        remaining = [n for n in remaining if not any(n in seen for seen in lines)]
    assert not remaining, f"never logged {remaining}; got:\n{''.join(lines)}"
    return lines


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_daemon_polls_logs_one_line_per_feed_and_stops_on_signal(feed_server, tmp_path, sig):
    good = feed_server.add_feed_file("/feeds/unian.xml", "unian-ua.rss.xml")
    bad = feed_server.add(
        "/feeds/gone.xml", Route(status=500, body=b"no", content_type="text/plain", etag=False)
    )
    config = write_config(tmp_path / "feeds.yaml", [good, bad], extra="digest:\n  enabled: false\n")
    db = tmp_path / "m.db"
    proc = start_daemon(config, db)
    try:
        lines = wait_for_lines(proc, [f"feed='{good}' status=200 new=50", f"feed='{bad}' status=500"])
        assert any("monitor running" in line for line in lines)
        proc.send_signal(sig)
        started = time.monotonic()
        proc.wait(timeout=15)
        assert time.monotonic() - started < 10
        assert proc.returncode == 0
        rest = proc.stderr.read()
        assert "stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 50
    assert con.execute("SELECT error_count FROM feeds WHERE url = ?", (bad,)).fetchone()[0] == 1


def test_daemon_without_network_keeps_running(tmp_path):
    # Port 9 (discard) is closed here: every feed fails, as on a machine without internet.
    config = write_config(tmp_path / "feeds.yaml", ["http://127.0.0.1:9/a.xml", "http://127.0.0.1:9/b.xml"])
    proc = start_daemon(config, tmp_path / "m.db")
    try:
        wait_for_lines(
            proc,
            [
                "feed='http://127.0.0.1:9/a.xml' status=- error=",
                "feed='http://127.0.0.1:9/b.xml' status=- error=",
            ],
        )
        time.sleep(1)
        assert proc.poll() is None  # still running
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_daemon_sends_the_daily_digest_over_smtp_once(feed_server, tmp_path):
    """The scheduler's digest job, end to end: hits from an earlier poll, a real SMTP server (aiosmtpd)."""
    import email
    import sqlite3 as sqlite
    from email import policy

    from tests.test_mailer import SmtpServer, free_port

    feed = feed_server.add_feed_file("/feeds/topical.xml", "topical.rss.xml")
    for name in ("seed-article.html", "uk-szch.html", "ru-soch.html"):
        feed_server.add_page_file(f"/articles/{name}", name)
    config = write_config(
        tmp_path / "feeds.yaml",
        [feed],
        extra="digest:\n  time: '00:00'\n  tz: UTC\n  to: [analyst@example.org]\n  from: monitor@example.org\n",
    )
    db = tmp_path / "m.db"
    from tests.conftest import run_monitor

    assert (
        run_monitor("--config", str(config), "--db", str(db), "run", "--once", "--workers", "0").returncode
        == 0
    )
    con = sqlite.connect(db)
    con.execute("UPDATE hits SET matched_at = datetime('now', '-2 days')")  # found before today's 00:00 slot
    con.commit()
    n_hits = con.execute("SELECT COUNT(*) FROM hits").fetchone()[0]
    con.close()

    smtp = SmtpServer(free_port())
    smtp.start()
    proc = start_daemon(config, db, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port))
    try:
        wait_for_lines(proc, ["digest: ", "status='sent'"], timeout=60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        smtp.stop()
    assert len(smtp.collector.envelopes) == 1
    msg = email.message_from_bytes(smtp.collector.envelopes[0].content, policy=policy.default)
    assert msg["Subject"].startswith(f"monitor: {n_hits} new hits")
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "самовільне" in html and "21,600" in html
    con = sqlite.connect(db)
    assert con.execute("SELECT COUNT(*) FROM hits WHERE digest_id IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT status FROM digests").fetchall() == [("sent",)]
