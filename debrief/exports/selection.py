"""What a thematic export selects, read as streams so memory does not grow with rows.

Debriefs stream in export-id order (which keeps the register free of any hint
of chronology); each batch's answers and confirmed themes are then fetched by
primary key, so nothing is sorted or held beyond one batch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from .. import recommendation2
from ..models import Answer, Debrief, DebriefTheme, Event, QuestionSetVersion
from ..periods import Period
from ..questions.loader import QuestionSet
from ..questions.store import question_set_of
from ..vocabulary import PEOPLE_COUNTS
from ..workflow import State

BATCH = 500
CLOSED_STATES = (State.CLOSED,)
IN_REVIEW_STATES = (State.SUBMITTED, State.IN_REVIEW)


@dataclass(frozen=True)
class ExportOptions:
    """What the exporter chose: period, filters, and the two sensitive opt-ins."""

    period: Period
    shared_with: str
    district: str | None = None
    event_type: str | None = None
    include_in_review: bool = False
    include_free_text: bool = False
    unsuppressed: bool = False
    # The recipient group the administrator keeps that it is shared with, if one was chosen.
    recipient_group_id: int | None = None

    @property
    def states(self) -> tuple[State, ...]:
        """Return the debrief states included."""
        return CLOSED_STATES + (IN_REVIEW_STATES if self.include_in_review else ())

    @property
    def partner_copy(self) -> bool:
        """Tell whether this is the pseudonymised, suppressed copy for partners."""
        return not (self.include_free_text or self.unsuppressed)


# Why a partner copy is limited to standard periods and to the whole force or one
# district: two copies of overlapping custom periods (1 to 31 July and 2 to 31 July), or of
# a district with and without an event type, differ by a handful of events, and their
# difference is not suppressed. Standard periods do not overlap except by nesting
# (a month in its quarter), which the suppression of each copy already has to stand.
PARTNER_PERIOD_MESSAGE = (
    "Choose a month, a quarter or a financial year: a partner copy covers a standard "
    "period only, so that two copies cannot be compared to single out an event"
)
PARTNER_EVENT_TYPE_MESSAGE = (
    "Choose all event types: a partner copy covers every event type, for the whole "
    "force or one district"
)


def partner_copy_problems(options: ExportOptions) -> dict[str, str]:
    """Return what keeps these options from making a partner copy, by option name.

    Empty for the hub's copies (free text or full figures), which may take any period
    and filter.
    """
    if not options.partner_copy:
        return {}
    problems = {}
    if not options.period.standard:
        problems["period"] = PARTNER_PERIOD_MESSAGE
    if options.event_type:
        problems["event_type"] = PARTNER_EVENT_TYPE_MESSAGE
    return problems


@dataclass
class DebriefRecord:
    """One selected debrief with its event's fields, answers and confirmed theme ids."""

    id: int
    export_ref: str
    state: State
    question_set_id: int
    first_submitted_at: datetime | None
    closed_at: datetime | None
    intel_doc_submitted: bool | None
    disposed: bool
    event_id: int
    reported_at: datetime
    district: str
    event_type: str
    location_type: str
    counts: dict[str, int]
    answers: dict[str, Any] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)


def event_clauses(options: ExportOptions) -> list:
    """Return the WHERE clauses choosing events by period and filters."""
    start, stop = options.period.utc_bounds()
    clauses = [Event.reported_at >= start, Event.reported_at < stop]
    if options.district:
        clauses.append(Event.district == options.district)
    if options.event_type:
        clauses.append(Event.event_type == options.event_type)
    return clauses


def confirmed_themes(connection, ids) -> dict[int, list[str]]:
    """Return the theme ids the hub confirmed on each of these debriefs, in one query."""
    themes: dict[int, list[str]] = {}
    for debrief_id, text in connection.execute(
        select(DebriefTheme.debrief_id, func.aggregate_strings(DebriefTheme.theme_id, ","))
        .where(DebriefTheme.debrief_id.in_(ids), DebriefTheme.confirmed.is_(True))
        .group_by(DebriefTheme.debrief_id)
    ):
        themes[debrief_id] = sorted(text.split(","))
    return themes


def recommendation2_of(session: Session, options: ExportOptions) -> recommendation2.Figures:
    """Return Recommendation 2 for the export's period and filters, by the one definition."""
    start, stop = options.period.utc_bounds()
    return recommendation2.figures(
        session,
        start,
        stop,
        options.period.months(),
        district=options.district,
        event_type=options.event_type,
    )


def debrief_clauses(options: ExportOptions) -> list:
    """Return the WHERE clauses choosing the debriefs in the workbook."""
    return [*event_clauses(options), Debrief.state.in_(options.states)]


def _selected(stmt: Select, options: ExportOptions, via=None) -> Select:
    """Restrict a statement to the selected debriefs, joining from `via`'s table if given."""
    if via is not None:
        stmt = stmt.join(Debrief, via)
    return stmt.join(Event, Debrief.event_id == Event.id).where(*debrief_clauses(options))


def count_debriefs(session: Session, options: ExportOptions) -> int:
    """Return how many debriefs the workbook will hold."""
    return session.scalar(_selected(select(func.count(Debrief.id)), options)) or 0


def event_totals(session: Session, options: ExportOptions) -> dict[str, int]:
    """Return the number of events in the period and the people counted at them."""
    columns = [func.count(Event.id)] + [
        func.coalesce(func.sum(getattr(Event, name)), 0) for name in PEOPLE_COUNTS
    ]
    row = session.execute(select(*columns).where(*event_clauses(options))).one()
    totals = {"events": int(row[0])}
    totals.update({name: int(value) for name, value in zip(PEOPLE_COUNTS, row[1:], strict=True)})
    return totals


def people_histograms(session: Session, options: ExportOptions) -> dict[str, Counter]:
    """Return, for each people count, how many selected debriefs have each value."""
    found: dict[str, Counter] = {}
    for name in PEOPLE_COUNTS:
        column = getattr(Event, name)
        rows = session.execute(
            _selected(select(column, func.count(Debrief.id)), options).group_by(column)
        )
        found[name] = Counter({value or 0: count for value, count in rows})
    return found


def debrief_progress(session: Session, options: ExportOptions) -> dict[str, int]:
    """Return debriefs submitted (any state after draft) and closed, for events in the period."""
    stmt = (
        select(Debrief.state, func.count(Debrief.id))
        .join(Event, Debrief.event_id == Event.id)
        .where(*event_clauses(options), Debrief.state != State.DRAFT)
        .group_by(Debrief.state)
    )
    by_state = dict(session.execute(stmt).all())
    events_with = session.scalar(
        select(func.count(func.distinct(Debrief.event_id)))
        .join(Event, Debrief.event_id == Event.id)
        .where(*event_clauses(options), Debrief.state != State.DRAFT)
    )
    return {
        "submitted": sum(by_state.values()),
        "closed": by_state.get(State.CLOSED, 0),
        "events_with_debrief": events_with or 0,
    }


def question_sets(session: Session, options: ExportOptions) -> dict[int, QuestionSet]:
    """Return every question set version the selected debriefs were answered on, oldest first."""
    ids = select(Debrief.question_set_id).distinct()
    ids = _selected(ids, options)
    rows = session.scalars(
        select(QuestionSetVersion)
        .where(QuestionSetVersion.id.in_(ids))
        .order_by(QuestionSetVersion.id)
    )
    return {row.id: question_set_of(row) for row in rows}


def stream_records(
    session: Session, options: ExportOptions, question_ids: set[str]
) -> Iterator[DebriefRecord]:
    """Yield the selected debriefs in export-id order with the answers asked for and themes.

    Debriefs stream in batches; each batch's answers and confirmed themes come by
    primary key, so nothing is sorted or held beyond one batch.
    """
    people = [getattr(Event, name) for name in PEOPLE_COUNTS]
    # Plain rows on the connection: the ORM adds nothing to tuples but time per row.
    connection = session.connection()
    debriefs = connection.execute(
        _selected(
            select(
                Debrief.id,
                Debrief.export_ref,
                Debrief.state,
                Debrief.question_set_id,
                Debrief.first_submitted_at,
                Debrief.closed_at,
                Debrief.intel_doc_submitted,
                Debrief.disposed_at,
                Event.id,
                Event.reported_at,
                Event.district,
                Event.event_type,
                Event.location_type,
                *people,
            ),
            options,
        )
        .order_by(Debrief.export_ref)
        .execution_options(yield_per=BATCH)
    )
    for batch in debriefs.partitions():
        ids = [row[0] for row in batch]
        answers: dict[int, dict[str, Any]] = {}
        if question_ids:
            # One JSON object per debrief, not a row per answer: 4 million rows at
            # 100,000 debriefs cost more to turn into Python than to write (issue 9).
            for debrief_id, text in connection.execute(
                select(Answer.debrief_id, answers_object())
                .where(Answer.debrief_id.in_(ids))
                .group_by(Answer.debrief_id)
            ):
                answers[debrief_id] = {
                    k: v for k, v in json.loads(text).items() if k in question_ids
                }
        themes = confirmed_themes(connection, ids)
        for row in batch:
            yield DebriefRecord(
                id=row[0],
                export_ref=row[1],
                state=row[2],
                question_set_id=row[3],
                first_submitted_at=row[4],
                closed_at=row[5],
                intel_doc_submitted=row[6],
                disposed=row[7] is not None,
                event_id=row[8],
                reported_at=row[9],
                district=row[10],
                event_type=row[11],
                location_type=row[12],
                counts={n: v or 0 for n, v in zip(PEOPLE_COUNTS, row[13:], strict=True)},
                answers=answers.get(row[0], {}),
                themes=themes.get(row[0], []),
            )


class answers_object(FunctionElement):
    """A debrief's answers as one JSON object text, {question id: value} (in a GROUP BY).

    Each database spells the aggregate its own way; the value is stored JSON already.
    """

    type = Text()
    inherit_cache = True


@compiles(answers_object, "sqlite")
def _answers_object_sqlite(_element, _compiler, **_kw) -> str:
    # Stored values are JSON text already: joined as they are, not parsed again.
    return (
        "'{' || group_concat(json_quote(answers.question_id) || ':' || answers.value, ',') || '}'"
    )


@compiles(answers_object, "postgresql")
def _answers_object_postgresql(_element, _compiler, **_kw) -> str:
    return "CAST(json_object_agg(answers.question_id, answers.value) AS TEXT)"
