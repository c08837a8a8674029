"""The thematic workbook for the OIC partnership meeting (Flask-free).

One pass over the selected debriefs, a stream: each debrief is added to the
figures (sized by themes, months and questions, not by rows) and, in the hub's
own copy, written to the pseudonymised register as it comes (a partner copy has
no register: most rows would single out their event, issue 19). Every sheet is
write-only and the workbook goes to a temporary file, so memory stays flat however
long the period. Every export is recorded in the audit trail as a disclosure, with
whom it is shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from .. import audit, xlsx
from ..audit import Actor
from ..db import reads_first
from ..models import User
from ..questions.loader import Question, QuestionSet
from ..roles import ROLE_LABELS, Permission, Role, can
from ..timeutil import local_month, local_today, utcnow
from ..vocabulary import EVENT_TYPES, LOCATION_TYPES, PEOPLE_COUNTS, label
from ..workflow import STATE_LABELS
from . import meeting
from .actions_sheet import write_actions
from .figures import Stats, hidden_because, show_if_chain
from .meeting_sheets import FrontPage, write_front_page, write_rec2_by_month
from .selection import (
    ExportOptions,
    debrief_progress,
    event_totals,
    partner_copy_problems,
    people_histograms,
    recommendation2_of,
    stream_records,
)
from .selection import question_sets as load_question_sets
from .sheets import Context, write_about, write_answers, write_summary, write_themes
from .suppression import RunningHider, plan, show_total
from .writer import ChildBook, LocalBook

__all__ = ["ExportOptions", "ExportNotPermitted", "ExportResult", "export_themes", "file_name"]

# Answers shown in the register: what partners discuss, never references or times.
# The register's answer columns, in order: a question id, or "@" and a binding name (see
# questions/bindings.py) for the questions the service relies on, which each version names
# for itself. An id no selected version asks is left out: these are columns to read,
# not figures (Recommendation 2 is counted from each debrief's record).
KEY_QUESTIONS = (
    "how_reported",
    "risk_to_life",
    "facilitator_arrested",
    "people_released",
    "@nccu_referral",
    "nccu_wait_minutes",
    "@intel_doc",
    "trafficking_indicators_about",
    "trafficking_indicators",
    "nrm_outcome",
    "childrens_services_notified",
    "interpreter",
    "partner_delay",
    "investigation_passed_to",
    "notable_practice",
)
PROGRESS_EVERY = 500
# From this many debriefs a child process writes the workbook while this one reads
# (see writer.py): below it, starting the child costs more than it saves.
CHILD_WRITER_FROM = 5_000
PEOPLE_COUNTS_FIRST = next(iter(PEOPLE_COUNTS))


class ExportNotPermitted(Exception):
    """The person may not make this kind of export."""


@dataclass(frozen=True)
class ExportSettings:
    """The settings an export uses."""

    threshold: int
    marking: str
    force_name: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExportSettings:
        """Take the export's settings from the app's configuration."""
        return cls(
            threshold=config["SMALL_NUMBER_THRESHOLD"],
            marking=config["PROTECTIVE_MARKING"],
            force_name=config["FORCE_NAME"],
        )


@dataclass(frozen=True)
class ExportResult:
    """What was written: where, under which name, and how much."""

    path: Path
    filename: str
    debriefs: int
    events: int
    sha256: str


def is_restricted(question_id: str) -> bool:
    """Tell whether an answer is a reference that never leaves the force (NCCU, crime...)."""
    return question_id.endswith("_reference") or question_id.endswith("_ref")


def file_name(options: ExportOptions) -> str:
    """Return the server-made ASCII download name, like oic-debrief-themes-2025-Q3.xlsx."""
    suffix = "" if options.partner_copy else "-sensitive"
    return f"oic-debrief-themes-{options.period.label}{suffix}.xlsx"


def check_permission(user: User | None, options: ExportOptions) -> None:
    """Refuse exports the person may not make (None is the server operator's command line)."""
    problems = partner_copy_problems(options)
    if problems:  # the form and the command line say so first, naming the field
        raise ExportNotPermitted(next(iter(problems.values())) + ".")
    if user is None:
        if not options.partner_copy:
            raise ExportNotPermitted("The command line makes partner copies only.")
        return
    if not can(user, Permission.EXPORT_THEMES):
        raise ExportNotPermitted("You cannot export thematic spreadsheets.")
    if not options.partner_copy and not can(user, Permission.EXPORT_SENSITIVE):
        raise ExportNotPermitted(
            "Only safeguarding hub reviewers can include free text or unsuppressed numbers."
        )


def export_themes(
    session: Session,
    actor: Actor,
    options: ExportOptions,
    settings: ExportSettings,
    target: Path,
    *,
    progress: Callable[[int], None] | None = None,
    via: str = "web",
) -> ExportResult:
    """Write the workbook to `target` and add its disclosure record; the caller commits.

    An actor without an account is the server operator's command line. Ends the
    session's current transaction first, so the long read runs in its own
    read-only transaction and never holds the database's write lock.
    """
    check_permission(actor.user, options)
    generated_by = _generated_by(actor.user, options)
    session.commit()
    with reads_first():
        try:
            if session.get_bind().dialect.name == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            counts = build_workbook(session, options, settings, target, generated_by, progress)
        finally:
            session.rollback()  # end the read; nothing was written
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    name = file_name(options)
    if options.partner_copy:
        session.add(
            meeting.disclosure_row(
                options, counts["disclosed"], actor.user.id if actor.user else None, utcnow()
            )
        )
    audit.record(
        session,
        actor,
        audit.Category.DISCLOSURE,
        "export.themes",
        object_type="export",
        object_id=name,
        details={
            "period": options.period.label,
            "from": options.period.start.isoformat(),
            "to": options.period.end.isoformat(),
            "district": options.district or "all",
            "event_type": options.event_type or "all",
            "include_in_review": options.include_in_review,
            "free_text": options.include_free_text,
            "unsuppressed": options.unsuppressed,
            "shared_with": options.shared_with,
            "recipient_group_id": options.recipient_group_id,
            "debriefs": counts["debriefs"],
            "events": counts["events"],
            "sha256": digest,
            "via": via,
        },
    )
    return ExportResult(target, name, counts["debriefs"], counts["events"], digest)


def _generated_by(user: User | None, options: ExportOptions) -> str:
    if user is None:
        return "the command line (server operator)"
    roles = [r for r in (Role.PARTNERSHIP_LEAD, Role.HUB_REVIEWER) if r.value in user.roles]
    role = ROLE_LABELS[roles[0]].lower() if roles else "an authorised user"
    article = "an" if role[0] in "aeiou" else "a"
    if options.partner_copy:
        return f"{article} {role}"  # partner copies name the role, not the person
    return f"{user.display_name} ({role})"


def build_workbook(
    session: Session,
    options: ExportOptions,
    settings: ExportSettings,
    target: Path,
    generated_by: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Write every sheet of the workbook to `target`; return the counts for the audit record.

    One pass: the register is streamed while the figures are gathered, and the
    small sheets are then inserted before it (write-only sheets may be filled in
    any order). The register's people counts are protected from histograms
    counted by the database beforehand. From CHILD_WRITER_FROM debriefs on, a child
    process writes the workbook (writer.py).
    """
    step = progress or (lambda _n: None)
    threshold = 0 if options.unsuppressed else settings.threshold
    question_sets = load_question_sets(session, options)
    stats = Stats(options.period, question_sets)
    events = event_totals(session, options)
    people = people_histograms(session, options)
    people_plans = {name: plan(people[name], events[name], threshold) for name in PEOPLE_COUNTS}
    # How many debriefs: each selected one is in every people histogram once.
    # (A partner copy writes no register, so nothing big: it stays in this process.)
    in_child = (
        not options.partner_copy and sum(people[PEOPLE_COUNTS_FIRST].values()) >= CHILD_WRITER_FROM
    )
    with (ChildBook if in_child else LocalBook)(target) as book:
        # The row-by-row register is the hub's alone: in a partner copy most rows would be
        # the only one of their month, district and event type (issue 19).
        register = (
            None
            if options.partner_copy
            else _Register(book, stats, options, settings.marking, people_plans, threshold)
        )
        wanted = set(stats.choice_question_ids)
        if register is not None:
            wanted |= register.question_ids
        for done, record in enumerate(stream_records(session, options, wanted), 1):
            stats.add(record)
            if register is not None:
                register.add(record)
            if done % PROGRESS_EVERY == 0:
                step(2 * PROGRESS_EVERY)
        step(2 * (stats.total % PROGRESS_EVERY))
        if register is not None:
            register.finish()
        rec2 = recommendation2_of(session, options)
        this = meeting.period_figures(session, options, rec2).shown(threshold)
        front = FrontPage(
            force_name=settings.force_name,
            district=options.district,
            this=this,
            comparison=meeting.compare(
                session, options, threshold, use_disclosures=options.partner_copy
            ),
            in_review_now=meeting.in_review_now(session, options),
            actions_overdue_now=meeting.actions_overdue_now(session, options, local_today()),
            theme_labels=stats.theme_labels,
            threshold=threshold,
        )
        ctx = Context(
            options=options,
            stats=stats,
            events=events,
            progress=debrief_progress(session, options),
            rec2=rec2,
            front=front,
            threshold=threshold,
            marking=settings.marking,
            force_name=settings.force_name,
            generated_at=utcnow(),
            generated_by=generated_by,
            people_shown={
                name: show_total(events[name], threshold, people_plans[name].hide_total)
                for name in PEOPLE_COUNTS
            },
        )
        book.run(write_small_sheets, ctx)
        write_actions(book, session, ctx)
        book.save()
    return {"debriefs": stats.total, "events": events["events"], "disclosed": this}


def write_small_sheets(wb, ctx: Context) -> None:
    """Write the sheets before the register, in this order, each told its place (so that
    a sheet can be added without renumbering the others)."""
    writers = (
        lambda index: write_front_page(wb, ctx.front, ctx, index),
        lambda index: write_about(wb, ctx, index),
        lambda index: write_summary(wb, ctx, index),
        lambda index: write_rec2_by_month(wb, ctx, index),
        lambda index: write_themes(wb, ctx, index),
        lambda index: write_answers(wb, ctx, index),
    )
    for index, write in enumerate(writers):
        write(index)


def _latest(
    question_sets: dict[int, QuestionSet], question_id: str
) -> tuple[QuestionSet, Question] | None:
    for _, qs in sorted(question_sets.items(), reverse=True):
        question = qs.question(question_id)
        if question is not None:
            return qs, question
    return None


def _key_ids(question_sets: dict[int, QuestionSet]) -> list[str]:
    """Return the register's answer columns' question ids, bound ones from each version."""
    found: list[str] = []
    newest_first = [qs for _, qs in sorted(question_sets.items(), reverse=True)]
    for entry in KEY_QUESTIONS:
        if entry.startswith("@"):
            ids = [qs.bound_id(entry[1:]) for qs in newest_first]
        else:
            ids = [entry] if _latest(question_sets, entry) else []
        found += [qid for qid in ids if qid and qid not in found]
    return found


def register_question_ids(question_set: QuestionSet) -> list[str]:
    """Return the Debriefs sheet's answer columns for debriefs on one version (the
    question-set comparison shows how a draft changes them)."""
    return _key_ids({0: question_set})


def _free_text_ids(question_sets: dict[int, QuestionSet]) -> list[str]:
    found: list[str] = []
    for _, qs in sorted(question_sets.items(), reverse=True):
        for question in qs.questions:
            if question.kind.free_text and not is_restricted(question.id):
                if question.id not in found:
                    found.append(question.id)
    return found


class _Register:
    """The Debriefs sheet: one pseudonymised row per debrief, written as records stream by."""

    def __init__(self, book, stats: Stats, options: ExportOptions, marking: str, plans, threshold):
        self.stats = stats
        self.key_ids = _key_ids(stats.question_sets)
        text_ids = _free_text_ids(stats.question_sets) if options.include_free_text else []
        self.answer_ids = self.key_ids + text_ids
        self.question_ids = set(self.answer_ids)
        self.hiders = {name: RunningHider(plans[name], threshold) for name in PEOPLE_COUNTS}
        # Per version: each register question (or None where the version lacks it), for
        # choice questions the labels merged across versions, and how its type fills a cell.
        self._asks = {
            qs_id: [_ask(qs, qs.question(qid), _labels(stats, qid)) for qid in self.answer_ids]
            for qs_id, qs in stats.question_sets.items()
        }
        columns = [
            *_REGISTER_KEY,
            xlsx.Column("District", 12),
            xlsx.Column("Event type", 24),
            xlsx.Column("Location type", 16),
            xlsx.Column("State", 12),
        ]
        columns += [xlsx.Column(words, 11) for words in PEOPLE_COUNTS.values()]
        columns.append(xlsx.Column("Themes confirmed", 40, wrap=True))
        headers = {c.header for c in columns}
        answer_columns = list(_REGISTER_KEY)
        text_columns = list(_REGISTER_KEY)
        for position, qid in enumerate(self.answer_ids):
            latest = _latest(stats.question_sets, qid)
            assert latest is not None, "answer_ids come from these question sets"
            text = latest[1].text
            header = text if text not in headers else f"{text} ({qid})"
            headers.add(header)
            if position >= len(self.key_ids):
                text_columns.append(xlsx.Column(header, 48, wrap=True))
            else:
                answer_columns.append(xlsx.Column(header, 14))
        self.n_key = len(self.key_ids)
        # One sheet of the event's facts and one of the answers, each headed by the export
        # id and month, so that each prints legibly on A3 landscape fitted to the width
        # (one sheet of every column printed at a third of its size: issue 19).
        self.sheets = [
            (
                part,
                book.table_sheet(title, cols, marking=marking, table=table, paper=xlsx.PAPER_A3),
            )
            for part, (title, cols, table) in enumerate(
                (
                    ("Debriefs", columns, "Debriefs"),
                    ("Debriefs (answers)", answer_columns, "DebriefAnswers"),
                    ("Debriefs (free text)", text_columns, "DebriefFreeText"),
                )
            )
            if part == 0 or len(cols) > len(_REGISTER_KEY)
        ]

    def finish(self) -> None:
        """Add the tables over the rows written."""
        for _, sheet in self.sheets:
            sheet.finish()

    def add(self, record) -> None:
        """Write one debrief's row."""
        stats = self.stats
        qs = stats.question_sets.get(record.question_set_id)
        state = "Disposed" if record.disposed else STATE_LABELS.get(record.state)
        key = [record.export_ref, local_month(record.reported_at)]
        row: list[Any] = [
            *key,
            record.district,
            label(EVENT_TYPES, record.event_type),
            label(LOCATION_TYPES, record.location_type),
            state,
        ]
        row += [self.hiders[name].show(record.counts[name]) for name in PEOPLE_COUNTS]
        row.append("; ".join(stats.theme_labels.get(t, t) for t in record.themes))
        answers_row: list[Any] = list(key)
        if qs is not None:
            answers = record.answers
            for question, labels, cell, chain in self._asks[record.question_set_id]:
                # An answer as its type shows it (choice labels, numbers, free text), or an
                # empty cell where the version lacks the question or no answer applies.
                value = None if question is None else answers.get(question.id)
                if value is None or (chain and hidden_because(chain, answers) is not None):
                    answers_row.append(None)
                else:
                    answers_row.append(cell(question, value, labels))
        else:
            answers_row += [None] * len(self.answer_ids)
        cut = len(key) + self.n_key
        rows = (row, answers_row[:cut], key + answers_row[cut:])
        for part, sheet in self.sheets:
            sheet.append(rows[part])


_REGISTER_KEY = (xlsx.Column("Export id", 13), xlsx.Column("Month", 10, xlsx.MONTH_FORMAT))


def _ask(qs: QuestionSet, question: Question | None, labels: dict[str, str] | None) -> tuple:
    """Return what the register needs to fill one question's cell on one version."""
    if question is None:
        return None, labels, None, ()
    return question, labels, question.kind.cell, show_if_chain(qs, question)


def _labels(stats: Stats, question_id: str) -> dict[str, str] | None:
    merged = stats.questions.get(question_id)
    return None if merged is None else {c.id: c.label for c in merged.choices}
