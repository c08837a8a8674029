"""Email addresses: the one check of an address an administrator types for an account
(and of the digest's sender setting). Flask-free, and imports nothing of the package.

Deliberately plain: one "@", a local part and a dotted domain of the characters mail
systems accept, no spaces or angle brackets (which could add a second recipient or a
header), at most 254 characters (RFC 5321's limit for a path).
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+\Z"
)


class AddressError(ValueError):
    """The text is not an email address; the message says what to enter."""


def check_address(text: str) -> str:
    """Return the address tidied (spaces around it removed, domain in lower case), or
    raise AddressError."""
    address = (text or "").strip()
    if not address:
        raise AddressError("Enter an email address")
    if len(address) > MAX_LENGTH:
        raise AddressError(f"Email address must be {MAX_LENGTH} characters or fewer")
    local, _, domain = address.rpartition("@")
    if not _ADDRESS.match(address) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise AddressError("Enter an email address in the correct format, like name@example.com")
    return f"{local}@{domain.lower()}"
