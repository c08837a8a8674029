"""Demo step: a year of made-up OIC events and debriefs on the force's question set.

About 300 events across the districts, event types, states and outcomes, with
answers that follow the question set's rules (follow-ups only where they
apply, the event record's facts as answers), suggested themes, and the hub's
history for returned and closed debriefs. Made with a fixed seed and inserted
in bulk; it adds nothing if the demo debriefs are already there.

Most closed debriefs of the first half of the year were answered on the force's
June 2025 question set (questions_june_2025.toml, kept here), as a force's would
have been before it changed its set; the rest on the current one. Answers agree
with the event record: no intelligence document "submitted" without a referral,
every time after the event and before the debrief was saved, every planned date
after it was saved.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from .. import recommendation2
from ..auth import accounts
from ..debriefs import event_record
from ..debriefs.answers import prune
from ..models import Answer, Debrief, DebriefTheme, Event, HistoryEntry, new_export_ref
from ..questions.loader import Question, QuestionSet, parse_snapshot
from ..questions.store import stored_version
from ..questions.themes import suggest
from ..questions.types import EXCLUSIVE_CHOICES, Sampler
from ..timeutil import to_local, utcnow
from ..vocabulary import event_counts
from ..workflow import STATE_LABELS, State
from .answers import LONG_TEXT, RETURN_REASONS, SHORT_TEXT, WEIGHTS, YES_SHARE
from .site import DemoSite

EVENTS = 300
SEED = 20250516  # the day HMICFRS published the inspection
# The force's earlier question set, for the older debriefs (issue 18: old debriefs keep theirs).
JUNE_2025 = Path(__file__).with_name("questions_june_2025.toml")
# Closed debriefs of events older than this many days: three in four on the June 2025 set.
OLD_SET_AFTER_DAYS = 180
OLD_SET_SHARE = 0.75
# Demo incident references end in 9000-9999, which marks them as demo data.
DEMO_REF_LIKE = "INC-________-9___"

EVENT_TYPE_WEIGHTS = {
    "hgv_concealment": 30,
    "lorry_drop": 20,
    "small_boat": 20,
    "port_ferry": 12,
    "rail_vehicle": 6,
    "premises": 7,
    "other": 5,
}
LOCATIONS = {
    "hgv_concealment": ["services", "lorry_park", "road", "port"],
    "lorry_drop": ["road", "services", "lorry_park"],
    "small_boat": ["coast"],
    "port_ferry": ["port"],
    "rail_vehicle": ["rail", "road"],
    "premises": ["premises"],
    "other": ["road", "premises", "services"],
}


def create_sample_debriefs(site: DemoSite, echo: Callable[[str], None]) -> None:
    """Add the demo year of events and debriefs, unless they are there already."""
    session = site.session
    existing = session.scalar(
        select(func.count()).select_from(Event).where(Event.incident_ref.like(DEMO_REF_LIKE))
    )
    if existing:
        echo(f"Sample debriefs: {existing} demo events already present, none added.")
        return
    found = [accounts.find_user(session, name) for name in ("sergeant", "sergeant2")]
    hub = accounts.find_user(session, "hub")
    hosts = [user for user in found if user is not None]
    if len(hosts) < len(found) or hub is None:
        echo("Sample debriefs: the demo accounts are missing, none added.")
        return
    question_set = site.question_set
    old_set = parse_snapshot(JUNE_2025.read_text(encoding="utf-8"))
    version_ids = {
        question_set.version: stored_version(session, question_set).id,
        old_set.version: stored_version(session, old_set).id,
    }
    maker = _Maker(random.Random(SEED), question_set, old_set, site.config["DISTRICTS"], utcnow())
    plans = [maker.plan(n) for n in range(EVENTS)]
    event_ids = session.scalars(
        insert(Event).returning(Event.id, sort_by_parameter_order=True),
        [{**p["event"], "created_by_id": hosts[n % 2].id} for n, p in enumerate(plans)],
    ).all()
    debrief_rows = []
    for n, (plan, event_id) in enumerate(zip(plans, event_ids, strict=True)):
        debrief_rows.append(
            {
                **plan["debrief"],
                "event_id": event_id,
                "host_id": hosts[n % 2].id,
                "question_set_id": version_ids[plan["question_set"].version],
                "export_ref": new_export_ref(),
                "assignee_id": hub.id if plan["debrief"]["state"] == State.IN_REVIEW else None,
                "unsaved_input": {},
            }
        )
    debrief_ids = session.scalars(
        insert(Debrief).returning(Debrief.id, sort_by_parameter_order=True), debrief_rows
    ).all()
    answers, themes, history = [], [], []
    for n, (plan, debrief_id) in enumerate(zip(plans, debrief_ids, strict=True)):
        host_id = hosts[n % 2].id
        answers += [
            {"debrief_id": debrief_id, "question_id": k, "value": v}
            for k, v in plan["answers"].items()
        ]
        themes += [{**t, "debrief_id": debrief_id} for t in plan["themes"]]
        history += [
            {**h, "debrief_id": debrief_id, "actor_id": host_id if h["actor"] == "host" else hub.id}
            for h in plan["history"]
        ]
    for row in themes:
        if row.pop("confirmed_by_hub"):
            row["confirmed_by_id"] = hub.id
    for row in history:
        row.pop("actor")
    session.execute(insert(Answer), answers)
    if themes:
        session.execute(insert(DebriefTheme), themes)
    session.execute(insert(HistoryEntry), history)
    session.commit()
    states: dict[State, int] = {}
    for row in debrief_rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
    summary = ", ".join(
        f"{count} {state.replace('_', ' ')}" for state, count in sorted(states.items())
    )
    echo(f"Sample debriefs: {EVENTS} events and debriefs over the last year ({summary}).")


class _DemoSampler(Sampler):
    """Answers shaped like a force's: weighted choices, the demo's words, times after the event."""

    def __init__(self, rng: random.Random, event: Event, answered: datetime):
        super().__init__(rng)
        self.event = event
        self.reported = event.reported_at
        self.answered = answered  # when the sergeant saved the answers: nothing after it

    def yes_no(self, question: Question) -> Any:
        """Return yes as often as YES_SHARE says (half the time where it says nothing), and
        always where the event record says so (medical help for people injured)."""
        if question.id == "medical_help" and (self.event.injured or 0) > 0:
            return "yes"
        return "yes" if self.rng.random() < YES_SHARE.get(question.id, 0.5) else "no"

    def one_of(self, question: Question) -> Any:
        """Return a choice as WEIGHTS weighs it (indicators about children only where the
        event record has children)."""
        weights = WEIGHTS.get(question.id, {})
        ids = list(question.choice_ids)
        event = self.event
        children = (event.accompanied_children or 0) + (event.unaccompanied_children or 0)
        if question.id == "trafficking_indicators_about" and not children:
            ids = [i for i in ids if i in ("no", "adults")]
        return self.rng.choices(ids, [weights.get(i, 1) for i in ids])[0]

    def some_of(self, question: Question) -> Any:
        """Return up to three choices, or now and then "none" alone."""
        rng = self.rng
        exclusive = [c for c in question.choice_ids if c in EXCLUSIVE_CHOICES]
        if exclusive and rng.random() < 0.1:
            return [exclusive[0]]
        others = [c for c in question.choice_ids if c not in EXCLUSIVE_CHOICES]
        chosen = set(rng.sample(others, rng.randint(1, min(3, len(others)))))
        return [c for c in question.choice_ids if c in chosen]

    def number(self, question: Question) -> Any:
        """Return a small count, or minutes waiting for the NCCU spread like a queue's."""
        rng = self.rng
        if question.id == "nccu_wait_minutes":
            return min(int(rng.lognormvariate(2.7, 0.8)), int(question.max or 1440))
        return rng.randint(int(question.min or 0), min(int(question.max or 5), 5))

    def text(self, question: Question) -> Any:
        """Return the demo's words for the question, or a reference."""
        return self._words(question, SHORT_TEXT)

    def long_text(self, question: Question) -> Any:
        """Return the demo's words for the question, or a reference."""
        return self._words(question, LONG_TEXT)

    def _words(self, question: Question, pools: dict[str, list[str]]) -> str:
        pool = pools.get(question.id)
        if pool:
            return self.rng.choice(pool)
        return f"{self.rng.choice(['FIR', 'CR', 'REF'])}-{self.rng.randint(10000, 99999)}"

    def day(self, question: Question) -> Any:
        """Return a day in the week after the answers were saved (a date still to come)."""
        later = self.answered + timedelta(days=self.rng.randint(1, 6))
        return to_local(later).date().isoformat()

    def moment(self, question: Question) -> Any:
        """Return a time after the event (the debrief, the intelligence document...) and
        before the answers were saved."""
        rng = self.rng
        hours = {
            "intel_doc_submitted_at": rng.choice([0.25, 0.5, 1, 2, 3, 6, 12, 20, 30, 48]),
            "debrief_held_at": rng.choice([1, 2, 4, 8, 30, 72]),
        }.get(question.id, rng.choice([0.25, 0.5, 1, 2]))
        latest = max(self.answered - timedelta(minutes=10), self.reported)
        when = min(self.reported + timedelta(hours=hours), latest)
        return to_local(when).replace(tzinfo=None).isoformat(timespec="minutes")


class _Maker:
    """Makes one plausible event, its debrief, answers, themes and history."""

    def __init__(
        self,
        rng: random.Random,
        question_set: QuestionSet,
        old_set: QuestionSet,
        districts,
        now: datetime,
    ):
        self.rng = rng
        self.current = question_set
        self.old_set = old_set
        self.districts = list(districts)
        self.now = now

    def plan(self, n: int) -> dict[str, Any]:
        rng = self.rng
        days_ago = int(rng.triangular(1, 365, 120))
        reported = self.now - timedelta(days=days_ago, hours=rng.randint(0, 23))
        reported = reported.replace(minute=rng.choice([0, 5, 10, 20, 30, 40, 45, 50]), second=0)
        event = self._event(n, reported)
        row = Event(**event)
        state = self._state(days_ago)
        old = (
            state == State.CLOSED
            and days_ago > OLD_SET_AFTER_DAYS
            and self.rng.random() < OLD_SET_SHARE
        )
        qs = self.old_set if old else self.current
        debrief, history = self._lifecycle(state, reported)
        answered = debrief.get("submitted_at") or debrief["updated_at"]
        answers = self._answers(qs, row, reported, answered, partial=state == State.DRAFT)
        themes = [] if state == State.DRAFT else self._themes(qs, row, answers, reported, state)
        if state != State.DRAFT:
            record = recommendation2.record_from_answers(qs, answers, event["nccu_referral_made"])
            debrief.update(record.columns())
        return {
            "event": event,
            "debrief": debrief,
            "answers": answers,
            "history": history,
            "themes": themes,
            "question_set": qs,
        }

    def _event(self, n: int, reported: datetime) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choices(list(EVENT_TYPE_WEIGHTS), list(EVENT_TYPE_WEIGHTS.values()))[0]
        referral = rng.random() < 0.9
        local = to_local(reported)
        boat = kind == "small_boat"
        adults = rng.randint(8, 45) if boat else rng.randint(1, 12)
        agencies = [
            "immigration_enforcement",
            "border_force",
            "ambulance",
            "local_authority",
            "nca",
        ]
        if boat:
            agencies += ["coastguard", "rnli"]
        weights = [3 if d.lower() in {"coastal", "east"} else 1 for d in self.districts]
        return {
            "incident_ref": f"INC-{local:%Y%m%d}-{9000 + n}",
            "reported_at": reported,
            "district": rng.choices(self.districts, weights)[0],
            "location_type": rng.choice(LOCATIONS[kind]),
            "event_type": kind,
            "adults": adults,
            "accompanied_children": rng.choice([0, 0, 0, 0, 1, 2, 3]),
            "unaccompanied_children": rng.choice([0, 0, 0, 0, 0, 1, 2]),
            "age_disputed": rng.choice([0, 0, 0, 0, 0, 0, 1, 2]),
            "arrested": rng.choice([0, 0, 1, 1, 2]),
            "injured": rng.choice([0] * 6 + [1, 2]),
            "died": 1 if boat and rng.random() < 0.04 else 0,
            "missing": rng.choice([1, 2, 3]) if boat and rng.random() < 0.06 else 0,
            "nccu_referral_made": referral,
            "nccu_reference": f"NCCU-{local:%Y%m%d}{n % 100:02d}" if referral else None,
            "partner_agencies": rng.sample(agencies, rng.randint(0, 3)),
            "source": "debrief",
            "created_at": reported + timedelta(hours=2),
        }

    def _state(self, days_ago: int) -> State:
        if days_ago > 30:
            options = {
                State.CLOSED: 85,
                State.RETURNED: 4,
                State.IN_REVIEW: 5,
                State.SUBMITTED: 4,
                State.DRAFT: 2,
            }
        else:
            options = {
                State.DRAFT: 30,
                State.SUBMITTED: 35,
                State.IN_REVIEW: 20,
                State.RETURNED: 10,
                State.CLOSED: 5,
            }
        return self.rng.choices(list(options), list(options.values()))[0]

    def _answers(
        self, qs: QuestionSet, row: Event, reported: datetime, answered: datetime, partial: bool
    ) -> dict[str, Any]:
        answers = dict(event_record.derived_answers(qs, row))
        answers = {k: v for k, v in answers.items() if v is not None}
        stop_after = self.rng.randint(1, len(qs.sections) - 1) if partial else None
        sampler = _DemoSampler(self.rng, row, answered)
        referral = qs.bound("nccu_referral")
        intel_doc = qs.bound("intel_doc")
        no_referral = referral is not None and answers.get(referral.id) == "no"
        for index, section in enumerate(qs.sections):
            if stop_after is not None and index >= stop_after:
                break
            for question in section.questions:
                if question.id in answers or not qs.is_shown(question, answers):
                    continue
                if no_referral and intel_doc is not None and question.id == intel_doc.id:
                    # A set that asks it anyway (June 2025): nothing was sent without a referral.
                    answers[question.id] = "no" if question.type == "yes_no" else "not_done"
                    continue
                value = self._value(question, sampler)
                if value is not None:
                    answers[question.id] = value
        return prune(qs, answers)

    def _value(self, question: Question, sampler: _DemoSampler) -> Any:
        if not question.required and self.rng.random() < 0.3:
            return None
        return question.kind.sample(question, sampler)

    def _lifecycle(self, state: State, reported: datetime) -> tuple[dict, list[dict]]:
        rng = self.rng
        created = reported + timedelta(hours=rng.randint(1, 8))
        submitted = min(created + timedelta(hours=rng.randint(2, 72)), self.now)
        debrief: dict[str, Any] = {"state": state, "created_at": created, "updated_at": created}
        history: list[dict] = []
        if state == State.DRAFT:
            return {**debrief, "version": rng.randint(2, 6)}, history
        debrief.update(submitted_at=submitted, first_submitted_at=submitted, updated_at=submitted)
        history.append(_entry("host", submitted, State.DRAFT, State.SUBMITTED))
        later = min(submitted + timedelta(days=rng.randint(1, 4)), self.now)
        if state in {State.IN_REVIEW, State.CLOSED}:
            history.append(_entry("hub", later, State.SUBMITTED, State.IN_REVIEW))
        if state == State.RETURNED:
            reason = rng.choice(RETURN_REASONS)
            history.append(_entry("hub", later, State.SUBMITTED, State.RETURNED, reason))
            debrief["updated_at"] = later
        if state == State.CLOSED:
            closed = min(later + timedelta(days=rng.randint(0, 6)), self.now)
            history.append(_entry("hub", closed, State.IN_REVIEW, State.CLOSED))
            debrief.update(closed_at=closed, updated_at=closed)
        return {**debrief, "version": 1 + len(history) + rng.randint(3, 9)}, history

    def _themes(
        self, qs: QuestionSet, row: Event, answers: dict, reported: datetime, state: State
    ) -> list[dict]:
        rows = []
        for theme in suggest(qs, answers, event_counts(row), reported):
            confirmed = state == State.CLOSED and self.rng.random() < 0.85
            rows.append(
                {
                    "theme_id": theme.theme_id,
                    "suggested": True,
                    "suggestion_reason": theme.reason_text,
                    "confirmed": confirmed,
                    "confirmed_by_hub": confirmed,
                    "confirmed_at": reported + timedelta(days=5) if confirmed else None,
                }
            )
        return rows


def _entry(actor: str, at: datetime, before: State, after: State, reason: str = "") -> dict:
    return {
        "actor": actor,
        "at": at,
        "kind": "transition",
        "from_state": before,
        "to_state": after,
        "summary": f"{STATE_LABELS[before]} → {STATE_LABELS[after]}",
        "reason": reason or None,
    }
