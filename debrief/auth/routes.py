"""Sign-in, sign-out (a POST), the one-time password change and the account page."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from .. import keeping
from ..extensions import db_session, limiter, locks_before_writing
from ..roles import ROLE_LABELS, Permission, Role, start_endpoint
from ..security import (
    SESSION_STARTED,
    begin_session,
    end_session,
    is_safe_next,
    requires,
    session_timing,
)
from ..web import current_actor
from . import accounts, common
from .common import bp
from .forms import ChangePasswordForm, SignInForm
from .passwords import PasswordRejected

log = logging.getLogger(__name__)

SIGN_IN_FAILED = "Sign-in failed. Check your username and password and try again."


def _hasher():
    return current_app.extensions["debrief.hasher"]


def _lockout_policy() -> accounts.LockoutPolicy:
    return accounts.LockoutPolicy(
        threshold=current_app.config["LOCKOUT_THRESHOLD"],
        window=timedelta(minutes=current_app.config["LOCKOUT_WINDOW_MINUTES"]),
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@locks_before_writing  # the password is checked with no lock held (accounts.authenticate)
@limiter.limit(common.sign_in_limit, methods=["POST"], on_breach=common.audit_rate_limited)
def sign_in():
    """Sign in; every kind of failure gets the same message."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        session_ = db_session()
        try:
            user = accounts.authenticate(
                session_,
                _hasher(),
                form.username.data or "",
                form.password.data,
                _lockout_policy(),
                current_actor(),
                admins_only=_local_admins_only(),
            )
        except accounts.SignInFailed as failure:
            log.info("Sign-in failed for %r: %s", form.username.data, failure.reason)
            session_.commit()
            failed = True
        else:
            keeping.prune_kept_forms()
            session_.commit()
            target = keeping.sign_in_target(user.id, request.args.get("next"))
            begin_session(user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            if is_safe_next(target):
                return redirect(target)
            return redirect(url_for(start_endpoint(user)))
    return render_template(
        "auth/sign_in.html",
        form=form,
        failed_message=SIGN_IN_FAILED if failed else None,
        local_admins_only=_local_admins_only(),
    )


def _local_admins_only() -> bool:
    """Tell whether passwords are for break-glass administrators only (SSO is on and
    SSO_LOCAL_SIGN_IN is "admins")."""
    return common.enabled() and current_app.config["SSO_LOCAL_SIGN_IN"] == "admins"


@bp.get("/session")
def session_status():
    """Say how long this session has left, for the timeout warning; does not extend it."""
    timing = session_timing()
    if timing is None:
        return jsonify(signed_in=False)
    return jsonify(
        signed_in=True,
        expires_in=timing.expires_in,
        extendable=timing.extendable,
        warning=timing.warning,
    )


@bp.post("/session")
@requires(Permission.SIGNED_IN)
def stay_signed_in():
    """Keep the session going (the warning's "Stay signed in"): any use of it does that."""
    return session_status()


@bp.post("/sign-out")
@requires(Permission.SIGNED_IN)
def sign_out():
    """Sign out and make this person's session cookies stop working everywhere; after a
    single sign-on, sign out at the provider too where it offers that."""
    at_provider = common.logout_url() if common.CHECKED_AT in session else None
    session_ = db_session()
    accounts.sign_out(session_, current_actor())
    session_.commit()
    end_session()
    flash("You have signed out.", "success")
    return redirect(at_provider or url_for("auth.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.SIGNED_IN)
def change_password():
    """Change the password; required after signing in with a one-time password."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if not _hasher().verify(user.password_hash, form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            try:
                accounts.change_password(
                    db_session(), _hasher(), current_actor(), form.new_password.data
                )
            except (PasswordRejected, accounts.AccountError) as exc:
                form.new_password.errors.append(str(exc))
            else:
                db_session().commit()
                # The token rotated: this browser carries on, every other session ends.
                begin_session(user, started_at=session.get(SESSION_STARTED))
                flash("Your password has been changed.", "success")
                return redirect(url_for(start_endpoint(user)))
    return render_template(
        "auth/change_password.html", form=form, first_time=user.must_change_password
    )


@bp.get("/account")
@requires(Permission.SIGNED_IN)
def account():
    """Show who is signed in and the roles they hold."""
    known = {role.value for role in Role}
    labels = [ROLE_LABELS[Role(r)] for r in sorted(current_user.roles) if r in known]
    return render_template("auth/account.html", role_labels=labels)
