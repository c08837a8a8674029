"""How a debrief is found by its references: the incident and NCCU references. Flask-free.

A reviewer handed a reference by phone types it whole ("INC-20250614-0042"), without
its prefix or hyphens ("202506140042"), or only its last digits ("0042"), in any case.
Every form of it is a suffix of the reference with everything but letters and digits
dropped, so each event stores that normalised reference reversed (`search_key`): a
suffix of the reference is then a prefix of the key, which an ordinary index finds
(migration 0018). Kept in step by the Event model's write hooks (models.py).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, func

_NOT_KEPT = re.compile(r"[^0-9A-Z]")
# Fewer characters than this would list a large part of the force's debriefs.
MIN_SEARCH = 3
MAX_SEARCH = 40


def normalise(text: str | None) -> str:
    """Return a reference's letters and digits, upper case: "inc-2025 0042" -> "INC20250042"."""
    return _NOT_KEPT.sub("", (text or "").upper())


def search_key(reference: str | None) -> str | None:
    """Return the stored search key of a reference: normalised and reversed (None if empty)."""
    key = normalise(reference)[::-1]
    return key or None


def query_key(text: str) -> str:
    """Return the key prefix a search for `text` looks for ("" if nothing to look for)."""
    return normalise(text)[::-1]


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_prefix(prefix: str) -> str | None:
    """Return the first key after every key that starts with `prefix` (None: no end).

    "AB9" -> "ABA", "ABZ" -> "AC": in the keys' alphabet, 0-9 then A-Z, which byte
    order and the usual collations agree on, so a plain index serves the range.
    """
    chars = list(prefix)
    while chars:
        position = _ALPHABET.index(chars[-1])
        if position + 1 < len(_ALPHABET):
            chars[-1] = _ALPHABET[position + 1]
            return "".join(chars)
        chars.pop()
    return None


def key_starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """Return `column` starts with `prefix` as a range an ordinary index answers."""
    after = _next_prefix(prefix)
    lowest = column >= prefix
    return lowest if after is None else and_(lowest, column < after)


# Matching the NCCU's list to events (compliance/reconcile.py) compares references trimmed
# of spaces, in capitals, hyphens kept: a different rule from the search key above. Its two
# forms sit here side by side; the indexes of migration 0022 are built on the SQL form, so
# a query written with `match_key_in_sql` reads them. The two agree on every reference the
# app accepts (letters, digits, hyphens; tests/test_reconcile_sql.py checks that).


def match_key(reference: Any) -> str:
    """Return the reference as matching compares it: " nccu-0042 " -> "NCCU-0042"."""
    return str(reference or "").strip().upper()


def match_key_in_sql(column: Any) -> Any:
    """Return `match_key` of a column, in SQL (what migration 0022's indexes hold)."""
    return func.upper(func.trim(column))
