"""Demo step: the sergeants' supervisor and everyone's email address, so the chase of
outstanding intelligence documents reaches a supervisor and `debrief notify` has somewhere
to send. Addresses are on example.invalid, a domain that can never receive mail. Made once:
what the administrator changed since is left alone."""

from __future__ import annotations

from collections.abc import Callable

from ..auth import accounts
from .site import DemoSite

SUPERVISOR = "inspector"
SUPERVISED = ("sergeant", "sergeant2")
EMAIL_DOMAIN = "police.example.invalid"


def create_demo_people(site: DemoSite, echo: Callable[[str], None]) -> None:
    """Give the demo sergeants their supervisor and every demo account an address."""
    session = site.session
    supervisor = accounts.find_user(session, SUPERVISOR)
    changed = 0
    for username in SUPERVISED:
        user = accounts.find_user(session, username)
        if user is not None and supervisor is not None and user.supervisor_id is None:
            user.supervisor_id = supervisor.id
            changed += 1
    for username in ("inspector", "sergeant", "sergeant2", "hub", "lead", "admin"):
        user = accounts.find_user(session, username)
        if user is not None and user.email is None:
            user.email = f"{username}@{EMAIL_DOMAIN}"
            changed += 1
    session.commit()
    if changed:
        echo(
            f"Demo sergeants are supervised by {SUPERVISOR}; demo accounts have addresses "
            f"@{EMAIL_DOMAIN} for `debrief notify`."
        )
