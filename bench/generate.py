"""Build a benchmark database of N realistic debriefs on the real question set, fast.

Rows are built in Python and written in big batches: SQLAlchemy Core
executemany in one transaction per chunk on SQLite, COPY on PostgreSQL.
Nothing that changes semantics is switched off (foreign keys stay on, WAL
stays on). The database is dropped and rebuilt from the migrations first.

    python -m bench.generate --n 10000 --url sqlite:////tmp/bench-10k.db
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, select, text
from sqlalchemy.engine import make_url

from debrief import schema
from debrief.auth.passwords import Hasher
from debrief.config import DEFAULTS, PROJECT_ROOT
from debrief.db import make_engine, refresh_statistics
from debrief.models import (
    Answer,
    AuditEntry,
    Base,
    Debrief,
    DebriefTheme,
    Event,
    FollowUpAction,
    HistoryEntry,
    ImportBatch,
    NccuReferral,
    QuestionSetVersion,
    ReviewNote,
    User,
    UserRole,
)
from debrief.questions.loader import load_file
from debrief.questions.themes import suggest
from debrief.recommendation2 import record_from_answers
from debrief.timeutil import utcnow
from debrief.vocabulary import EVENT_TYPES, LOCATION_TYPES, PARTNER_AGENCIES, PEOPLE_COUNTS
from debrief.workflow import State

from .answers import AnswerPool

# Benchmark accounts on a throw-away database; hashed at a low argon2 cost (t=1, 1 MiB)
# so that signing 40 clients in does not dominate the run. Only sign-in is affected.
BENCH_PASSWORD = "bench-password-not-secret"
BENCH_HASHER = Hasher(time_cost=1, memory_kib=1024, parallelism=1)
BENCH_CLIENTS = 20  # bench-sgt-01.. and bench-hub-01.. accounts
DRAFTS_PER_BENCH_SERGEANT = 8
CHUNK = 5000
YEARS = 3
# At 100,000 debriefs each bench sergeant hosts about 300 (their "My debriefs"), scaled down
# with N; the audit trail holds 4 rows a debrief (400,000), topped up with sign-ins and views.
BUSY_SERGEANT_DEBRIEFS = 300
AUDIT_PER_DEBRIEF = 4
# The NCCU's list: one referral per event with a referral (1 in 20 matched only by the force
# reference), and unmatched referrals up to N in all; 8% of old ones still outstanding.
NCCU_BY_FORCE_REFERENCE = 0.05
NCCU_UNMATCHED_SHARE = 0.03
NCCU_OUTSTANDING_OLD, NCCU_OUTSTANDING_RECENT = 0.08, 0.5
OWNERS = (
    "Immigration Enforcement",
    "Border Force",
    "Local authority",
    "Force training",
    "Roads policing",
    "Custody",
    "NCA liaison",
)
STATE_BY_AGE = (  # (max age in days, [(state, weight)])
    (3, [(State.DRAFT, 50), (State.SUBMITTED, 40), (State.IN_REVIEW, 10)]),
    (
        30,
        [
            (State.DRAFT, 5),
            (State.SUBMITTED, 20),
            (State.IN_REVIEW, 25),
            (State.RETURNED, 10),
            (State.CLOSED, 40),
        ],
    ),
    (
        90,
        [
            (State.DRAFT, 1),
            (State.SUBMITTED, 3),
            (State.IN_REVIEW, 5),
            (State.RETURNED, 3),
            (State.CLOSED, 88),
        ],
    ),
    (
        10**6,
        [
            (State.DRAFT, 0.2),
            (State.SUBMITTED, 0.5),
            (State.IN_REVIEW, 0.5),
            (State.RETURNED, 0.3),
            (State.CLOSED, 98.5),
        ],
    ),
)


@dataclass
class Generated:
    """What was built and how long it took."""

    url: str
    n: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    bench_draft_ids: dict[str, list[int]] = field(default_factory=dict)


def fresh_database(url: str) -> Engine:
    """Drop whatever is at the URL and migrate an empty schema; return an engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    else:
        if parsed.database in {"test", "postgres"}:
            raise SystemExit(f"Refusing to drop the shared {parsed.database!r} database.")
        plain = create_engine(url)
        with plain.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        plain.dispose()
    engine = make_engine(url)
    schema.upgrade(engine)
    return engine


def _fill_defaults(table: Table, rows: list[dict]) -> None:
    """Give columns this script does not know (added by later work) their model default."""
    missing = [c for c in table.columns if c.name not in rows[0] and c.default is not None]
    for column in missing:
        default = column.default
        for row in rows:
            row[column.name] = default.arg(None) if default.is_callable else default.arg


def _insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Write rows in one statement batch: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    _fill_defaults(table, rows)
    columns = list(rows[0])
    if conn.dialect.name != "postgresql":
        # The column types' own bind processors (dates, JSON) applied once per value, then
        # one DBAPI executemany: what Core does, without its per-row bookkeeping.
        processors = [
            table.c[c].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in columns
        ]
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
            [
                tuple(p(row[c]) if p else row[c] for c, p in zip(columns, processors, strict=True))
                for row in rows
            ],
        )
        return
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
    cursor.close()


class _Builder:
    """Builds rows chunk by chunk with one seeded random generator."""

    def __init__(self, n: int, seed: int, now: datetime):
        self.n = n
        self.rng = random.Random(seed)
        self.now = now
        self.question_set = load_file(PROJECT_ROOT / "questions.toml")
        self.answer_pool = AnswerPool(self.rng, self.question_set, size=min(n, 3000))
        self.districts = DEFAULTS["DISTRICTS"]
        self.debrief_id = 0
        self.event_id = 0
        self.history_id = self.action_id = self.note_id = self.audit_id = 0
        self.refs: set[str] = set()
        self.referral_id = 0
        self.nccu_refs: set[str] = set()
        self.usernames: dict[int, str] = {}
        self.day_counter: dict[date, int] = {}
        self.rows: dict[str, int] = {}

    # -- accounts ------------------------------------------------------------------------
    def users(self) -> tuple[list[dict], list[dict]]:
        """Bench accounts first, then the force's other sergeants and reviewers."""
        password_hash = BENCH_HASHER.hash(BENCH_PASSWORD)
        specs = [(f"bench-sgt-{i:02d}", "sergeant") for i in range(1, BENCH_CLIENTS + 1)]
        specs += [(f"bench-hub-{i:02d}", "hub_reviewer") for i in range(1, BENCH_CLIENTS + 1)]
        specs += [(f"bench-adm-{i:02d}", "admin") for i in range(1, BENCH_CLIENTS + 1)]
        specs += [("bench-lead", "partnership_lead"), ("bench-admin", "admin")]
        specs += [(f"sgt-{i:04d}", "sergeant") for i in range(max(30, self.n // 250))]
        specs += [(f"hub-{i:02d}", "hub_reviewer") for i in range(8)]
        users, roles = [], []
        for uid, (username, role) in enumerate(specs, start=1):
            users.append(
                {
                    "id": uid,
                    "username": username,
                    "full_name": username.replace("-", " ").title(),
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "active": True,
                    "session_token": f"bench-token-{uid}-{self.rng.getrandbits(64):x}",
                    "created_at": self.now - timedelta(days=365 * YEARS),
                }
            )
            roles.append({"user_id": uid, "role": role})
        self.sergeants = [
            u["id"]
            for u, r in zip(users, roles, strict=True)
            if r["role"] == "sergeant" and not u["username"].startswith("bench")
        ]
        self.reviewers = [
            u["id"] for u, r in zip(users, roles, strict=True) if r["role"] == "hub_reviewer"
        ]
        self.bench_sergeants = {u["username"]: u["id"] for u in users[:BENCH_CLIENTS]}
        self.usernames = {u["id"]: u["username"] for u in users}
        return users, roles

    # -- one debrief -----------------------------------------------------------------------
    def _incident_ref(self, reported: datetime) -> str:
        day = reported.date()
        number = self.day_counter.get(day, 0) + 1
        self.day_counter[day] = number
        return f"INC-{day:%Y%m%d}-{number:04d}"

    def _export_ref(self) -> str:
        while True:
            ref = f"X{self.rng.getrandbits(40):010X}"
            if ref not in self.refs:
                self.refs.add(ref)
                return ref

    def event(self, reported: datetime, source: str = "debrief", created_by=None) -> dict:
        rng = self.rng
        self.event_id += 1
        adults = rng.choice((0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 25, 40))
        counts = {
            "adults": adults,
            "accompanied_children": rng.choice((0,) * 8 + (1, 2, 3)),
            "unaccompanied_children": rng.choice((0,) * 10 + (1, 2)),
            "age_disputed": rng.choice((0,) * 12 + (1,)),
            "arrested": rng.choice((0, 0, 0, 1, 1, 2)),
            "injured": rng.choice((0,) * 6 + (1, 2)),
            "died": rng.choice((0,) * 199 + (1,)),
            "missing": rng.choice((0,) * 99 + (1,)),
        }
        nccu = rng.random() < 0.88
        return {
            "id": self.event_id,
            "incident_ref": self._incident_ref(reported),
            "reported_at": reported,
            "district": rng.choice(self.districts),
            "location_type": rng.choice(list(LOCATION_TYPES)),
            "event_type": rng.choice(list(EVENT_TYPES)),
            **counts,
            "nccu_referral_made": nccu,
            "nccu_reference": f"NCCU-{rng.randint(10**9, 10**10 - 1)}" if nccu else None,
            "partner_agencies": rng.sample(list(PARTNER_AGENCIES), rng.randint(0, 3)),
            "source": source,
            "created_at": reported + timedelta(hours=1),
            "created_by_id": created_by,
        }

    def _intel_doc(self, answers: dict[str, Any], referral: bool, state: State) -> dict[str, Any]:
        """Return the debrief's record of the intelligence document, as submitting sets it."""
        if state == State.DRAFT:
            return {
                "intel_doc_route": None,
                "intel_doc_submitted_at": None,
                "intel_doc_submitted": None,
            }
        record = record_from_answers(self.question_set, answers, referral)
        return record.columns()

    def _state(self, reported: datetime) -> State:
        age = (self.now - reported).days
        for limit, weights in STATE_BY_AGE:
            if age < limit:
                return self.rng.choices([s for s, _ in weights], [w for _, w in weights])[0]
        return State.CLOSED

    def debrief(
        self, out: dict[str, list], reported: datetime, host: int, state: State, bench_draft=False
    ) -> int:
        rng, qs = self.rng, self.question_set
        event = self.event(reported, created_by=host)
        out["events"].append(event)
        counts = {k: event[k] for k in PEOPLE_COUNTS}
        self.debrief_id += 1
        did = self.debrief_id
        sections = None if state != State.DRAFT or bench_draft else rng.randint(0, len(qs.sections))
        answers = self.answer_pool.answers(reported, counts, sections)
        referral = qs.bound("nccu_referral")
        if referral is not None and referral.id in answers:  # the event record is the source
            made = answers[referral.id] == "yes"
            event["nccu_referral_made"] = made
            event["nccu_reference"] = f"NCCU-{rng.randint(10**9, 10**10 - 1)}" if made else None
            if made:
                answers["nccu_reference"] = event["nccu_reference"]
        created = reported + timedelta(hours=rng.uniform(2, 30))
        submitted = (
            created + timedelta(hours=rng.uniform(0.5, 48)) if state != State.DRAFT else None
        )
        closed = submitted + timedelta(days=rng.uniform(1, 20)) if state == State.CLOSED else None
        if closed and closed > self.now:
            closed = self.now
        assignee = rng.choice(self.reviewers) if state in (State.IN_REVIEW, State.CLOSED) else None
        version = 1 + len(answers) // 8 + (state != State.DRAFT)
        out["debriefs"].append(
            {
                "id": did,
                "event_id": event["id"],
                "host_id": host,
                "question_set_id": 1,
                "state": state,
                "version": version,
                "export_ref": self._export_ref(),
                "assignee_id": assignee,
                **self._intel_doc(answers, event["nccu_referral_made"], state),
                "created_at": created,
                "updated_at": closed or submitted or created,
                "first_submitted_at": submitted,
                "submitted_at": submitted,
                "closed_at": closed,
                "disposed_at": None,
            }
        )
        out["answers"] += [
            {"debrief_id": did, "question_id": q, "value": v} for q, v in answers.items()
        ]
        self._audit(out, created, host, "collection", "debrief.create", did)
        if state == State.DRAFT:
            return did
        self._reviewed(
            out, did, answers, counts, reported, host, state, submitted, closed, assignee
        )
        return did

    def _reviewed(
        self, out, did, answers, counts, reported, host, state, submitted, closed, assignee
    ) -> None:
        rng = self.rng
        self._history(out, did, submitted, host, State.DRAFT, State.SUBMITTED)
        self._audit(out, submitted, host, "alteration", "debrief.submit", did)
        suggested = suggest(self.question_set, answers, counts, reported)
        reviewing = state in (State.IN_REVIEW, State.CLOSED)
        for theme in suggested:
            confirmed = reviewing and rng.random() < (0.85 if state == State.CLOSED else 0.4)
            out["themes"].append(
                self._theme(
                    did, theme.theme_id, True, theme.reason_text, confirmed, assignee, submitted
                )
            )
        if state == State.CLOSED and rng.random() < 0.1:
            extra = rng.choice(self.question_set.themes).id
            if extra not in {t.theme_id for t in suggested}:
                out["themes"].append(self._theme(did, extra, False, "", True, assignee, closed))
        if state == State.RETURNED:
            reviewer = rng.choice(self.reviewers)
            self._history(
                out,
                did,
                submitted + timedelta(hours=20),
                reviewer,
                State.SUBMITTED,
                State.RETURNED,
                "Please add the NCCU reference and the wait time.",
            )
        if not reviewing:
            return
        started = submitted + timedelta(hours=rng.uniform(1, 72))
        self._history(out, did, started, assignee, State.SUBMITTED, State.IN_REVIEW)
        self._audit(out, started, assignee, "consultation", "debrief.view", did)
        if rng.random() < 0.1:
            self.note_id += 1
            out["notes"].append(
                {
                    "id": self.note_id,
                    "debrief_id": did,
                    "author_id": assignee,
                    "at": started,
                    "text": "Checked with the control room log.",
                }
            )
        if rng.random() < 0.15:
            for _ in range(rng.randint(1, 2)):
                self.action_id += 1
                done = state == State.CLOSED and rng.random() < 0.7
                out["actions"].append(
                    {
                        "id": self.action_id,
                        "debrief_id": did,
                        "description": "Remind the team the intelligence document is required.",
                        "owner": rng.choice(OWNERS),
                        "due_date": (started + timedelta(days=rng.randint(7, 60))).date(),
                        "status": "done" if done else "open",
                        "outcome": "Briefed at the next shift change." if done else "",
                        "version": 1,
                        "created_by_id": assignee,
                        "created_at": started,
                        "updated_at": started,
                    }
                )
        if state == State.CLOSED:
            self._history(out, did, closed, assignee, State.IN_REVIEW, State.CLOSED)
            self._audit(out, closed, assignee, "alteration", "debrief.close", did)

    def _theme(self, did, theme_id, suggested, reason, confirmed, by, at) -> dict:
        return {
            "debrief_id": did,
            "theme_id": theme_id,
            "suggested": suggested,
            "suggestion_reason": reason,
            "confirmed": confirmed,
            "confirmed_by_id": by if confirmed else None,
            "confirmed_at": at if confirmed else None,
        }

    def _history(self, out, did, at, actor, before, after, reason=None) -> None:
        self.history_id += 1
        out["history"].append(
            {
                "id": self.history_id,
                "debrief_id": did,
                "at": at,
                "actor_id": actor,
                "kind": "transition",
                "from_state": before,
                "to_state": after,
                "summary": f"{before} → {after}",
                "reason": reason,
            }
        )

    def _audit(self, out, at, user, category, action, did) -> None:
        self.audit_id += 1
        out["audit"].append(
            {
                "id": self.audit_id,
                "at": at,
                "user_id": user,
                "username": self.usernames.get(user, ""),
                "category": category,
                "action": action,
                "object_type": "debrief",
                "object_id": str(did),
                "details": {},
                "remote_addr": "127.0.0.1",
            }
        )

    def chunks(self) -> Iterable[dict[str, list]]:
        """Yield row batches of CHUNK debriefs, oldest events first."""
        span = timedelta(days=365 * YEARS).total_seconds()
        start = self.now - timedelta(days=365 * YEARS)
        offsets = sorted(self.rng.random() * span for _ in range(self.n))
        for first in range(0, self.n, CHUNK):
            out: dict[str, list] = {k: [] for k in TABLES}
            busy = list(self.bench_sergeants.values())
            busy_share = len(busy) * BUSY_SERGEANT_DEBRIEFS / 100_000
            for offset in offsets[first : first + CHUNK]:
                reported = (start + timedelta(seconds=offset)).replace(microsecond=0)
                host = self.rng.choice(busy if self.rng.random() < busy_share else self.sergeants)
                self.debrief(out, reported, host, self._state(reported))
                if self.rng.random() < 0.03:  # imported from command and control, no debrief
                    out["events"].append(self.event(reported + timedelta(minutes=7), "import"))
            chunk = offsets[first : first + CHUNK]
            self._audit_top_up(out, start + timedelta(seconds=chunk[0]),
                               start + timedelta(seconds=chunk[-1]), len(chunk))  # fmt: skip
            self._referrals(out, len(chunk))
            yield out

    def _audit_top_up(self, out, first: datetime, last: datetime, debriefs: int) -> None:
        """Sign-ins and page views, so the trail holds AUDIT_PER_DEBRIEF rows a debrief."""
        rng, span = self.rng, max((last - first).total_seconds(), 1)
        people = self.sergeants + self.reviewers + list(self.bench_sergeants.values())
        for _ in range(max(0, AUDIT_PER_DEBRIEF * debriefs - len(out["audit"]))):
            at = (first + timedelta(seconds=rng.random() * span)).replace(microsecond=0)
            user = rng.choice(people)
            if rng.random() < 0.5:
                self._audit(out, at, user, "security", "sign_in", None)
                out["audit"][-1].update(object_type="", object_id="")
            else:
                self._audit(out, at, user, "consultation", "debrief.view",
                            rng.randint(1, max(1, self.debrief_id)))  # fmt: skip

    def _referral(self, reference: str, when: datetime, force_ref, district) -> dict:
        rng = self.rng
        self.referral_id += 1
        age = (self.now - when).days
        outstanding = rng.random() < (NCCU_OUTSTANDING_RECENT if age < 30 else NCCU_OUTSTANDING_OLD)
        received_at = (
            None if outstanding else min(when + timedelta(days=rng.uniform(0, 9)), self.now)
        )
        return {
            "id": self.referral_id,
            "nccu_reference": reference,
            "referred_at": when,
            "force_reference": force_ref,
            "district": district,
            "intel_doc_received": not outstanding,
            "intel_doc_received_at": received_at,
            "batch_id": 1,
            "event_id": None,
            "match_status": None,
            "rejected_event_ids": [],
            "receipt_listed_at": received_at,
            "created_at": self.now,
            "updated_at": self.now,
        }

    def _referrals(self, out, debriefs: int) -> None:
        """The NCCU's list for this chunk's events: matched, by force reference, unmatched
        (at least NCCU_UNMATCHED_SHARE, and enough for one referral a debrief in all)."""
        rng = self.rng
        for event in out["events"]:
            if not event["nccu_referral_made"] or not event["nccu_reference"]:
                continue
            when = event["reported_at"] + timedelta(minutes=rng.randint(5, 90))
            reference = event["nccu_reference"]
            if rng.random() < NCCU_BY_FORCE_REFERENCE:  # the NCCU's own number differs
                reference = f"NCCU-F{rng.getrandbits(36):011d}"
            if reference in self.nccu_refs:
                continue
            self.nccu_refs.add(reference)
            out["referrals"].append(
                self._referral(reference, when, event["incident_ref"], event["district"])
            )
        unmatched = max(
            int(len(out["events"]) * NCCU_UNMATCHED_SHARE), debriefs - len(out["referrals"])
        )
        for event in rng.choices(out["events"], k=unmatched):
            when = event["reported_at"] + timedelta(hours=rng.uniform(-30, 30))
            reference = f"NCCU-U{rng.getrandbits(36):011d}"
            self.nccu_refs.add(reference)
            out["referrals"].append(
                self._referral(reference, min(when, self.now), None, rng.choice(self.districts))
            )

    def bench_drafts(self) -> tuple[dict[str, list], dict[str, list[int]]]:
        """Complete drafts owned by the bench sergeants: the saves and submits under load."""
        out: dict[str, list] = {k: [] for k in TABLES}
        ids: dict[str, list[int]] = {}
        for username, uid in self.bench_sergeants.items():
            for _ in range(DRAFTS_PER_BENCH_SERGEANT):
                reported = self.now - timedelta(hours=self.rng.uniform(3, 40))
                ids.setdefault(username, []).append(
                    self.debrief(
                        out, reported.replace(microsecond=0), uid, State.DRAFT, bench_draft=True
                    )
                )
        return out, ids


TABLES: dict[str, Table] = {
    "events": Event.__table__,
    "debriefs": Debrief.__table__,
    "answers": Answer.__table__,
    "themes": DebriefTheme.__table__,
    "history": HistoryEntry.__table__,
    "notes": ReviewNote.__table__,
    "actions": FollowUpAction.__table__,
    "audit": AuditEntry.__table__,
    "referrals": NccuReferral.__table__,
}


def _reset_sequences(conn: Connection) -> None:
    """After explicit ids, move PostgreSQL's sequences past them so the app can insert."""
    for table in Base.metadata.sorted_tables:
        if "id" not in table.columns or not table.columns["id"].autoincrement:
            continue
        highest = conn.scalar(select(func.max(table.columns["id"])))
        if highest:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                {"t": table.name, "v": highest},
            )


def nccu_batch(now: datetime) -> dict:
    """The applied NCCU list that the generated referrals came from."""
    return {
        "id": 1,
        "kind": "nccu",
        "filename": "nccu-referrals.csv",
        "sha256": "0" * 64,
        "content": None,
        "status": "applied",
        "summary": {"add": 0, "update": 0},
        "uploaded_by_id": None,
        "uploaded_at": now,
        "applied_at": now,
    }


def generate(url: str, n: int, seed: int = 20250614, echo: Callable[[str], None] = print):
    """Build a fresh database of n debriefs at url; return a Generated summary."""
    engine = fresh_database(url)
    began = time.perf_counter()
    builder = _Builder(n, seed, utcnow())
    users, roles = builder.users()
    qs = builder.question_set
    totals: dict[str, int] = {"users": len(users)}
    with engine.begin() as conn:
        _insert(conn, User.__table__, users)
        _insert(conn, UserRole.__table__, roles)
        _insert(
            conn,
            QuestionSetVersion.__table__,
            [
                {
                    "id": 1,
                    "version_hash": qs.version,
                    "source_text": qs.source_text,
                    "first_seen_at": builder.now - timedelta(days=365 * YEARS),
                }
            ],
        )
        _insert(conn, ImportBatch.__table__, [nccu_batch(builder.now)])
    drafts, draft_ids = builder.bench_drafts()
    for batch in itertools.chain(builder.chunks(), [drafts]):  # one chunk in memory at a time
        with engine.begin() as conn:
            for key, table in TABLES.items():
                _insert(conn, table, batch[key])
                totals[key] = totals.get(key, 0) + len(batch[key])
        echo(f"  {totals['debriefs']:>7} debriefs  {time.perf_counter() - began:6.1f} s")
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    if engine.dialect.name == "postgresql":
        # As autovacuum would have long since done on a database that holds years of
        # debriefs: without it no page is marked all-visible, so no index-only scan.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            # The README's deployment advice for SSD storage: without it the planner
            # reads all 96,000 closed debriefs to find a district's quarter (27 ms, not 4).
            name = conn.dialect.identifier_preparer.quote(engine.url.database)
            conn.execute(text(f"ALTER DATABASE {name} SET random_page_cost = 1.1"))
    # SQLite: planner statistics, as the app keeps them after an upgrade or a big import
    # (db.refresh_statistics); without them a plan depends on how a query is written.
    refresh_statistics(engine)
    engine.dispose()
    return Generated(url, n, time.perf_counter() - began, totals, draft_ids)


def main(argv: list[str] | None = None) -> None:
    """Command line: build one database and print how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="number of debriefs")
    parser.add_argument("--url", required=True, help="database URL (it is dropped first)")
    parser.add_argument("--seed", type=int, default=20250614)
    args = parser.parse_args(argv)
    result = generate(args.url, args.n, args.seed)
    rows = ", ".join(f"{k} {v:,}" for k, v in result.rows.items())
    print(f"Generated {args.n:,} debriefs in {result.seconds:.1f} s ({rows})")


if __name__ == "__main__":
    main()
