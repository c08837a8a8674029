"""What a hub reviewer does to one debrief: assign, themes, notes, follow-up actions, decide.

Flask-free. Every change writes a HistoryEntry with who and when, and an audit
record with where from (one that finds nothing to change too: the record is of
the request). A reviewer never acts on a debrief they hosted (the same rule as
workflow's `not_host`).
Forms carry the version they were drawn from; a stale one raises StaleVersion
so the second reviewer is shown what changed and nothing they typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from .. import audit, workflow
from ..audit import Actor
from ..models import Debrief, DebriefTheme, DismissedTheme, HistoryEntry, ReviewNote, User
from ..questions.loader import QuestionSet
from ..roles import Permission, can
from ..timeutil import utcnow
from ..workflow import Action, NotPermitted, State, TransitionRefused, add_history
from . import returns

SELF_REVIEW_MESSAGE = "You cannot review a debrief you hosted yourself."


class StaleVersion(Exception):
    """The form was drawn from an older version than the one saved now (answer 409)."""

    def __init__(self, seen: int | None, current: int):
        self.seen = seen
        self.current = current
        super().__init__(
            "Someone else changed this since you opened it. Nothing of yours has been saved yet."
        )


class InvalidInput(ValueError):
    """What was entered cannot be saved; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def visible_to_hub(debrief: Debrief | None) -> TypeGuard[Debrief]:
    """Tell whether the hub may see this debrief at all: any that is not a draft."""
    return debrief is not None and debrief.state != State.DRAFT


def may_act(debrief: Debrief, user: User) -> bool:
    """Tell whether this person may review this debrief (has the permission, did not host it)."""
    return can(user, Permission.REVIEW) and debrief.host_id != user.id


def ensure_may_act(debrief: Debrief, user: User | None) -> None:
    """Refuse anyone without the review permission, and the debrief's own host."""
    if user is None or not can(user, Permission.REVIEW):
        raise NotPermitted("You do not have permission to do that.")
    if debrief.host_id == user.id:
        raise NotPermitted(SELF_REVIEW_MESSAGE)


def check_version(debrief: Debrief, seen: int | None) -> None:
    """Refuse a form drawn from an older version of the debrief."""
    if seen != debrief.version:
        raise StaleVersion(seen, debrief.version)


def _changeable(debrief: Debrief, what: str) -> None:
    if debrief.state == State.CLOSED:
        raise TransitionRefused(f"A closed debrief's {what} cannot be changed. Reopen it first.")


def _record_change(session: Session, actor: Actor, action: str, debrief: Debrief) -> None:
    """Record a hub change to a debrief, with its state and version after it."""
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        action,
        object_type="debrief",
        object_id=debrief.id,
        details=_after(debrief),
    )


def _after(debrief: Debrief, detail: str = "") -> dict[str, Any]:
    """Return the audit details of a change to a debrief: which kind, and where it left it."""
    return {"detail": detail, "state": debrief.state, "version": debrief.version}


# --- assignment -------------------------------------------------------------------------------


def assign_to_me(session: Session, debrief: Debrief, actor: Actor, seen: int | None) -> bool:
    """Make this reviewer the debrief's assignee, taking a submitted one into review;
    False if it was theirs already."""
    user = actor.account
    ensure_may_act(debrief, user)
    check_version(debrief, seen)
    _changeable(debrief, "assignee")
    changed = debrief.assignee_id != user.id
    if changed:
        _assign(session, debrief, user)
    _record_change(session, actor, "debrief.assign", debrief)
    return changed


def _assign(session: Session, debrief: Debrief, user: User) -> None:
    previous = debrief.assignee
    debrief.assignee_id = user.id
    debrief.assignee = user
    taken = f" (taken over from {previous.display_name})" if previous else ""
    add_history(session, debrief, user, "assignment", f"Assigned to {user.display_name}{taken}")
    if debrief.state == State.SUBMITTED:
        workflow.apply(session, debrief, Action.START_REVIEW, user)
    else:
        debrief.version += 1


def release(session: Session, debrief: Debrief, actor: Actor, seen: int | None) -> None:
    """Stop being the debrief's assignee, so another reviewer can pick it up."""
    user = actor.account
    ensure_may_act(debrief, user)
    check_version(debrief, seen)
    if debrief.assignee_id != user.id:
        raise TransitionRefused("This debrief is not assigned to you, so you cannot release it.")
    debrief.assignee_id = None
    debrief.assignee = None
    debrief.version += 1
    add_history(session, debrief, user, "assignment", f"Released by {user.display_name}")
    _record_change(session, actor, "debrief.release", debrief)


# --- themes -----------------------------------------------------------------------------------


def _theme_label(question_set: QuestionSet, theme_id: str) -> str:
    theme = question_set.theme(theme_id)
    if theme is None:
        raise InvalidInput({"theme_id": "Select a theme from the list"})
    return theme.label


def confirm_theme(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    question_set: QuestionSet,
    theme_id: str,
    seen: int | None,
) -> bool:
    """Confirm a suggested theme, or add one from the theme list; False if already confirmed."""
    ensure_may_act(debrief, actor.account)
    check_version(debrief, seen)
    _changeable(debrief, "themes")
    label = _theme_label(question_set, theme_id)
    suggested = any(t.theme_id == theme_id for t in debrief.themes)
    changed = _confirm(session, debrief, actor.account, theme_id, label)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "debrief.theme",
        object_type="debrief",
        object_id=debrief.id,
        details=_after(debrief, "confirm" if suggested else "add"),
    )
    return changed


def _confirm(session: Session, debrief: Debrief, user: User, theme_id: str, label: str) -> bool:
    row = next((t for t in debrief.themes if t.theme_id == theme_id), None)
    if row is not None and row.confirmed:
        return False
    if row is None:
        row = DebriefTheme(debrief_id=debrief.id, theme_id=theme_id, suggested=False)
        debrief.themes.append(row)
        summary = f"Added theme: {label}"
    else:
        summary = f"Confirmed suggested theme: {label}"
    row.confirmed, row.confirmed_by_id, row.confirmed_at = True, user.id, utcnow()
    debrief.version += 1
    add_history(session, debrief, user, "theme", summary)
    return True


def remove_theme(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    question_set: QuestionSet,
    theme_id: str,
    seen: int | None,
) -> bool:
    """Remove a theme (a suggestion the reviewer disagrees with, or a confirmed one);
    False if the debrief did not have it."""
    ensure_may_act(debrief, actor.account)
    check_version(debrief, seen)
    _changeable(debrief, "themes")
    row = next((t for t in debrief.themes if t.theme_id == theme_id), None)
    if row is not None:
        theme = question_set.theme(theme_id)
        label = theme.label if theme else theme_id
        kind = "confirmed theme" if row.confirmed else "suggested theme"
        if row.suggested:
            _remember_dismissal(session, debrief, actor.account, row)
        debrief.themes.remove(row)
        debrief.version += 1
        add_history(
            session,
            debrief,
            actor.account,
            "theme",
            f"Removed {kind}: {label}",
            reason=row.suggestion_reason or None,
        )
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "debrief.theme",
        object_type="debrief",
        object_id=debrief.id,
        details=_after(debrief, "remove"),
    )
    return row is not None


def _remember_dismissal(session: Session, debrief: Debrief, user: User, row: DebriefTheme) -> None:
    """Remember that the hub removed a suggestion, and why it was suggested: the next
    submission suggests it again only if the answers behind it changed (submitting.py)."""
    kept = session.get(DismissedTheme, (debrief.id, row.theme_id))
    if kept is None:
        kept = DismissedTheme(debrief_id=debrief.id, theme_id=row.theme_id)
        session.add(kept)
    kept.basis = row.suggestion_reason or ""
    kept.dismissed_by_id = user.id
    kept.dismissed_at = utcnow()


def unresolved_suggestions(debrief: Debrief) -> list[DebriefTheme]:
    """Return the suggested themes the hub has neither confirmed nor removed."""
    return [t for t in debrief.themes if t.suggested and not t.confirmed]


def close_resolving(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    question_set: QuestionSet,
    decisions: dict[str, str],
    seen: int | None,
) -> HistoryEntry:
    """Confirm or dismiss each unresolved suggestion as decided, then close the debrief.

    `decisions` maps each unresolved theme id to "confirm" or "dismiss"; one missing
    raises InvalidInput naming it, and nothing is changed.
    """
    ensure_may_act(debrief, actor.account)
    check_version(debrief, seen)
    pending = unresolved_suggestions(debrief)
    errors = {
        f"theme-{t.theme_id}": "Select whether to confirm or dismiss the theme "
        f"‘{_label_or_id(question_set, t.theme_id)}’"
        for t in pending
        if decisions.get(t.theme_id) not in {"confirm", "dismiss"}
    }
    if errors:
        raise InvalidInput(errors)
    for row in pending:
        if decisions[row.theme_id] == "confirm":
            confirm_theme(session, debrief, actor, question_set, row.theme_id, debrief.version)
        else:
            remove_theme(session, debrief, actor, question_set, row.theme_id, debrief.version)
    return decide(session, debrief, actor, Action.CLOSE, "", debrief.version)


def _label_or_id(question_set: QuestionSet, theme_id: str) -> str:
    theme = question_set.theme(theme_id)
    return theme.label if theme else theme_id


# --- notes ------------------------------------------------------------------------------------


def add_note(
    session: Session, debrief: Debrief, actor: Actor, text: str, seen: int | None
) -> ReviewNote:
    """Add a reviewer note (hub only); the history says a note was added, not what it says."""
    user = actor.account
    ensure_may_act(debrief, user)
    check_version(debrief, seen)
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": "Enter the note"})
    note = ReviewNote(debrief_id=debrief.id, author_id=user.id, at=utcnow(), text=text)
    session.add(note)
    debrief.version += 1
    add_history(session, debrief, user, "note", "Added a reviewer note")
    _record_change(session, actor, "debrief.note", debrief)
    return note


# --- decisions --------------------------------------------------------------------------------


def decide(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    action: Action | str,
    reason: str,
    seen: int | None,
) -> HistoryEntry:
    """Take a workflow action (start review, return, close, reopen) on a current form."""
    ensure_may_act(debrief, actor.account)
    check_version(debrief, seen)
    entry = workflow.apply(session, debrief, action, actor.account, reason=reason)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "debrief.transition",
        object_type="debrief",
        object_id=debrief.id,
        details=_after(debrief, Action(action).value),
    )
    return entry


def return_with_comments(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    reason: str,
    comments: dict[str, str],
    seen: int | None,
) -> HistoryEntry:
    """Return the debrief to its sergeant with an overall reason and comments on answers
    ({question id: text}); the answers as they stand are kept to show what changed."""
    entry = decide(session, debrief, actor, Action.RETURN, reason, seen)
    returns.record_return(session, debrief, actor.account, entry, comments)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "debrief.answer_comments",
        object_type="debrief",
        object_id=debrief.id,
        details={"question_ids": list(comments)},
    )
    return entry


def history_since(session: Session, debrief_id: int, after_id: int) -> list[HistoryEntry]:
    """Return the history entries written after the one a form last saw (what changed)."""
    query = (
        select(HistoryEntry)
        .where(HistoryEntry.debrief_id == debrief_id, HistoryEntry.id > after_id)
        .order_by(HistoryEntry.id)
    )
    return list(session.scalars(query))


# --- bulk actions on many debriefs ------------------------------------------------------------

BULK_ACTIONS = {
    "assign": "Assign to me",
    "start": "Start review (assign to me and start)",
    "theme": "Tag a theme",
}


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk action would do, for the confirmation page and for applying it."""

    action: str
    theme_id: str
    theme_label: str
    selected: int
    to_change: tuple[int, ...]
    hosted: int  # skipped: the reviewer hosted them
    closed: int  # skipped: closed debriefs are not changed
    unchanged: int  # already assigned to them, or already tagged
    returned: int = 0  # skipped by "start": waiting for their sergeant


def plan_bulk(
    session: Session,
    user: User,
    action: str,
    ids: Select,
    question_set: QuestionSet,
    theme_id: str = "",
) -> BulkPlan:
    """Work out which of the selected debriefs a bulk action would change, and why not the rest."""
    if action not in BULK_ACTIONS:
        raise InvalidInput({"bulk_action": "Select what to do with the debriefs"})
    label = _theme_label(question_set, theme_id) if action == "theme" else ""
    rows = session.execute(
        select(Debrief.id, Debrief.host_id, Debrief.state, Debrief.assignee_id)
        .where(Debrief.id.in_(ids), Debrief.state != State.DRAFT)
        .order_by(Debrief.id)
    ).all()
    tagged: set[int] = set()
    if action == "theme":
        tagged = set(
            session.scalars(
                select(DebriefTheme.debrief_id).where(
                    DebriefTheme.theme_id == theme_id,
                    DebriefTheme.confirmed.is_(True),
                    DebriefTheme.debrief_id.in_(ids),
                )
            )
        )
    hosted = closed = unchanged = returned = 0
    to_change = []
    for debrief_id, host_id, state, assignee_id in rows:
        if host_id == user.id:
            hosted += 1
        elif state == State.CLOSED:
            closed += 1
        elif action == "start" and state == State.RETURNED:
            returned += 1
        elif action == "start" and state == State.IN_REVIEW and assignee_id == user.id:
            unchanged += 1
        elif (action == "assign" and assignee_id == user.id) or debrief_id in tagged:
            unchanged += 1
        else:
            to_change.append(debrief_id)
    return BulkPlan(
        action,
        theme_id,
        label,
        len(rows),
        tuple(to_change),
        hosted,
        closed,
        unchanged,
        returned,
    )


def apply_bulk(session: Session, actor: Actor, plan: BulkPlan, chunk: int = 500) -> int:
    """Apply a bulk plan; returns how many debriefs changed."""
    user = actor.account
    if not can(user, Permission.REVIEW):
        raise NotPermitted("You do not have permission to do that.")
    changed = 0
    for start in range(0, len(plan.to_change), chunk):
        ids = plan.to_change[start : start + chunk]
        debriefs = session.scalars(
            select(Debrief).where(Debrief.id.in_(ids)).options(selectinload(Debrief.themes))
        ).all()
        for debrief in debriefs:
            if debrief.host_id == user.id or debrief.state in (State.CLOSED, State.DRAFT):
                continue
            if plan.action == "start":
                if _start(session, actor, debrief):
                    changed += 1
            elif plan.action == "assign":
                if debrief.assignee_id != user.id:
                    _assign(session, debrief, user)
                    changed += 1
            elif _confirm(session, debrief, user, plan.theme_id, plan.theme_label):
                changed += 1
        session.flush()
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        f"debrief.bulk_{plan.action}",
        object_type="debrief",
        details={
            "theme_id": plan.theme_id,
            "debrief_ids": list(plan.to_change),
            "changed": changed,
        },
    )
    return changed


def _start(session: Session, actor: Actor, debrief: Debrief) -> bool:
    """Assign a debrief to the reviewer and start its review (bulk "start review"), with
    an audit record of its own; False if it was theirs and in review already, or returned."""
    user = actor.account
    if debrief.state == State.RETURNED:
        return False
    if debrief.state == State.IN_REVIEW and debrief.assignee_id == user.id:
        return False
    if debrief.assignee_id != user.id:
        _assign(session, debrief, user)  # a submitted debrief moves to in review
    else:
        workflow.apply(session, debrief, Action.START_REVIEW, user)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "debrief.start_review",
        object_type="debrief",
        object_id=debrief.id,
        details=_after(debrief, "bulk"),
    )
    return True
