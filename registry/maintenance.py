"""Keeps a serving process current: projects what other processes stored, sweeps daily,
makes last month's report to the regulator, samples the read models against the events."""

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from registry.application import Registry
from registry.health import Check
from registry.readmodels import sample
from registry.regulator_reports import make_monthly, report_file, reports_made
from registry.settings import CHECKPOINT_INTERVAL
from registry.signing import Keys

if TYPE_CHECKING:
    from registry.notifications import Notifier
    from registry.transparency import AuditLog
    from registry.webhooks import Webhooks

log = logging.getLogger("registry.maintenance")
CHECKPOINT_EVERY = timedelta(minutes=10)  # at most this long between looks while idle


class Maintenance:
    """A daemon thread: a sweep at start and on each new (Beijing) day, and, when this
    process projects inline, a catch-up every `interval` seconds for other writers' events."""

    def __init__(
        self,
        registry: Registry,
        keys: Keys | None = None,
        audit: "AuditLog | None" = None,
        interval: float = 0.5,
        reports_dir: Path | None = None,
        webhooks: "Webhooks | None" = None,
        notifier: "Notifier | None" = None,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
    ):
        self.registry = registry
        self.keys = keys
        self.audit = audit
        self.interval = interval
        self.webhooks = webhooks
        self.notifier = notifier
        self.reports = (
            None
            if reports_dir is None or keys is None
            else MonthlyReporter(registry, keys, reports_dir)
        )
        self.swept_on: date | None = None
        self.head = -1  # the log's head at the last tick
        self.next_checkpoint = datetime.min.replace(tzinfo=UTC)
        # An idle log's checkpoint is signed again once half the interval has passed, looked
        # at every quarter (or 10 minutes): never older than the interval while serving.
        self.checkpoint_interval = checkpoint_interval
        self.checkpoint_look = min(CHECKPOINT_EVERY, timedelta(seconds=checkpoint_interval / 4))
        self.sampled = ""  # the certificates row checked last against the events
        self.alarm: str | None = None  # what a sample found differing, until restarted
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registry-maintenance", daemon=True)

    def start(self) -> None:
        """Start the thread; its first tick (the start-up sweep) runs there, so a server
        answers at once: its answers derive lapses anyway, the sweep only records them."""
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def tick(self) -> None:
        """Cheap when nothing happened: one look at the log's head (the GIL it holds delays
        every request in flight)."""
        head = self.registry.recorder.max_notification_id() or 0
        today = self.registry.today()
        if head != self.head:
            if self.registry.inline_projection:
                self.registry.projector.catch_up()
            if self.keys is not None:
                self.keys.refresh()  # a key retired or compromised by the CLI counts at once
        if self.swept_on != today:
            changed = self.registry.sweep(today)
            log.info("swept %s: %d certificate(s) lapsed", today, len(changed))
            self.swept_on = today
        can_sign = self.audit is not None and self.keys is not None and self.keys.active_kid
        due = head != self.head or self.registry.clock() >= self.next_checkpoint
        if can_sign and due and self.audit is not None:
            # a signed checkpoint after each batch of commands, and before an idle one ages
            self.audit.issue(max_age=self.checkpoint_interval / 2)
            self.next_checkpoint = self.registry.clock() + self.checkpoint_look
        if self.reports is not None:
            self.reports.tick()
        if self.webhooks is not None:  # after the report: its event goes out in this tick
            self.webhooks.tick(log_moved=head != self.head)
        if self.notifier is not None:
            self.notifier.tick(log_moved=head != self.head)
        self.head = head
        self.sample()

    def read_models_check(self) -> Check:
        """For /readyz: not ready once a sampled row differed from the events (until the
        read models are rebuilt and the process restarted)."""
        if self.alarm is not None:
            return Check(False, f"a read model differs from the event log: {self.alarm}")
        return Check(True, "the rows sampled agree with the events")

    def sample(self) -> None:
        """Check one more read-model row against the events, round the table: a row
        altered in the database raises the alarm within one pass."""
        self.sampled, problem = sample(self.registry, self.sampled)
        if problem is not None:
            if problem != self.alarm:
                log.error("ALARM: the read models differ from the event log: %s", problem)
            self.alarm = problem

    def _run(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # keep serving; the next tick tries again
                log.exception("maintenance failed")
            if self._stop.wait(self.interval):
                return


class MonthlyReporter:
    """Makes the previous month's report from the 1st (Beijing) by itself (§6.3.3: due by the
    10th), once, in whichever process gets there first; a failure is retried with back-off
    (1 minute, doubling, at most an hour) until it succeeds."""

    def __init__(self, registry: Registry, keys: Keys, folder: Path):
        self.registry = registry
        self.keys = keys
        self.folder = folder
        self.done: str | None = None  # the last month known to be reported
        self.failures = 0
        self.next_try = datetime.min.replace(tzinfo=UTC)

    def tick(self) -> None:
        month = previous_month(self.registry.today())
        now = self.registry.clock()
        if month == self.done or now < self.next_try or self.keys.active_kid is None:
            return
        try:
            # Made, but its files not written (a crash or a full disk in between): made again,
            # by the bound it was recorded with.
            written = report_file(self.folder, month, "manifest.json") is not None
            if month not in reports_made(self.registry) or not written:
                make_monthly(self.registry, self.keys, month, self.folder, actor=REPORTER)
                log.info("made the monthly report of %s", month)
        except Exception:  # retried: the report must reach the regulator
            self.failures += 1
            delay = min(RETRY_FIRST * 2 ** (self.failures - 1), RETRY_MOST)
            self.next_try = now + delay
            log.exception("the monthly report of %s failed; retry in %s", month, delay)
            return
        self.done, self.failures = month, 0


REPORTER = "registry:monthly-report"
RETRY_FIRST = timedelta(minutes=1)
RETRY_MOST = timedelta(hours=1)


def previous_month(today: date) -> str:
    last = today.replace(day=1) - timedelta(days=1)
    return last.isoformat()[:7]
