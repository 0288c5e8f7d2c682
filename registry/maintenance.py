"""Keeps a serving process current: projects what other processes stored, sweeps daily."""

import logging
import threading
from datetime import date
from typing import TYPE_CHECKING

from registry.application import Registry
from registry.keyring import Keys

if TYPE_CHECKING:
    from registry.audit import AuditLog

log = logging.getLogger("registry.maintenance")


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
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="registry-maintenance", daemon=True)

    def start(self) -> None:
        self.tick()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def tick(self) -> None:
        if self.registry.inline_projection:
            self.registry.projector.catch_up()
        if self.keys is not None:
            self.keys.refresh()  # a key retired or compromised by the CLI counts at once
        today = self.registry.today()
        if self.swept_on != today:
            changed = self.registry.sweep(today)
            log.info("swept %s: %d certificate(s) lapsed", today, len(changed))
            self.swept_on = today
        if self.audit is not None and self.keys is not None and self.keys.active_kid:
            self.audit.issue()  # a signed checkpoint after each batch of commands

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # keep serving; the next tick tries again
                log.exception("maintenance failed")
