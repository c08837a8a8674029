"""The list of common passwords refused for new passwords (shipped in the package)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = resources.files("debrief").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def is_common(password: str) -> bool:
    """Tell whether a password (ignoring case) is on the shipped common-password list."""
    return password.strip().lower() in _common()
