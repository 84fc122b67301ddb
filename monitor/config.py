"""feeds.yaml + environment → one validated, frozen :class:`Config`. The only place config is read.

Every error names the file, the key path and the line, e.g.
``feeds.yaml:12: feeds[2].url: not an http(s) URL: 'ftp://x'`` and is raised as :class:`ConfigError`
before anything starts (the CLI exits 2).
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.errors import ConfigError
from monitor.types import TopicSpec

__all__ = ["Config", "DigestConfig", "Defaults", "FeedConfig", "SmtpSettings", "load_config", "smtp_from_env"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$")
_UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """``900``, ``"15m"``, ``"1h"``, ``"30s"`` → seconds."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"not a duration (use e.g. 90s, 15m, 1h): {value!r}")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ValueError(f"duration must not be negative: {value!r}")
    return seconds


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(_Frozen):
    connect: float = Field(10.0, gt=0)
    read: float = Field(20.0, gt=0)
    total: float = Field(60.0, gt=0, description="deadline for a whole request, body included")


class Defaults(_Frozen):
    interval: float = 900.0
    jitter: float = 30.0
    timeouts: Timeouts = Timeouts()
    max_feed_bytes: int = Field(10_000_000, gt=0)
    max_page_bytes: int = Field(5_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = "monitor/0.1 (news monitoring; +https://github.com/monitor-news/monitor)"
    concurrency: int = Field(16, ge=1, le=256)
    per_host_concurrency: int = Field(2, ge=1, le=64)
    fetch_articles: bool = True
    max_new_entries: int = Field(200, ge=1, le=100_000)
    allow_hosts: tuple[str, ...] = ()
    max_backoff: float = 6 * 3600.0

    @field_validator("interval", "jitter", "max_backoff", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("interval")
    @classmethod
    def _min_interval(cls, v: float) -> float:
        if v < 10:
            raise ValueError("interval must be at least 10s")
        return v


class FeedConfig(_Frozen):
    url: str
    name: str | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}$")
    interval: float | None = None
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts = urlsplit(v.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {v!r}")
        return v.strip()

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float | None:
        if v is None:
            return None
        seconds = parse_duration(v)
        if seconds < 10:
            raise ValueError("interval must be at least 10s")
        return seconds

    @property
    def display_name(self) -> str:
        return self.name or self.url


class DigestConfig(_Frozen):
    enabled: bool = True
    time: str = Field("07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    tz: str = "UTC"
    to: tuple[str, ...] = ()
    from_: str = Field("monitor@localhost", alias="from")
    subject_prefix: str = "monitor"
    send_empty: bool = False
    max_items: int = Field(200, ge=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone: {v!r}") from e
        return v

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, v: Any) -> Any:
        return (v,) if isinstance(v, str) else v

    @field_validator("to")
    @classmethod
    def _addresses(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for address in v:
            if "@" not in address:
                raise ValueError(f"not an e-mail address: {address!r}")
        return v


class StorageConfig(_Frozen):
    path: str = "storage/monitor.db"
    digests_dir: str = "storage/digests"


class Config(_Frozen):
    defaults: Defaults = Defaults()
    feeds: tuple[FeedConfig, ...] = ()
    topics: tuple[TopicSpec, ...] = ()
    digest: DigestConfig = DigestConfig()
    storage: StorageConfig = StorageConfig()
    source: str = "<memory>"

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @model_validator(mode="after")
    def _unique_urls(self) -> Config:
        seen: set[str] = set()
        for i, feed in enumerate(self.feeds):
            if feed.url in seen:
                raise ValueError(f"feeds[{i}].url: duplicate feed URL {feed.url!r}")
            seen.add(feed.url)
        return self

    def interval_for(self, feed: FeedConfig) -> float:
        return feed.interval if feed.interval is not None else self.defaults.interval

    @property
    def enabled_feeds(self) -> tuple[FeedConfig, ...]:
        return tuple(f for f in self.feeds if f.enabled)


class SmtpSettings(_Frozen):
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0


_TRUE = {"1", "true", "yes", "on"}


def smtp_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """SMTP settings come from the environment only (never from feeds.yaml); None when SMTP_HOST is unset."""
    env = os.environ if env is None else env
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        return None
    ssl = env.get("SMTP_SSL", "").lower() in _TRUE
    port_text = env.get("SMTP_PORT", "").strip() or ("465" if ssl else "25")
    if not port_text.isdigit():
        raise ConfigError(f"environment: SMTP_PORT: not a port number: {port_text!r}")
    return SmtpSettings(
        host=host,
        port=int(port_text),
        user=env.get("SMTP_USER") or None,
        password=env.get("SMTP_PASSWORD") or None,
        starttls=env.get("SMTP_STARTTLS", "").lower() in _TRUE,
        ssl=ssl,
    )


# --- loading -------------------------------------------------------------------------------------------


# libyaml's loader when PyYAML was built with it (the wheels are): several times faster than pure Python.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys (a silent overwrite hides a user's mistake)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise ConfigError(f"{{file}}:{key_node.start_mark.line + 1}: duplicate key {key!r}")
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line_index(node: yaml.Node | None, path: tuple = (), out: dict | None = None) -> dict[tuple, int]:
    """Map each key path (('feeds', 2, 'url')) to the 1-based line where it stands."""
    out = {} if out is None else out
    if node is None:
        return out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), out)
    return out


def _line_for(lines: dict[tuple, int], loc: tuple) -> int:
    loc = tuple(loc)
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _loc_text(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _topics_from(data: Any) -> tuple[TopicSpec, ...]:
    from monitor.match import topics_from_mapping  # the matcher owns the topic vocabulary

    if not isinstance(data, Mapping):
        raise ValueError("must be a mapping of topic name → {terms, exclude}")
    return topics_from_mapping(data)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate feeds.yaml. Raises ConfigError naming file, key and line."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{name}: config file not found (set --config or MONITOR_CONFIG)") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{name}: cannot read config: {e}") from e
    return parse_config(raw, name)


def parse_config(raw: str, name: str = "feeds.yaml") -> Config:
    try:
        # One parse: the node tree gives the lines for error messages, and the data is built from it.
        loader = _LineLoader(raw)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except ConfigError as e:
        raise ConfigError(str(e).replace("{file}", name)) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{name}{line}: invalid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name}:1: the top level must be a mapping with keys defaults, feeds, topics, digest, storage"
        )
    lines = _line_index(node)

    data = dict(data)
    topics: tuple[TopicSpec, ...]
    if "topics" in data and data["topics"] is not None:
        try:
            topics = _topics_from(data.pop("topics"))
        except ValueError as e:
            raise ConfigError(f"{name}:{_line_for(lines, ('topics',))}: topics: {e}") from None
    else:
        data.pop("topics", None)
        from monitor.match import load_default_topics

        topics = load_default_topics()
    if isinstance(data.get("feeds"), list):
        # a bare string in the feed list is shorthand for {url: ...}
        data["feeds"] = [{"url": f} if isinstance(f, str) else f for f in data["feeds"]]
    try:
        config = Config.model_validate({**data, "topics": topics, "source": name})
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        bad = ""
        if err["type"] not in {"missing", "extra_forbidden"} and "input" in err:
            bad = f" (got {err['input']!r})" if not isinstance(err["input"], dict | list) else ""
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        if loc == () and msg.startswith("feeds["):  # model-level check that names its own key
            key, _, msg = msg.partition(": ")
            idx = int(key[len("feeds[") : key.index("]")])
            loc = ("feeds", idx, "url")
        more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
        raise ConfigError(f"{name}:{_line_for(lines, loc)}: {_loc_text(loc)}: {msg}{bad}{more}") from None
    return config
