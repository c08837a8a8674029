"""The data model (SQLAlchemy 2, typed). All times are naive UTC (see timeutil).

Debriefs record counts of people, never names. Answers are stored under the
question set's stable ids and each debrief points at the exact question set
version it was answered on, so editing questions.toml never rewrites history.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    func,
)
from sqlalchemy import (
    event as sa_event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .references import match_key_in_sql, search_key
from .timeutil import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on across databases."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class State(StrEnum):
    """Where a debrief is in its life (the workflow's table of moves: workflow.py)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    CLOSED = "closed"


_STATES = {state.value: state for state in State}


class StateColumn(TypeDecorator):
    """A `State` stored as its plain string in a VARCHAR(16): no database enum, no CHECK.

    Writes take a member or its string; reads give the member, in Core queries that
    select the column too (looked up in a dict: a tenth of the cost of State(value)).
    """

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: State | str | None, dialect) -> str | None:
        return None if value is None else State(value).value

    def process_result_value(self, value: str | None, dialect) -> State | None:
        return None if value is None else _STATES[value]


def new_token() -> str:
    """Return a fresh random token for sessions and export ids."""
    return secrets.token_urlsafe(24)


def new_export_ref() -> str:
    """Return a short random id that partner copies use instead of force references."""
    return "X" + secrets.token_hex(5).upper()


class User(Base):
    """A person who signs in. Never deleted: the audit trail keeps their name."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Rotated on sign-out and password change so that a copied cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_token, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Their supervisor, set by the administrator: told of what is chased from this person
    # (outstanding intelligence documents, chasing.py) as well as the person themselves.
    # (Accounts are never deleted, so nothing happens to it on delete.)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Where the daily digest of what waits for them goes (notifications/digest.py), set by
    # the administrator; erased when the account is deactivated (README, data protection).
    email: Mapped[str | None] = mapped_column(String(254))

    supervisor: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[supervisor_id])
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        """Return the names of the roles this person holds."""
        return frozenset(row.role for row in self.role_rows)

    def set_roles(self, roles: set[str] | frozenset[str]) -> None:
        """Replace the roles this person holds."""
        keep = [row for row in self.role_rows if row.role in roles]
        have = {row.role for row in keep}
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles) if r not in have]

    @property
    def display_name(self) -> str:
        """Return the name to show: the full name where there is one."""
        return self.full_name or self.username

    @staticmethod
    def display_name_in_sql(user: Any) -> Any:
        """Return `display_name` of a row of users (the table or an alias), in SQL: a list
        naming hundreds of people reads their names, not each whole account and its roles."""
        return case((func.coalesce(user.full_name, "") == "", user.username), else_=user.full_name)

    # The protocol Flask-Login expects, without importing Flask here.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether this person may have a session."""
        return self.active

    def get_id(self) -> str:
        """Return the revocable session token, not the row id (Flask-Login alternative id)."""
        return self.session_token


class UserRole(Base):
    """One role held by one person; a person may hold several."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class SsoIdentity(Base):
    """A person's account at the force's OpenID provider, linked to their account here by
    the provider's issuer and subject identifier (never by name or email).

    `linked`: signing in with it signs in as `user`. `pending`: the first sign-in's
    username claim equalled this existing username; an administrator must confirm the
    link before it works (auth/sso.py).
    """

    __tablename__ = "sso_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # linked, pending
    # The username claim as the provider last sent it, for the administrator to check.
    claimed_username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("issuer", "subject", name="uq_sso_identities_issuer_subject"),
    )


class SignInFailure(Base):
    """A failed sign-in, kept in the database so lock-out holds across workers."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_sign_in_failures_user_at", "user_id", "at"),)


class RateLimitCounter(Base):
    """One rate limit's count for one key (an address and a route) in its current window,
    kept in the database so that every worker and server counts together."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch

    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)


class QuestionSetVersion(Base):
    """A snapshot of questions.toml as it stood when a debrief was started on it."""

    __tablename__ = "question_set_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source_text: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class QuestionSetUpload(Base):
    """A version uploaded as a draft in the browser or by `debrief questions publish`:
    who uploaded it first, when, and the file's name (migration 0020)."""

    __tablename__ = "question_set_uploads"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("question_set_versions.id"), primary_key=True
    )
    file_name: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class QuestionSetState(Base):
    """The one row saying which version new debriefs start on, and whether a publish is
    under way (migration 0020). Every server reads `active_version_id` to pick up a
    publish; a publish claims the row with a conditional UPDATE, so a second publish
    started meanwhile is refused, on SQLite and PostgreSQL alike."""

    __tablename__ = "question_set_state"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    active_version_id: Mapped[int | None] = mapped_column(ForeignKey("question_set_versions.id"))
    publishing_token: Mapped[str | None] = mapped_column(String(64))
    publishing_since: Mapped[datetime | None] = mapped_column(DateTime)
    publishing_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class QuestionSetPublication(Base):
    """One change of the active question set: a publish, a roll back, or the seed of a new
    installation from the question file; with who, when and why (migration 0020)."""

    __tablename__ = "question_set_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_set_versions.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # publish, roll_back, seed
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    version: Mapped[QuestionSetVersion] = relationship()
    by: Mapped[User | None] = relationship()


class Event(Base):
    """An OIC event: what happened, where, and how many people (counts, never names)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Restricted: never in a partnership export.
    incident_ref: Mapped[str] = mapped_column(String(40), unique=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    district: Mapped[str] = mapped_column(String(80), index=True)
    location_type: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    adults: Mapped[int] = mapped_column(Integer, default=0)
    accompanied_children: Mapped[int] = mapped_column(Integer, default=0)
    unaccompanied_children: Mapped[int] = mapped_column(Integer, default=0)
    age_disputed: Mapped[int] = mapped_column(Integer, default=0)
    arrested: Mapped[int] = mapped_column(Integer, default=0)
    # Migration 0012: the injured count moved here from the debrief; deaths and people
    # missing (small boats) were recorded nowhere before.
    injured: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    died: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    nccu_referral_made: Mapped[bool | None] = mapped_column(Boolean)
    nccu_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    partner_agencies: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The references reversed, letters and digits only (references.py): a search for a
    # reference or its last digits reads one index (migration 0018). Set by the write
    # hooks below and by the default for Core inserts; never set them by hand.
    incident_key: Mapped[str | None] = mapped_column(
        String(40), default=lambda context: _key_default(context, "incident_ref"), index=True
    )
    nccu_key: Mapped[str | None] = mapped_column(
        String(40), default=lambda context: _key_default(context, "nccu_reference"), index=True
    )
    # "debrief" when a sergeant typed it, "import" when it came from command and control.
    source: Mapped[str] = mapped_column(String(16), default="debrief")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    debriefs: Mapped[list[Debrief]] = relationship(back_populates="event")

    # Queue and export filters: a district over a period without visiting every event.
    # PostgreSQL indexes do not hold the key by themselves (migration 0004).
    __table_args__ = (
        Index("ix_events_district_reported", "district", "reported_at", postgresql_include=["id"]),
        # The NCCU reconciliation's joins: an event by its references as matching compares
        # them (references.match_key), earliest first (migration 0022). Expression indexes,
        # so no copy of the reference can fall out of step with it.
        Index("ix_events_nccu_match", match_key_in_sql(nccu_reference), reported_at, id),
        Index("ix_events_incident_match", match_key_in_sql(incident_ref), reported_at, id),
    )


def _key_default(context, reference_column: str) -> str | None:
    """Return the search key of a Core insert's reference (None where none is given)."""
    if context is None:
        return None
    return search_key(context.get_current_parameters().get(reference_column))


@sa_event.listens_for(Event, "before_insert")
@sa_event.listens_for(Event, "before_update")
def _keep_search_keys(_mapper, _connection, target: Event) -> None:
    """Keep an event's search keys equal to its references on every ORM write."""
    target.incident_key = search_key(target.incident_ref)
    target.nccu_key = search_key(target.nccu_reference)


class Debrief(Base):
    """One structured debrief of one event, hosted by one sergeant."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    question_set_id: Mapped[int] = mapped_column(ForeignKey("question_set_versions.id"))
    state: Mapped[State] = mapped_column(StateColumn, default=State.DRAFT)
    # Optimistic lock: a form carries the version it was drawn from; a stale save is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    export_ref: Mapped[str] = mapped_column(String(16), unique=True, default=new_export_ref)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The intelligence document's record (HMICFRS Recommendation 2), set from the answers
    # at each submission through the question set's bindings, and counted only by
    # recommendation2.py. The route: first_report, later, submitted (a yes/no question set:
    # route not asked), not_done, or None (not asked: no referral, or no answer).
    intel_doc_route: Mapped[str | None] = mapped_column(String(16))
    intel_doc_submitted_at: Mapped[datetime | None] = mapped_column(DateTime)  # naive UTC
    # The queue's copy: submitted (True) or not (False) for an event with an NCCU referral,
    # None otherwise; denormalised so the queue filter reads one index (migration 0011).
    intel_doc_submitted: Mapped[bool | None] = mapped_column(Boolean)
    # Copies of the event's facts that the queue filters and sorts on, so that a queue
    # page reads one index and never the events (migration 0006). Database triggers
    # keep them equal to the event's, for every writer: an insert, a debrief moved to
    # another event, an event edited. Never set them here. An edit to the event
    # reaches debriefs already loaded in a session only at its next commit.
    event_reported_at: Mapped[datetime | None] = mapped_column(
        DateTime, server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    event_district: Mapped[str | None] = mapped_column(
        String(80), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    event_type: Mapped[str | None] = mapped_column(
        String(40), server_default=FetchedValue(), server_onupdate=FetchedValue()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Retention: when set, answers are erased and only this tombstone remains for counts.
    disposed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # What the sergeant typed that is not yet a valid answer ({question id: {input: [values]}}),
    # kept so "Save and come back later" never loses it. Only the sergeant's form reads it.
    unsaved_input: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    event: Mapped[Event] = relationship(back_populates="debriefs")
    host: Mapped[User] = relationship(foreign_keys=[host_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    question_set: Mapped[QuestionSetVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="debrief", cascade="all, delete-orphan"
    )
    themes: Mapped[list[DebriefTheme]] = relationship(
        back_populates="debrief", cascade="all, delete-orphan"
    )

    # The event facts are the triggers' to set: after a flush the ORM reads them back
    # from the database rather than trusting what an INSERT ... RETURNING reported,
    # which on SQLite is the row before its AFTER INSERT trigger ran.
    __mapper_args__ = {"eager_defaults": False}

    __table_args__ = (
        Index("ix_debriefs_state_submitted", "state", "submitted_at"),
        # The dashboard's debriefs closed in a period and their median days to close,
        # one range of it read without the table (migration 0023).
        Index("ix_debriefs_state_closed", "state", "closed_at", "first_submitted_at"),
        Index("ix_debriefs_host_state", "host_id", "state"),
        # An event's debriefs by state, from the index alone: whether it has a submitted
        # one (the dashboard's coverage) and its latest counted one (Recommendation 2).
        Index("ix_debriefs_event_state", "event_id", "state"),
        # The queue's filters and order read only this index (benchmark, issue 9):
        # a district's debriefs are one range of it, a district over a period one
        # narrower range, and the events are never read (migration 0006).
        Index(
            "ix_debriefs_queue",
            "state",
            "event_district",
            "event_reported_at",
            "event_type",
            "submitted_at",
            "intel_doc_submitted",
            "assignee_id",
            postgresql_include=["id"],  # counted from the index alone (migration 0004)
        ),
    )


class Answer(Base):
    """One answer, stored under the question's stable id as JSON (type per question)."""

    __tablename__ = "answers"

    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)

    debrief: Mapped[Debrief] = relationship(back_populates="answers")

    # On SQLite, stored in key order: a debrief's answers sit together, found by one
    # search, not one per answer through a separate index (issue 9: reading every
    # answer for an export 2.3 s to 1.3 s at 100,000 debriefs; the file 23% smaller).
    # The question-set comparison counts the answers to given questions (migration 0023).
    __table_args__ = (Index("ix_answers_question", "question_id"), {"sqlite_with_rowid": False})


class DebriefTheme(Base):
    """A theme on a debrief: suggested by the answers, and/or confirmed by the hub."""

    __tablename__ = "debrief_themes"

    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it was suggested, in words the reviewer can check against the answers.
    suggestion_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    debrief: Mapped[Debrief] = relationship(back_populates="themes")

    __table_args__ = (
        # The queue reads each listed debrief's themes and whether they are confirmed
        # from this index alone, not from the wide rows (migration 0005).
        Index("ix_debrief_themes_queue", "debrief_id", "theme_id", "confirmed"),
        # The queue's theme filter asks of each debrief in it "has it this theme?": here
        # one theme's debriefs sit together, a few hundred pages, where the key order
        # (debrief first) spreads them over every page (migration 0007). Unique, as the
        # key is, so that SQLite's planner prefers it for that question.
        Index("ix_debrief_themes_by_theme", "theme_id", "debrief_id", unique=True),
    )


class HistoryEntry(Base):
    """The debrief's timeline: transitions, edits, theme and action changes."""

    __tablename__ = "history_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # transition, edit, theme, action, note, assignment
    kind: Mapped[str] = mapped_column(String(16))
    # The debrief's state before and after a transition; null for other kinds.
    from_state: Mapped[State | None] = mapped_column(StateColumn)
    to_state: Mapped[State | None] = mapped_column(StateColumn)
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()


class ReviewNote(Base):
    """A reviewer's note on a debrief, visible to the hub only."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


class FollowUpAction(Base):
    """A follow-up action raised by the hub; may be updated after the debrief closes."""

    __tablename__ = "follow_up_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    # The owner as the hub sees it: the words typed before owners were chosen from lists
    # (kept as written, issue 19), else the chosen owner's name when saved (a team's
    # renaming follows). Never shown in a partner copy: see owner_kind.
    owner: Mapped[str] = mapped_column(String(120), index=True)
    # Who owns it: "person" (owner_user_id), "team" (owner_team_id), "agency"
    # (owner_agency, a key of vocabulary.PARTNER_AGENCIES), or None: only as written.
    owner_kind: Mapped[str | None] = mapped_column(String(16))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    owner_agency: Mapped[str | None] = mapped_column(String(40))
    # The theme the action answers (a theme id of the question set), if the hub chose one;
    # else partners read the debrief's confirmed themes beside it.
    theme_id: Mapped[str | None] = mapped_column(String(64))
    # What partners may read of it, written by the hub: no names, no references
    # (review/partner_summary.py), and shown only once the hub confirms it is shareable.
    partner_summary: Mapped[str] = mapped_column(Text, default="")
    partner_summary_shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Who raised it: told of it when a partner agency owns it (notifications/items.py).
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    debrief: Mapped[Debrief] = relationship()
    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_team: Mapped[Team | None] = relationship()

    __table_args__ = (Index("ix_follow_up_actions_status_due", "status", "due_date"),)


class Team(Base):
    """A team the administrator keeps, that can own follow-up actions. Never deleted:
    a retired team is offered no more but stays on the actions it owns."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TeamMembership(Base):
    """The team a person belongs to (at most one): a person's action shows as their team
    in a partner copy, never by their name."""

    __tablename__ = "team_memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)

    team: Mapped[Team] = relationship()


class RecipientGroup(Base):
    """Who a thematic export is shared with, as the administrator keeps the list (for
    example "OIC partnership meeting"); an export's audit record names the group's id.
    Never deleted: a retired group is offered no more."""

    __tablename__ = "recipient_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RefusalTally(Base):
    """Refusals of people not signed in, counted per address, kind and minute: each minute's
    count becomes one audit record once the minute is over (audit.tally_refusal), so that
    nobody can flood the append-only trail by sending refused requests."""

    __tablename__ = "refusal_tallies"

    remote_addr: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    minute: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_refusal_tallies_minute", "minute"),)


class PendingForm(Base):
    """What someone typed into a page that could not be saved (session ended, cookie gone).

    Owner-only: given back once, to this person, on the page it was typed on, after
    they sign in; pruned after KEPT_FORM_DAYS. One per person and page. Never answers
    until the person saves the restored page. See pending_forms.py.
    """

    __tablename__ = "pending_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(300))
    debrief_id: Mapped[int | None] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    kept_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    debrief: Mapped[Debrief | None] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "path", name="uq_pending_forms_user_path"),)


class ReviewReturn(Base):
    """One return of a debrief to its sergeant: the answers as they stood, the reviewer's
    comments on single answers, and (once resubmitted) which answers changed.

    Under the debrief's retention: erased with its answers (admin/retention.py). Never
    read by an export: comments and replies are for the sergeant and the hub only.
    """

    __tablename__ = "review_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    # The history entry of the return (its overall reason is there).
    history_id: Mapped[int] = mapped_column(ForeignKey("history_entries.id", ondelete="CASCADE"))
    returned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # {question id: stored value} when returned: what a resubmission is compared with.
    answers_before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resubmitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    # [{"question_id", "old", "new"}] in question order, set at resubmission.
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)

    comments: Mapped[list[AnswerComment]] = relationship(
        back_populates="review_return",
        cascade="all, delete-orphan",
        order_by="AnswerComment.id",
    )


class AnswerComment(Base):
    """A reviewer's comment on one answer of a returned debrief, and the sergeant's reply."""

    __tablename__ = "answer_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        ForeignKey("review_returns.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(DateTime)

    review_return: Mapped[ReviewReturn] = relationship(back_populates="comments")


class DismissedTheme(Base):
    """A suggested theme the hub removed, and the reason it was suggested then: the next
    submission suggests it again only if that reason (the answers behind it) changed."""

    __tablename__ = "dismissed_themes"

    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    basis: Mapped[str] = mapped_column(Text, default="")
    dismissed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dismissed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEntry(Base):
    """An append-only record of one DPA 2018 s.62 operation or security event.

    Never holds passwords, tokens or free-text answers. No code path updates or
    deletes these rows.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Kept as typed so the record reads the same if the account is later renamed.
    username: Mapped[str] = mapped_column(String(64), default="")
    # s.62 category: collection, alteration, consultation, disclosure, combination,
    # erasure; or security (sign-in, lock-out, refusal, role change).
    category: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (
        Index("ix_audit_entries_object", "object_type", "object_id"),
        # The audit trail filtered by a user, newest first, without sorting their rows.
        Index("ix_audit_entries_username_at", "username", "at"),
    )


class ImportBatch(Base):
    """One uploaded list (NCCU referrals or events): previewed, then applied or discarded.

    The file is kept only between preview and confirmation, then cleared.
    """

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # nccu, events
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="previewed")  # applied, discarded
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)

    uploaded_by: Mapped[User | None] = relationship()


class Disclosure(Base):
    """The figures a partner copy of the meeting pack disclosed, as they were shown.

    The next copy for the same recipients compares with these, and says which of
    them have changed since (late debriefs). Aggregates only: no debrief, person
    or reference; kept as long as the audit trail (see the README).
    """

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_key: Mapped[str] = mapped_column(String(200), index=True)
    shared_with: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    district: Mapped[str] = mapped_column(String(80), default="")
    event_type: Mapped[str] = mapped_column(String(40), default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class NccuReferral(Base):
    """One referral on the NCCU's list, as the NCCU reported it.

    Matches to events by reference are worked out when read (see compliance/reconcile.py);
    only a reviewer's decision on a suggested match is stored here.
    """

    __tablename__ = "nccu_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    nccu_reference: Mapped[str] = mapped_column(String(40), unique=True)
    referred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    force_reference: Mapped[str | None] = mapped_column(String(40), index=True)
    district: Mapped[str | None] = mapped_column(String(80))
    intel_doc_received: Mapped[bool] = mapped_column(Boolean, default=False)
    intel_doc_received_at: Mapped[datetime | None] = mapped_column(DateTime)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # A reviewer's decision on a suggested match: confirmed sets event_id.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    match_status: Mapped[str | None] = mapped_column(String(16))  # confirmed, rejected
    rejected_event_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    match_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    match_decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the first list marking the document received was imported: the time of
    # confirmed receipt where the list gives no date of its own (chasing.confirmed_at).
    receipt_listed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    # Reconciliation (migration 0022): the referrals a reference could match, found by
    # the references as matching compares them; the lists not received, oldest first.
    __table_args__ = (
        Index("ix_nccu_referrals_nccu_match", match_key_in_sql(nccu_reference)),
        Index("ix_nccu_referrals_force_match", match_key_in_sql(force_reference)),
        Index("ix_nccu_referrals_received", intel_doc_received, referred_at, id),
    )


class IntelDocChase(Base):
    """The force's side of an outstanding referral: what its sergeant recorded, and what
    the NCCU's later lists then said (compliance/chasing.py).

    Apart from nccu_referrals, which hold the NCCU's list as the NCCU reported it and
    are rewritten by each import: the force's claim never mixes with the NCCU's, and a
    row exists only for a referral someone chased (a handful, not every referral).
    """

    __tablename__ = "intel_doc_chases"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("nccu_referrals.id", ondelete="CASCADE"), unique=True
    )
    debrief_id: Mapped[int] = mapped_column(
        ForeignKey("debriefs.id", ondelete="CASCADE"), index=True
    )
    # awaiting_nccu (the force says submitted), flagged (a later list still said not
    # received), closed (a list said received).
    state: Mapped[str] = mapped_column(String(16))
    route: Mapped[str] = mapped_column(String(16))  # first_report or later (recommendation2)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, as the force says
    # Who submitted it, as typed (a name or collar number); erased at the debrief's disposal.
    submitted_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    flagged_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The NCCU list that last moved it (flagged or closed it).
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))

    referral: Mapped[NccuReferral] = relationship()
    debrief: Mapped[Debrief] = relationship()
    recorded_by: Mapped[User] = relationship()


class NotificationSent(Base):
    """One item a digest email told a person of, so it is sent once (notifications/digest.py).

    Kept only while the item still waits for them: the digest deletes the rest."""

    __tablename__ = "notifications_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "user_id", "kind", "item_id", name="uq_notifications_sent_user_id_kind_item_id"
        ),
    )


__all__ = [
    "Answer",
    "AnswerComment",
    "AuditEntry",
    "Base",
    "Debrief",
    "DebriefTheme",
    "Disclosure",
    "DismissedTheme",
    "Event",
    "FollowUpAction",
    "HistoryEntry",
    "ImportBatch",
    "IntelDocChase",
    "NccuReferral",
    "NotificationSent",
    "PendingForm",
    "QuestionSetPublication",
    "QuestionSetState",
    "QuestionSetUpload",
    "QuestionSetVersion",
    "RecipientGroup",
    "ReviewNote",
    "ReviewReturn",
    "SignInFailure",
    "SsoIdentity",
    "State",
    "StateColumn",
    "Team",
    "TeamMembership",
    "User",
    "UserRole",
]


class SummaryMark(Base):
    """A change that may have put stored figures out of date (summaries.py).

    Written only by the database's triggers (migration 0024), so that every writer marks
    what it changes; read and deleted by `summaries.forget_stale`. `at` is the hour of a
    time deciding a month ("month"), or empty for the reconciliation lists' counts
    ("reconcile")."""

    __tablename__ = "summary_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime | None] = mapped_column(DateTime)
    # PostgreSQL: the transaction that wrote it, which marks each hour once (SQLite: empty).
    tx: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_summary_marks_kind_at", "kind", "at"),)


class StoredSummary(Base):
    """Figures worked out once and kept until a mark says they are stale (summaries.py):
    one UK month's compliance figures ("month:2025-06"), or the lists' counts."""

    __tablename__ = "stored_summaries"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
