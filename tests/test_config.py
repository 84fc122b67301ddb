"""Config errors name the file, the key and the line, and the CLI exits 2 before anything starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.config import load_config, parse_config, smtp_from_env
from monitor.errors import ConfigError
from tests.conftest import ROOT, run_monitor

GOOD = """\
defaults:
  interval: 15m
feeds:
  - url: https://example.org/rss
    name: Example
    language: en
  - https://example.com/feed.xml
"""

BAD_CASES = [
    # (yaml, expected message)
    (
        "feeds:\n  - url: https://example.org/rss\n    colour: red\n",
        "feeds.yaml:3: feeds[0].colour: unknown key",
    ),
    (
        "feeds:\n  - url: https://example.org/rss\n  - url: ftp://example.org/x\n",
        "feeds.yaml:3: feeds[1].url: not an http(s) URL: 'ftp://example.org/x'",
    ),
    (
        "defaults:\n  interval: soon\nfeeds: []\n",
        "feeds.yaml:2: defaults.interval: not a duration (use e.g. 90s, 15m, 1h): 'soon'",
    ),
    (
        "feeds:\n  - url: https://example.org/rss\n    enabled: perhaps\n",
        "feeds.yaml:3: feeds[0].enabled: Input should be a valid boolean, unable to interpret input (got 'perhaps')",
    ),
    (
        "digest:\n  time: '25:00'\n",
        "feeds.yaml:2: digest.time: String should match pattern '^([01]\\d|2[0-3]):[0-5]\\d$' (got '25:00')",
    ),
    (
        "digest:\n  tz: Mars/Olympus\n",
        "feeds.yaml:2: digest.tz: unknown time zone: 'Mars/Olympus' (got 'Mars/Olympus')",
    ),
    (
        "feeds:\n  - url: https://example.org/rss\n  - url: https://example.org/rss\n",
        "feeds.yaml:3: feeds[1].url: duplicate feed URL 'https://example.org/rss'",
    ),
    (
        "feeds:\n  - url: https://example.org/rss\n    url: https://example.org/other\n",
        "feeds.yaml:3: duplicate key 'url'",
    ),
    (
        "feeds: [\n  - url: x\n",
        "feeds.yaml:2: invalid YAML:",
    ),
    (
        "- just\n- a list\n",
        "feeds.yaml:1: the top level must be a mapping",
    ),
    (
        "feeds:\n  - name: no url here\n",
        "feeds.yaml:2: feeds[0].url: Field required",
    ),
    (
        "storage:\n  path: x.db\nmystery: 1\n",
        "feeds.yaml:3: mystery: unknown key",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_CASES, ids=[m.split(": ")[1] for _, m in BAD_CASES])
def test_bad_config_names_key_and_line(text, message):
    with pytest.raises(ConfigError) as e:
        parse_config(text, "feeds.yaml")
    assert str(e.value).startswith(message), str(e.value)


def test_good_config_parses_with_defaults():
    config = parse_config(GOOD)
    assert [f.url for f in config.feeds] == ["https://example.org/rss", "https://example.com/feed.xml"]
    assert config.defaults.interval == 900
    assert config.interval_for(config.feeds[0]) == 900
    assert {t.name for t in config.topics} == {"desertion", "conscription"}
    assert config.defaults.max_feed_bytes == 10_000_000


def test_shipped_feeds_yaml_is_valid():
    config = load_config(ROOT / "feeds.yaml")
    langs = {f.language for f in config.feeds}
    assert {"en", "uk", "ru"} <= langs
    assert {t.name for t in config.topics} == {"desertion", "conscription"}


def test_config_is_frozen():
    config = parse_config(GOOD)
    with pytest.raises(ValidationError):
        config.feeds[0].url = "https://evil.example/"  # type: ignore[misc]


def test_cli_exits_2_with_one_error_line(tmp_path):
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - url: https://example.org/rss\n    intervall: 5m\n", encoding="utf-8")
    result = run_monitor("--config", str(bad), "run", "--once")
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {bad}:3: feeds[0].intervall: unknown key"
    assert not (tmp_path / "storage").exists()


def test_check_config_ok_and_missing_file(tmp_path):
    ok = run_monitor("--config", str(ROOT / "feeds.yaml"), "check-config")
    assert ok.returncode == 0 and "ok" in ok.stdout
    missing = run_monitor("--config", str(tmp_path / "nope.yaml"), "check-config")
    assert missing.returncode == 2 and "config file not found" in missing.stderr


def test_smtp_settings_come_from_environment_only():
    assert smtp_from_env({}) is None
    s = smtp_from_env(
        {"SMTP_HOST": "mail.example.org", "SMTP_SSL": "true", "SMTP_USER": "u", "SMTP_PASSWORD": "p"}
    )
    assert s is not None and s.port == 465 and s.ssl and s.user == "u"
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        smtp_from_env({"SMTP_HOST": "x", "SMTP_PORT": "abc"})
