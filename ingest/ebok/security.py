"""Passwords, tokens and throttling: the parts of the portal an attacker aims at first.

Passwords are argon2id hashes (argon2-cffi's defaults are argon2id).  Tokens sent by e-mail or set in a
cookie are random and stored only as SHA-256 digests.  The throttle is a sliding one-minute window per
key (client address, login name) kept in the database table ``portal_throttle``, so that every process
of ``amr ebok serve --workers N`` counts the same attempts; it counts failures only, so a customer who
logs in correctly is never slowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

_hasher = PasswordHasher()
# a hash to verify against when the login does not exist, so timing does not reveal accounts
_DUMMY = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Throttle:
    """At most ``limit`` events per ``window`` seconds per key; ``blocked`` before, ``hit`` after a failure.

    Events are rows of ``portal_throttle``, written in their own short transaction (committed at once,
    whatever the request does next), so another worker process sees them on its next ``blocked``.  Two
    requests checked at the same instant may both pass before either is recorded: the limit can be
    exceeded by the number of attempts in flight at once, never by more.
    """

    def __init__(self, engine: Engine, scope: str, limit: int = 10, window: float = 60.0) -> None:
        from ingest.ebok.models import ThrottleEvent

        self.engine = engine
        self.scope = scope
        self.limit = limit
        self.window = dt.timedelta(seconds=window)
        self.table = ThrottleEvent.__table__

    def _key(self, key: str) -> str:
        return digest(f"{self.scope}\n{key}")

    def blocked(self, *keys: str) -> bool:
        since = dt.datetime.now(dt.UTC) - self.window
        t = self.table.c
        with self.engine.connect() as conn:
            for k in keys:
                n = conn.execute(select(func.count()).where(t.key == self._key(k), t.at > since)).scalar_one()
                if n >= self.limit:
                    return True
        return False

    def hit(self, *keys: str) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.at <= now - self.window))  # the window has passed
            conn.execute(insert(self.table), [{"key": self._key(k), "at": now} for k in keys])
