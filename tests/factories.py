"""Plain factory functions for tests: call inside an app context."""

from __future__ import annotations

from flask import current_app

from debrief.auth import accounts
from debrief.extensions import db_session
from debrief.models import User

DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(
    roles: list[str],
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    must_change_password: bool = False,
    active: bool = True,
    full_name: str = "",
) -> User:
    """Create and commit an account with a known password."""
    session = db_session()
    user, _ = accounts.create_user(
        session,
        current_app.extensions["debrief.hasher"],
        username=username or f"{'-'.join(roles)}-user".replace("_", ""),
        roles=roles,
        full_name=full_name or f"Test {' '.join(roles).replace('_', ' ').title()}",
        password=password,
        must_change_password=must_change_password,
    )
    user.active = active
    session.commit()
    return user


def real_question_set():
    """Return the force's question set from questions.toml."""
    from debrief.config import PROJECT_ROOT
    from debrief.questions.loader import load_file

    return load_file(PROJECT_ROOT / "questions.toml")


_incident_counter = iter(range(1, 10_000_000))


def make_event(created_by: User | None = None, **fields):
    """Create and commit an OIC event with sensible defaults; any column may be overridden."""
    from datetime import datetime

    from debrief.models import Event

    number = next(_incident_counter)
    values = {
        "incident_ref": f"INC-20250614-{number:04d}",
        "reported_at": datetime(2025, 6, 14, 2, 30),
        "district": "North",
        "location_type": "services",
        "event_type": "hgv_concealment",
        "adults": 6,
        "accompanied_children": 0,
        "unaccompanied_children": 0,
        "age_disputed": 0,
        "arrested": 1,
        "nccu_referral_made": True,
        "nccu_reference": f"NCCU-{2025000000 + number}",
        "partner_agencies": ["immigration_enforcement"],
        "created_by_id": created_by.id if created_by else None,
    }
    values.update(fields)
    event = Event(**values)
    session = db_session()
    session.add(event)
    session.commit()
    return event


def _record_intel_doc(debrief, event, question_set, answers: dict) -> None:
    """Set the intelligence document's record as submitting would; a "submitted" answer
    without its time gets one an hour after the event (a sensible default)."""
    from datetime import timedelta

    from debrief.debriefs.submitting import record_intel_doc
    from debrief.recommendation2 import SUBMITTED_ROUTES, route_of_answer
    from debrief.timeutil import to_local

    bound = question_set.bound("intel_doc")
    when = question_set.bound("intel_doc_submitted_at")
    if bound is not None and when is not None and when.id not in answers:
        if route_of_answer(bound.type, answers.get(bound.id)) in SUBMITTED_ROUTES:
            local = to_local(event.reported_at + timedelta(hours=1)).replace(tzinfo=None)
            answers[when.id] = local.isoformat(timespec="minutes")
    debrief.event = event
    record_intel_doc(debrief, question_set, answers)


# June 2025 answers many tests give, as the set they are stored on says them: the yes/no
# intelligence document becomes a route, "NCCU contacted" the bound referral question.
_JUNE_2025_INTEL_DOC = {"yes": "first_report", "no": "not_done"}


def _in_words_of(question_set, answers: dict) -> dict:
    """Return answers given with June 2025 ids in the ids of `question_set`, where it has
    other ones (a test of an older set passes that set and keeps its answers as they are)."""
    if "intel_doc_submitted" in answers and question_set.question("intel_doc_submitted") is None:
        bound = question_set.bound("intel_doc")
        value = answers.pop("intel_doc_submitted")
        if bound is not None:
            answers[bound.id] = _JUNE_2025_INTEL_DOC.get(value, value)
        # Asked of referrals only now: a test that gives the answer means a referral.
        referral = question_set.bound("nccu_referral")
        if referral is not None and "nccu_contacted" not in answers:
            answers.setdefault(referral.id, "yes")
    if "nccu_contacted" in answers and question_set.question("nccu_contacted") is None:
        bound = question_set.bound("nccu_referral")
        value = answers.pop("nccu_contacted")
        if bound is not None:
            answers[bound.id] = value
    if "children_involved" in answers and question_set.question("children_involved") is None:
        answers.pop("children_involved")
    return answers


def make_debrief(
    host: User,
    state: str = "draft",
    answers: dict | None = None,
    event=None,
    question_set=None,
    suggest_themes: bool = True,
    **fields,
):
    """Create and commit a debrief in any state, with answers and suggested themes.

    Moving through states directly (not via workflow.apply) is deliberate: tests of
    other areas need debriefs in a state without replaying the whole workflow.
    """
    from datetime import timedelta

    from debrief.models import Answer, Debrief, DebriefTheme
    from debrief.questions.store import stored_version
    from debrief.questions.themes import suggest
    from debrief.vocabulary import event_counts

    session = db_session()
    question_set = question_set or real_question_set()
    event = event or make_event(created_by=host)
    answers = _in_words_of(question_set, dict(answers or {}))
    debrief = Debrief(
        event_id=event.id,
        host_id=host.id,
        question_set_id=stored_version(session, question_set).id,
        state=state,
        **fields,
    )
    if state != "draft":
        submitted = fields.get("submitted_at") or event.reported_at + timedelta(hours=6)
        debrief.submitted_at = submitted
        debrief.first_submitted_at = fields.get("first_submitted_at") or submitted
        if "intel_doc_submitted" not in fields:
            _record_intel_doc(debrief, event, question_set, answers)
    if state == "closed" and "closed_at" not in fields:
        debrief.closed_at = debrief.submitted_at + timedelta(days=3)
    session.add(debrief)
    session.flush()
    for question_id, value in answers.items():
        session.add(Answer(debrief_id=debrief.id, question_id=question_id, value=value))
    if suggest_themes and state != "draft":
        counts = event_counts(event)
        for theme in suggest(question_set, answers, counts, event.reported_at):
            session.add(
                DebriefTheme(
                    debrief_id=debrief.id,
                    theme_id=theme.theme_id,
                    suggested=True,
                    suggestion_reason=theme.reason_text,
                )
            )
    session.commit()
    return debrief
