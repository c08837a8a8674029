"""Drafts, publishing and rolling back question sets (issue 23).

The active question set is the version the one row of `question_set_state` names,
not the file on disk: the file (`QUESTIONS_PATH`) only seeds a new installation.
A draft is any stored version uploaded and checked (a file with mistakes is never
stored). Publishing makes a version active for new debriefs; rolling back makes an
earlier published version active again; debriefs keep the version they were started on.

A publish first claims the state row with a conditional UPDATE and commits the claim,
so that a second publish, from any worker or server, is refused while the first runs,
on SQLite and PostgreSQL alike. A claim older than CLAIM_EXPIRES (a process killed
mid-publish) no longer stops anyone. Publishing commits: its claim must be seen by
others while it runs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import audit
from ..models import (
    QuestionSetPublication,
    QuestionSetState,
    QuestionSetUpload,
    QuestionSetVersion,
    User,
)
from ..timeutil import utcnow
from .loader import QuestionSet, QuestionSetError, load_file, parse
from .store import stored_version

STATE_ID = 1
CLAIM_EXPIRES = timedelta(minutes=5)
REASON_MAX = 1000
FILE_NAME_MAX = 200
PUBLISH, ROLL_BACK, SEED = "publish", "roll_back", "seed"
ACTION_LABELS = {PUBLISH: "Published", ROLL_BACK: "Rolled back to", SEED: "Seeded from the file"}


class PublishRefused(Exception):
    """The version cannot be made active; the message says why."""


class PublishInProgress(PublishRefused):
    """Another publish holds the claim."""


class NoSuchVersion(Exception):
    """No stored question set version has this id."""


class VersionHasProblems(PublishRefused):
    """The version fails today's checks (for example a set from before bindings)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"This version has {len(problems)} problem{'s' if len(problems) != 1 else ''} "
            "and cannot be made active"
        )


def _changed(result) -> int:
    """Return the number of rows an UPDATE changed."""
    return cast(CursorResult, result).rowcount or 0


def state_row(session: Session) -> QuestionSetState:
    """Return the one state row, adding it the first time (two at once: one wins)."""
    row = session.get(QuestionSetState, STATE_ID)
    if row is not None:
        return row
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(QuestionSetState).values(id=STATE_ID).on_conflict_do_nothing())
    row = session.get(QuestionSetState, STATE_ID)
    assert row is not None
    return row


def active_version_id(session: Session) -> int | None:
    """Return the id of the active version: the cheap check every request makes."""
    return session.scalar(
        select(QuestionSetState.active_version_id).where(QuestionSetState.id == STATE_ID)
    )


def seed_if_empty(session: Session, seed_path: str | Path) -> bool:
    """Publish the question file as the first active version of a new installation (or one
    upgraded from when the file was the active set); commit. Raise QuestionSetError when
    it is needed and wrong: the app cannot start without a question set."""
    if active_version_id(session) is not None:
        session.rollback()
        return False
    session.rollback()  # read the file holding no lock: it takes a tenth of a second
    question_set = load_file(seed_path)
    state_row(session)
    row = stored_version(session, question_set)
    done = _changed(
        session.execute(
            update(QuestionSetState)
            .where(QuestionSetState.id == STATE_ID, QuestionSetState.active_version_id.is_(None))
            .values(active_version_id=row.id)
        )
    )
    if done:
        session.add(
            QuestionSetPublication(
                version_id=row.id,
                action=SEED,
                reason=f"New installation: seeded from {Path(seed_path).name}",
                by_id=None,
                at=utcnow(),
            )
        )
    session.commit()
    return bool(done)


def check_upload(data: bytes, file_name: str) -> QuestionSet:
    """Check an uploaded question file as `debrief questions check` does; raise
    QuestionSetError listing every mistake, each with its line and question id."""
    return parse(data, _clean_name(file_name), strict=True)


def _clean_name(file_name: str) -> str:
    name = Path(file_name or "questions.toml").name.strip() or "questions.toml"
    return name[:FILE_NAME_MAX]


def store_draft(
    session: Session, actor: audit.Actor, question_set: QuestionSet, file_name: str
) -> QuestionSetVersion:
    """Keep a checked question set as a draft version (the same file twice is one version)
    and record the upload."""
    row = stored_version(session, question_set)
    if session.get(QuestionSetUpload, row.id) is None:
        session.add(
            QuestionSetUpload(
                version_id=row.id,
                file_name=_clean_name(file_name),
                uploaded_by_id=actor.user.id if actor.user is not None else None,
                uploaded_at=utcnow(),
            )
        )
    audit.record(
        session,
        actor,
        audit.Category.COLLECTION,
        "question_set.draft_uploaded",
        object_type="question_set",
        object_id=row.version_hash,
        details={"file": _clean_name(file_name), "label": question_set.label},
    )
    session.flush()
    return row


def version_or_raise(session: Session, version_id: int) -> QuestionSetVersion:
    """Return a stored version, or raise NoSuchVersion."""
    row = session.get(QuestionSetVersion, version_id)
    if row is None:
        raise NoSuchVersion(version_id)
    return row


def problems_of(row: QuestionSetVersion) -> list[str]:
    """Return what today's checks find wrong with a stored version ([] when none)."""
    try:
        parse(row.source_text.encode("utf-8"), f"version {row.version_hash[:12]}", strict=True)
    except QuestionSetError as exc:
        return exc.problems
    return []


def was_published(session: Session, version_id: int) -> bool:
    """Tell whether a version was ever active (published, rolled back to or seeded)."""
    return (
        session.scalar(
            select(QuestionSetPublication.id)
            .where(QuestionSetPublication.version_id == version_id)
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class Claimed:
    """Who holds the claim of a publish under way, and since when."""

    by: str
    since: datetime


def claim_holder(session: Session) -> Claimed | None:
    """Return who is publishing now, or None."""
    state = session.get(QuestionSetState, STATE_ID)
    if state is None or state.publishing_token is None or state.publishing_since is None:
        return None
    if state.publishing_since < utcnow() - CLAIM_EXPIRES:
        return None
    user = session.get(User, state.publishing_by_id) if state.publishing_by_id else None
    return Claimed(user.display_name if user else "The command line", state.publishing_since)


def make_active(
    session: Session,
    actor: audit.Actor,
    version_id: int,
    reason: str,
    *,
    during: Callable[[], None] | None = None,
) -> QuestionSetPublication:
    """Publish a version (or roll back to one published before) for new debriefs; commit.

    Refused when the reason is empty, the version is already active or fails today's
    checks, or another publish holds the claim. `during` runs while the claim is held
    (tests use it to start a second publish meanwhile).
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise PublishRefused("Enter the reason for the change")
    if len(reason) > REASON_MAX:
        raise PublishRefused(f"The reason must be {REASON_MAX} characters or fewer")
    row = version_or_raise(session, version_id)
    problems = problems_of(row)
    if problems:
        raise VersionHasProblems(problems)
    state_row(session)
    if active_version_id(session) == row.id:
        raise PublishRefused("This version is already the one new debriefs start on")
    token = secrets.token_hex(16)
    now = utcnow()
    claimed = _changed(
        session.execute(
            update(QuestionSetState)
            .where(
                QuestionSetState.id == STATE_ID,
                or_(
                    QuestionSetState.publishing_token.is_(None),
                    QuestionSetState.publishing_since < now - CLAIM_EXPIRES,
                ),
            )
            .values(
                publishing_token=token,
                publishing_since=now,
                publishing_by_id=actor.user.id if actor.user is not None else None,
            )
        )
    )
    if not claimed:
        session.rollback()
        holder = claim_holder(session)
        session.rollback()
        who = f"{holder.by} started one at {holder.since:%H:%M:%S} UTC" if holder else ""
        raise PublishInProgress(
            "Another publish is in progress"
            + (f" ({who})" if who else "")
            + ". Try again when it has finished."
        )
    session.commit()
    try:
        if during is not None:
            during()
        return _switch(session, actor, row, reason, token)
    except BaseException:
        session.rollback()
        _release(session, token)
        raise


def _switch(
    session: Session, actor: audit.Actor, row: QuestionSetVersion, reason: str, token: str
) -> QuestionSetPublication:
    previous_id = active_version_id(session)
    if previous_id == row.id:
        raise PublishRefused("This version is already the one new debriefs start on")
    action = ROLL_BACK if was_published(session, row.id) else PUBLISH
    previous = session.get(QuestionSetVersion, previous_id) if previous_id else None
    publication = QuestionSetPublication(
        version_id=row.id,
        action=action,
        reason=reason,
        by_id=actor.user.id if actor.user is not None else None,
        at=utcnow(),
    )
    session.add(publication)
    session.execute(
        update(QuestionSetState)
        .where(QuestionSetState.id == STATE_ID, QuestionSetState.publishing_token == token)
        .values(
            active_version_id=row.id,
            publishing_token=None,
            publishing_since=None,
            publishing_by_id=None,
        )
    )
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "question_set.published" if action == PUBLISH else "question_set.rolled_back",
        object_type="question_set",
        object_id=row.version_hash,
        details={
            "version": row.version_hash,
            "previous": previous.version_hash if previous else None,
            "reason": reason,
        },
    )
    session.commit()
    return publication


def _release(session: Session, token: str) -> None:
    session.execute(
        update(QuestionSetState)
        .where(QuestionSetState.id == STATE_ID, QuestionSetState.publishing_token == token)
        .values(publishing_token=None, publishing_since=None, publishing_by_id=None)
    )
    session.commit()


@dataclass(frozen=True)
class VersionRow:
    """One stored version as the question-set page lists it."""

    row: QuestionSetVersion
    question_set: QuestionSet | None
    status: str  # Active, Published before, Draft, Used by debriefs
    upload: QuestionSetUpload | None


def versions(session: Session) -> list[VersionRow]:
    """Return every stored version, newest first, with its status."""
    from .store import question_set_of

    active_id = active_version_id(session)
    published = set(session.scalars(select(QuestionSetPublication.version_id)).all())
    uploads = {u.version_id: u for u in session.scalars(select(QuestionSetUpload)).all()}
    rows = session.scalars(select(QuestionSetVersion).order_by(QuestionSetVersion.id.desc()))
    listed = []
    for row in rows:
        if row.id == active_id:
            status = "Active"
        elif row.id in published:
            status = "Published before"
        elif row.id in uploads:
            status = "Draft"
        else:
            status = "Used by debriefs"
        try:
            question_set = question_set_of(row)
        except QuestionSetError:
            question_set = None
        listed.append(VersionRow(row, question_set, status, uploads.get(row.id)))
    return listed


def history(session: Session, limit: int = 50) -> list[QuestionSetPublication]:
    """Return the latest publishes, roll backs and the seed, newest first."""
    return list(
        session.scalars(
            select(QuestionSetPublication).order_by(QuestionSetPublication.id.desc()).limit(limit)
        )
    )
