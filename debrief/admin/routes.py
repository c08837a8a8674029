"""Administration: accounts (this module), the audit trail (audit_views.py), the lists
(list_views.py) and the question set (question_views.py).

Accounts are never deleted: the audit trail keeps their names. A one-time
password is shown once, in the response to the POST that made it, and is never
stored in clear or put in a cookie.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ..auth import accounts
from ..auth.passwords import PasswordRejected
from ..extensions import db_session
from ..models import User
from ..roles import ROLE_LABELS, Permission, Role, can
from ..security import requires
from ..web import current_actor, record_consultation
from . import lists
from .common import bp
from .forms import (
    ConfirmForm,
    CreateUserForm,
    EmailForm,
    RolesForm,
    SupervisorForm,
    TeamForm,
)


def _policy() -> accounts.LockoutPolicy:
    return accounts.LockoutPolicy(
        threshold=current_app.config["LOCKOUT_THRESHOLD"],
        window=timedelta(minutes=current_app.config["LOCKOUT_WINDOW_MINUTES"]),
    )


def _hasher():
    return current_app.extensions["debrief.hasher"]


def _account_or_404(user_id: int) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def role_labels(roles) -> list[str]:
    """Return the readable names of the roles held, in the table's order."""
    return [ROLE_LABELS[role] for role in Role if role.value in roles]


@bp.get("/")
@requires(Permission.MANAGE_USERS)
def users():
    """List every account with its roles, last sign-in and state."""
    rows = accounts.list_accounts(db_session(), _policy())
    record_consultation("users.view", shown=len(rows))
    return render_template("admin/users.html", rows=rows, role_labels=role_labels)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def create_user():
    """Create an account and show its one-time password, once."""
    form = CreateUserForm()
    if form.validate_on_submit():
        session_ = db_session()
        try:
            user, password = accounts.create_user(
                session_,
                _hasher(),
                username=form.username.data,
                roles=form.roles.data,
                full_name=form.full_name.data,
                actor=current_actor(),
            )
        except (accounts.AccountError, PasswordRejected) as exc:
            session_.rollback()
            form.username.errors.append(str(exc))
        else:
            session_.commit()
            return _show_one_time_password(user, password, created=True)
    return render_template("admin/create_user.html", form=form)


def _show_one_time_password(user: User, password: str, *, created: bool):
    return render_template(
        "admin/one_time_password.html", account=user, password=password, created=created
    )


@bp.get("/users/<int:user_id>")
@requires(Permission.MANAGE_USERS)
def user(user_id: int):
    """Show one account, with the changes an administrator may make."""
    account = _account_or_404(user_id)
    form = RolesForm(data={"roles": sorted(account.roles)})
    record_consultation("user.view", "user", account.id)
    return _user_page(account, form)


def _supervisor_form(account: User, formdata=None) -> SupervisorForm:
    form = SupervisorForm(formdata=formdata, data={"supervisor": str(account.supervisor_id or "")})
    people = accounts.possible_supervisors(db_session(), account)
    form.supervisor.choices = [("", "No supervisor")] + [
        (str(u.id), f"{u.display_name} ({u.username})") for u in people
    ]
    return form


def _team_form(account: User) -> TeamForm:
    session = db_session()
    current = lists.team_of(session, account.id)
    teams = lists.entries(session, lists.KINDS["teams"], include_retired=False)
    if current is not None and current not in teams:
        teams.append(current)
    form = TeamForm(data={"team": str(current.id) if current else ""})
    form.team.choices = [SelectChoice("", "No team")] + [
        SelectChoice(str(t.id), t.name) for t in teams
    ]
    return form


def _user_page(
    account: User,
    roles_form: RolesForm,
    status: int = 200,
    supervisor_form: SupervisorForm | None = None,
    email_form: EmailForm | None = None,
):
    locked = accounts.is_locked(db_session(), account, _policy())
    return (
        render_template(
            "admin/user.html",
            account=account,
            locked=locked,
            form=roles_form,
            supervisor_form=supervisor_form or _supervisor_form(account),
            email_form=email_form or EmailForm(data={"email": account.email or ""}),
            confirm=ConfirmForm(),
            team_form=_team_form(account) if can(current_user, Permission.MANAGE_LISTS) else None,
            role_labels=role_labels,
            is_self=account.id == current_user.id,
        ),
        status,
    )


@bp.post("/users/<int:user_id>/roles")
@requires(Permission.MANAGE_USERS)
def change_roles(user_id: int):
    """Replace the account's roles; they count from the person's next request."""
    account = _account_or_404(user_id)
    form = RolesForm()
    if not form.validate_on_submit():
        return _user_page(account, form, 400)
    session_ = db_session()
    try:
        changed = accounts.change_roles(session_, current_actor(), account, form.roles.data)
    except accounts.AccountError as exc:
        session_.rollback()
        form.roles.errors.append(str(exc))
        return _user_page(_account_or_404(user_id), form, 409)
    session_.commit()
    if changed:
        flash(f"Roles of {account.username} changed.", "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/supervisor")
@requires(Permission.MANAGE_USERS)
def change_supervisor(user_id: int):
    """Set or clear the person's supervisor; recorded in the audit trail."""
    account = _account_or_404(user_id)
    form = _supervisor_form(account, formdata=request.form)
    roles_form = RolesForm(data={"roles": sorted(account.roles)})
    if not form.validate_on_submit():
        return _user_page(account, roles_form, 400, form)
    session_ = db_session()
    chosen = form.supervisor.data
    supervisor = session_.get(User, int(chosen)) if chosen else None
    try:
        changed = accounts.set_supervisor(session_, current_actor(), account, supervisor)
    except accounts.AccountError as exc:
        session_.rollback()
        form.supervisor.errors = [str(exc)]
        return _user_page(_account_or_404(user_id), roles_form, 409, form)
    session_.commit()
    if changed:
        name = supervisor.display_name if supervisor else "nobody"
        flash(f"Supervisor of {account.username} is now {name}.", "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<int:user_id>/email")
@requires(Permission.MANAGE_USERS)
def change_email(user_id: int):
    """Set or remove the person's email address; recorded in the audit trail."""
    account = _account_or_404(user_id)
    form = EmailForm()
    roles_form = RolesForm(data={"roles": sorted(account.roles)})
    if not form.validate_on_submit():
        return _user_page(account, roles_form, 400, email_form=form)
    session_ = db_session()
    try:
        changed = accounts.set_email(session_, current_actor(), account, form.email.data or "")
    except accounts.AccountError as exc:
        session_.rollback()
        form.email.errors = [str(exc)]
        return _user_page(_account_or_404(user_id), roles_form, 400, email_form=form)
    session_.commit()
    if changed:
        what = f"now {account.email}" if account.email else "removed"
        flash(f"Email address of {account.username} {what}.", "success")
    return redirect(url_for("admin.user", user_id=account.id))


def apply_account_change(user_id: int, change, message: str):
    """Run one confirmed change on an account and go back to its page (the Users pages
    and the single sign-on links both change accounts this way)."""
    account = _account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session_ = db_session()
    try:
        change(session_, account)
    except accounts.AccountError as exc:
        session_.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    session_.commit()
    flash(message.format(username=account.username), "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@requires(Permission.MANAGE_USERS)
def deactivate(user_id: int):
    """Stop the person signing in; their sessions end at once."""
    return apply_account_change(
        user_id,
        lambda s, account: accounts.deactivate(s, current_actor(), account),
        "{username} has been deactivated and signed out.",
    )


@bp.post("/users/<int:user_id>/reactivate")
@requires(Permission.MANAGE_USERS)
def reactivate(user_id: int):
    """Let the person sign in again."""
    return apply_account_change(
        user_id,
        lambda s, account: accounts.reactivate(s, current_actor(), account),
        "{username} can sign in again.",
    )


@bp.post("/users/<int:user_id>/unlock")
@requires(Permission.MANAGE_USERS)
def unlock(user_id: int):
    """Lift a lock-out before its time runs out."""
    return apply_account_change(
        user_id,
        lambda s, account: accounts.unlock(s, current_actor(), account),
        "{username} can try to sign in again now.",
    )


@bp.post("/users/<int:user_id>/reset-password")
@requires(Permission.MANAGE_USERS)
def reset_password(user_id: int):
    """Give the person a one-time password, shown once, and end their sessions."""
    account = _account_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session_ = db_session()
    password = accounts.reset_password(session_, _hasher(), current_actor(), account)
    session_.commit()
    return _show_one_time_password(account, password, created=False)
