"""Single sign-on with the force's OpenID provider: who a verified ID token is. Flask-free.

The protocol (code flow with PKCE, state, nonce, the ID token's signature, issuer,
audience and expiry) is Authlib's, driven by auth/sso_views.py; this module starts
from claims already checked. Accounts are found by (issuer, subject) only, never by
name or email. Roles come from one claim through SSO_ROLE_MAP at every sign-in and
every re-check; a person the mapping gives no role is refused. Deactivation here
wins over anything the provider says. Every sign-in, refusal and role change is in
the audit trail, in the caller's transaction (commit it, refused or not).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..db import hold_write_lock
from ..models import SsoIdentity, User, new_token
from ..roles import Role
from ..timeutil import utcnow
from .accounts import AccountError, find_user, normalise_username

LINKED = "linked"
PENDING = "pending"
# Never a valid argon2 hash: an account made at SSO sign-in has no password here until an
# administrator resets one (a break-glass administrator).
NO_PASSWORD = "!sso-only"
_USERNAME = re.compile(r"^[a-z0-9._@-]{1,64}$")


# Why a sign-in was refused: the audit trail's reason, and what the person is told.
REASONS: dict[str, str] = {
    "bad state": "The sign-in could not be matched to one started here (it may have been "
    "used already, or started in another browser).",
    "nonce": "The sign-in could not be matched to one started here.",
    "signature": "The provider's answer was not signed with its published key.",
    "audience": "The provider's answer was meant for another application.",
    "issuer": "The provider's answer came from another provider.",
    "expired": "The provider's answer had expired. Check that this server's clock is right.",
    "not yet valid": "The provider's answer is dated in the future. Check the clocks.",
    "code refused": "The provider refused the sign-in code (it may have been used already).",
    "provider error": "The provider did not sign you in.",
    "provider unreachable": "The provider could not be reached.",
    "no id token": "The provider's answer did not say who you are.",
    "no role": "Your account at the provider gives you no role in this service.",
    "inactive": "Your account in this service has been deactivated.",
    "link pending": "Your account in this service must be linked to your force account by an "
    "administrator before you can use it.",
    "username linked elsewhere": "Your username is already linked to another force account.",
    "other person": "You signed in at the provider as someone else.",
}


class Refused(Exception):
    """SSO sign-in refused; `reason` is a key of REASONS (recorded in the audit trail)."""

    def __init__(self, reason: str, detail: str = "", user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.user = user

    @property
    def message(self) -> str:
        """What the person is told."""
        return REASONS.get(self.reason, REASONS["provider error"])


@dataclass(frozen=True)
class ClaimMapping:
    """How claims become an account here: SSO_* settings."""

    roles_claim: str
    role_map: Mapping[str, str | list[str]]
    username_claim: str
    name_claim: str


def mapping_from(config: Mapping[str, Any]) -> ClaimMapping:
    """Return the claim mapping from the settings."""
    return ClaimMapping(
        roles_claim=config["SSO_ROLES_CLAIM"],
        role_map=config["SSO_ROLE_MAP"],
        username_claim=config["SSO_USERNAME_CLAIM"],
        name_claim=config["SSO_NAME_CLAIM"],
    )


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """Return a claim as a list of strings (a single string, a list, or missing)."""
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def mapped_roles(claims: Mapping[str, Any], mapping: ClaimMapping) -> set[str]:
    """Return the roles here that the claim's values give (unknown values give none)."""
    roles: set[str] = set()
    for value in claim_values(claims, mapping.roles_claim):
        granted = mapping.role_map.get(value, [])
        roles.update([granted] if isinstance(granted, str) else granted)
    return {r for r in roles if r in {role.value for role in Role}}


def _who(claims: Mapping[str, Any] | None, mapping: ClaimMapping | None) -> dict[str, str]:
    """The identity details an audit record of an SSO event names (no other claims)."""
    if not claims:
        return {}
    details = {"issuer": str(claims.get("iss", ""))[:255], "subject": str(claims.get("sub", ""))}
    if mapping is not None:
        username = claim_values(claims, mapping.username_claim)
        if username:
            details["claimed_username"] = username[0][:255]
    return details


def record_refusal(
    session: Session,
    actor: Actor,
    reason: str,
    *,
    claims: Mapping[str, Any] | None = None,
    mapping: ClaimMapping | None = None,
    detail: str = "",
    user: User | None = None,
) -> None:
    """Add the audit record of a refused SSO sign-in (or re-check)."""
    details: dict[str, Any] = {"reason": reason, **_who(claims, mapping)}
    if detail:
        details["detail"] = detail[:200]
    name = (_who(claims, mapping).get("claimed_username") or actor.username or "")[:64]
    audit.record(
        session,
        replace(actor, user=user or actor.user, username=name),
        audit.Category.SECURITY,
        "sso.refused",
        details=details,
    )


def find_identity(session: Session, issuer: str, subject: str) -> SsoIdentity | None:
    """Return the link for this provider account, if there is one."""
    return session.scalar(
        select(SsoIdentity).where(SsoIdentity.issuer == issuer, SsoIdentity.subject == subject)
    )


def identity_of(session: Session, user: User) -> SsoIdentity | None:
    """Return the provider account linked (or waiting to be) to this account."""
    return session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))


def sign_in(
    session: Session, claims: Mapping[str, Any], mapping: ClaimMapping, actor: Actor
) -> User:
    """Return the account these verified claims sign in as, making it at the first sign-in
    and bringing its roles up to date; or raise Refused. Audited either way."""
    try:
        return _sign_in(session, claims, mapping, actor)
    except Refused as refused:
        record_refusal(
            session,
            actor,
            refused.reason,
            claims=claims,
            mapping=mapping,
            detail=refused.detail,
            user=refused.user,
        )
        raise


def _sign_in(
    session: Session, claims: Mapping[str, Any], mapping: ClaimMapping, actor: Actor
) -> User:
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    roles = mapped_roles(claims, mapping)
    identity = find_identity(session, issuer, subject)
    claimed = (claim_values(claims, mapping.username_claim) or [""])[0][:255]
    if identity is None:
        make = partial(
            _first_sign_in, session, issuer, subject, claimed, claims, mapping, roles, actor
        )
        identity = _first_sign_in_once(session, issuer, subject, make)
    if identity.status != LINKED:
        raise Refused("link pending")
    user = identity.user
    if not user.active:
        raise _refused_for(user, "inactive")
    if not roles:
        raise _refused_for(user, "no role")
    sync_roles(session, actor, user, roles)
    now = utcnow()
    identity.claimed_username = claimed
    identity.last_sign_in_at = now
    user.last_sign_in_at = now
    audit.record(
        session,
        replace(actor, user=user),
        audit.Category.SECURITY,
        "sso.sign_in",
        details={**_who(claims, mapping), "roles": sorted(user.roles)},
    )
    return user


def _refused_for(user: User, reason: str) -> Refused:
    return Refused(reason, user=user)


def _first_sign_in_once(
    session: Session, issuer: str, subject: str, first_sign_in: Callable[[], SsoIdentity]
) -> SsoIdentity:
    """Make the first sign-in's account once, however many sign-ins of the same person
    arrive together (two tabs, a double click): the later ones sign in to it.

    SQLite: take the write lock, then look again (another may have committed while this
    request only read). PostgreSQL: the unique indexes make the later insert fail once
    the first commits; undo it to the savepoint and look again."""
    if hold_write_lock(session):
        found = find_identity(session, issuer, subject)
        if found is not None:
            return found
    try:
        with session.begin_nested():
            return first_sign_in()
    except IntegrityError:
        found = find_identity(session, issuer, subject)
        if found is None:
            raise
        return found


def _first_sign_in(
    session: Session,
    issuer: str,
    subject: str,
    claimed: str,
    claims: Mapping[str, Any],
    mapping: ClaimMapping,
    roles: set[str],
    actor: Actor,
) -> SsoIdentity:
    """Link to the existing account of the same username once an administrator confirms
    (a pending link, and a refusal now), or make the account just in time."""
    existing = find_user(session, claimed) if claimed else None
    if existing is not None:
        if identity_of(session, existing) is not None:
            raise Refused("username linked elsewhere")
        identity = SsoIdentity(
            issuer=issuer,
            subject=subject,
            user=existing,
            status=PENDING,
            claimed_username=claimed,
            created_at=utcnow(),
        )
        session.add(identity)
        session.flush()
        audit.record(
            session,
            replace(actor, user=existing),
            audit.Category.SECURITY,
            "sso.link_requested",
            object_type="user",
            object_id=existing.id,
            details={"username": existing.username, **_who(claims, mapping)},
        )
        return identity
    if not roles:
        raise Refused("no role")
    user = User(
        username=_new_username(session, claimed, issuer, subject),
        full_name=(claim_values(claims, mapping.name_claim) or [""])[0].strip()[:200],
        password_hash=NO_PASSWORD,
        must_change_password=False,
        active=True,
        session_token=new_token(),
    )
    user.set_roles(roles)
    session.add(user)
    session.flush()
    identity = SsoIdentity(
        issuer=issuer,
        subject=subject,
        user=user,
        status=LINKED,
        claimed_username=claimed,
        created_at=utcnow(),
        linked_at=utcnow(),
    )
    session.add(identity)
    session.flush()
    audit.record(
        session,
        replace(actor, user=user),
        audit.Category.SECURITY,
        "user.create",
        object_type="user",
        object_id=user.id,
        details={
            "username": user.username,
            "roles": sorted(roles),
            "by": "sso",
            **_who(claims, mapping),
        },
    )
    return identity


def _new_username(session: Session, claimed: str, issuer: str, subject: str) -> str:
    """The claim, where it makes a free username; else one made from the subject."""
    candidate = normalise_username(claimed)
    if _USERNAME.match(candidate) and find_user(session, candidate) is None:
        return candidate
    digest = hashlib.sha256(f"{issuer} {subject}".encode()).hexdigest()[:12]
    return f"sso-{digest}"


def sync_roles(session: Session, actor: Actor, user: User, roles: set[str]) -> bool:
    """Make the account's roles the mapping's; audited as a change from the mapping."""
    before = set(user.roles)
    if before == roles:
        return False
    user.set_roles(roles)
    audit.record(
        session,
        replace(actor, user=user),
        audit.Category.SECURITY,
        "sso.roles",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "before": sorted(before), "after": sorted(roles)},
    )
    return True


def recheck(
    session: Session, user: User, claims: Mapping[str, Any], mapping: ClaimMapping, actor: Actor
) -> None:
    """Check a signed-in person again (silent re-authentication): still the same provider
    account, still given a role. Roles are brought up to date; raise Refused otherwise."""
    try:
        identity = find_identity(session, str(claims["iss"]), str(claims["sub"]))
        if identity is None or identity.user_id != user.id or identity.status != LINKED:
            raise _refused_for(user, "other person")
        roles = mapped_roles(claims, mapping)
        if not roles:
            raise _refused_for(user, "no role")
        sync_roles(session, actor, user, roles)
    except Refused as refused:
        record_refusal(session, actor, refused.reason, claims=claims, mapping=mapping, user=user)
        raise
    audit.record(session, replace(actor, user=user), audit.Category.SECURITY, "sso.recheck")


# Administration: linking an account here to a provider account.


def link(session: Session, actor: Actor, user: User, issuer: str, subject: str) -> SsoIdentity:
    """Link an account to a provider subject (the administrator typed it)."""
    subject = subject.strip()
    if not subject or len(subject) > 255:
        raise AccountError("Enter the provider's subject identifier (1 to 255 characters)")
    other = find_identity(session, issuer, subject)
    if other is not None and other.user_id != user.id:
        raise AccountError(
            f"That subject is already linked to {other.user.username}: unlink it there first"
        )
    identity = identity_of(session, user)
    if identity is None:
        identity = SsoIdentity(user=user, issuer=issuer, claimed_username="", created_at=utcnow())
        session.add(identity)
    identity.issuer, identity.subject = issuer, subject
    _confirm(session, actor, user, identity)
    return identity


def confirm_pending(session: Session, actor: Actor, user: User) -> None:
    """Confirm the link a first SSO sign-in asked for (same username)."""
    identity = identity_of(session, user)
    if identity is None or identity.status != PENDING:
        raise AccountError("There is no link waiting to be confirmed for this account")
    _confirm(session, actor, user, identity)


def _confirm(session: Session, actor: Actor, user: User, identity: SsoIdentity) -> None:
    identity.status = LINKED
    identity.linked_at = utcnow()
    identity.linked_by_id = actor.user.id if actor.user is not None else None
    user.session_token = new_token()  # sessions from before the link end
    session.flush()
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "sso.linked",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "issuer": identity.issuer, "subject": identity.subject},
    )


def unlink(session: Session, actor: Actor, user: User) -> None:
    """Remove the account's link (or refuse a waiting one): the provider account can no
    longer sign in as this person."""
    identity = identity_of(session, user)
    if identity is None:
        raise AccountError("This account is not linked to a provider account")
    details = {
        "username": user.username,
        "issuer": identity.issuer,
        "subject": identity.subject,
        "was": identity.status,
    }
    session.delete(identity)
    user.session_token = new_token()
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "sso.unlinked",
        object_type="user",
        object_id=user.id,
        details=details,
    )
