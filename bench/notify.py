"""`debrief notify` and the header's notifications count on a benchmark database.

    python -m bench.notify --url sqlite:////tmp/notify-bench.db

Prepares the database (once; it changes it): every active account gets an
example.invalid address, one sergeant in ten supervises the next nine, the open
follow-up actions get owners (a person, a team, a partner agency in turn), and an NCCU
list is stored for one event in five with a reference (one in ten of those not received).
Then times the header's count per person (statements and milliseconds) and one run of
the digest through a local aiosmtpd server with STARTTLS (tests/smtp_server.py), and a
second run the same day (which must send nothing).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, select, text, update

from debrief.app import create_app
from debrief.audit import Actor
from debrief.extensions import db_session
from debrief.models import (
    Event,
    FollowUpAction,
    NccuReferral,
    Team,
    TeamMembership,
    User,
    UserRole,
)
from debrief.notifications import digest, items
from debrief.periods import is_working_day
from debrief.timeutil import local_today, utcnow


def prepare(session) -> None:
    """Give the benchmark's people addresses, supervisors, owned actions and a list."""
    if session.scalar(select(func.count()).select_from(NccuReferral)):
        return
    session.execute(update(User).values(email=User.username + "@police.example.invalid"))
    sergeants = list(
        session.scalars(
            select(UserRole.user_id).where(UserRole.role == "sergeant").order_by(UserRole.user_id)
        )
    )
    for n, user_id in enumerate(sergeants):
        if n % 10:
            session.execute(
                update(User).where(User.id == user_id).values(supervisor_id=sergeants[n - n % 10])
            )
    team = Team(name="Bench team")
    session.add(team)
    session.flush()
    for user_id in sergeants[:20]:
        session.add(TeamMembership(user_id=user_id, team_id=team.id))
    hubs = list(session.scalars(select(UserRole.user_id).where(UserRole.role == "hub_reviewer")))
    open_ids = list(
        session.scalars(select(FollowUpAction.id).where(FollowUpAction.status == "open"))
    )
    for n, action_id in enumerate(open_ids):
        kind = ("person", "team", "agency")[n % 3]
        values = {"owner_kind": kind, "created_by_id": hubs[n % len(hubs)]}
        if kind == "person":
            values["owner_user_id"] = sergeants[n % len(sergeants)]
        elif kind == "team":
            values["owner_team_id"] = team.id
        else:
            values["owner_agency"] = "border_force"
        session.execute(update(FollowUpAction).where(FollowUpAction.id == action_id).values(values))
    now = utcnow()
    rows = session.execute(
        select(Event.id, Event.nccu_reference, Event.reported_at, Event.district)
        .where(Event.nccu_reference.is_not(None))
        .order_by(Event.id)
    ).all()
    referrals = [
        {
            "nccu_reference": r.nccu_reference,
            "referred_at": r.reported_at + timedelta(minutes=20),
            "district": r.district,
            "intel_doc_received": n % 50 != 0,
            "rejected_event_ids": [],
            "created_at": now,
            "updated_at": now,
        }
        for n, r in enumerate(rows)
        if n % 5 == 0
    ]
    session.execute(NccuReferral.__table__.insert(), referrals)
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--count-only", action="store_true", help="time the header's count only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    from tests.smtp_server import SmtpServer

    smtp = SmtpServer(folder).start()
    app = create_app({"DATABASE_URL": args.url, "INSTANCE_PATH": folder, **smtp.settings()})
    with app.app_context():
        session = db_session()
        began = time.perf_counter()
        prepare(session)
        print(f"prepared in {time.perf_counter() - began:.1f} s")
        rules = items.Rules.from_config(app.config)
        engine = session.get_bind()
        people = {
            "sergeant": session.scalar(
                select(User)
                .join(UserRole)
                .where(UserRole.role == "sergeant", User.supervisor_id.is_not(None))
                .limit(1)
            ),
            "supervisor": session.scalar(
                select(User).where(User.id.in_(select(User.supervisor_id))).limit(1)
            ),
            # Outside the big team, so the count is under 99 and reads the chase.
            "sergeant (no team)": session.scalar(
                select(User)
                .join(UserRole)
                .where(
                    UserRole.role == "sergeant",
                    User.supervisor_id.is_not(None),
                    User.id.not_in(select(TeamMembership.user_id)),
                )
                .limit(1)
            ),
            "supervisor (no team)": session.scalar(
                select(User)
                .where(
                    User.id.in_(select(User.supervisor_id)),
                    User.id.not_in(select(TeamMembership.user_id)),
                )
                .limit(1)
            ),
            "hub_reviewer": session.scalar(
                select(User).join(UserRole).where(UserRole.role == "hub_reviewer").limit(1)
            ),
            "partnership_lead": session.scalar(
                select(User).join(UserRole).where(UserRole.role == "partnership_lead").limit(1)
            ),
        }
        session.commit()
        for label, user in people.items():
            statements: list[str] = []

            def seen(conn, cursor, statement, parameters, context, executemany, into=statements):
                into.append(statement)

            times = []
            for n in range(args.repeat):
                if n == args.repeat - 1:
                    event.listen(engine, "before_cursor_execute", seen)
                start = time.perf_counter()
                count = items.count(session, user, rules)
                times.append((time.perf_counter() - start) * 1000)
                session.rollback()
            event.remove(engine, "before_cursor_execute", seen)
            print(
                f"count for {label:<20} = {count:>5}: {len(statements)} statements, "
                f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms"
            )
        if args.count_only:
            smtp.stop()
            return
        session.execute(text("DELETE FROM notifications_sent"))
        session.commit()
        mail = digest.MailSettings.from_config(app.config)
        today = local_today()
        while not is_working_day(today, rules.division):  # the last working day
            today -= timedelta(days=1)
        print(f"digest as on {today:%A %d %B %Y}")
        for run in ("first", "second (same day)"):
            start = time.perf_counter()
            outcome = digest.run(session, rules, mail, Actor(username="bench"), today=today)
            seconds = time.perf_counter() - start
            print(
                f"notify, {run} run: {seconds:.1f} s, {outcome.emails} emails, "
                f"{outcome.items} items, {outcome.people} people with an address"
                + (f" ({outcome.skipped})" if outcome.skipped else "")
            )
        print(f"the SMTP server received {len(smtp.handler.received)} messages")
    smtp.stop()


if __name__ == "__main__":
    main()
