"""The daily email digest (`debrief notify`), Flask-free.

Each person with an email address is sent, at most once a day, one email saying how
many new things of each kind wait for them (items.py: the same rules as the page), with
a link to the service. Never what they are about: no references, answers or names, as
the email leaves the force's systems' protection (OFFICIAL-SENSITIVE stays inside).

Each item is sent once: `notifications_sent` holds what each person was told of, written
in the same transaction as their audit record and committed only after their email was
accepted by the mail server. A re-run the same day sends nothing; a run that stops half
way (the mail server went away) leaves the rest for the next run. A row goes when its
item no longer waits (dealt with), so the record is kept no longer than it is needed,
and an item that comes back (a debrief returned again) is told again.

Runs only on working days: weekends and the division's bank holidays (periods.py) send
nothing, and what waits is sent on the next working day.
"""

from __future__ import annotations

import smtplib
import ssl
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..models import NotificationSent, User
from ..periods import is_working_day
from ..timeutil import local_today, utcnow
from . import items as rules_module
from .items import KINDS, Rules, kind_phrase


class NotifyError(Exception):
    """The digest stopped; the message says how far it got and what to do."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how the digest is sent, from the SMTP_* settings."""

    host: str | None
    port: int
    starttls: bool
    username: str | None
    password: str | None
    sender: str | None
    base_url: str | None
    ca_file: str | None
    timeout: int
    service_name: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(
            host=config["SMTP_HOST"],
            port=config["SMTP_PORT"],
            starttls=config["SMTP_STARTTLS"],
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            sender=config["SMTP_FROM"],
            base_url=config["SERVICE_BASE_URL"],
            ca_file=config["SMTP_CA_FILE"],
            timeout=config["SMTP_TIMEOUT_SECONDS"],
            service_name=config["SERVICE_NAME"],
        )

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender and self.base_url)

    @property
    def link(self) -> str:
        return f"{(self.base_url or '').rstrip('/')}/notifications"


class Mailer(Protocol):
    def send_message(self, msg: EmailMessage) -> Any: ...

    def quit(self) -> Any: ...


def open_smtp(mail: MailSettings) -> smtplib.SMTP:
    """Connect to the mail server: STARTTLS with the certificate checked where set, then
    sign in where credentials are set."""
    smtp = smtplib.SMTP(mail.host or "", mail.port, timeout=mail.timeout)
    try:
        if mail.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=mail.ca_file))
        if mail.username:
            smtp.login(mail.username, mail.password or "")
    except Exception:
        smtp.close()
        raise
    return smtp


@dataclass
class Outcome:
    """What a run did, for the command to say."""

    emails: int = 0
    items: int = 0
    people: int = 0  # people with an address looked at
    skipped: str | None = None  # why nothing was sent at all
    sent_to: list[int] = field(default_factory=list)


def message_for(mail: MailSettings, to: str, counts: Mapping[str, int]) -> EmailMessage:
    """Build one person's digest: counts and kinds and a link, nothing else."""
    total = sum(counts.values())
    msg = EmailMessage()
    msg["Subject"] = (
        f"{mail.service_name}: {total} new {'thing waits' if total == 1 else 'things wait'} for you"
    )
    msg["From"] = mail.sender or ""
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=(mail.sender or "debrief").rpartition("@")[2])
    lines = [f"- {kind_phrase(kind, counts[kind])}" for kind in KINDS if counts.get(kind)]
    msg.set_content(
        "\n".join(
            [
                "Hello,",
                "",
                f"New since your last email, waiting for you in {mail.service_name}:",
                "",
                *lines,
                "",
                f"Sign in to see them and deal with them: {mail.link}",
                "",
                "This email says only how many things wait and of which kind. What they are "
                "about is in the service, not in email.",
            ]
        )
        + "\n"
    )
    return msg


def run(
    session: Session,
    rules: Rules,
    mail: MailSettings,
    actor: Actor,
    *,
    today: date | None = None,
    now: datetime | None = None,
    connect: Callable[[MailSettings], Mailer] = open_smtp,
    echo: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Send today's digests; commit person by person, each after their email is accepted.

    Raises NotifyError when sending stops part way: what was sent stays recorded."""
    today = today or local_today()
    now = now or utcnow()
    if not mail.configured:
        return Outcome(
            skipped="No email sent: SMTP_HOST, SMTP_FROM and SERVICE_BASE_URL are not all set."
        )
    if not is_working_day(today, rules.division):
        return Outcome(
            skipped=f"No email sent: {today:%A} {today.isoformat()} is not a working day."
        )
    people = list(
        session.scalars(
            select(User).where(User.active.is_(True), User.email.is_not(None)).order_by(User.id)
        )
    )
    outcome = Outcome(people=len(people))
    # What waits for everyone, and what each was told of, read once for the run.
    waiting = rules_module.ids_for_everyone(session, people, rules, now=now, today=today)
    told = _sent_records(session)
    smtp: Mailer | None = None
    try:
        for person in people:
            new = _new_items(session, waiting[person.id], told.get(person.id, {}))
            if not new:
                session.commit()  # the rows of items dealt with are gone
                continue
            if smtp is None:
                smtp = _connect(connect, mail, outcome)
            counts = {kind: len(ids) for kind, ids in new.items()}
            try:
                smtp.send_message(message_for(mail, person.email or "", counts))
            except (smtplib.SMTPException, OSError) as exc:
                account = person.id  # read before the rollback expires it
                session.rollback()
                raise NotifyError(
                    f"Sending to account {account} failed ({exc}). {outcome.emails} "
                    "email(s) were sent and recorded; run `debrief notify` again to send "
                    "the rest."
                ) from None
            _record(session, actor, person, new, now)
            session.commit()
            outcome.emails += 1
            outcome.items += sum(counts.values())
            outcome.sent_to.append(person.id)
            echo(f"Sent a digest of {sum(counts.values())} item(s) to account {person.id}.")
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return outcome


def _connect(connect, mail: MailSettings, outcome: Outcome) -> Mailer:
    try:
        return connect(mail)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise NotifyError(
            f"Cannot connect to the mail server {mail.host}:{mail.port} ({exc}). "
            f"{outcome.emails} email(s) were sent before; nothing else was recorded as sent."
        ) from None


def _sent_records(session: Session) -> dict[int, dict[tuple[str, int], int]]:
    """Return what each person was told of, by account: (kind, item id) to the row's id."""
    sent: dict[int, dict[tuple[str, int], int]] = defaultdict(dict)
    for row_id, user_id, kind, item_id in session.execute(
        select(
            NotificationSent.id,
            NotificationSent.user_id,
            NotificationSent.kind,
            NotificationSent.item_id,
        )
    ):
        sent[user_id][(kind, item_id)] = row_id
    return sent


def _new_items(
    session: Session, waiting: dict[str, list[int]], sent: dict[tuple[str, int], int]
) -> dict[str, list[int]]:
    """Return the items waiting for this person that no email has told them of, by kind;
    forget the sent-records of items that no longer wait."""
    current = {(kind, item_id) for kind, ids in waiting.items() for item_id in ids}
    gone = [row_id for key, row_id in sent.items() if key not in current]
    for start in range(0, len(gone), 500):
        session.execute(
            delete(NotificationSent)
            .where(NotificationSent.id.in_(gone[start : start + 500]))
            .execution_options(synchronize_session=False)
        )
    new: dict[str, list[int]] = defaultdict(list)
    for kind, item_id in sorted(current - set(sent)):
        new[kind].append(item_id)
    return dict(new)


def _record(
    session: Session, actor: Actor, person: User, new: dict[str, list[int]], now: datetime
) -> None:
    """Record what was sent: one row per item, and the audit record (to whom, which
    items; never the email's text)."""
    session.execute(
        insert(NotificationSent),
        [
            {"user_id": person.id, "kind": kind, "item_id": item_id, "sent_at": now}
            for kind, ids in new.items()
            for item_id in ids
        ],
    )
    audit.record(
        session,
        actor,
        audit.Category.DISCLOSURE,
        "notify.email_sent",
        object_type="user",
        object_id=person.id,
        details={"to": person.email, "items": {kind: ids for kind, ids in new.items()}},
    )


def forget_for(session: Session, user_id: int) -> None:
    """Forget what was sent to a person (their account deactivated: no more digests)."""
    session.execute(delete(NotificationSent).where(NotificationSent.user_id == user_id))
