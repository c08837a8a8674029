"""Arrange and read the browser server's database directly: accounts, drafts, answers.

For tests whose subject is not how a debrief is started (keeping typed work, say):
their sergeant and draft are made here in a blink, and what the browser saved is read
back from the database itself rather than from another page.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from debrief.app import create_app
from debrief.audit import Actor
from debrief.auth import accounts
from debrief.compliance import imports
from debrief.debriefs import event_record, event_saving
from debrief.extensions import db_session
from debrief.models import Answer, PendingForm, User
from debrief.questions.active import active_question_set
from tests.browser.pages import Account
from tests.debrief_helpers import EVENT_FORM

_numbers = itertools.count(9000)


class ServerData:
    """The real server's database, through the app's own domain functions."""

    def __init__(self, server_env: dict[str, str], folder: Path, password: str):
        self.password = password
        self.app = create_app(
            {
                "INSTANCE_PATH": folder,
                "DATABASE_URL": server_env["DEBRIEF_DATABASE_URL"],
                "SECRET_KEY": server_env["DEBRIEF_SECRET_KEY"],
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_KIB": 8,
            }
        )

    def close(self) -> None:
        """Let go of the database."""
        self.app.extensions["debrief.engine"].dispose()

    def sergeant(self, username: str, roles: tuple[str, ...] = ("sergeant",)) -> Account:
        """Make a sergeant (or someone with other roles) who has already chosen their password."""
        with self.app.app_context():
            session = db_session()
            accounts.create_user(
                session,
                self.app.extensions["debrief.hasher"],
                username=username,
                roles=list(roles),
                full_name=f"{username.replace('-', ' ').title()} Officer",
                password=self.password,
                must_change_password=False,
            )
            session.commit()
        return Account(username, self.password, f"{username.replace('-', ' ').title()} Officer")

    def draft(self, account: Account) -> int:
        """Start a draft debrief for this sergeant; return its id."""
        with self.app.app_context():
            session = db_session()
            user = session.scalars(select(User).where(User.username == account.username)).one()
            form = {
                name: value if isinstance(value, list) else [value]
                for name, value in EVENT_FORM.items()
            }
            form["incident_ref"] = [f"INC-20250614-{next(_numbers):04d}"]
            debrief, errors = event_saving.start(
                session,
                Actor(user),
                active_question_set(self.app),
                event_record.EventSettings.from_config(self.app.config),
                form,
            )
            assert not errors, errors
            session.commit()
            return debrief.id

    def submitted(self, account: Account) -> tuple[int, str]:
        """Give this sergeant a debrief submitted with every section answered (the answers
        of tests/debrief_helpers.COMPLETE, on the event of EVENT_FORM); return its id and
        incident reference."""
        from debrief.debriefs.drafting import settle
        from tests.debrief_helpers import COMPLETE
        from tests.factories import _in_words_of, make_debrief, make_event, real_question_set

        with self.app.app_context():
            session = db_session()
            user = session.scalars(select(User).where(User.username == account.username)).one()
            number = next(_numbers)
            event = make_event(
                created_by=user,
                incident_ref=f"INC-20250614-{number:04d}",
                nccu_reference=f"NCCU-{2025060000 + number}",
                unaccompanied_children=2,
                age_disputed=1,
                partner_agencies=["border_force", "immigration_enforcement"],
            )
            question_set = real_question_set()
            # With the answers the event record gives (as a submission stores them).
            answers, _ = settle(question_set, event, _in_words_of(question_set, COMPLETE), {})
            debrief = make_debrief(user, state="submitted", answers=answers, event=event)
            return debrief.id, event.incident_ref

    def outstanding_referral(self, account: Account, reference: str) -> None:
        """Give this sergeant a closed debrief whose NCCU referral the NCCU's list, just
        imported, says has no intelligence document."""
        from tests.factories import make_debrief, make_event

        with self.app.app_context():
            session = db_session()
            user = session.scalars(select(User).where(User.username == account.username)).one()
            event = make_event(
                incident_ref=f"INC-20261001-{next(_numbers):04d}",
                nccu_reference=reference,
                reported_at=datetime(2026, 10, 1, 8, 0),
            )
            make_debrief(user, state="closed", event=event, answers={"intel_doc_submitted": "no"})
            data = (
                "NCCU reference,Referral date and time,Force reference,District,"
                "Intelligence document received,Intelligence document received date\n"
                f"{reference},01/10/2026 09:30,,North,No,\n"
            ).encode()
            actor = Actor(username="browser-test")
            preview = imports.preview_file(session, "nccu", "nccu.csv", data, self.app.config)
            batch = imports.stage(session, preview, data, actor)
            imports.confirm(session, batch, self.app.config, actor)
            session.commit()

    def hub_reviewer(self, username: str) -> Account:
        """Make a hub reviewer who has already chosen their password."""
        name = f"{username.replace('-', ' ').title()} Reviewer"
        with self.app.app_context():
            session = db_session()
            accounts.create_user(
                session,
                self.app.extensions["debrief.hasher"],
                username=username,
                roles=["hub_reviewer"],
                full_name=name,
                password=self.password,
                must_change_password=False,
            )
            session.commit()
        return Account(username, self.password, name)

    def waiting_for_hub(self, hub: Account, host: Account) -> tuple[str, int]:
        """Give the hub a debrief past the review target (by `host`) and a partner
        agency's overdue action it raised; return the incident reference and action id."""
        from datetime import timedelta

        from debrief.models import FollowUpAction
        from debrief.timeutil import local_today, utcnow
        from tests.factories import make_debrief, make_event

        with self.app.app_context():
            session = db_session()
            people = {
                u.username: u
                for u in session.scalars(
                    select(User).where(User.username.in_([hub.username, host.username]))
                )
            }
            reference = f"INC-20261101-{next(_numbers):04d}"
            debrief = make_debrief(
                people[host.username],
                state="submitted",
                submitted_at=utcnow() - timedelta(days=30),
                event=make_event(incident_ref=reference, reported_at=utcnow() - timedelta(days=31)),
            )
            action = FollowUpAction(
                debrief_id=debrief.id,
                description="Share the vehicle details",
                owner="Border Force",
                owner_kind="agency",
                owner_agency="border_force",
                due_date=local_today() - timedelta(days=1),
                created_by_id=people[hub.username].id,
            )
            session.add(action)
            session.commit()
            return reference, action.id

    def answer(self, debrief_id: int, question_id: str):
        """Return a saved answer as the database holds it, or None."""
        with self.app.app_context():
            return db_session().scalar(
                select(Answer.value).where(
                    Answer.debrief_id == debrief_id, Answer.question_id == question_id
                )
            )

    def kept_forms(self, account: Account) -> int:
        """Return how many forms are kept for this person."""
        with self.app.app_context():
            return db_session().scalar(
                select(func.count())
                .select_from(PendingForm)
                .join(User, User.id == PendingForm.user_id)
                .where(User.username == account.username)
            )
