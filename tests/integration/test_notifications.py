"""E-mail notifications, sent to a real SMTP server (aiosmtpd) on a free local port."""

import email
import email.policy
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from registry.application import Registry, open_registry
from registry.notifications import FIRST_RETRY, Mailer, Notifier
from registry.regulator_reports import make_monthly
from registry.settings import Settings
from registry.signing import Keys
from tests.conftest import Clock
from tests.examples import issue_request
from tests.processes import free_port

REGISTRARS = ["registrar@cb.example"]
REGULATOR = ["reports@cnca.example"]


class Inbox:
    """aiosmtpd's handler: every message accepted, kept with its recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@contextmanager
def smtp_server(port: int) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def notifier(registry: Registry, port: int, tmp_path: Path) -> Notifier:
    return Notifier(
        registry,
        Mailer("127.0.0.1", port, "registry@cb.example"),
        registrars=REGISTRARS,
        regulator=REGULATOR,
        reports_dir=tmp_path / "reports",
    )


def suspended(registry: Registry) -> str:
    """A suspension whose restore deadline (2026-11-30) is five days after today."""
    no = str(registry.issue(actor="alice", **issue_request())["registration_no"])
    registry.command(
        "suspend",
        no,
        {"reason": "g", "details": "请求", "effective_date": date(2026, 6, 1)},
        actor="alice",
    )
    return no


def text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_registrars_get_one_digest_a_day_of_approaching_deadlines(
    registry: Registry, clock: Clock, tmp_path: Path
) -> None:
    no = suspended(registry)
    port = free_port()
    with smtp_server(port) as inbox:
        mail = notifier(registry, port, tmp_path)
        mail.tick()
        mail.tick()
        clock.advance(days=1)

        mail.tick()

    assert [to for to, _ in inbox.messages] == [REGISTRARS, REGISTRARS]
    body = text(inbox.messages[0][1])
    assert f"restore deadline 2026-11-30 (suspended): {no}R00" in body


def test_the_regulator_gets_each_monthly_report_with_its_files(
    registry: Registry, keys: Keys, clock: Clock, tmp_path: Path
) -> None:
    suspended(registry)
    clock.now = clock.now.replace(month=12, day=1)
    make_monthly(registry, keys, "2026-11", tmp_path / "reports", actor="test")
    port = free_port()
    with smtp_server(port) as inbox:
        mail = notifier(registry, port, tmp_path)

        mail.tick()
        mail.tick()

    to_regulator = [m for to, m in inbox.messages if to == REGULATOR]
    assert len(to_regulator) == 1
    names = [part.get_filename() for part in to_regulator[0].iter_attachments()]
    assert "regulator-report-2026-11.csv" in names
    assert "regulator-report-2026-11.manifest.json.jws" in names
    assert "2026-11" in str(to_regulator[0]["Subject"])


class Meeting:
    """Where two notifiers' ticks meet: a mail goes out only once the other notifier is
    sending too or has finished its tick. Two that both chose to send meet and both send;
    one that chose not to lets the other go. No timing decides the outcome."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.sending = self.finished = 0

    def send(self) -> None:
        with self.condition:
            self.sending += 1
            self.condition.notify_all()
            assert self.condition.wait_for(lambda: self.sending + self.finished == 2, 60)

    def finish(self) -> None:
        with self.condition:
            self.finished += 1
            self.condition.notify_all()


@dataclass(frozen=True)
class MeetingMailer(Mailer):
    meeting: Meeting = field(default_factory=Meeting, compare=False)

    def send(self, to: list[str], subject: str, body: str, *args: Any) -> None:
        self.meeting.send()
        super().send(to, subject, body, *args)


def test_two_processes_ticking_at_once_send_the_digest_once(
    durable_database_url: str, clock: Clock, tmp_path: Path
) -> None:
    """Two serving processes' notifiers on one store (two registries, two connections)."""
    settings = Settings(database_url=durable_database_url)
    port, meeting = free_port(), Meeting()
    with (
        open_registry(settings, clock=clock) as one,
        open_registry(settings, clock=clock) as two,
        smtp_server(port) as inbox,
    ):
        suspended(one)
        notifiers = [
            Notifier(
                registry,
                MeetingMailer("127.0.0.1", port, "registry@cb.example", meeting=meeting),
                registrars=REGISTRARS,
                regulator=[],
                reports_dir=tmp_path / "reports",
            )
            for registry in (one, two)
        ]

        def tick(notifier: Notifier) -> None:
            notifier.tick()
            meeting.finish()

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(tick, notifiers))

    assert [to for to, _ in inbox.messages] == [REGISTRARS]


def test_a_mail_server_that_is_down_is_retried_after_a_back_off(
    registry: Registry, clock: Clock, tmp_path: Path
) -> None:
    suspended(registry)
    port = free_port()
    mail = notifier(registry, port, tmp_path)
    mail.tick()  # nothing listens: refused

    with smtp_server(port) as inbox:
        mail.tick()  # within the back-off
        early = len(inbox.messages)
        clock.advance(seconds=FIRST_RETRY.total_seconds())
        mail.tick()

    assert early == 0
    assert [to for to, _ in inbox.messages] == [REGISTRARS]
