"""Demo accounts (one per role) and sample data, for trying the product.

Running it twice creates nothing twice: accounts are looked up by username and
their passwords are kept owner-only in the instance folder so they can be
printed again. Never run this against a live force database.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

from ..auth import accounts
from ..roles import Role
from .debriefs import create_sample_debriefs
from .lists import create_demo_lists
from .nccu import write_demo_lists
from .people import create_demo_people
from .site import DemoSite

DEMO_ACCOUNTS = [
    ("sergeant", "Sam Sergeant", [Role.SERGEANT]),
    ("sergeant2", "Alex Other-Sergeant", [Role.SERGEANT]),
    # Supervises both sergeants: told of their outstanding intelligence documents.
    ("inspector", "Indra Inspector", [Role.SERGEANT]),
    ("hub", "Harper Hub-Reviewer", [Role.HUB_REVIEWER]),
    ("lead", "Lee Partnership-Lead", [Role.PARTNERSHIP_LEAD]),
    ("admin", "Ash Administrator", [Role.ADMIN]),
]


def _passwords_file(site: DemoSite) -> Path:
    return site.instance_folder / "demo-accounts.toml"


def _load_passwords(site: DemoSite) -> dict[str, str]:
    path = _passwords_file(site)
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _save_passwords(site: DemoSite, passwords: dict[str, str]) -> None:
    path = _passwords_file(site)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)  # an earlier version's may be readable by all
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# Demo sign-ins. Demo data only: never use these accounts on live data.\n")
        for username, password in sorted(passwords.items()):
            fh.write(f'{username} = "{password}"\n')


def ensure_demo_accounts(site: DemoSite) -> dict[str, str]:
    """Create any missing demo account; return every demo username with its password."""
    session, hasher = site.session, site.hasher
    passwords = _load_passwords(site)
    for username, full_name, roles in DEMO_ACCOUNTS:
        if accounts.find_user(session, username) is not None and username in passwords:
            continue
        password = f"demo-{username}-{os.urandom(4).hex()}"
        user = accounts.find_user(session, username)
        if user is None:
            user, _ = accounts.create_user(
                session,
                hasher,
                username=username,
                roles=[r.value for r in roles],
                full_name=full_name,
                password=password,
                must_change_password=False,
            )
        else:
            user.password_hash = hasher.hash(password)
        passwords[username] = password
    session.commit()
    _save_passwords(site, passwords)
    return passwords


def run(site: DemoSite, echo: Callable[[str], None]) -> None:
    """Create the demo accounts and sample data, then print the sign-ins."""
    passwords = ensure_demo_accounts(site)
    for step in DEMO_DATA_STEPS:
        step(site, echo)
    echo("Demo sign-ins (demo data only):")
    for username, _full_name, roles in DEMO_ACCOUNTS:
        role_names = ", ".join(r.value for r in roles)
        echo(f"  {username:<10} {passwords[username]:<24} {role_names}")


# Each step adds one kind of sample data. Last: the NCCU and events lists, which match the
# demo data the steps before it made.
DEMO_DATA_STEPS: list[Callable[[DemoSite, Callable[[str], None]], object]] = [
    create_demo_people,
    create_sample_debriefs,
    create_demo_lists,
    write_demo_lists,
]
