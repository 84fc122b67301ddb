"""The ``monitor`` command: flags → calls → exit codes. Any MonitorError becomes one ``Error:`` line.

Exit codes: 0 ok, 1 the command ran but failed (nothing could be polled, unhealthy), 2 bad config or usage.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from monitor.config import Config

# Imports beyond click and monitor.errors happen inside the commands: every extraction worker imports this
# module again (multiprocessing re-imports the main module in each child), and pydantic, yaml and httpx
# would cost each worker ~20 MB for nothing (bench/README.md).

DEFAULT_CONFIG = "feeds.yaml"
DEFAULT_DB = "storage/monitor.db"


class _Context:
    def __init__(self, config_path: str, db: str | None) -> None:
        self.config_path = config_path
        self.db_override = db
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from monitor.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    @property
    def db(self) -> str:
        if self.db_override:
            return self.db_override
        try:
            return self.config.storage.path
        except ConfigError:
            return DEFAULT_DB


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )
    # httpx logs every request at INFO; the one line per feed per poll is ours.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("pymorphy3").setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default=DEFAULT_CONFIG,
    envvar="MONITOR_CONFIG",
    show_default=True,
    help="feeds.yaml to use (env MONITOR_CONFIG).",
)
@click.option(
    "--db",
    default=None,
    envvar="MONITOR_DB",
    help=f"SQLite database (env MONITOR_DB; default: storage.path in the config, else {DEFAULT_DB}).",
)
@click.option("--log-level", default="INFO", envvar="MONITOR_LOG_LEVEL", show_default=True)
@click.version_option(package_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config_path: str, db: str | None, log_level: str) -> None:
    """monitor: watch news feeds for desertion and conscription news and pull out the figures."""
    _setup_logging(log_level)
    ctx.obj = _Context(config_path, db)


@cli.command()
@click.option("--once", is_flag=True, help="Poll every feed once, then exit.")
@click.option(
    "--workers", type=int, default=None, help="Extraction processes (default: one per core; 0: none)."
)
@click.pass_obj
def run(obj: _Context, once: bool, workers: int | None) -> None:
    """Run the daemon (or one poll with --once)."""
    config = obj.config  # validated before anything starts or is imported
    import asyncio

    from monitor.scheduler import run_daemon, run_once

    if once:
        _exit_now(asyncio.run(run_once(config, obj.db, workers=workers)))
    sys.exit(asyncio.run(run_daemon(config, obj.db, workers=workers)))


def _exit_now(code: int) -> None:
    """End ``run --once`` without the interpreter's teardown of ~700 modules (~60 ms of a 1 s warm poll,
    bench/README.md). By now the database is closed (WAL checkpointed), the HTTP client and the worker pool are
    shut down; logs and output are flushed here. The forkserver and resource tracker exit on their own when
    this process's end of their pipes closes."""
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


@cli.command("check-config")
@click.pass_obj
def check_config(obj: _Context) -> None:
    """Validate the config file and exit."""
    config = obj.config
    click.echo(
        f"{config.source}: ok — {len(config.feeds)} feeds ({len(config.enabled_feeds)} enabled), "
        f"topics: {', '.join(t.name for t in config.topics)}"
    )


@cli.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract (docs/cli.md).")
@click.option(
    "--all-figures",
    is_flag=True,
    help="Figures even when no topic matches (the daemon reads figures only from articles on a topic).",
)
@click.pass_obj
def extract(obj: _Context, source: str, as_json: bool, all_figures: bool) -> None:
    """Run the per-article pipeline on one .txt/.html file or URL."""
    from monitor.analyze import analyze_article, article_from_page, to_json
    from monitor.match import load_default_topics
    from monitor.text import detect_language
    from monitor.types import Article, Entry

    try:
        topics = obj.config.topics
    except ConfigError as e:
        if Path(obj.config_path).exists():
            raise
        logging.getLogger("monitor").debug("no config (%s): default topics", e)
        topics = load_default_topics()
    if source.startswith(("http://", "https://")):
        import asyncio

        body, ctype = asyncio.run(_fetch_one(source, obj))
        entry = Entry(entry_id=source, link=source, title=None, summary=None, published=None)
        article = article_from_page(body, entry, content_type=ctype)
    else:
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise MonitorError(f"{source}: cannot read: {e.strerror or e}") from e
        if path.suffix.lower() in {".html", ".htm", ".xhtml"}:
            entry = Entry(entry_id=str(path), link=None, title=None, summary=None, published=None)
            article = article_from_page(raw, entry, content_type="text/html")
        else:
            text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
            title, _, body_text = text.partition("\n")
            body_text = body_text.strip()
            article = Article(
                url=None,
                title=title.strip() or None,
                text=body_text,
                language=detect_language(text),
                published=None,
                text_source="file",
            )
    analysis = analyze_article(article, topics, figures_without_topic=all_figures)
    if as_json:
        click.echo(json.dumps(to_json(analysis), ensure_ascii=False, indent=2))
        return
    click.echo(
        f"title: {article.title}\nlanguage: {article.language}  text: {len(article.text)} chars ({article.text_source})"
    )
    for hit in analysis.hits:
        click.echo(f"topic {hit.topic}: {', '.join(hit.keywords)}")
    for f in analysis.figures:
        click.echo(
            f"  {_figure_line(f.value, f.low, f.high, str(f.qualifier), f.counted, f.period, f.rate, f.attributed_to)}"
        )


async def _fetch_one(url: str, obj: _Context) -> tuple[bytes, str]:
    from monitor.fetch import AddressGuard, Fetcher, FetchLimits, origin_of

    # The user named this URL: its own origin is allowed; redirects elsewhere are still checked.
    async with Fetcher(FetchLimits(), guard=AddressGuard({origin_of(url)})) as fetcher:
        result = await fetcher.get(url, max_bytes=5_000_000)
    return result.body, result.content_type


def _figure_line(value, low, high, qualifier, counted, period, rate, attributed_to) -> str:  # type: ignore[no-untyped-def]
    if qualifier == "range" and low is not None and high is not None:
        number = f"{low:,}–{high:,}"
    elif value is None:
        number = "(vague)"
    else:
        number = f"{value:,}"
    parts = [f"{number} [{qualifier}]", counted or "?"]
    if period:
        parts.append(period)
    if rate:
        parts.append(rate)
    if attributed_to:
        parts.append(f"per {attributed_to}")
    return " · ".join(parts)


def _since(value: str | None, now: datetime) -> str | None:
    """'24h', '7d', '30m' or an ISO date → an ISO timestamp (UTC)."""
    if not value:
        return None
    from monitor.config import parse_duration

    try:
        return (now - timedelta(seconds=parse_duration(value))).isoformat(timespec="seconds")
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"not a duration (24h, 7d) or a date (2026-11-01): {value!r}") from e
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _emit(rows: list[dict[str, Any]], fmt: str, out: Any = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        if rows:
            writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        out.write(buf.getvalue())
    else:  # table
        if not rows:
            out.write("(no rows)\n")
            return
        cols = list(rows[0])
        cells = [[("" if r[c] is None else str(r[c])).replace("\n", " ")[:60] for c in cols] for r in rows]
        widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
        out.write("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip() + "\n")
        for row in cells:
            out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


@cli.command()
@click.option("--topic", default=None, help="Only figures under this topic.")
@click.option("--since", default=None, help="Only claims first seen since: 24h, 7d or a date.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.pass_obj
def figures(obj: _Context, topic: str | None, since: str | None, fmt: str) -> None:
    """The figure ledger: each claim (value, what, period) once, with first outlet and repeats."""
    from monitor.store import open_store

    store = open_store(obj.db, readonly=True)
    try:
        rows = store.figure_ledger(topic=topic, since=_since(since, datetime.now(UTC)))
    finally:
        store.close()
    _emit(rows, fmt)


@cli.command()
@click.argument("query")
@click.option("--topic", default=None, help="Only articles with a hit for this topic.")
@click.option("--since", default=None, help="Only articles first seen since: 24h, 7d or a date.")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "jsonl"]),
    default="table",
    show_default=True,
)
@click.pass_obj
def search(obj: _Context, query: str, topic: str | None, since: str | None, limit: int, fmt: str) -> None:
    """Full-text search over stored articles (FTS5: words, "phrases", prefix*, OR, NOT)."""
    from monitor.store import open_store

    store = open_store(obj.db, readonly=True)
    try:
        rows = store.search(query, topic=topic, since=_since(since, datetime.now(UTC)), limit=limit)
    finally:
        store.close()
    _emit(rows, fmt)


@cli.command()
@click.argument("what", type=click.Choice(["hits", "figures", "ledger"]))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True
)
@click.option("--topic", default=None)
@click.option("--since", default=None, help="24h, 7d or a date.")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), default=None, help="File (default: stdout)."
)
@click.pass_obj
def export(obj: _Context, what: str, fmt: str, topic: str | None, since: str | None, out: str | None) -> None:
    """Export hits, figures or the figure ledger as CSV, JSON or JSON Lines."""
    from monitor.store import open_store

    store = open_store(obj.db, readonly=True)
    try:
        rows = store.export_rows(what, topic=topic, since=_since(since, datetime.now(UTC)))
    finally:
        store.close()
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            _emit(rows, fmt, fh)
        click.echo(f"{len(rows)} rows → {out}", err=True)
    else:
        _emit(rows, fmt)


@cli.command()
@click.option("--since", default=None, help="Only articles first seen since: 24h, 7d or a date.")
@click.pass_obj
def rematch(obj: _Context, since: str | None) -> None:
    """Re-run topic matching and figure extraction over stored articles after the topics changed."""
    from monitor.rematch import rematch_articles
    from monitor.store import open_store

    now = datetime.now(UTC)
    store = open_store(obj.db)
    try:
        report = rematch_articles(
            store, obj.config.topics, since=_since(since, now), now=now.isoformat(timespec="seconds")
        )
    finally:
        store.close()
    for line in report.lines():
        click.echo(line)


@cli.command()
@click.option("--since", default="24h", show_default=True, help="Hits matched since: 24h, 7d or a date.")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), default=None, help="Write the message as .eml."
)
@click.option("--send", is_flag=True, help="Claim the unclaimed hits since --since and deliver them now.")
@click.option("--dry-run", is_flag=True, help="Print the text version; claim and send nothing.")
@click.option("--retry", is_flag=True, help="Retry digests that failed after all automatic attempts.")
@click.pass_obj
def digest(obj: _Context, since: str, out: str | None, send: bool, dry_run: bool, retry: bool) -> None:
    """Render or send a digest by hand (the daemon sends one a day by itself)."""
    from monitor.config import smtp_from_env
    from monitor.mailer import preview_digest, retry_failed_digests, send_digest_now
    from monitor.store import open_store

    if sum([bool(out), send, retry]) > 1 or (dry_run and (send or retry)):
        raise click.UsageError("choose one of --out, --send, --retry, --dry-run")
    config = obj.config
    now = datetime.now(UTC)
    start = datetime.fromisoformat(_since(since, now) or now.isoformat())
    if send or retry:
        smtp = smtp_from_env()
        store = open_store(obj.db)
        try:
            outcomes = (
                retry_failed_digests(store, config, smtp, now)
                if retry
                else [send_digest_now(store, config, smtp, start, now)]
            )
        finally:
            store.close()
        for o in outcomes:
            where = f" → {o.eml_path}" if o.eml_path else ""
            error = f" error: {o.error}" if o.error else ""
            click.echo(f"digest {o.digest_id}: {o.status}, {o.hit_count} hits{where}{error}")
        if any(o.status in {"pending", "failed"} for o in outcomes):
            sys.exit(1)
        return
    store = open_store(obj.db, readonly=True)
    try:
        message = preview_digest(store, config, start, now)
    finally:
        store.close()
    if message is None:
        click.echo(f"no hits since {start.isoformat(timespec='seconds')} (and send_empty is false)")
        return
    if out:
        Path(out).write_bytes(bytes(message))
        click.echo(f"wrote {out}: {message['Subject']}", err=True)
        return
    text = message.get_body(preferencelist=("plain",))
    click.echo(f"Subject: {message['Subject']}\n")
    click.echo(text.get_content() if text is not None else "")


@cli.command()
@click.option(
    "--db", "demo_db", default=None, help="Keep the demo's database here (default: a temporary one)."
)
@click.option("--out", default="demo", show_default=True, help="Folder for the sample digest .eml.")
def demo(demo_db: str | None, out: str) -> None:
    """See the whole pipeline offline in a minute: bundled feeds and pages served on 127.0.0.1."""
    from monitor.demo import run_demo

    sys.exit(run_demo(demo_db, out, echo=click.echo))


@cli.command()
@click.pass_obj
def stats(obj: _Context) -> None:
    """Feeds ok/failing, last poll, entries/hits/figures today and in total."""
    from monitor.store import open_store

    store = open_store(obj.db, readonly=True)
    try:
        s = store.stats(datetime.now(UTC).date().isoformat())
    finally:
        store.close()
    for key, value in s.items():
        click.echo(f"{key}: {value}")


@cli.command()
@click.pass_obj
def health(obj: _Context) -> None:
    """Exit 0 if the last poll finished within 3× the shortest interval, else 1 with the reason."""
    from monitor.store import open_store

    config = obj.config
    shortest = min((config.interval_for(f) for f in config.enabled_feeds), default=config.defaults.interval)
    try:
        store = open_store(obj.db, readonly=True)
    except MonitorError as e:
        click.echo(f"unhealthy: {e}")
        sys.exit(1)
    try:
        last = store.last_poll_at()
    finally:
        store.close()
    now = datetime.now(UTC)
    if last is None:
        click.echo("unhealthy: no poll recorded yet")
        sys.exit(1)
    age = (now - datetime.fromisoformat(last)).total_seconds()
    if age > 3 * shortest:
        click.echo(f"unhealthy: last poll {last} is {age:.0f}s ago (limit {3 * shortest:.0f}s)")
        sys.exit(1)
    click.echo(f"healthy: last poll {last} ({age:.0f}s ago)")


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="monitor")
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except ConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    except MonitorError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
