"""Password hashing (argon2id) and the password rule, Flask-free."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128


class PasswordRejected(ValueError):
    """A new password breaks the rule; the message says which part."""


@dataclass(frozen=True)
class Hasher:
    """argon2id with the force's cost settings."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 1

    @property
    def _ph(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        """Return an argon2id hash of the password."""
        return self._ph.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """Tell whether the password matches; never raises on a bad hash."""
        try:
            return self._ph.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    @cached_property
    def dummy_hash(self) -> str:
        """A hash made with this hasher's own costs: checking against it takes as long as
        checking a real password (a cheaper one told unknown usernames apart: 8 ms against
        176 ms for a wrong password)."""
        return self.hash(secrets.token_urlsafe(16))

    def dummy_verify(self) -> None:
        """Spend the same time as a real check, so unknown users are not told apart."""
        self.verify(self.dummy_hash, "not the password")


def check_new_password(password: str, *, username: str = "") -> None:
    """Raise PasswordRejected if the password may not be used (length, common, username)."""
    from .common_passwords import is_common

    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Password must be {MIN_LENGTH} characters or more")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Password must be {MAX_LENGTH} characters or fewer")
    if username and password.strip().lower() == username.strip().lower():
        raise PasswordRejected("Password must not be your username")
    if is_common(password):
        raise PasswordRejected(
            "That password is on a list of commonly used passwords. Choose a different one"
        )


def one_time_password() -> str:
    """Return a random one-time password that is easy to read out over the phone."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)
