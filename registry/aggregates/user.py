"""People who sign in to the console: name, roles, Argon2id password hash, disabled."""

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from registry.aggregates.chain import Chained, Stamp

ROLES = ("registrar", "auditor", "regulator", "admin")

# Fields an event holds that never leave the store: the audit index and the log's entries
# show them as REDACTED (the event's hash still covers the real value).
SECRET_FIELDS = frozenset({"password_hash", "totp_secret"})
REDACTED = "[redacted]"


class User(Chained):
    """One person; the id derives from the user name, so a name is taken once."""

    if TYPE_CHECKING:
        name: str
        roles: list[str]
        password_hash: str
        disabled: bool
        totp_secret: str | None
        credentials_version: int  # sessions made before a change of these end

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/certregistry/users/{name}")

    @classmethod
    def create(cls, *, name: str, roles: list[str], password_hash: str, stamp: Stamp) -> "User":
        return cls._begin(
            cls.UserCreated,
            id=cls.create_id(name),
            stamp=stamp,
            effective_date=None,
            name=name,
            roles=roles,
            password_hash=password_hash,
        )

    def change_roles(self, roles: list[str], *, stamp: Stamp) -> None:
        if sorted(roles) != sorted(self.roles):
            self._record(self.RolesChanged, stamp=stamp, effective_date=None, roles=roles)

    def change_password(self, password_hash: str, *, stamp: Stamp) -> None:
        self._record(
            self.PasswordChanged, stamp=stamp, effective_date=None, password_hash=password_hash
        )

    def enrol_totp(self, secret: str, *, stamp: Stamp) -> None:
        self._record(self.TotpEnrolled, stamp=stamp, effective_date=None, totp_secret=secret)

    def disable(self, *, stamp: Stamp) -> None:
        if not self.disabled:
            self._record(self.UserDisabled, stamp=stamp, effective_date=None)

    class UserCreated(Chained.Created):
        name: str
        roles: list[str]
        password_hash: str

        def apply(self, user: "User") -> None:
            user.name, user.roles = self.name, list(self.roles)
            user.password_hash = self.password_hash
            user.disabled = False
            user.totp_secret = None
            user.credentials_version = 1

    class RolesChanged(Chained.Event):
        roles: list[str]

        def apply(self, user: "User") -> None:
            user.roles = list(self.roles)

    class PasswordChanged(Chained.Event):
        password_hash: str

        def apply(self, user: "User") -> None:
            user.password_hash = self.password_hash
            user.credentials_version += 1

    class TotpEnrolled(Chained.Event):
        totp_secret: str

        def apply(self, user: "User") -> None:
            user.totp_secret = self.totp_secret
            user.credentials_version += 1

    class UserDisabled(Chained.Event):
        def apply(self, user: "User") -> None:
            user.disabled = True
            user.credentials_version += 1
