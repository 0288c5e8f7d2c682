"""Keeps a serving process current: projects what other processes stored, sweeps daily,
samples the read models against the events."""

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from registry.application import Registry
from registry.keyring import Keys
from registry.readmodels import sample

if TYPE_CHECKING:
    from registry.audit import AuditLog

log = logging.getLogger("registry.maintenance")
CHECKPOINT_EVERY = timedelta(minutes=10)  # when idle; AuditLog.issue re-signs hourly


class Maintenance:
    """A daemon thread: a sweep at start and on each new (Beijing) day, and, when this
    process projects inline, a catch-up every `interval` seconds for other writers' events."""

    def __init__(
        self,
        registry: Registry,
        keys: Keys | None = None,
        audit: "AuditLog | None" = None,
        interval: float = 0.5,
    ):
        self.registry = registry
        self.keys = keys
        self.audit = audit
        self.interval = interval
        self.swept_on: date | None = None
        self.head = -1  # the log's head at the last tick
        self.next_checkpoint = datetime.min.replace(tzinfo=UTC)
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
            self.audit.issue()  # a signed checkpoint after each batch of commands
            self.next_checkpoint = self.registry.clock() + CHECKPOINT_EVERY
        self.head = head
        self.sample()

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
