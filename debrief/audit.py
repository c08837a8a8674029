"""The audit trail (DPA 2018 s.62): append-only records, Flask-free.

`record` is the one writer. A change is recorded by the domain function that makes
it, in the change's own transaction; views record only what they show or send
(consultation, disclosure) and what they refuse. Each call adds one row; nothing
here or anywhere else updates or deletes them. Details must never carry passwords,
tokens or free-text answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models import AuditEntry, RefusalTally, User
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


def tally_refusal(
    session: Session, remote_addr: str, action: str, now: datetime | None = None
) -> None:
    """Count a refusal (`action`) of someone not signed in (a missing form token, a page that needs
    signing in, too many sign-ins), and write the record of every minute that has ended.

    One record per address, kind and minute, with the count: a flood of refused requests
    adds a row a minute, not a row a request, to the append-only trail.
    """
    minute = (now or utcnow()).replace(second=0, microsecond=0)
    address = remote_addr[:64]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(RefusalTally).values(
        remote_addr=address, kind=action, minute=minute, count=1
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["remote_addr", "kind", "minute"],
            set_={"count": RefusalTally.count + 1},
        )
    )
    record_ended_minutes(session, before=minute)


def record_ended_minutes(session: Session, before: datetime | None = None) -> int:
    """Write one audit record for each tallied minute before `before` (by default, the
    current minute) and forget the tally; return how many were written."""
    before = before or utcnow().replace(second=0, microsecond=0)
    ended = session.scalars(
        select(RefusalTally).where(RefusalTally.minute < before).with_for_update()
    ).all()
    for tally in ended:
        record(
            session,
            Actor(remote_addr=tally.remote_addr, username="(not signed in)"),
            Category.SECURITY,
            tally.kind,
            details={"count": tally.count, "minute": tally.minute.isoformat(timespec="minutes")},
        )
        session.delete(tally)
    return len(ended)
