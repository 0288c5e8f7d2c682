"""Console sessions: a random secret in a cookie, its SHA-256 in a table; a session ends on
sign-out, after a spell of inactivity, and when its user is disabled or changes password."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.aggregates.user import User
from registry.users import Accounts, create_tables

TABLES = (
    """CREATE TABLE IF NOT EXISTS console_sessions (
        id_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        credentials_version INTEGER NOT NULL,
        csrf TEXT NOT NULL,
        last_seen TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class Session:
    name: str
    roles: tuple[str, ...]
    csrf: str  # the synchronizer token every form of this session carries
    totp: bool  # whether the user has a second factor

    def holds(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def csrf_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), token.encode("utf-8", "replace"))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class Sessions:
    def __init__(self, accounts: Accounts, idle: timedelta):
        self.accounts = accounts
        self.views = accounts.registry.views
        self.clock = accounts.registry.clock
        self.idle = idle
        create_tables(self.views, "console_sessions", TABLES)

    def start(self, user: User) -> str:
        """A new session for a signed-in user; answer the secret for its cookie."""
        secret = secrets.token_urlsafe(32)
        with self.views.transaction() as cursor:
            cursor.execute(  # sessions left idle are forgotten here rather than by a sweeper
                "DELETE FROM console_sessions WHERE last_seen < %s",
                ((self.clock() - self.idle).isoformat(),),
            )
            cursor.execute(
                "INSERT INTO console_sessions "
                "(id_hash, user_name, credentials_version, csrf, last_seen) "
                "VALUES (%s, %s, %s, %s, %s)",
                (
                    _digest(secret),
                    user.name,
                    user.credentials_version,
                    secrets.token_urlsafe(32),
                    self._now(),
                ),
            )
        return secret

    def resume(self, secret: str) -> Session | None:
        """The live session of this secret, its inactivity clock restarted; else None."""
        if not secret or len(secret) > 100:
            return None
        key = _digest(secret)
        row = self.views.query_one(
            "SELECT user_name, credentials_version, csrf, last_seen FROM console_sessions "
            "WHERE id_hash = %s",
            (key,),
        )
        if row is None:
            return None
        name, version, csrf, last_seen = row
        user = self.accounts.get(str(name))
        idle = self.clock() - datetime.fromisoformat(str(last_seen))
        if (
            user is None
            or user.disabled
            or user.credentials_version != int(version)
            or idle > self.idle
        ):
            self.end(secret)
            return None
        with self.views.transaction() as cursor:
            cursor.execute(
                "UPDATE console_sessions SET last_seen = %s WHERE id_hash = %s", (self._now(), key)
            )
        return Session(user.name, tuple(user.roles), str(csrf), user.totp_secret is not None)

    def end(self, secret: str) -> None:
        with self.views.transaction() as cursor:
            cursor.execute("DELETE FROM console_sessions WHERE id_hash = %s", (_digest(secret),))

    def _now(self) -> str:
        return self.clock().isoformat()
