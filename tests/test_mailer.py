"""Digest delivery end to end: a real SQLite file, a real SMTP server (aiosmtpd) on 127.0.0.1.

What is checked is what a reader and an operator see: the message arrives once and reads well, hits are
claimed by exactly one digest, an SMTP outage delays the digest without losing it, and a crash after the
server accepted the message leads to a resend with the same Message-ID.
"""

from __future__ import annotations

import email
import json
import shutil
import socket
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import html5lib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from monitor import mailer
from monitor.config import Config, DigestConfig, SmtpSettings, StorageConfig
from monitor.digest import retry_delay
from monitor.mailer import preview_digest, retry_failed_digests, run_digest_cycle, send_digest_now
from monitor.store import Store, open_store

NS = "{http://www.w3.org/1999/xhtml}"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 07:00 in Kyiv = 05:00 UTC in November. The cycle runs a few minutes after.
SLOT = utc(2026, 11, 28, 5, 0)
NOW = SLOT + timedelta(minutes=3)


# --- a real SMTP server -----------------------------------------------------------------------------------


class Collector:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RejectingCollector(Collector):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such mailbox"


class SmtpServer:
    def __init__(self, port: int, handler: Collector | None = None, **smtp_options) -> None:
        self.port = port
        self.collector = handler or Collector()
        self.smtp_options = smtp_options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.collector, hostname="127.0.0.1", port=self.port, **self.smtp_options
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, timeout=5)


# --- a real database with fixture rows -----------------------------------------------------------------


def make_config(tmp_path: Path, **digest) -> Config:
    fields = {
        "time": "07:00",
        "tz": "Europe/Kyiv",
        "to": ("editor@example.org", "desk@example.org"),
        "from": "Monitor <monitor@example.org>",
        "subject_prefix": "монітор",
        **digest,
    }
    return Config(
        digest=DigestConfig.model_validate(fields),
        storage=StorageConfig(path=str(tmp_path / "monitor.db"), digests_dir=str(tmp_path / "digests")),
    )


AWOL = (
    "Ukraine's armed forces registered about 21,600 cases of soldiers leaving their units without leave in "
    "October, according to figures cited by Die Welt. The number of AWOL cases has grown every month since "
    "the summer, prosecutors said, and parliament is debating a law that would let deserters return."
)


def add_feed(
    store: Store, fid: int, name: str, url: str, *, error: str | None = None, errors: int = 0
) -> None:
    store.db.execute(
        "INSERT INTO feeds (id, url, name, language, last_error, error_count, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (fid, url, name, "en", error, errors, "2026-11-01T00:00:00+00:00"),
    )


def add_article(
    store: Store, aid: int, feed: int, url: str, title: str, text: str, lang: str, published: str
) -> None:
    store.db.execute(
        "INSERT INTO articles (id, url, title, text, language, published, text_source, content_hash, feed_id, "
        "first_seen_at) VALUES (?, ?, ?, ?, ?, ?, 'page', ?, ?, ?)",
        (aid, url, title, text, lang, published, f"hash-{aid}", feed, published),
    )
    store.db.execute(
        "INSERT INTO entries (feed_id, entry_id, link, title, article_id, status, seen_at) "
        "VALUES (?, ?, ?, ?, ?, 'stored', ?)",
        (feed, f"entry-{aid}", url, title, aid, published),
    )


def add_hit(
    store: Store,
    hid: int,
    aid: int,
    topic: str,
    keywords: list[str],
    snippet: str,
    matched_at: datetime,
    **extra,
) -> None:
    store.db.execute(
        "INSERT INTO hits (id, article_id, topic, keywords, terms, field, count, snippet, score, matched_at, "
        "retired_at, digest_id) VALUES (?, ?, ?, ?, ?, 'body', 1, ?, 1.0, ?, ?, ?)",
        (
            hid,
            aid,
            topic,
            json.dumps(keywords, ensure_ascii=False),
            json.dumps(keywords, ensure_ascii=False),
            snippet,
            matched_at.isoformat(),
            extra.get("retired_at"),
            extra.get("digest_id"),
        ),
    )


def add_figure(
    store: Store,
    aid: int,
    hid: int,
    topic: str,
    value: int,
    qualifier: str,
    counted: str,
    period: str,
    who: str,
) -> None:
    store.db.execute(
        "INSERT INTO figures (article_id, hit_id, topic, value, qualifier, counted, counted_lemma, period, "
        "sentence, start, end, attributed_to, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 's', ?, ?, ?, ?)",
        (
            aid,
            hid,
            topic,
            value,
            qualifier,
            counted,
            counted,
            period,
            value % 997,
            value % 997 + 5,
            who,
            "2026-11-27T10:00:00+00:00",
        ),
    )


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path / "monitor.db")
    with store.transaction():
        add_feed(store, 1, "Kyiv Independent", "https://kyivindependent.com/rss")
        add_feed(store, 2, "Die Welt English", "https://www.welt.de/english/rss")
        add_feed(store, 3, "Українська правда", "https://www.pravda.com.ua/rss")
        add_feed(store, 4, "Медуза", "https://meduza.io/rss")
        add_feed(
            store,
            5,
            "Broken Feed",
            "https://broken.example/rss",
            error="HTTP 503 Service Unavailable",
            errors=3,
        )
        add_article(
            store,
            1,
            1,
            "https://kyivindependent.com/awol",
            "21,600 soldiers went AWOL in October",
            AWOL,
            "en",
            "2026-11-27T08:40:00+00:00",
        )
        add_article(
            store, 2, 2, "https://www.welt.de/english/awol", "Report: 21,600 Ukrainian soldiers AWOL in October",
            AWOL.replace("prosecutors said", "the prosecutor general said"), "en", "2026-11-27T10:30:00+00:00",
        )  # fmt: skip
        add_article(
            store, 3, 3, "https://www.pravda.com.ua/news/szch", "Кількість СЗЧ у жовтні зросла",
            "У жовтні кількість випадків СЗЧ зросла до майже 20 тисяч, повідомляє Офіс генпрокурора.", "uk",
            "2026-11-27T14:55:00Z",
        )  # fmt: skip
        add_article(
            store, 4, 4, "https://meduza.io/news/draft", "Осенний призыв: 160 000 человек",
            "Минобороны планирует призвать 160 000 человек в осенний призыв.", "ru", "2026-11-28T01:00:00+00:00",
        )  # fmt: skip
        add_article(
            store,
            5,
            1,
            "https://kyivindependent.com/old",
            "Old news",
            "An old AWOL story.",
            "en",
            "2026-11-20T10:00:00+00:00",
        )
        add_article(
            store,
            6,
            1,
            "https://kyivindependent.com/late",
            "Late AWOL news",
            "A late AWOL story.",
            "en",
            "2026-11-28T05:01:00+00:00",
        )
        add_article(
            store,
            7,
            1,
            "https://kyivindependent.com/retracted",
            "Retracted",
            "Retracted AWOL story.",
            "en",
            "2026-11-27T12:00:00+00:00",
        )
        store.db.execute(
            "INSERT INTO digests (id, period_start, period_end, created_at, status, message_id, hit_count) "
            "VALUES (1, '2026-11-20T05:00:00+00:00', '2026-11-21T05:00:00+00:00', '2026-11-21T05:00:00+00:00', "
            "'sent', '<old@example.org>', 1)"
        )
        add_hit(
            store,
            1,
            1,
            "desertion",
            ["AWOL", "deserters"],
            "The number of AWOL cases has grown every month.",
            utc(2026, 11, 27, 9),
        )
        add_hit(
            store,
            2,
            2,
            "desertion",
            ["AWOL"],
            "The number of AWOL cases has grown every month.",
            utc(2026, 11, 27, 11),
        )
        add_hit(
            store,
            3,
            3,
            "desertion",
            ["СЗЧ"],
            "У жовтні кількість випадків СЗЧ зросла.",
            utc(2026, 11, 27, 15),
        )
        add_hit(
            store,
            4,
            4,
            "conscription",
            ["призыв"],
            "Минобороны планирует призвать 160 000 человек в осенний призыв.",
            utc(2026, 11, 28, 1),
        )
        add_hit(store, 5, 5, "desertion", ["AWOL"], "An old AWOL story.", utc(2026, 11, 20, 10), digest_id=1)
        add_hit(store, 6, 6, "desertion", ["AWOL"], "A late AWOL story.", SLOT + timedelta(minutes=1))
        add_hit(
            store,
            7,
            7,
            "desertion",
            ["AWOL"],
            "Retracted AWOL story.",
            utc(2026, 11, 27, 12),
            retired_at="2026-11-27T13:00:00+00:00",
        )
        add_figure(store, 1, 1, "desertion", 21600, "approx", "soldiers", "October", "Die Welt")
        add_figure(store, 3, 3, "desertion", 20000, "under", "випадків СЗЧ", "у жовтні", "Офіс генпрокурора")
        add_figure(store, 4, 4, "conscription", 160000, "exact", "человек", "осенний призыв", "Минобороны")
    yield store
    store.close()


def digest_rows(store: Store) -> list[dict]:
    return store.query("SELECT * FROM digests WHERE id > 1 ORDER BY id")


def claimed(store: Store) -> dict[int, int | None]:
    return {r["id"]: r["digest_id"] for r in store.query("SELECT id, digest_id FROM hits ORDER BY id")}


# --- the daily cycle ----------------------------------------------------------------------------------------


def test_daily_digest_arrives_once_and_reads_well(store, tmp_path, smtp_server):
    cfg = make_config(tmp_path)
    outcomes = run_digest_cycle(store, cfg, settings(smtp_server.port), NOW)

    assert [o.status for o in outcomes] == ["sent"]
    assert len(smtp_server.collector.envelopes) == 1
    envelope = smtp_server.collector.envelopes[0]
    assert envelope.mail_from == "monitor@example.org"
    assert sorted(envelope.rcpt_tos) == ["desk@example.org", "editor@example.org"]

    msg = smtp_server.collector.messages[0]
    assert msg["Subject"] == "монітор: 4 new hits — desertion 3, conscription 1"
    assert msg["Message-ID"] == outcomes[0].message_id
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    doc = html5lib.HTMLParser(strict=True).parse(html)  # well-formed enough for a strict HTML5 parser
    html_text = " ".join("".join(doc.itertext()).split())
    for part in (text, html_text):
        assert "Кількість СЗЧ у жовтні зросла" in part
        assert "Осенний призыв: 160 000 человек" in part
        assert "Українська правда" in part
        assert "Broken Feed" in part and "HTTP 503 Service Unavailable" in part
        assert "about 21,600 soldiers · October · per Die Welt" in part
        assert "Late AWOL news" not in part  # matched after the period's end
        assert "Retracted" not in part
    hrefs = {a.get("href") for a in doc.iter(f"{NS}a")}
    assert {
        "https://kyivindependent.com/awol",
        "https://www.pravda.com.ua/news/szch",
        "https://meduza.io/news/draft",
    } <= hrefs
    assert "and 1 more:" in text and "Die Welt English" in text  # the two AWOL copies are one story

    row = digest_rows(store)[0]
    assert row["status"] == "sent" and row["attempts"] == 1 and row["hit_count"] == 4
    assert row["message_id"] == msg["Message-ID"]
    assert claimed(store) == {1: row["id"], 2: row["id"], 3: row["id"], 4: row["id"], 5: 1, 6: None, 7: None}

    # a second cycle the same day does nothing
    assert run_digest_cycle(store, cfg, settings(smtp_server.port), NOW + timedelta(hours=3)) == []
    assert len(smtp_server.collector.envelopes) == 1


def test_the_next_day_gets_what_came_after_the_period(store, tmp_path, smtp_server):
    cfg = make_config(tmp_path)
    run_digest_cycle(store, cfg, settings(smtp_server.port), NOW)
    outcomes = run_digest_cycle(store, cfg, settings(smtp_server.port), NOW + timedelta(days=1))
    assert [o.hit_count for o in outcomes] == [1]
    assert claimed(store)[6] == outcomes[0].digest_id
    assert smtp_server.collector.messages[1]["Subject"] == "монітор: 1 new hit — desertion 1"


def test_smtp_down_then_up_delivers_exactly_once(store, tmp_path):
    cfg = make_config(tmp_path)
    server = SmtpServer(free_port())  # nothing listens on the port yet
    smtp = settings(server.port)

    first = run_digest_cycle(store, cfg, smtp, NOW)
    assert [o.status for o in first] == ["pending"]
    assert "smtp connect 127.0.0.1" in first[0].error
    row = digest_rows(store)[0]
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"].startswith("smtp connect")
    retry_at = datetime.fromisoformat(row["next_attempt_at"])
    assert retry_at == NOW + retry_delay(1)
    assert [h for h, d in claimed(store).items() if d == row["id"]] == [1, 2, 3, 4]  # hits kept

    server.start()
    try:
        assert run_digest_cycle(store, cfg, smtp, retry_at - timedelta(seconds=1)) == []  # not yet
        second = run_digest_cycle(store, cfg, smtp, retry_at)
        assert [(o.digest_id, o.status, o.attempts) for o in second] == [(row["id"], "sent", 2)]
        assert run_digest_cycle(store, cfg, smtp, retry_at + timedelta(hours=1)) == []
        assert len(server.collector.envelopes) == 1
        assert server.collector.messages[0]["Message-ID"] == row["message_id"]
    finally:
        server.stop()
    assert digest_rows(store)[0]["status"] == "sent"
    assert digest_rows(store)[0]["last_error"] is None


def test_crash_after_sending_resends_with_the_same_message_id(store, tmp_path, smtp_server, monkeypatch):
    cfg = make_config(tmp_path)
    smtp = settings(smtp_server.port)
    real_record = mailer._record

    def crash_when_recording_success(store_, digest_id, *, status, **kwargs):
        if status == "sent":
            raise SystemExit("killed between 'accepted by the server' and 'recorded as sent'")
        return real_record(store_, digest_id, status=status, **kwargs)

    monkeypatch.setattr(mailer, "_record", crash_when_recording_success)
    with pytest.raises(SystemExit):
        run_digest_cycle(store, cfg, smtp, NOW)
    monkeypatch.setattr(mailer, "_record", real_record)
    assert len(smtp_server.collector.envelopes) == 1
    assert digest_rows(store)[0]["status"] == "pending"

    # the restarted process waits for the backoff (no tight resend loop), then resends once
    assert run_digest_cycle(store, cfg, smtp, NOW + timedelta(seconds=30)) == []
    outcomes = run_digest_cycle(store, cfg, smtp, NOW + retry_delay(1))
    assert [o.status for o in outcomes] == ["sent"]
    first, second = smtp_server.collector.messages
    assert first["Message-ID"] == second["Message-ID"] == digest_rows(store)[0]["message_id"]
    assert first.get_body(("html",)).get_content() == second.get_body(("html",)).get_content()
    assert first["Date"] == second["Date"]
    assert len(digest_rows(store)) == 1  # no second digest, no hit claimed twice


def test_gives_up_after_max_attempts_keeps_hits_and_writes_eml(store, tmp_path, monkeypatch):
    monkeypatch.setattr(mailer, "after_failed_attempt", lambda attempts, now: mailer_after(attempts, now))
    cfg = make_config(tmp_path)
    smtp = settings(free_port())
    now = NOW
    outcomes = []
    for _ in range(3):
        outcomes += run_digest_cycle(store, cfg, smtp, now)
        now += timedelta(hours=2)
    assert [o.status for o in outcomes] == ["pending", "pending", "failed"]
    row = digest_rows(store)[0]
    assert row["status"] == "failed" and row["attempts"] == 3 and row["next_attempt_at"] is None
    assert Path(row["eml_path"]).exists()  # readable on disk even though mail failed
    assert sum(1 for d in claimed(store).values() if d == row["id"]) == 4
    assert run_digest_cycle(store, cfg, smtp, now + timedelta(days=0, hours=1)) == []  # no automatic retries

    # by hand, once SMTP works again
    server = SmtpServer(smtp.port)
    server.start()
    try:
        retried = retry_failed_digests(store, cfg, smtp, now)
    finally:
        server.stop()
    assert [o.status for o in retried] == ["sent"]
    assert server.collector.messages[0]["Message-ID"] == row["message_id"]


def mailer_after(attempts: int, now: datetime):
    from monitor.digest import after_failed_attempt

    return after_failed_attempt(attempts, now, max_attempts=3)


# --- send_empty, no SMTP, manual sends ------------------------------------------------------------------------


def empty_store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "empty.db")


def test_no_hits_means_no_message_unless_send_empty(tmp_path, smtp_server):
    store = empty_store(tmp_path)
    smtp = settings(smtp_server.port)
    quiet = make_config(tmp_path, send_empty=False)
    assert run_digest_cycle(store, quiet, smtp, NOW) == []
    assert run_digest_cycle(store, quiet, smtp, NOW + timedelta(minutes=5)) == []
    assert store.query("SELECT COUNT(*) AS n FROM digests")[0]["n"] == 0
    assert smtp_server.collector.envelopes == []

    loud = make_config(tmp_path, send_empty=True)
    outcomes = run_digest_cycle(store, loud, smtp, NOW)
    assert [(o.status, o.hit_count) for o in outcomes] == [("sent", 0)]
    assert smtp_server.collector.messages[0]["Subject"] == "монітор: no new hits"
    assert run_digest_cycle(store, loud, smtp, NOW + timedelta(minutes=5)) == []
    store.close()


def test_without_smtp_the_digest_is_written_as_eml(store, tmp_path):
    cfg = make_config(tmp_path)
    outcomes = run_digest_cycle(store, cfg, None, NOW)
    assert [o.status for o in outcomes] == ["written"]
    path = Path(outcomes[0].eml_path)
    assert path.parent == tmp_path / "digests" and path.suffix == ".eml"
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg["Subject"] == "монітор: 4 new hits — desertion 3, conscription 1"
    assert "Кількість СЗЧ" in msg.get_body(("plain",)).get_content()
    row = digest_rows(store)[0]
    assert row["status"] == "written" and row["eml_path"] == str(path)
    assert run_digest_cycle(store, cfg, None, NOW + timedelta(minutes=5)) == []


def test_preview_claims_nothing(store, tmp_path):
    cfg = make_config(tmp_path)
    before = claimed(store)
    msg = preview_digest(store, cfg, since=utc(2026, 11, 27), now=NOW)
    assert msg is not None
    assert msg["Subject"] == "монітор: 5 new hits — desertion 4, conscription 1"  # incl. the late one
    assert claimed(store) == before
    assert store.query("SELECT COUNT(*) AS n FROM digests")[0]["n"] == 1
    assert preview_digest(store, cfg, since=NOW, now=NOW + timedelta(minutes=1)) is None


def test_send_now_claims_since_and_the_daily_digest_does_not_repeat_them(store, tmp_path, smtp_server):
    cfg = make_config(tmp_path)
    smtp = settings(smtp_server.port)
    outcome = send_digest_now(store, cfg, smtp, since=utc(2026, 11, 27, 14), now=utc(2026, 11, 28, 4))
    assert (outcome.status, outcome.hit_count) == ("sent", 2)  # hits 3 and 4
    assert claimed(store)[3] == claimed(store)[4] == outcome.digest_id
    daily = run_digest_cycle(store, cfg, smtp, NOW)
    assert [o.hit_count for o in daily] == [2]  # hits 1 and 2, not 3 and 4 again
    assert claimed(store)[1] == claimed(store)[2] == daily[0].digest_id
    assert len({m["Message-ID"] for m in smtp_server.collector.messages}) == 2
    assert send_digest_now(store, cfg, smtp, since=NOW, now=NOW).status == "empty"


# --- SMTP details -------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_logs_in_when_a_user_is_set(store, tmp_path):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(
            success=auth_data.password == b"s3cret", handled=False
        )  # handled=False: server answers 535

    # plain-text AUTH is allowed here only because the test server is on 127.0.0.1
    server = SmtpServer(
        free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    server.start()
    try:
        good = SmtpSettings(host="127.0.0.1", port=server.port, user="monitor", password="s3cret", timeout=5)
        bad = good.model_copy(update={"password": "wrong"})
        cfg = make_config(tmp_path)
        denied = send_digest_now(store, cfg, bad, since=utc(2026, 11, 27), now=NOW)
        assert denied.status == "pending" and denied.error.startswith("smtp login 127.0.0.1")
        assert "535" in denied.error
        outcomes = retry_failed_digests(store, cfg, good, NOW, digest_id=denied.digest_id)
    finally:
        server.stop()
    assert [o.status for o in outcomes] == ["sent"]
    assert logins and all(user == b"monitor" for _, user, _ in logins)
    assert len(server.collector.envelopes) == 1


def test_all_recipients_refused_is_a_failed_attempt_not_a_send(store, tmp_path):
    server = SmtpServer(free_port(), handler=RejectingCollector())
    server.start()
    try:
        outcomes = run_digest_cycle(store, make_config(tmp_path), settings(server.port), NOW)
    finally:
        server.stop()
    assert [o.status for o in outcomes] == ["pending"]
    assert outcomes[0].error.startswith("smtp send 127.0.0.1") and "No such mailbox" in outcomes[0].error
    assert server.collector.envelopes == []


# --- TLS: STARTTLS and implicit TLS, against a certificate made for the test ------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
        + ["-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class TlsCollector(Collector):
    """Records, for every message, whether it came over TLS."""

    def __init__(self) -> None:
        super().__init__()
        self.over_tls: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.over_tls.append(
            session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        )
        return await super().handle_DATA(server, session, envelope)


def test_starttls_and_login_deliver_over_tls_and_the_certificate_is_checked(
    store, tmp_path, tls_files, monkeypatch
):
    cert, key = tls_files
    collector = TlsCollector()
    # a submission server as they are configured: STARTTLS required, and AUTH only once TLS is on
    server = SmtpServer(
        free_port(),
        handler=collector,
        tls_context=server_tls(cert, key),
        require_starttls=True,
        authenticator=lambda *a: AuthResult(success=a[-1].password == b"s3cret"),
        auth_required=True,
    )
    server.start()
    try:
        cfg = make_config(tmp_path)
        smtp = SmtpSettings(
            host="127.0.0.1", port=server.port, user="monitor", password="s3cret", starttls=True, timeout=5
        )
        # the test certificate is not trusted yet: the handshake fails, at STARTTLS, and the error says why
        untrusted = send_digest_now(store, cfg, smtp, since=utc(2026, 11, 27), now=NOW)
        assert untrusted.status == "pending" and untrusted.error.startswith("smtp starttls 127.0.0.1")
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
        # without STARTTLS the server offers no AUTH, so no password goes out in the clear
        with pytest.raises(mailer.MailError, match="smtp login 127.0.0.1.*AUTH extension not supported"):
            mailer.deliver_smtp(
                mailer_message(),
                smtp.model_copy(update={"starttls": False}),
                "m@example.org",
                ["e@example.org"],
            )
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as a CA bundle entry would be
        outcomes = retry_failed_digests(store, cfg, smtp, NOW, digest_id=untrusted.digest_id)
    finally:
        server.stop()
    assert [o.status for o in outcomes] == ["sent"]
    assert collector.over_tls == [True]


def test_implicit_tls_smtps_delivers(tls_files, monkeypatch):
    cert, key = tls_files
    collector = TlsCollector()
    server = SmtpServer(free_port(), handler=collector, ssl_context=server_tls(cert, key))
    server.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        smtp = SmtpSettings(host="127.0.0.1", port=server.port, ssl=True, timeout=5)
        refused = mailer.deliver_smtp(mailer_message(), smtp, "m@example.org", ["e@example.org"])
    finally:
        server.stop()
    assert refused == {}
    assert collector.over_tls == [True]
    assert collector.messages[0]["Subject"] == "TLS check"


def mailer_message() -> email.message.EmailMessage:
    msg = email.message.EmailMessage()
    msg["Subject"] = "TLS check"
    msg["From"] = "m@example.org"
    msg["To"] = "e@example.org"
    msg.set_content("over TLS")
    return msg
