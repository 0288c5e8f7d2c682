"""Readiness of a serving process: the store answers, the read models keep up, a key signs."""

from collections.abc import Callable
from dataclasses import dataclass

from registry.application import Registry
from registry.settings import STORAGE_ERRORS
from registry.signing import PROBE_TYP, KeyringError, Keys


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


class Readiness:
    """Named checks, each cheap; ready when all pass. Other concerns add theirs with `add`
    (the read-model mismatch alarm of the audit belongs here: `add("read_models", …)`)."""

    def __init__(self, registry: Registry, keys: Keys, max_lag: int):
        self.registry = registry
        self.keys = keys
        self.max_lag = max_lag
        self.checks: dict[str, Callable[[], Check]] = {
            "store": self.store,
            "projections": self.projections,
            "signing_key": self.signing_key,
        }

    def add(self, name: str, check: Callable[[], Check]) -> None:
        self.checks[name] = check

    def run(self) -> tuple[bool, dict[str, dict[str, object]]]:
        results = {}
        for name, check in self.checks.items():
            try:
                result = check()
            except STORAGE_ERRORS as error:
                result = Check(False, f"the store failed: {str(error).strip()[:200]}")
            results[name] = {"ok": result.ok, "detail": result.detail}
        return all(r["ok"] for r in results.values()), results

    def store(self) -> Check:
        head = self.registry.recorder.max_notification_id() or 0
        return Check(True, f"reachable; {head} events")

    def projections(self) -> Check:
        lags = {s.name: s.lag for s in self.registry.projector.status()}
        worst = max(lags.values(), default=0)
        listed = ", ".join(f"{name} {lag}" for name, lag in lags.items())
        return Check(worst <= self.max_lag, f"lag {listed} (bound {self.max_lag})")

    def signing_key(self) -> Check:
        if self.keys.active_kid is None:
            return Check(False, "no active signing key: `registry keys generate`")
        try:
            self.keys.sign_detached(b"readyz", PROBE_TYP)
        except KeyringError as error:
            return Check(False, str(error))
        return Check(True, f"key {self.keys.active_kid} signs")
