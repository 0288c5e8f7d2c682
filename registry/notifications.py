"""E-mail by SMTP: a daily digest of approaching deadlines to the registrars, and each
monthly report made to the regulator (with its files). Retried with back-off until the mail
server takes it; what was sent is recorded so that neither is sent twice."""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from registry.application import Registry
from registry.regulator_reports import DEADLINE_DAY, FILES, FORMATS, monthly_reports, reports_made
from registry.settings import Settings

log = logging.getLogger("registry.notifications")
TABLE = """CREATE TABLE IF NOT EXISTS notifications_sent (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (kind, key))"""
SUSPENSION_WARNING_DAYS = 14  # a restore deadline this close is in the digest (§6.3.1.3)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Mailer | None":
        if not settings.smtp_host:
            return None
        password = settings.smtp_password
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_starttls,
            settings.smtp_user,
            None if password is None else password.get_secret_value(),
        )

    def send(
        self,
        to: list[str],
        subject: str,
        body: str,
        attachments: list[tuple[str, bytes]] = [],  # noqa: B006 (never mutated)
    ) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, ", ".join(to), subject
        message.set_content(body)
        for name, content in attachments:
            message.add_attachment(
                content, maintype="application", subtype="octet-stream", filename=name
            )
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


class Notifier:
    def __init__(
        self,
        registry: Registry,
        mailer: Mailer,
        *,
        registrars: list[str],
        regulator: list[str],
        reports_dir: Path,
        within_days: int = 30,
    ):
        self.registry = registry
        self.mailer = mailer
        self.registrars = registrars
        self.regulator = regulator
        self.reports_dir = reports_dir
        self.within_days = within_days
        self.digest_day: date | None = None  # the last day whose digest is known sent
        self.failures = 0
        self.next_try = datetime.min.replace(tzinfo=UTC)
        if not registry.views.has_table("notifications_sent"):
            with registry.views.transaction() as cursor:
                cursor.execute(TABLE)

    def tick(self, log_moved: bool = True) -> None:
        now = self.registry.clock()
        if now < self.next_try:
            return
        try:
            if self.registrars and self.digest_day != self.registry.today():
                self._digest()
            if self.regulator and log_moved:
                self._reports()
        except (OSError, smtplib.SMTPException):
            self.failures += 1
            delay = min(FIRST_RETRY * 2 ** (self.failures - 1), LONGEST_RETRY)
            self.next_try = now + delay
            log.exception("sending mail failed; retry in %s", delay)
            return
        self.failures = 0

    def _digest(self) -> None:
        today = self.registry.today()
        with self._claimed("digest", today.isoformat()) as ours:
            lines = self.deadlines(today) if ours else []
            if lines:
                self.mailer.send(
                    self.registrars,
                    f"认证注册系统：临近的期限 / Deadlines approaching ({today})",
                    "\n".join(lines) + "\n",
                )
        self.digest_day = today

    def deadlines(self, today: date) -> list[str]:
        """One line per approaching deadline, in Chinese and English."""
        lines = []
        for item in self.registry.queue("surveillance", self.within_days):
            lines.append(
                f"监督审核到期 surveillance due {item['next_surveillance_due']}: "
                f"{item['certificate_no']} {item['holder']['name']}"
            )
        for item in self.registry.queue("suspensions", SUSPENSION_WARNING_DAYS):
            # past the deadline the answer is already the automatic revocation (§6.3.1.5)
            suspension = item["suspension"]
            deadline = suspension["restore_deadline"] if suspension else "passed"
            lines.append(
                f"暂停恢复期限 restore deadline {deadline} ({item['status']}): "
                f"{item['certificate_no']} {item['holder']['name']}"
            )
        for item in self.registry.queue("recertification", 0):
            lines.append(
                f"再认证窗口 recertification, valid until {item['valid_until']}: "
                f"{item['certificate_no']} {item['holder']['name']}"
            )
        month = (today.replace(day=1) - timedelta(days=1)).isoformat()[:7]
        if month not in reports_made(self.registry) and today.day <= DEADLINE_DAY:
            due = today.replace(day=DEADLINE_DAY)
            lines.append(f"月度报告 monthly report of {month} due {due}: not made yet")
        return lines

    def _reports(self) -> None:
        for report in monthly_reports(self.registry, self.reports_dir):
            month = report["month"]
            with self._claimed("report", month) as ours:
                if ours:
                    self.mailer.send(
                        self.regulator,
                        f"认证注册系统：{month} 月度报告 / Monthly report {month}",
                        _report_text(report),
                        self._files(month),
                    )

    def _files(self, month: str) -> list[tuple[str, bytes]]:
        files = []
        for fmt in (*FORMATS, FILES[-1]):
            for suffix in ("", ".jws"):
                path = self.reports_dir / f"regulator-report-{month}.{fmt}{suffix}"
                if path.is_file():
                    files.append((path.name, path.read_bytes()))
        return files

    @contextmanager
    def _claimed(self, kind: str, key: str) -> Iterator[bool]:
        """Whether this process is the one to send the mail (kind, key): the first to record
        it, by an INSERT that one process alone makes, so several serving processes ticking
        at once send it once. A send that fails gives the record back, to be tried again."""
        with self.registry.views.transaction() as cursor:
            cursor.execute(
                "INSERT INTO notifications_sent VALUES (%s, %s, %s) "
                "ON CONFLICT (kind, key) DO NOTHING",
                (kind, key, self.registry.clock().isoformat()),
            )
            ours = cursor.rowcount == 1
        try:
            yield ours
        except BaseException:
            if ours:
                with self.registry.views.transaction() as cursor:
                    cursor.execute(
                        "DELETE FROM notifications_sent WHERE kind = %s AND key = %s", (kind, key)
                    )
            raise


def _report_text(report: dict[str, Any]) -> str:
    return (
        f"{report['month']} 月度报告已生成 / the monthly report of {report['month']} is made.\n"
        f"期间 period: {report['from']} – {report['to']}\n"
        f"变化条数 changes: {report['items']}\n"
        f"生成日期 made on: {report['made_on']}\n"
        f"清单摘要 manifest sha256: {report['manifest_sha256']}\n"
        "附件为报告文件及其签名 (detached JWS) / the files and their signatures are attached.\n"
    )
