"""Question set versions in the database: stamp, snapshot and read back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import QuestionSetVersion
from .loader import QuestionSet, parse_snapshot


def stored_version(session: Session, question_set: QuestionSet) -> QuestionSetVersion:
    """Return the stored snapshot of this question set, storing it the first time."""
    row = session.scalar(
        select(QuestionSetVersion).where(QuestionSetVersion.version_hash == question_set.version)
    )
    if row is None:
        row = QuestionSetVersion(
            version_hash=question_set.version, source_text=question_set.source_text
        )
        session.add(row)
        session.flush()
    return row


def question_set_of(row: QuestionSetVersion) -> QuestionSet:
    """Return the question set a stored version holds (parsed once per process)."""
    return parse_snapshot(row.source_text)


def bound_ids(session: Session, name: str) -> set[str]:
    """Return the ids every stored version gives a binding (see bindings.py), for queries
    over answers of several versions at once."""
    rows = session.scalars(select(QuestionSetVersion)).all()
    return {qid for row in rows if (qid := question_set_of(row).bound_id(name)) is not None}
