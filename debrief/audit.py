"""The audit trail (DPA 2018 s.62): append-only records, Flask-free.

Each call adds one row; nothing here or anywhere else updates or deletes them.
Details must never carry passwords, tokens or free-text answers.
"""

from __future__ import annotations

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


def record(
    session: Session,
    *,
    category: Category,
    action: str,
    user: User | None = None,
    username: str = "",
    object_type: str = "",
    object_id: str | int = "",
    details: dict[str, Any] | None = None,
    remote_addr: str = "",
) -> AuditEntry:
    """Add one audit record to the session's transaction and return it."""
    entry = AuditEntry(
        at=utcnow(),
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else username[:64],
        category=str(category),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
        remote_addr=remote_addr[:64],
    )
    session.add(entry)
    return entry
