"""Importing the NCCU referral list and command-and-control events (Flask-free).

A file is first read into a preview: rows to add, update or leave alone, and
rows rejected with their row number, column and reason. Nothing is written
until the preview is confirmed; then every change goes in one transaction.
Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..db import hold_write_lock, refresh_table_statistics
from ..models import Debrief, ImportBatch
from ..timeutil import to_local, utcnow
from . import chasing
from .fields import EVENTS, KIND_LABELS, KINDS, NCCU, Context, Kind
from .files import ImportRefused, heading_key, read_table

__all__ = [
    "EVENTS",
    "KINDS",
    "KIND_LABELS",
    "NCCU",
    "ImportRefused",
    "Preview",
    "confirm",
    "discard",
    "preview_file",
    "stage",
]

STALE_PREVIEW = timedelta(days=1)


class PreviewChanged(Exception):
    """The data changed between the preview and the confirmation; show the new preview."""

    def __init__(self, preview: Preview):
        super().__init__("The list or the records changed since the preview.")
        self.preview = preview


@dataclass(frozen=True)
class Rejection:
    """One reason a row cannot be imported."""

    row: int
    column: str
    reason: str
    reference: str = ""


@dataclass
class RowPlan:
    """A valid row and what confirming would do with it."""

    row: int
    reference: str
    values: dict[str, Any]
    action: str = "add"  # add, update, unchanged, kept
    changed: list[str] = field(default_factory=list)  # column headings that differ


@dataclass
class Preview:
    """What importing a file would do; nothing has been written."""

    kind: str
    filename: str
    sha256: str
    headings: Mapping[str, str]
    plans: list[RowPlan]
    rejections: list[Rejection]
    unknown_columns: list[str]
    missing_columns: list[str]
    previously_applied: ImportBatch | None = None

    def rows(self, action: str) -> list[RowPlan]:
        """Return the rows that confirming would treat this way."""
        return [plan for plan in self.plans if plan.action == action]

    @property
    def rejected_rows(self) -> int:
        """Return how many rows are rejected (a row may have several reasons)."""
        return len({rejection.row for rejection in self.rejections})

    def summary(self) -> dict[str, int]:
        """Return the counts shown to the reviewer and kept on the batch."""
        counts = {action: len(self.rows(action)) for action in ("add", "update", "unchanged")}
        counts["kept"] = len(self.rows("kept"))
        counts["rejected"] = self.rejected_rows
        return counts

    def summary_lines(self) -> list[str]:
        """Return the preview as lines of text, for the command line."""
        s = self.summary()
        lines = [
            f"{KIND_LABELS[self.kind].capitalize()} {self.filename}:",
            f"  {s['add']} to add, {s['update']} to update, {s['unchanged']} unchanged, "
            f"{s['rejected']} rejected",
        ]
        if s["kept"]:
            lines.append(f"  {s['kept']} already recorded by a debrief, left as they are")
        for name in self.missing_columns:
            lines.append(f"  No “{name}” column: that information is left blank.")
        for name in self.unknown_columns:
            lines.append(f"  Column “{name}” is not one the import uses; it was ignored.")
        for r in self.rejections:
            lines.append(f"  Row {r.row}, {r.column}: {r.reason}")
        return lines


def preview_file(
    session: Session, kind: str, filename: str, data: bytes, config: Mapping[str, Any]
) -> Preview:
    """Read and check a file, compare it with the records, and return the preview."""
    preview = check_file(kind, filename, data, config)
    compare(session, preview, config)
    return preview


def check_file(kind: str, filename: str, data: bytes, config: Mapping[str, Any]) -> Preview:
    """Read a file and check every row, touching no database: the slow part of an import
    (seconds for 50,000 rows), done before any lock is taken. `compare` completes it."""
    spec = KINDS[kind]
    ctx = Context.from_config(config, kind)
    table = read_table(
        filename, data, max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"]
    )
    positions, unknown, missing = _map_columns(table.headings, spec, ctx)
    plans, rejections = _check_rows(table.rows, positions, spec, ctx)
    digest = hashlib.sha256(data).hexdigest()
    return Preview(
        kind=kind,
        filename=filename,
        sha256=digest,
        headings=ctx.columns,
        plans=plans,
        rejections=rejections,
        unknown_columns=unknown,
        missing_columns=missing,
    )


def compare(session: Session, preview: Preview, config: Mapping[str, Any]) -> None:
    """Mark each checked row add, update, unchanged or kept against the records now, and
    note an earlier import of the same file."""
    spec = KINDS[preview.kind]
    _compare_with_records(session, spec, preview.plans, Context.from_config(config, spec.name))
    preview.previously_applied = session.scalars(
        select(ImportBatch)
        .where(ImportBatch.sha256 == preview.sha256, ImportBatch.kind == preview.kind)
        .where(ImportBatch.status == "applied")
        .order_by(ImportBatch.applied_at.desc())
        .limit(1)
    ).first()


def _map_columns(headings: list[str], spec: Kind, ctx: Context):
    """Find each field's column by heading; refuse the file if a required one is missing."""
    seen: dict[str, int] = {}
    for index, heading in enumerate(headings):
        key = heading_key(heading)
        if not key:
            continue
        if key in seen:
            raise ImportRefused(f"The column “{heading}” appears twice. Keep one of them.")
        seen[key] = index
    wanted = {heading_key(ctx.columns[f.key]): f for f in spec.fields}
    positions = {f.key: seen[key] for key, f in wanted.items() if key in seen}
    unknown = [headings[i] for key, i in seen.items() if key not in wanted]
    absent = [f for f in spec.fields if f.key not in positions]
    required = [ctx.columns[f.key] for f in absent if f.column_required]
    if required:
        names = ", ".join(f"“{name}”" for name in required)
        raise ImportRefused(
            f"The file has no {names} column{'s' if len(required) > 1 else ''}. "
            "The first row must hold the column headings: "
            + ", ".join(f"“{ctx.columns[f.key]}”" for f in spec.fields)
            + "."
        )
    return positions, unknown, [ctx.columns[f.key] for f in absent]


def _check_rows(rows, positions, spec: Kind, ctx: Context):
    plans: list[RowPlan] = []
    rejections: list[Rejection] = []
    by_key: dict[str, list[int]] = {}
    for number, cells in rows:
        values: dict[str, Any] = {}
        errors: list[Rejection] = []
        for f in spec.fields:
            heading = ctx.columns[f.key]
            index = positions.get(f.key)
            if index is None:
                continue  # an absent optional column leaves what is recorded alone
            raw = cells[index] if index < len(cells) else None
            if raw is None:
                if f.value_required:
                    errors.append(Rejection(number, heading, f"The {heading} is blank"))
                values[f.key] = f.default
                continue
            try:
                values[f.key] = f.parse(raw, ctx)
            except ValueError as exc:
                errors.append(Rejection(number, heading, str(exc)))
        errors.extend(_row_rules(spec, values, number, ctx))
        reference = values.get(spec.key) or ""
        for error in errors:
            error_ref = Rejection(error.row, error.column, error.reason, str(reference))
            rejections.append(error_ref)
        if reference:
            by_key.setdefault(reference, []).append(number)
        if not errors:
            plans.append(RowPlan(number, reference, values))
    duplicates = {ref: numbers for ref, numbers in by_key.items() if len(numbers) > 1}
    if duplicates:
        heading = ctx.columns[spec.key]
        for ref, numbers in duplicates.items():
            where = ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"
            for number in numbers:
                rejections.append(
                    Rejection(
                        number, heading, f"{ref} is on rows {where}: keep one row for it", ref
                    )
                )
        plans = [plan for plan in plans if plan.reference not in duplicates]
    rejections.sort(key=lambda r: r.row)
    return plans, rejections


def _row_rules(spec: Kind, values: dict[str, Any], number: int, ctx: Context) -> list[Rejection]:
    """Checks across fields of one row."""
    if spec.name != NCCU:
        return []
    received_at = values.get("intel_doc_received_at")
    heading = ctx.columns["intel_doc_received_at"]
    if received_at is None:
        return []
    if values.get("intel_doc_received") is False:
        return [
            Rejection(number, heading, "A date is given but the document is marked not received")
        ]
    referred_at = values.get("referred_at")
    if referred_at is not None and to_local(received_at).date() < to_local(referred_at).date():
        return [Rejection(number, heading, "The document is dated before the referral")]
    return []


def _compare_with_records(session: Session, spec: Kind, plans: list[RowPlan], ctx: Context):
    """Mark each row add, update (naming the changed columns), unchanged or kept."""
    existing = _records_by_reference(session, spec, [plan.reference for plan in plans])
    debriefed = _debriefed_events(session, existing.values()) if spec.name == EVENTS else set()
    for plan in plans:
        record = existing.get(plan.reference)
        if record is None:
            plan.action = "add"
            continue
        if spec.name == EVENTS and (record.source != "import" or record.id in debriefed):
            plan.action = "kept"  # a sergeant's record of the event is not overwritten
            continue
        plan.changed = [
            ctx.columns[key] for key, value in plan.values.items() if getattr(record, key) != value
        ]
        plan.action = "update" if plan.changed else "unchanged"


def _records_by_reference(session: Session, spec: Kind, references: list[str]) -> dict[str, Any]:
    """Return the stored rows (plain rows, not ORM objects: 50,000 are read at once) with
    these references, by reference."""
    table = spec.model.__table__
    key = table.c[spec.key]
    found: dict[str, Any] = {}
    for start in range(0, len(references), 500):
        chunk = references[start : start + 500]
        for row in session.execute(select(table).where(key.in_(chunk))):
            found[getattr(row, spec.key)] = row
    return found


def _debriefed_events(session: Session, events) -> set[int]:
    """Return the ids of these events that a sergeant is debriefing (their record is theirs)."""
    ids = [event.id for event in events]
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(session.scalars(select(Debrief.event_id).where(Debrief.event_id.in_(chunk))))
    return found


def stage(session: Session, preview: Preview, data: bytes, actor: Actor) -> ImportBatch:
    """Keep the file and its preview until the reviewer confirms or cancels."""
    _clear_stale_previews(session)
    batch = ImportBatch(
        kind=preview.kind,
        filename=preview.filename[:255],
        sha256=preview.sha256,
        content=data,
        status="previewed",
        summary=preview.summary(),
        uploaded_by_id=actor.user.id if actor.user else None,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Category.COLLECTION,
        f"import.{batch.kind}.previewed",
        object_type="import_batch",
        object_id=batch.id,
        details=_audit_details(batch),
    )
    return batch


def _clear_stale_previews(session: Session) -> None:
    """Forget files previewed long ago and never confirmed: keep no more than needed."""
    cutoff = utcnow() - STALE_PREVIEW
    for batch in session.scalars(
        select(ImportBatch).where(
            ImportBatch.status == "previewed", ImportBatch.uploaded_at < cutoff
        )
    ):
        batch.status = "expired"
        batch.content = None


def confirm(
    session: Session, batch: ImportBatch, config: Mapping[str, Any], actor: Actor
) -> Preview:
    """Apply a previewed batch in the caller's transaction; raise PreviewChanged if it moved.

    The file is read and checked first, without the write lock; then, holding it, the rows
    are compared with the records as they are now and written in bulk (about a second for
    50,000 rows, where reading, checking and writing row by row held it for 6.6 s)."""
    if batch.status != "previewed" or batch.content is None:
        raise ImportRefused("This import has already been dealt with. Upload the file again.")
    preview = check_file(batch.kind, batch.filename, batch.content, config)
    hold_write_lock(session)
    session.refresh(batch, with_for_update=True)
    if batch.status != "previewed" or batch.content is None:
        raise ImportRefused("This import has already been dealt with. Upload the file again.")
    compare(session, preview, config)
    if preview.summary() != batch.summary:
        batch.summary = preview.summary()
        raise PreviewChanged(preview)
    apply(session, preview, batch, actor)
    batch.status = "applied"
    batch.applied_at = utcnow()
    batch.content = None
    if batch.kind == NCCU:  # what the list says moves the chase of each referral on it
        listed = {
            plan.reference: bool(plan.values.get("intel_doc_received")) for plan in preview.plans
        }
        chasing.after_import(session, batch, listed, actor)
    audit.record(
        session,
        actor,
        audit.Category.COLLECTION,
        f"import.{batch.kind}.applied",
        object_type="import_batch",
        object_id=batch.id,
        details=_audit_details(batch),
    )
    return preview


# Rows written per statement: one executemany each, within SQLite's and psycopg's limits.
WRITE_BATCH = 5_000


# From this many rows added, an import refreshes the table's planner statistics (SQLite).
BULK_ROWS = 1000


def apply(session: Session, preview: Preview, batch: ImportBatch, actor: Actor) -> None:
    """Write every add and update of a preview in bulk; the caller commits once, or not at
    all. The ORM's unit of work is not used: 50,000 objects took seconds to flush."""
    spec = KINDS[preview.kind]
    table = cast(Table, spec.model.__table__)
    updates = preview.rows("update")
    stored = _records_by_reference(session, spec, [plan.reference for plan in updates])
    added = [_new_values(spec, plan.values, batch, actor) for plan in preview.rows("add")]
    changed = [
        _changed_values(spec, plan.values, stored[plan.reference], batch) for plan in updates
    ]
    # Core statements, one executemany a batch (the ORM's bulk paths split rows whose
    # values are None into statements of their own: 20,000 round trips on PostgreSQL).
    for start in range(0, len(added), WRITE_BATCH):
        session.execute(insert(table), added[start : start + WRITE_BATCH])
    for columns, rows in _by_columns(changed).items():
        statement = update(table).where(table.c.id == bindparam("record_id"))
        statement = statement.values({c: bindparam(c) for c in columns})
        for start in range(0, len(rows), WRITE_BATCH):
            session.execute(statement, rows[start : start + WRITE_BATCH])
    if len(added) >= BULK_ROWS:  # the statistics may say the table is many times smaller
        refresh_table_statistics(session, table.name)


def _by_columns(rows: list[dict]) -> dict[tuple[str, ...], list[dict]]:
    """Group rows to update by the columns they set (an absent column is left alone)."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "record_id")), []).append(row)
    return groups


def _new_values(spec: Kind, values: dict[str, Any], batch: ImportBatch, actor: Actor) -> dict:
    """Return a new record's columns from a checked row (defaults as the model gives them)."""
    row = {**values, "created_at": utcnow()}
    if spec.name == EVENTS:
        row.update(
            source="import",
            created_by_id=actor.user.id if actor.user else None,
            partner_agencies=[],
            nccu_referral_made=True if row.get("nccu_reference") else None,
        )
    else:
        row.update(batch_id=batch.id, updated_at=row["created_at"])
    return row


def _changed_values(spec: Kind, values: dict[str, Any], stored: Any, batch: ImportBatch) -> dict:
    """Return an existing record's id and its columns from a checked row."""
    row = {"record_id": stored.id, **values}
    if spec.name == EVENTS:
        reference = (
            values["nccu_reference"] if "nccu_reference" in values else stored.nccu_reference
        )
        row["nccu_referral_made"] = True if reference else None
    else:
        row.update(batch_id=batch.id, updated_at=utcnow())
    return row


def discard(session: Session, batch: ImportBatch, actor: Actor) -> None:
    """Cancel a previewed import and forget its file."""
    if batch.status == "previewed":
        batch.status = "discarded"
        batch.content = None
        audit.record(
            session,
            actor,
            audit.Category.COLLECTION,
            f"import.{batch.kind}.discarded",
            object_type="import_batch",
            object_id=batch.id,
            details=_audit_details(batch),
        )


def _audit_details(batch: ImportBatch) -> dict[str, Any]:
    """Return what an import's audit records say of it: the file and the preview's counts."""
    return {"file": batch.filename, "sha256": batch.sha256, **(batch.summary or {})}
