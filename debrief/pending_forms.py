"""Keep what was typed into a page that could not be saved, for its owner only. Flask-free.

Every page whose typing is worth keeping carries a form key the server signed:
who it was drawn for, which page (its path) and debrief, and when. A POST that
cannot be saved (the session ended, the cookie went, the form token lapsed) is
kept only when its key is genuine, not too old, drawn for the page it was posted
to and for an active account. It is kept under (person, page): one kept form per
person and page, the newest replacing the last, bounded in size and number. It is
given back once, to that person only, on that page, after they sign in; and it is
pruned after `days`. Someone who never saw the page cannot make a key for it, so
an anonymous POST without one plants nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from . import audit
from .models import Debrief, PendingForm, User
from .timeutil import utcnow

FIELD = "form_key"  # the hidden input that carries the key
SALT = "debrief.form-key.v1"
# A key stays good for the longest session plus a day: a page left open at the end of
# a shift is still kept the next morning.
GRACE_SECONDS = 24 * 3600
MAX_BYTES = 64 * 1024  # what was typed on one page, as UTF-8 JSON
MAX_FIELDS = 500
MAX_PER_PERSON = 20
MAX_PATH = 300
# Never kept: the form token is the session's, and the key is issued afresh.
SKIP_FIELDS = frozenset({"csrf_token", FIELD})


class NotKept(Exception):
    """What was posted cannot be kept; the message says why, for the person."""


class KeyRefused(NotKept):
    """The form key is missing, forged, too old, or for another page or person."""


class TooLarge(NotKept):
    """More was typed than a kept form may hold."""


@dataclass(frozen=True)
class FormKey:
    """The claims of a genuine key."""

    user_id: int
    path: str
    debrief_id: int | None
    issued_at: int


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def issue_key(secret: str, *, user_id: int, path: str, debrief_id: int | None, now: int) -> str:
    """Sign a key for this person's page, to be posted back with the form."""
    claims = {"u": user_id, "p": path, "d": debrief_id, "iat": now}
    return _serializer(secret).dumps(claims)


def read_key(secret: str, token: str | None, *, path: str, now: int, max_age: int) -> FormKey:
    """Return the claims of a genuine, current key for `path`, or raise KeyRefused."""
    if not token or len(token) > 1000:
        raise KeyRefused("the page had no form key")
    try:
        claims = _serializer(secret).loads(token)
    except BadSignature:
        raise KeyRefused("the page's form key was not one this service made") from None
    try:
        key = FormKey(
            user_id=int(claims["u"]),
            path=str(claims["p"]),
            debrief_id=None if claims["d"] is None else int(claims["d"]),
            issued_at=int(claims["iat"]),
        )
    except (KeyError, TypeError, ValueError):
        raise KeyRefused("the page's form key was not one this service made") from None
    if key.path != path:
        raise KeyRefused("the form key was made for another page")
    if not 0 <= now - key.issued_at <= max_age:
        raise KeyRefused("the page was opened too long ago")
    return key


def key_max_age(absolute_limit_seconds: int) -> int:
    """Return how long a key stays good: the longest session, and a day."""
    return absolute_limit_seconds + GRACE_SECONDS


def typed_values(form: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return what is worth keeping of a posted form, or raise TooLarge."""
    if len(form) > MAX_FIELDS:
        raise TooLarge(f"the page had more than {MAX_FIELDS} fields")
    data = {name: list(values) for name, values in form.items() if name not in SKIP_FIELDS}
    if size_of(data) > MAX_BYTES:
        raise TooLarge(f"more than {MAX_BYTES // 1024} KB was typed on the page")
    return data


def size_of(data: dict[str, list[str]]) -> int:
    """Return the size in bytes a kept form takes (UTF-8 JSON)."""
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def keep(
    session: Session,
    key: FormKey,
    form: dict[str, list[str]],
    *,
    days: int,
    signed_in: bool,
    remote_addr: str = "",
) -> PendingForm:
    """Keep what was typed for the key's owner and page, replacing any earlier one.

    Raises KeyRefused if the owner no longer has an active account, TooLarge if the
    form is too big. Audited as collection, with sizes only.
    """
    owner = session.get(User, key.user_id)
    if owner is None or not owner.active:
        raise KeyRefused("the page was drawn for an account that is no longer active")
    data = typed_values(form)
    now = utcnow()
    prune(session, days=days)
    values = {
        "user_id": owner.id,
        "path": key.path[:MAX_PATH],
        "debrief_id": key.debrief_id,
        "kept_at": now,
        "size_bytes": size_of(data),
        "form_data": data,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PendingForm).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "path"],
        set_={name: statement.excluded[name] for name in values if name not in ("user_id", "path")},
    )
    session.execute(statement)
    _keep_the_newest(session, owner.id)
    audit.record(
        session,
        audit.Actor(owner, remote_addr),
        audit.Category.COLLECTION,
        "form.kept",
        object_type="debrief" if key.debrief_id else "page",
        object_id=key.debrief_id or key.path[:64],
        details={
            "page": key.path[:MAX_PATH],
            "bytes": values["size_bytes"],
            "signed_in": signed_in,
        },
    )
    return session.scalars(
        select(PendingForm).where(PendingForm.user_id == owner.id, PendingForm.path == key.path)
    ).one()


def _keep_the_newest(session: Session, user_id: int) -> None:
    """Drop this person's oldest kept forms beyond MAX_PER_PERSON."""
    stale = select(PendingForm.id).where(PendingForm.user_id == user_id)
    stale = stale.order_by(PendingForm.kept_at.desc(), PendingForm.id.desc()).offset(MAX_PER_PERSON)
    ids = list(session.scalars(stale))
    if ids:
        session.execute(delete(PendingForm).where(PendingForm.id.in_(ids)))


def take(session: Session, user_id: int, path: str, *, days: int) -> dict[str, list[str]] | None:
    """Return and forget what this person typed on this page, if it is still kept.

    Reads only, unless there is one: a page view that finds nothing writes nothing.
    """
    row = session.scalars(
        select(PendingForm).where(PendingForm.user_id == user_id, PendingForm.path == path)
    ).first()
    if row is None:
        return None
    if row.kept_at < cutoff(days):
        prune(session, days=days)  # past its time: pruned, not given back
        return None
    data = as_form(row.form_data)
    session.execute(delete(PendingForm).where(PendingForm.id == row.id))
    prune(session, days=days)
    return data


def kept_pages(session: Session, user_id: int, *, days: int) -> list[PendingForm]:
    """Return this person's kept forms still within the retention period, newest first."""
    return list(
        session.scalars(
            select(PendingForm)
            .options(
                joinedload(PendingForm.debrief).joinedload(Debrief.event),
                joinedload(PendingForm.debrief).joinedload(Debrief.question_set),
            )
            .where(PendingForm.user_id == user_id, PendingForm.kept_at >= cutoff(days))
            .order_by(PendingForm.kept_at.desc())
        )
    )


def cutoff(days: int, now: datetime | None = None) -> datetime:
    """Return the time before which a kept form is past its retention period."""
    return (now or utcnow()) - timedelta(days=days)


def prune(session: Session, *, days: int, now: datetime | None = None) -> int:
    """Delete every kept form past its retention period; audited (erasure) with the count."""
    expired = PendingForm.kept_at < cutoff(days, now)
    count = session.scalar(select(func.count()).select_from(PendingForm).where(expired)) or 0
    if count:
        session.execute(delete(PendingForm).where(expired))
        audit.record(
            session,
            audit.Actor(username="retention"),
            audit.Category.ERASURE,
            "kept_forms.pruned",
            details={"count": count, "kept_form_days": days},
        )
    return count


def as_form(data: dict[str, Any]) -> dict[str, list[str]]:
    """Return kept data as {name: [values]}, dropping anything that is not text."""
    return {
        str(name): [v for v in values if isinstance(v, str)]
        for name, values in data.items()
        if isinstance(values, list)
    }
