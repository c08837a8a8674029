"""The list of common passwords refused for new passwords (shipped in the package).

data/common-passwords.txt holds about 6,500 passwords of 12 or more characters
(shorter ones are refused by length anyway), built offline by
data/build_common_passwords.py from Openwall's public-domain list.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("debrief").joinpath("data/common-passwords.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Tell whether a password (ignoring case) is on the shipped common-password list."""
    return password.strip().lower() in _common()
