"""A return to the sergeant with comments on single answers, and what changed by the
resubmission. Flask-free; shared by the hub (review/) and the sergeant (debriefs/).

When the hub returns a debrief, `record_return` keeps the answers as they stood and
the reviewer's comment on each answer that needs fixing. The sergeant sees each comment
beside its question, may reply, and resubmits; `record_changes` then compares the
answers with those kept, and writes each change to the debrief's history (question,
old, new) for the reviewer. The admin audit gets the ids of the answers, never values.
Comments, replies and kept answers are erased with the debrief (admin/retention.py)
and never read by an export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..models import AnswerComment, Debrief, HistoryEntry, ReviewReturn, User
from ..questions.loader import QuestionSet
from ..timeutil import utcnow
from ..workflow import add_history

MAX_COMMENT = 1000
MAX_REPLY = 1000


class CommentTooLong(ValueError):
    """A comment or reply longer than its limit (a form error)."""


def _answers(debrief: Debrief) -> dict[str, Any]:
    return {answer.question_id: answer.value for answer in debrief.answers}


def clean_comments(
    question_set: QuestionSet, debrief: Debrief, typed: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Return the comments worth keeping ({question id: text}, in question order) and the
    errors ({question id: message}); a question not in the set is ignored."""
    comments: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question in question_set.questions:
        text = (typed.get(question.id) or "").strip()
        if not text:
            continue
        if len(text) > MAX_COMMENT:
            errors[question.id] = f"The comment must be {MAX_COMMENT} characters or fewer"
        comments[question.id] = text
    return comments, errors


def record_return(
    session: Session,
    debrief: Debrief,
    user: User,
    entry: HistoryEntry,
    comments: dict[str, str],
) -> ReviewReturn:
    """Keep the answers as returned and the comments on them (`entry`: the return)."""
    session.flush()  # the history entry's id
    row = ReviewReturn(
        debrief_id=debrief.id,
        history_id=entry.id,
        returned_by_id=user.id,
        returned_at=entry.at,
        answers_before=_answers(debrief),
        changes=[],
    )
    row.comments = [AnswerComment(question_id=qid, text=text) for qid, text in comments.items()]
    session.add(row)
    return row


def latest(session: Session, debrief_id: int) -> ReviewReturn | None:
    """Return the debrief's latest return, with its comments (None if never returned)."""
    return session.scalar(
        select(ReviewReturn)
        .where(ReviewReturn.debrief_id == debrief_id)
        .options(selectinload(ReviewReturn.comments))
        .order_by(ReviewReturn.id.desc())
        .limit(1)
    )


def open_return(session: Session, debrief: Debrief) -> ReviewReturn | None:
    """Return the return the sergeant is working on now (None unless returned)."""
    row = latest(session, debrief.id)
    return row if row is not None and row.resubmitted_at is None else None


def reply(
    session: Session, debrief: Debrief, comment: AnswerComment, user: User, text: str
) -> None:
    """Keep the sergeant's short reply to a comment (an empty reply clears it)."""
    text = (text or "").strip()
    if len(text) > MAX_REPLY:
        raise CommentTooLong(f"The reply must be {MAX_REPLY} characters or fewer")
    comment.reply = text
    comment.replied_at = utcnow() if text else None
    add_history(
        session,
        debrief,
        user,
        "edit",
        "Replied to a comment from the hub" if text else "Cleared a reply to the hub",
    )


def question_text(question_set: QuestionSet, question_id: str) -> str:
    """Return a question's words (its id, for a question the set no longer has)."""
    question = question_set.question(question_id)
    return question.text if question else question_id


def _words(question_set: QuestionSet, question_id: str, value: Any) -> str:
    question = question_set.question(question_id)
    if value is None or question is None:
        return "Not answered"
    return ", ".join(question.kind.read_back(question, value)) or "Not answered"


@dataclass(frozen=True)
class Change:
    """One answer changed since the return, as the hub reads it."""

    question_id: str
    question: str
    old: str
    new: str
    comment: str
    reply: str


def record_changes(
    session: Session, debrief: Debrief, user: User, question_set: QuestionSet
) -> list[str]:
    """At resubmission: compare the answers with those returned, keep and write each change
    to the history; returns the ids of the answers that changed (for the audit)."""
    row = open_return(session, debrief)
    if row is None:
        return []
    before, now = row.answers_before or {}, _answers(debrief)
    order = {q.id: i for i, q in enumerate(question_set.questions)}
    changed = sorted(
        (qid for qid in set(before) | set(now) if before.get(qid) != now.get(qid)),
        key=lambda qid: (order.get(qid, len(order)), qid),
    )
    row.changes = [{"question_id": q, "old": before.get(q), "new": now.get(q)} for q in changed]
    row.resubmitted_at = utcnow()
    for qid in changed:
        question = question_set.question(qid)
        add_history(
            session,
            debrief,
            user,
            "edit",
            f"Changed ‘{question.text if question else qid}’: "
            f"{_words(question_set, qid, before.get(qid))} → "
            f"{_words(question_set, qid, now.get(qid))}",
        )
    return changed


def changes_to_show(question_set: QuestionSet, row: ReviewReturn | None) -> list[Change]:
    """Return what changed at the latest resubmission, each beside its comment, and the
    commented answers that did not change (old and new the same)."""
    if row is None or row.resubmitted_at is None:
        return []
    comments = {c.question_id: c for c in row.comments}
    shown: list[Change] = []
    seen = set()
    for item in row.changes or []:
        qid = item["question_id"]
        seen.add(qid)
        question = question_set.question(qid)
        comment = comments.get(qid)
        shown.append(
            Change(
                qid,
                question.text if question else qid,
                _words(question_set, qid, item["old"]),
                _words(question_set, qid, item["new"]),
                comment.text if comment else "",
                comment.reply if comment else "",
            )
        )
    return shown + [
        Change(
            qid,
            question_text(question_set, qid),
            "",
            "",
            comment.text,
            comment.reply,
        )
        for qid, comment in comments.items()
        if qid not in seen
    ]


@dataclass(frozen=True)
class SergeantComment:
    """One of the hub's comments as the sergeant's pages show it."""

    id: int
    question_id: str
    question: str
    section_id: str
    section: str
    text: str
    reply: str


def comments_for_sergeant(question_set: QuestionSet, row: ReviewReturn) -> list[SergeantComment]:
    """Return a return's comments in question order, each with its question and section."""
    where = {
        q.id: (i, s)
        for i, (s, q) in enumerate((s, q) for s in question_set.sections for q in s.questions)
    }
    found = []
    for comment in row.comments:
        position, section = where.get(comment.question_id, (len(where), None))
        question = question_set.question(comment.question_id)
        found.append(
            (
                position,
                SergeantComment(
                    comment.id,
                    comment.question_id,
                    question.text if question else comment.question_id,
                    section.id if section else "",
                    section.title if section else "",
                    comment.text,
                    comment.reply,
                ),
            )
        )
    return [c for _, c in sorted(found, key=lambda item: (item[0], item[1].id))]
