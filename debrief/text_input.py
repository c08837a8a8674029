"""The one rule for text people send: control characters never reach the database.

PostgreSQL refuses a NUL in text (a 500 for a NUL in a username, a note or a filter), and
other control characters only hide text or break the spreadsheets. Every form field and
query value passes through `clean_text` as the request is parsed (extensions.py), so no
view, form or domain module has to remember to.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL and C1 controls; lone UTF-16
# surrogates (which cannot be stored as UTF-8); the two non-characters at the end of
# the Basic Multilingual Plane.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Return the text without control characters (tabs and line breaks stay)."""
    return _UNWANTED.sub("", value)
