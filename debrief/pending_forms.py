"""Keep what was typed when a save fails because the session expired or its token lapsed.

The form is stored server-side under a random key that only the browser that
typed it holds (in its session cookie); after signing in again the page asks
for it back once. Entries older than a day are dropped.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .models import PendingForm
from .timeutil import utcnow

KEEP_FOR = timedelta(days=1)
MAX_FIELDS = 500
MAX_VALUE_CHARS = 100_000
SKIP_FIELDS = frozenset({"csrf_token"})


def keep(session: Session, path: str, form: dict[str, list[str]]) -> str:
    """Store the typed form for `path` and return the key that fetches it back."""
    session.execute(delete(PendingForm).where(PendingForm.created_at < utcnow() - KEEP_FOR))
    data = {
        name: [v[:MAX_VALUE_CHARS] for v in values]
        for name, values in list(form.items())[:MAX_FIELDS]
        if name not in SKIP_FIELDS
    }
    key = secrets.token_urlsafe(24)
    session.add(PendingForm(key=key, path=path[:500], form_data=data))
    return key


def take(session: Session, key: str | None, path: str) -> dict[str, list[str]] | None:
    """Return and forget the form kept under `key`, if it was typed on `path`."""
    if not key:
        return None
    row = session.get(PendingForm, key)
    if row is None or row.path != path or row.created_at < utcnow() - KEEP_FOR:
        return None
    data = dict(row.form_data)
    session.delete(row)
    return data
