"""Accounts: creating people, signing in, changing passwords. Flask-free.

Sign-in failures of every kind (unknown user, wrong password, locked, inactive)
raise the same SignInFailed to callers that show a message; the real reason is
carried for the audit trail only. Every change here, and every sign-in attempt,
adds its audit record to the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..db import hold_write_lock
from ..models import NotificationSent, SignInFailure, User, UserRole, new_token
from ..notifications.addresses import AddressError, check_address
from ..roles import Permission, Role, can, parse_role
from ..timeutil import utcnow
from .passwords import Hasher, check_new_password, one_time_password

# Accounts made by `debrief create-user` and the demo, which have no one signed in.
COMMAND_LINE = Actor(username="cli")


class AccountError(Exception):
    """An account operation was refused; the message is safe to show."""


class SignInFailed(Exception):
    """Sign-in refused. `reason` is for the audit trail, never for the person."""

    def __init__(self, reason: str, user: User | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user = user


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures within how long lock an account."""

    threshold: int = 5
    window: timedelta = timedelta(minutes=15)


def normalise_username(username: str) -> str:
    """Return the form usernames are stored and looked up in."""
    return username.strip().lower()


def find_user(session: Session, username: str) -> User | None:
    """Return the account with this username, or None."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    session: Session,
    hasher: Hasher,
    *,
    username: str,
    roles: list[str],
    full_name: str = "",
    password: str | None = None,
    must_change_password: bool = True,
    actor: Actor = COMMAND_LINE,
) -> tuple[User, str]:
    """Create an account; return it and its (one-time) password."""
    username = normalise_username(username)
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise AccountError("Username must be 1 to 64 letters or digits, and may contain . - and _")
    if find_user(session, username) is not None:
        raise AccountError(f"An account called {username} already exists")
    if not roles:
        raise AccountError("Give the account at least one role")
    role_names = {parse_role(r).value for r in roles}
    if password is None:
        password = one_time_password()
    else:
        check_new_password(password, username=username)
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=hasher.hash(password),
        must_change_password=must_change_password,
        active=True,
        session_token=new_token(),
    )
    user.set_roles(role_names)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.create",
        object_type="user",
        object_id=user.id,
        details={"username": username, "roles": sorted(role_names)},
    )
    return user, password


def is_locked(session: Session, user: User, policy: LockoutPolicy) -> bool:
    """Tell whether the account has had too many recent failures."""
    since = utcnow() - policy.window
    failures = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.user_id == user.id, SignInFailure.at > since)
    )
    return (failures or 0) >= policy.threshold


# Which audit action each kind of sign-in failure is recorded as.
_FAILURE_ACTIONS = {
    "locked": "sign_in.locked",
    "locked after failures": "account.locked",
}


def authenticate(
    session: Session,
    hasher: Hasher,
    username: str,
    password: str,
    policy: LockoutPolicy,
    actor: Actor,
    *,
    admins_only: bool = False,
) -> User:
    """Return the user for these credentials, or raise SignInFailed; either way the attempt
    is in the audit trail, recorded as from `actor`'s address (commit it, failed or not).

    `admins_only`: passwords are kept for break-glass administrators only (single sign-on
    is on); anyone else is refused even with the right password."""
    try:
        user = _check_credentials(session, hasher, username, password, policy, admins_only)
    except SignInFailed as failure:
        audit.record(
            session,
            replace(actor, user=failure.user, username=username),
            audit.Category.SECURITY,
            _FAILURE_ACTIONS.get(failure.reason, "sign_in.failed"),
            details={"reason": failure.reason},
        )
        raise
    audit.record(session, replace(actor, user=user), audit.Category.SECURITY, "sign_in")
    return user


def _check_credentials(
    session: Session,
    hasher: Hasher,
    username: str,
    password: str,
    policy: LockoutPolicy,
    admins_only: bool = False,
) -> User:
    """Count the attempt, then check the password with no lock held.

    The attempt is written (and committed) as a failure before the password is checked,
    under the write lock (SQLite) or the account's row lock (PostgreSQL): parallel
    attempts each see those before them, so no more than the threshold are ever checked.
    The check itself (argon2, ~170 ms) runs outside any lock, so sign-ins no longer queue
    behind each other, and it costs the same for an unknown or locked account.
    """
    user = find_user(session, username)
    attempt = _count_attempt(session, user, policy) if user is not None else None
    if user is None or attempt is None:
        hasher.dummy_verify()
        raise SignInFailed("unknown user" if user is None else "locked", user)
    if not hasher.verify(user.password_hash, password):
        locked_now = is_locked(session, user, policy)
        raise SignInFailed("locked after failures" if locked_now else "wrong password", user)
    if not user.active:
        session.execute(delete(SignInFailure).where(SignInFailure.id == attempt))
        raise SignInFailed("inactive", user)
    if admins_only and not can(user, Permission.BREAK_GLASS_SIGN_IN):
        session.execute(delete(SignInFailure).where(SignInFailure.id == attempt))
        raise SignInFailed("password sign-in is for administrators only", user)
    session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))
    user.last_sign_in_at = utcnow()
    return user


def _count_attempt(session: Session, user: User, policy: LockoutPolicy) -> int | None:
    """Record an attempt on the account as a failure until it succeeds, and commit it;
    return its id, or None (and record nothing) if the account is locked."""
    hold_write_lock(session)
    session.refresh(user, with_for_update=True)
    if is_locked(session, user, policy):
        session.commit()
        return None
    attempt = SignInFailure(user_id=user.id, at=utcnow())
    session.add(attempt)
    session.commit()
    return attempt.id


def change_password(session: Session, hasher: Hasher, actor: Actor, new_password: str) -> None:
    """Set the signed-in person's new password and end every other session of theirs."""
    user = actor.account
    check_new_password(new_password, username=user.username)
    if hasher.verify(user.password_hash, new_password):
        raise AccountError("Your new password must be different from the current one")
    user.password_hash = hasher.hash(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.session_token = new_token()
    audit.record(session, actor, audit.Category.SECURITY, "password.change")


def sign_out(session: Session, actor: Actor) -> None:
    """Sign the person out: every session cookie of theirs stops working."""
    actor.account.session_token = new_token()
    audit.record(session, actor, audit.Category.SECURITY, "sign_out")


def load_by_session_token(session: Session, token: str) -> User | None:
    """Return the active person whose current session token this is."""
    if not token:
        return None
    # populate_existing: a row changed by an administrator counts on the very next request.
    user = session.scalar(
        select(User).where(User.session_token == token).execution_options(populate_existing=True)
    )
    if user is None or not user.active:
        return None
    return user


# Administration: every change is audited with who made it, never with a password.


@dataclass(frozen=True)
class AccountRow:
    """One line of the Users page."""

    user: User
    locked: bool


def list_accounts(session: Session, policy: LockoutPolicy) -> list[AccountRow]:
    """Return every account with its lock state, in two queries whatever the count."""
    users = session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    since = utcnow() - policy.window
    failures = dict(
        session.execute(
            select(SignInFailure.user_id, func.count())
            .where(SignInFailure.at > since)
            .group_by(SignInFailure.user_id)
        ).all()
    )
    return [AccountRow(u, failures.get(u.id, 0) >= policy.threshold) for u in users]


def _other_active_admins(session: Session, user: User) -> int:
    """Count the active administrators other than this person, locking their rows."""
    ids = session.scalars(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    return len(ids)


def _refuse_if_last_admin(session: Session, user: User) -> None:
    if user.active and Role.ADMIN.value in user.roles and not _other_active_admins(session, user):
        raise AccountError(
            f"{user.username} is the only active administrator. Give another person the "
            "administrator role first"
        )


def change_roles(session: Session, actor: Actor, user: User, roles: list[str]) -> bool:
    """Replace a person's roles; return False when nothing changed."""
    new_roles = {parse_role(r).value for r in roles}
    if not new_roles:
        raise AccountError("Select at least one role")
    before = set(user.roles)
    if new_roles == before:
        return False
    if Role.ADMIN.value in before and Role.ADMIN.value not in new_roles:
        _refuse_if_last_admin(session, user)
    user.set_roles(new_roles)
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.roles",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "before": sorted(before), "after": sorted(new_roles)},
    )
    return True


def possible_supervisors(session: Session, user: User) -> list[User]:
    """Return the active accounts that could supervise this person, by username."""
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.id != user.id).order_by(User.username)
        )
    )


def set_supervisor(session: Session, actor: Actor, user: User, supervisor: User | None) -> bool:
    """Set (or clear) the person's supervisor, who is told of what is chased from them;
    return False when nothing changed. Nobody supervises themselves, and no chain of
    supervisors leads back to the person."""
    if supervisor is not None:
        if supervisor.id == user.id:
            raise AccountError("A person cannot be their own supervisor")
        seen: set[int] = {user.id}
        above: User | None = supervisor
        while above is not None:
            if above.id in seen:
                raise AccountError(
                    f"{supervisor.display_name} is supervised, directly or not, by "
                    f"{user.display_name}: choose someone else"
                )
            seen.add(above.id)
            above = above.supervisor
    new_id = supervisor.id if supervisor is not None else None
    if user.supervisor_id == new_id:
        return False
    before = user.supervisor_id
    user.supervisor = supervisor
    user.supervisor_id = new_id
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.supervisor",
        object_type="user",
        object_id=user.id,
        details={"username": user.username, "before": before, "after": new_id},
    )
    return True


def set_email(session: Session, actor: Actor, user: User, text: str) -> bool:
    """Set (or, given nothing, remove) the address the person's daily digest goes to;
    return False when nothing changed. Raises AccountError saying what to enter."""
    if text.strip():
        try:
            email: str | None = check_address(text)
        except AddressError as exc:
            raise AccountError(str(exc)) from None
    else:
        email = None
    if user.email == email:
        return False
    had = user.email is not None
    user.email = email
    if email is None:
        session.execute(delete(NotificationSent).where(NotificationSent.user_id == user.id))
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "user.email",
        object_type="user",
        object_id=user.id,
        # Whether it was set and is set: the address itself is in the account, not here.
        details={"username": user.username, "had_email": had, "has_email": email is not None},
    )
    return True


def deactivate(session: Session, actor: Actor, user: User) -> None:
    """Stop a person signing in and end their sessions; the account is kept."""
    if not user.active:
        raise AccountError(f"{user.username} is already deactivated")
    _refuse_if_last_admin(session, user)
    user.active = False
    user.session_token = new_token()
    # No more digests: the address and what was sent to it are not kept (retention).
    user.email = None
    session.execute(delete(NotificationSent).where(NotificationSent.user_id == user.id))
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.deactivate",
        object_type="user",
        object_id=user.id,
        details={"username": user.username},
    )


def reactivate(session: Session, actor: Actor, user: User) -> None:
    """Let a deactivated person sign in again with their existing password."""
    if user.active:
        raise AccountError(f"{user.username} is already active")
    user.active = True
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.reactivate",
        object_type="user",
        object_id=user.id,
        details={"username": user.username},
    )


def reset_password(session: Session, hasher: Hasher, actor: Actor, user: User) -> str:
    """Give a person a one-time password, end their sessions and lift any lock."""
    password = one_time_password()
    user.password_hash = hasher.hash(password)
    user.must_change_password = True
    user.session_token = new_token()
    session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.password_reset",
        object_type="user",
        object_id=user.id,
        details={"username": user.username},
    )
    return password


def unlock(session: Session, actor: Actor, user: User) -> None:
    """Forget a person's recent failed sign-ins so that they may try again now."""
    session.execute(delete(SignInFailure).where(SignInFailure.user_id == user.id))
    audit.record(
        session,
        actor,
        audit.Category.SECURITY,
        "user.unlock",
        object_type="user",
        object_id=user.id,
        details={"username": user.username},
    )
