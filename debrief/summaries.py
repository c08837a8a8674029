"""Figures worked out once and kept until a change puts them out of date (issue 22).

Counting the compliance figures over 100,000 events, debriefs and referrals on every
request took seconds a page. A month's figures, and the reconciliation lists' counts,
are kept in `stored_summaries` once worked out. The database's own triggers (migration
0024) write a mark for every change that could alter one (`summary_marks`: the hour of
a time that decides a month, or "reconcile"), whoever writes: the app, an import, a
retention run, a fix by hand. Before stored figures are read, `forget_stale` deletes
those the marks name, and the marks it read; what is missing is worked out again by the
same direct count as ever, and stored only if no new mark has come in for it meanwhile.

So a stored figure is always one a direct count gave since the last change to what it
counts; tests/test_stored_summaries.py checks them against direct counts after every
kind of change. Flask-free.
"""

from __future__ import annotations

import base64
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import answered, holds_uncommitted_writes, once_per_transaction
from .models import StoredSummary, SummaryMark
from .timeutil import local_month

MONTH = "month"
RECONCILE = "reconcile"  # the reconciliation lists' counts
ACTIONS = "actions"  # open follow-up actions by owner
COUNT_KINDS = frozenset({RECONCILE, ACTIONS})  # a mark of one puts "kind" and "kind:…" out of date
_CHUNK = 500  # ids to a statement


# A month's figures are kept in two parts: its counts, and the days behind its medians
# (tens of kilobytes a month, read only where a median is shown).
MONTH_COUNTS, MONTH_DAYS = "", ":days"
MONTH_PARTS = (MONTH_COUNTS, MONTH_DAYS)


def month_key(month: date, part: str = MONTH_COUNTS) -> str:
    """Return the key a part of a UK month's figures is stored under: month:2025-06,
    month:2025-06:days."""
    return f"{MONTH}:{month:%Y-%m}{part}"


def _keys_marked(session: Session) -> tuple[list[int], set[str]]:
    """Return the marks there are now, and the keys of the figures they put out of date."""
    ids, keys = [], set()
    for mark_id, kind, at in session.execute(
        select(SummaryMark.id, SummaryMark.kind, SummaryMark.at)
    ):
        ids.append(mark_id)
        if kind != MONTH:
            keys.add(kind)
        elif at is not None:
            keys.update(month_key(local_month(at), part) for part in MONTH_PARTS)
    return ids, keys


_MARKS_READ = ("summaries.marks",)  # once_per_transaction's key for the marks
_BODY = "summaries.body"  # and for a body `stored` returned


def forget_stale(session: Session) -> None:
    """Delete the stored figures the marks name, and those marks, in one short write.

    Only the marks read are deleted: one a writer commits meanwhile stays, for the next
    read to act on. Where there are none, that is the answer for the rest of the
    transaction (`db.once_per_transaction`: forgotten at any write or its end): a page
    reading three kinds of stored figure reads the marks once, and its figures are
    those of the moment it first asked, as one snapshot would give them (SQLite's is)."""
    ids, keys = once_per_transaction(session, _MARKS_READ, lambda: _keys_marked(session))
    if not ids:
        return
    for chunk in _chunks(sorted(keys)):
        session.execute(delete(StoredSummary).where(StoredSummary.key.in_(chunk)))
    for kind in sorted(keys & COUNT_KINDS):  # and what is kept beside them ("reconcile:…")
        session.execute(delete(StoredSummary).where(StoredSummary.key.startswith(f"{kind}:")))
    for chunk in _chunks(ids):
        session.execute(delete(SummaryMark).where(SummaryMark.id.in_(chunk)))
    session.commit()


def stored(
    session: Session,
    keys: Sequence[str],
    compute: Callable[[list[str]], dict[str, dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Return the figures stored under each key (a month_key, RECONCILE, ACTIONS, or
    one beside those: "reconcile:choices"),
    working out (by `compute`, given the keys missing) and storing those not stored or
    out of date.

    Commits the session: call it before anything the request writes (it refuses to
    commit a request's work early); code that may run after a write uses `peek`."""
    if holds_uncommitted_writes(session):
        raise RuntimeError("stored figures commit: read them before writing, or use peek()")
    forget_stale(session)
    found: dict[str, dict[str, Any]] = {}
    unread = []
    for key in keys:  # what `prefetch` or an earlier call read this transaction
        known, body = answered(session, (_BODY, key))
        if not known:
            unread.append(key)
        elif body is not None:
            found[key] = body
    found.update(_read(session, unread))
    missing = [key for key in keys if key not in found]
    if missing:
        computed = compute(missing)
        found.update(computed)
        _store(session, computed)
    return {key: found[key] for key in keys}


def prefetch(session: Session, keys: Sequence[str]) -> None:
    """Read the figures stored under these keys now, in one statement, for the `stored`
    and `peek` calls later in this transaction: a list page asks three times (its counts,
    its filter's choices, the Recommendation 2 months), each its own statement on its own.
    Only saves statements: a key not read here is read by the call that wants it."""
    if holds_uncommitted_writes(session):
        return
    forget_stale(session)
    _read(session, keys)


def _read(session: Session, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Read what is stored under these keys, and remember for this transaction what was
    read (no mark since, `forget_stale`), a key not stored as None."""
    if not keys:
        return {}
    found: dict[str, dict[str, Any]] = dict(
        session.execute(
            select(StoredSummary.key, StoredSummary.body).where(StoredSummary.key.in_(keys))
        ).all()
    )
    for key in keys:
        once_per_transaction(session, (_BODY, key), _constant(found.get(key)))
    return found


def _constant(body: dict[str, Any] | None) -> Callable[[], dict[str, Any] | None]:
    return lambda: body


def peek(session: Session, key: str) -> dict[str, Any] | None:
    """Return what is stored under a RECONCILE or ACTIONS key (or one beside it, like
    "reconcile:choices") if no change has marked it stale since; else None. Writes
    nothing, so any code may ask, in any transaction (a POST's page header too); the
    pages that call `stored` keep it fresh."""
    known, body = answered(session, (_BODY, key))  # `stored` read it this transaction
    if known:
        return body
    body = session.scalar(select(StoredSummary.body).where(StoredSummary.key == key))
    if body is None:
        return None
    kind = key.split(":", 1)[0]
    known, marks = answered(session, _MARKS_READ)  # a stored() read them this transaction
    if known:
        return None if kind in marks[1] else body
    if session.scalar(select(SummaryMark.id).where(SummaryMark.kind == kind).limit(1)):
        return None
    return body


def _store(session: Session, computed: dict[str, dict[str, Any]]) -> None:
    """Keep what was worked out, but not a key a mark has named since the count began:
    the count may not have seen that change.

    The marks are read after the insert, in the same write: on SQLite no writer can then
    come in between, and on PostgreSQL a mark committed later stays for the next read."""
    if not computed:
        return
    session.commit()  # end the read the count saw (SQLite keeps a snapshot until then)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"key": key, "body": body} for key, body in computed.items()]
    # Another request may have stored the same figures meanwhile: either copy will do.
    session.execute(insert(StoredSummary).values(rows).on_conflict_do_nothing())
    _, marked = _keys_marked(session)
    stale = sorted(k for k in computed if k in marked or k.split(":", 1)[0] in marked)
    if stale:
        session.execute(delete(StoredSummary).where(StoredSummary.key.in_(stale)))
    session.commit()


def _chunks(items: Iterable[Any]) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def median_days(runs: Iterable[Sequence[float]]) -> float | None:
    """Return the median of the numbers of all these runs (to a tenth; None where there
    are none): the dashboard's medians of days, over one month's days or a period's.

    A month's stored days come sorted (`unpack`'s arrays); other runs are sorted first.
    The middle is then found by halving the runs around a pivot (`_kth`), without
    reading 30,000 days of a year into Python numbers (about 1.5 ms a median)."""
    sorted_runs = [run if isinstance(run, array) else sorted(run) for run in runs]
    sorted_runs = [run for run in sorted_runs if len(run)]
    n = sum(len(run) for run in sorted_runs)
    if not n:
        return None
    if n % 2:
        middle = _kth(sorted_runs, n // 2)
    else:
        middle = (_kth(sorted_runs, n // 2 - 1) + _kth(sorted_runs, n // 2)) / 2
    return round(middle, 1)


def _kth(runs: Sequence[Sequence[float]], k: int) -> float:
    """Return the k-th smallest (from 0) number of these sorted runs together."""
    low = [0] * len(runs)
    high = [len(run) for run in runs]
    while True:
        # The pivot: the middle of the widest part still in play.
        widest = max(range(len(runs)), key=lambda i: high[i] - low[i])
        run = runs[widest]
        pivot = run[(low[widest] + high[widest]) // 2]
        below = [bisect_left(r, pivot, low[i], high[i]) for i, r in enumerate(runs)]
        upto = [bisect_right(r, pivot, low[i], high[i]) for i, r in enumerate(runs)]
        fewer = sum(b - lo for b, lo in zip(below, low, strict=True))
        at_most = sum(u - lo for u, lo in zip(upto, low, strict=True))
        if k < fewer:
            high = below
        elif k < at_most:
            return pivot
        else:
            k -= at_most
            low = upto


def pack(values: Iterable[float], typecode: str = "d", *, in_order: bool = False) -> str:
    """Return numbers, sorted (`in_order`: as given), as base64 of an array ("d":
    doubles, "q": whole numbers): 36 months of days to a median read in milliseconds,
    where a JSON list took tens."""
    packed = array(typecode, values if in_order else sorted(values))
    if sys.byteorder != "little":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def pack_ids(ids: Iterable[int]) -> str:
    """Return a set of ids (whole numbers, none negative) as base64 of a bitmap, bit
    n % 8 of byte n // 8 set where n is one: the 90,000 events referrals take, at
    100,000 of each, are 17 kB of text to read a page, where `pack` made them 1 MB."""
    ids = list(ids)
    bits = bytearray((max(ids) >> 3) + 1 if ids else 0)
    for n in ids:
        bits[n >> 3] |= 1 << (n & 7)
    return base64.b64encode(bits).decode("ascii")


class PackedIds:
    """The ids `pack_ids` packed: asks `n in ids` of the bitmap, without a Python set."""

    def __init__(self, text: str) -> None:
        self._bits = base64.b64decode(text)

    def __contains__(self, n: object) -> bool:
        if not isinstance(n, int) or n < 0 or n >> 3 >= len(self._bits):
            return False
        return bool(self._bits[n >> 3] >> (n & 7) & 1)


def unpack(text: str, typecode: str = "d") -> array:
    """Return the numbers `pack` packed, in its order, as an array: a sequence read
    without making a Python number of each until it is used."""
    packed = array(typecode)
    packed.frombytes(base64.b64decode(text))
    if sys.byteorder != "little":
        packed.byteswap()
    return packed
