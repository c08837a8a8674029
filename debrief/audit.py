"""The audit trail (DPA 2018 s.62): append-only records, Flask-free.

`record` is the one writer. A change is recorded by the domain function that makes
it, in the change's own transaction; views record only what they show or send
(consultation, disclosure) and what they refuse. Each call adds one row; nothing
here or anywhere else updates or deletes them. Details must never carry passwords,
tokens or free-text answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEntry, User
from .timeutil import utcnow


class Category(StrEnum):
    """The s.62 operations, plus security events."""

    COLLECTION = "collection"
    ALTERATION = "alteration"
    CONSULTATION = "consultation"
    DISCLOSURE = "disclosure"
    COMBINATION = "combination"
    ERASURE = "erasure"
    SECURITY = "security"


@dataclass(frozen=True)
class Actor:
    """Who makes a change or reads a record, and from where: what an audit record names.

    Views make one from the request (`web.current_actor`); the command line and the
    retention job have no account and give a `username` instead.
    """

    user: User | None = None
    remote_addr: str = ""
    username: str = ""

    @property
    def account(self) -> User:
        """The person's account, for a change only a signed-in person can make."""
        if self.user is None:
            raise ValueError(f"{self.username or 'Someone'} has no account, so cannot do this")
        return self.user


def record(
    session: Session,
    actor: Actor,
    category: Category,
    action: str,
    *,
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit record to the session's transaction and return it."""
    user = actor.user
    entry = AuditEntry(
        at=utcnow(),
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else actor.username[:64],
        category=str(category),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
        remote_addr=actor.remote_addr[:64],
    )
    session.add(entry)
    return entry
