"""Reading the audit trail: filter, page, and export to xlsx (Flask-free).

Only SELECTs here. Nothing in the product updates or deletes audit rows; see
tests/test_audit_append_only.py, which scans the code for any path that could.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import IO

from sqlalchemy import Select, event, func, select
from sqlalchemy.orm import Session

from .. import xlsx
from ..db import reads_first
from ..models import AuditEntry
from ..timeutil import format_local, from_local

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What an administrator is looking for; blank fields do not filter."""

    username: str = ""
    category: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None  # UK local dates, inclusive
    date_to: date | None = None

    def describe(self) -> dict[str, str]:
        """Return the filters in use, for the export's own audit record and title."""
        return {k: str(v) for k, v in asdict(self).items() if v not in ("", None)}


def _select(columns, f: AuditFilter) -> Select:
    query = select(*columns)
    if f.username:
        query = query.where(AuditEntry.username == f.username.strip().lower())
    if f.category:
        query = query.where(AuditEntry.category == f.category)
    if f.action:
        query = query.where(AuditEntry.action == f.action.strip())
    if f.object_type:
        query = query.where(AuditEntry.object_type == f.object_type.strip())
    if f.object_id:
        query = query.where(AuditEntry.object_id == f.object_id.strip())
    if f.date_from:
        query = query.where(AuditEntry.at >= from_local(datetime.combine(f.date_from, time())))
    if f.date_to:
        next_day = datetime.combine(f.date_to + timedelta(days=1), time())
        query = query.where(AuditEntry.at < from_local(next_day))
    return query


def count(session: Session, f: AuditFilter) -> int:
    """Return how many records match."""
    return session.scalar(_select([func.count()], f).select_from(AuditEntry)) or 0


def page(session: Session, f: AuditFilter, number: int = 1) -> list[AuditEntry]:
    """Return one page of matching records, newest first."""
    query = _select([AuditEntry], f).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    offset = (max(number, 1) - 1) * PAGE_SIZE
    return list(session.scalars(query.offset(offset).limit(PAGE_SIZE)))


def details_text(details: dict | None) -> str:
    """Return a record's details as one line of text."""
    if not details:
        return ""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, default=str)


def details_summary(details: dict | None) -> str:
    """Return a record's details for reading on screen: "key: value; key: value"."""
    if not details:
        return ""
    parts = []
    for key, value in sorted(details.items()):
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value) or "none"
        elif isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "none"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


COLUMNS = [
    xlsx.Column("Time (UTC)", 18, xlsx.DATETIME_FORMAT),
    xlsx.Column("Time (UK)", 18),
    xlsx.Column("User", 18),
    xlsx.Column("Kind", 13),
    xlsx.Column("Action", 24),
    xlsx.Column("Object type", 13),
    xlsx.Column("Object id", 12),
    xlsx.Column("Details", 60, wrap=True),
    xlsx.Column("Address", 16),
    xlsx.Column("Record id", 10, xlsx.INTEGER_FORMAT),
]


def write_xlsx(session: Session, f: AuditFilter, target: IO[bytes], *, marking: str) -> int:
    """Write the matching records (oldest first) to an xlsx workbook; return the row count."""
    workbook = xlsx.new_workbook()
    filters = f.describe()
    title = "Audit trail" + (
        " – " + ", ".join(f"{k}: {v}" for k, v in filters.items()) if filters else ""
    )
    sheet = xlsx.TableSheet(
        workbook,
        "Audit trail",
        COLUMNS,
        marking=marking,
        table="AuditTrail",
        heading_rows=[[marking], [title]],
    )
    query = _select([AuditEntry], f).order_by(AuditEntry.at, AuditEntry.id)
    with reads_first():
        for entry in session.scalars(query.execution_options(yield_per=1000)):
            sheet.append(
                [
                    entry.at,
                    format_local(entry.at),
                    entry.username,
                    entry.category,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    details_text(entry.details),
                    entry.remote_addr,
                    entry.id,
                ]
            )
        session.rollback()  # end the read transaction
    sheet.finish()
    xlsx.save(workbook, target)
    return sheet.rows_written


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised on any attempt to change or remove an audit record through the ORM."""


def _refuse_change(*_args) -> None:
    raise AuditTrailIsAppendOnly("Audit records are never changed or deleted")


def _refuse_bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and any(
        getattr(m, "class_", None) is AuditEntry for m in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("Audit records are never changed or deleted")


# The database role should also have INSERT and SELECT only (README); this guards
# the code paths on every database, SQLite included.
event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
event.listen(Session, "do_orm_execute", _refuse_bulk_change)
