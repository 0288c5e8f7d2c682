"""People's accounts: created, listed, disabled and given new passwords; passwords checked
with Argon2id (argon2-cffi) and a lockout that doubles after repeated failures."""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import cast
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from registry.aggregates.chain import Stamp
from registry.aggregates.user import ROLES, User
from registry.application import Registry
from registry.errors import InvalidInput, NotFound
from registry.projections.store import ViewStore
from registry.tokens import NAME

log = logging.getLogger("registry.users")

MIN_PASSWORD = 12
MAX_PASSWORD = 256
FREE_FAILURES = 4  # the fifth failure in a row locks the account
LOCK_BASE = timedelta(minutes=1)  # then 1, 2, 4 … minutes, at most a day
LOCK_MAX = timedelta(days=1)

_hasher = PasswordHasher()  # Argon2id with the library's (RFC 9106) parameters


@cache
def _dummy() -> str:
    """A hash to check an unknown user's password against, so that it costs as much as a
    known one's. Made at the first such sign-in, not at import: every process imports this
    module (each CLI command, each server), and one Argon2id hash is ~0.6 s of CPU."""
    return _hasher.hash("an unknown user costs as much as a known one")


TABLES = (
    """CREATE TABLE IF NOT EXISTS console_failures (
        name TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until TEXT)""",
)


@dataclass(frozen=True)
class UserInfo:
    name: str
    roles: tuple[str, ...]
    disabled: bool
    totp: bool
    created_at: str


class Locked(InvalidInput):
    slug = "locked"
    title = "Too many failed sign-ins"


def new_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def check_roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise InvalidInput(
            f"roles are one or more of {', '.join(ROLES)}; not {', '.join(unknown) or 'none'}",
            field="roles",
        )
    return sorted(set(roles), key=ROLES.index)


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or not password.isprintable():
        raise InvalidInput(
            f"a password is {MIN_PASSWORD}-{MAX_PASSWORD} printable characters",
            field="password",
        )
    return password


class Accounts:
    """The use cases on people, over the registry's store and clock."""

    def __init__(self, registry: Registry):
        self.registry = registry
        create_tables(registry.views, "console_failures", TABLES)

    def get(self, name: str) -> User | None:
        if not NAME.fullmatch(name):
            return None
        try:
            return cast(User, self.registry.repository.get(User.create_id(name)))
        except AggregateNotFoundError:
            return None

    def _existing(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise NotFound(f"no user named {name!r}")
        return user

    def create(
        self, name: str, roles: list[str], *, actor: str, password: str | None = None
    ) -> str:
        """Create a user; answer the initial password (made here unless given)."""
        if not NAME.fullmatch(name):
            raise InvalidInput(
                "a user name is 1-64 letters, digits or . _ @ - (it is recorded as the actor)",
                field="name",
            )
        roles = check_roles(roles)
        password = new_password() if password is None else check_password(password)
        if self.get(name) is not None:
            raise InvalidInput(f"the user name {name!r} is taken", field="name")
        hashed = _hasher.hash(password)
        self.registry.save(
            User.create(name=name, roles=roles, password_hash=hashed, stamp=self._stamp(actor))
        )
        log.info("user %s created by %s with roles %s", name, actor, ",".join(roles))
        return password

    def listing(self) -> list[UserInfo]:
        topic = [get_topic(User.UserCreated)]
        users: list[UserInfo] = []
        last = 0
        while notes := self.registry.recorder.select_notifications(
            start=last, limit=500, topics=topic, inclusive_of_start=False
        ):
            for note in notes:
                user = cast(User, self.registry.repository.get(cast(UUID, note.originator_id)))
                users.append(
                    UserInfo(
                        user.name,
                        tuple(user.roles),
                        user.disabled,
                        user.totp_secret is not None,
                        user.created_on.isoformat(timespec="seconds"),
                    )
                )
            last = notes[-1].id
        return sorted(users, key=lambda u: u.name)

    def disable(self, name: str, *, actor: str) -> None:
        user = self._existing(name)
        user.disable(stamp=self._stamp(actor))
        self.registry.save(user)
        log.info("user %s disabled by %s", name, actor)

    def change_roles(self, name: str, roles: list[str], *, actor: str) -> None:
        user = self._existing(name)
        user.change_roles(check_roles(roles), stamp=self._stamp(actor))
        self.registry.save(user)

    def set_password(self, name: str, *, actor: str, password: str | None = None) -> str:
        """A new password (made here unless given); every session of the user ends."""
        user = self._existing(name)
        password = new_password() if password is None else check_password(password)
        user.change_password(_hasher.hash(password), stamp=self._stamp(actor))
        self.registry.save(user)
        self._forget_failures(name)
        log.info("password of %s changed by %s", name, actor)
        return password

    def enrol_totp(self, name: str, secret: str) -> None:
        user = self._existing(name)
        user.enrol_totp(secret, stamp=self._stamp(name))
        self.registry.save(user)

    def prepare_sign_in(self) -> None:
        """Make the hash an unknown user's password is checked against, once a process,
        before the first sign-in (which would otherwise pay for it, and so take longer for
        an unknown name)."""
        _dummy()

    def sign_in(self, name: str, password: str) -> User | None:
        """The user when the password is right, the account live and not locked; None when
        wrong (counted). Raises `Locked` while locked, whatever the password."""
        now = self.registry.clock()
        locked_until = self._locked_until(name)
        if locked_until is not None and now < locked_until:
            until = locked_until.isoformat(timespec="seconds")
            raise Locked(
                f"too many failed sign-ins; try again after {until}",
                field="password",
            )
        user = self.get(name)
        if user is not None and not user.disabled and _verifies(user.password_hash, password):
            self._forget_failures(name)
            return user
        if user is None:
            _verifies(_dummy(), password)
        self.failed(name)
        return None

    def failed(self, name: str) -> None:
        """Count one failed sign-in (a wrong password or second factor)."""
        now = self.registry.clock()
        row = self.registry.views.query_one(
            "SELECT failures FROM console_failures WHERE name = %s", (name[:64],)
        )
        failures = (int(row[0]) if row else 0) + 1
        locked_until = None
        if failures > FREE_FAILURES:
            lock = min(LOCK_BASE * 2 ** (failures - FREE_FAILURES - 1), LOCK_MAX)
            locked_until = (now + lock).isoformat()
        with self.registry.views.transaction() as cursor:
            cursor.execute(
                "INSERT INTO console_failures (name, failures, locked_until) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until",
                (name[:64], failures, locked_until),
            )
        log.warning(
            "failed sign-in %d in a row for %r%s",
            failures,
            name[:64],
            f"; locked until {locked_until}" if locked_until else "",
        )

    def _locked_until(self, name: str) -> datetime | None:
        row = self.registry.views.query_one(
            "SELECT locked_until FROM console_failures WHERE name = %s", (name[:64],)
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def _forget_failures(self, name: str) -> None:
        with self.registry.views.transaction() as cursor:
            cursor.execute("DELETE FROM console_failures WHERE name = %s", (name[:64],))

    def _stamp(self, actor: str) -> Stamp:
        return Stamp(actor, self.registry.clock())


def create_tables(views: ViewStore, name: str, statements: tuple[str, ...]) -> None:
    """DDL only when missing: it would lock against writers on every start."""
    if not views.has_table(name):
        with views.transaction() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
