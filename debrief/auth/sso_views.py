"""Single sign-on pages: leaving for the provider, coming back, and the administrator's
linking of an account to a provider account. Answer 404 while SSO is not configured."""

from __future__ import annotations

import requests
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import keeping
from ..admin.routes import apply_account_change
from ..extensions import db_session, limiter
from ..roles import Permission, start_endpoint
from ..security import begin_session, end_session, is_safe_next, requires
from ..web import current_actor
from . import common, sso
from .common import bp


def _require_sso() -> None:
    if not common.enabled():
        abort(404)


@bp.get("/sign-in/sso")
@limiter.limit(common.sign_in_limit, on_breach=common.audit_rate_limited)
def sso_start():
    """Leave for the provider's sign-in page; `next` (a kept form's page) comes back with us."""
    _require_sso()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    target = request.args.get("next")
    session[common.NEXT] = target if is_safe_next(target) else None
    session.pop(common.RECHECK, None)
    try:
        return common.authorize()
    except sso.Refused as refused:
        return _refused(refused)


@bp.get("/sign-in/sso/callback")
@limiter.limit(common.sign_in_limit, on_breach=common.audit_rate_limited)
def sso_callback():
    """Come back from the provider: check everything, then sign in (or re-check) or refuse."""
    _require_sso()
    rechecking = bool(session.pop(common.RECHECK, False)) and current_user.is_authenticated
    target = session.pop(common.NEXT, None)
    try:
        claims = common.verified_claims()
    except sso.Refused as refused:
        if (
            rechecking
            and refused.reason == "provider error"
            and (refused.detail in common.SIGN_IN_AGAIN)
        ):
            return _signed_out_by_provider(refused, target)
        return _refused(refused)
    if rechecking:
        return _rechecked(claims, target)
    session_ = db_session()
    try:
        user = sso.sign_in(session_, claims, common.mapping(), current_actor())
    except sso.Refused as refused:
        session_.commit()
        return _refused(refused, recorded=True)
    keeping.prune_kept_forms()
    session_.commit()
    target = keeping.sign_in_target(user.id, target)
    begin_session(user)
    common.start_signed_in_session()
    if is_safe_next(target):
        return redirect(target)
    return redirect(url_for(start_endpoint(user)))


def _rechecked(claims, target):
    """The provider vouched again: same person, roles brought up to date; carry on."""
    session_ = db_session()
    user = current_user._get_current_object()
    try:
        sso.recheck(session_, user, claims, common.mapping(), current_actor())
    except sso.Refused as refused:
        session_.commit()
        end_session()
        return _refused(refused, recorded=True)
    session_.commit()
    common.start_signed_in_session()
    if is_safe_next(target):
        return redirect(target)
    return redirect(url_for(start_endpoint(user)))


def _signed_out_by_provider(refused: sso.Refused, target: str | None):
    """prompt=none came back "sign in again": the provider no longer vouches for them."""
    session_ = db_session()
    sso.record_refusal(session_, current_actor(), refused.reason, detail=refused.detail)
    session_.commit()
    end_session()
    flash(
        f"You have been signed out because your {common.provider_name()} account needs you "
        "to sign in again.",
        "info",
    )
    return redirect(url_for("auth.sign_in", next=target if is_safe_next(target) else None))


def _refused(refused: sso.Refused, *, recorded: bool = False):
    """The refusal page: why, and what to do; recorded in the audit trail."""
    if not recorded:
        session_ = db_session()
        sso.record_refusal(session_, current_actor(), refused.reason, detail=refused.detail)
        session_.commit()
    status = (
        403
        if refused.reason in {"no role", "inactive", "link pending", "username linked elsewhere"}
        else 400
    )
    if refused.reason == "provider unreachable":
        status = 502
    return (
        render_template(
            "auth/sso_refused.html",
            reason=refused.reason,
            message=refused.message,
            title=f"You could not be signed in to {current_app.config['SERVICE_NAME']}",
        ),
        status,
    )


# Administration: link, confirm, unlink (Users > the account > Single sign-on).


def _account_change(user_id: int, change, message: str):
    _require_sso()
    return apply_account_change(user_id, change, message)


@bp.post("/admin/users/<int:user_id>/sso/link")
@requires(Permission.MANAGE_USERS)
def sso_link(user_id: int):
    """Link the account to the provider account with the subject identifier typed."""
    _require_sso()
    subject = request.form.get("subject", "")
    try:
        issuer = common.issuer()
    except (requests.RequestException, ValueError, KeyError):
        flash("The sign-on provider could not be reached. Try again in a few minutes.", "error")
        return redirect(url_for("admin.user", user_id=user_id))
    return _account_change(
        user_id,
        lambda s, account: sso.link(s, current_actor(), account, issuer, subject),
        "{username} is linked: they sign in with their force account from now on.",
    )


@bp.post("/admin/users/<int:user_id>/sso/confirm")
@requires(Permission.MANAGE_USERS)
def sso_confirm(user_id: int):
    """Confirm the link a first SSO sign-in asked for."""
    return _account_change(
        user_id,
        lambda s, account: sso.confirm_pending(s, current_actor(), account),
        "{username} is linked: they keep their drafts and sign in with their force account.",
    )


@bp.post("/admin/users/<int:user_id>/sso/unlink")
@requires(Permission.MANAGE_USERS)
def sso_unlink(user_id: int):
    """Remove the link, or refuse a waiting one."""
    return _account_change(
        user_id,
        lambda s, account: sso.unlink(s, current_actor(), account),
        "{username} is no longer linked to a force account.",
    )
