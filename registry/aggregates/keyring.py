"""The keyring's history: which signing key was generated, active, retired or compromised when."""

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid5

from registry.aggregates.chain import Chained, Stamp
from registry.errors import InvalidInput, LifecycleConflict

ACTIVE, RETIRED, COMPROMISED, STANDBY = "active", "retired", "compromised", "standby"
KEYRING_ID = uuid5(NAMESPACE_URL, "/certregistry/keyring")


class Keyring(Chained):
    """Public keys and their states; the private keys never leave the keys folder."""

    if TYPE_CHECKING:
        keys: dict[str, dict[str, Any]]  # kid -> {"jwk", "status", "compromised_at"?}

    @classmethod
    def start(cls, *, stamp: Stamp) -> "Keyring":
        return cls._begin(cls.Started, id=KEYRING_ID, stamp=stamp, effective_date=None)

    @property
    def active_kid(self) -> str | None:
        return next((kid for kid, key in self.keys.items() if key["status"] == ACTIVE), None)

    def status(self, kid: str) -> str | None:
        key = self.keys.get(kid)
        return None if key is None else str(key["status"])

    def add(self, *, kid: str, public_jwk: dict[str, str], activate: bool, stamp: Stamp) -> None:
        """A new key; activating it retires the key that was active (a rotation)."""
        if kid in self.keys:
            raise LifecycleConflict(f"key {kid} is already in the keyring")
        previous = self.active_kid
        self._record(self.KeyGenerated, stamp=stamp, effective_date=None, kid=kid, jwk=public_jwk)
        if activate:
            self._record(self.KeyActivated, stamp=stamp, effective_date=None, kid=kid)
            if previous is not None:
                self._record(self.KeyRetired, stamp=stamp, effective_date=None, kid=previous)

    def retire(self, kid: str, *, stamp: Stamp) -> None:
        self._require(kid, (ACTIVE, STANDBY), "retire")
        self._record(self.KeyRetired, stamp=stamp, effective_date=None, kid=kid)

    def compromise(self, kid: str, *, stamp: Stamp) -> None:
        self._require(kid, (ACTIVE, STANDBY, RETIRED), "mark compromised")
        self._record(self.KeyCompromised, stamp=stamp, effective_date=None, kid=kid)

    def _require(self, kid: str, states: tuple[str, ...], action: str) -> None:
        status = self.status(kid)
        if status is None:
            raise InvalidInput(
                f"no key {kid!r} in the keyring (see `registry keys list`)", field="kid"
            )
        if status not in states:
            raise LifecycleConflict(f"cannot {action} key {kid}: it is {status}")

    class Started(Chained.Created):
        def apply(self, keyring: "Keyring") -> None:
            keyring.keys = {}

    class KeyGenerated(Chained.Event):
        kid: str
        jwk: dict[str, str]

        def apply(self, keyring: "Keyring") -> None:
            keyring.keys[self.kid] = {"jwk": self.jwk, "status": STANDBY}

    class KeyActivated(Chained.Event):
        kid: str

        def apply(self, keyring: "Keyring") -> None:
            keyring.keys[self.kid]["status"] = ACTIVE

    class KeyRetired(Chained.Event):
        kid: str

        def apply(self, keyring: "Keyring") -> None:
            keyring.keys[self.kid]["status"] = RETIRED

    class KeyCompromised(Chained.Event):
        kid: str

        def apply(self, keyring: "Keyring") -> None:
            keyring.keys[self.kid]["status"] = COMPROMISED
            # From then on, whoever holds the key may sign: nothing it signs later counts.
            keyring.keys[self.kid]["compromised_at"] = self.timestamp.isoformat()
