"""The sign-in blueprint, shared by the password pages (routes.py) and the single sign-on
pages (sso_views.py), and the web side of single sign-on: Authlib's Flask client, the
hourly re-check, the provider's sign-out.

Authlib (`authlib.integrations.flask_client`) does the protocol: discovery, the
authorization code flow with PKCE (S256), `state` and `nonce` kept in the signed
session cookie and used once, the token request, and the ID token's checks (signature
against the provider's published keys, issuer, audience, expiry, nonce) with
SSO_CLOCK_SKEW_SECONDS of leeway. Every failure is turned into one refusal reason here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from joserfc import errors as jose_errors

from .. import audit, keeping
from ..extensions import db_session
from ..security import end_session, is_safe_next, now_seconds
from ..web import current_actor
from . import sso

bp = Blueprint("auth", __name__)

NAME = "force"
EXTENSION = "debrief.sso"
# In the session: when the provider last vouched for this person (seconds since the
# epoch); only SSO sessions have it.
CHECKED_AT = "sso_checked_at"
# In the session between leaving for the provider and coming back.
NEXT = "sso_next"
RECHECK = "sso_recheck"
# Requests that never start a re-check: the pages of the round trip itself, sign-out, and
# the timeout warning's question (which must not count as use either).
NO_RECHECK = frozenset(
    {"static", "auth.session_status", "auth.sso_start", "auth.sso_callback", "auth.sign_out"}
)
# The provider's answers to prompt=none that mean "this person must sign in again".
SIGN_IN_AGAIN = frozenset(
    {"login_required", "interaction_required", "consent_required", "account_selection_required"}
)


def init_sso(app: Flask) -> None:
    """Register the provider with Authlib when SSO_DISCOVERY_URL is set; else do nothing."""
    app.add_template_global(enabled, "sso_enabled")
    app.add_template_global(provider_name, "sso_provider_name")
    if not app.config["SSO_DISCOVERY_URL"]:
        return
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["SSO_CLIENT_ID"],
        client_secret=app.config["SSO_CLIENT_SECRET"],
        server_metadata_url=app.config["SSO_DISCOVERY_URL"],
        client_kwargs={
            "scope": app.config["SSO_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": app.config["SSO_HTTP_TIMEOUT_SECONDS"],
        },
    )
    app.extensions[EXTENSION] = oauth
    parts = urlsplit(app.config["SSO_DISCOVERY_URL"])
    app.config["FORM_ACTION_ORIGINS"] = [f"{parts.scheme}://{parts.netloc}"]
    app.before_request(_recheck_when_due)
    app.add_template_global(_identity_of, "sso_identity")


def enabled() -> bool:
    """Tell whether single sign-on is configured."""
    return EXTENSION in current_app.extensions


def provider_name() -> str:
    """The name on the button: "Sign in with <this> account"."""
    return current_app.config["SSO_PROVIDER_NAME"] or current_app.config["FORCE_NAME"]


def client() -> Any:
    """Return Authlib's client for the force's provider."""
    return current_app.extensions[EXTENSION].create_client(NAME)


def mapping() -> sso.ClaimMapping:
    """Return the claim mapping from the settings."""
    return sso.mapping_from(current_app.config)


def issuer() -> str:
    """The provider's issuer, from its discovery document (fetched once, then kept)."""
    return str(client().load_server_metadata()["issuer"])


def authorize(*, prompt: str | None = None):
    """Send the browser to the provider (state, nonce and PKCE verifier kept in the
    session by Authlib); raise sso.Refused("provider unreachable") if it cannot be read."""
    extra = {"prompt": prompt} if prompt else {}
    try:
        _check_discovery()
        return client().authorize_redirect(url_for("auth.sso_callback", _external=True), **extra)
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as exc:
        raise sso.Refused("provider unreachable", detail=type(exc).__name__) from None


def _check_discovery() -> None:
    """The discovery document must be the issuer's own (OpenID Connect Discovery 1.0 s.4.3)."""
    metadata = client().load_server_metadata()
    own = str(metadata.get("issuer", "")).rstrip("/") + "/.well-known/openid-configuration"
    if not current_app.config["SSO_DISCOVERY_URL"].startswith(own):
        raise ValueError("the discovery document names another issuer")


# What each failure of the ID token's checks is recorded as.
_CLAIM_REASONS = {
    "aud": "audience",
    "azp": "audience",
    "iss": "issuer",
    "nonce": "nonce",
    "exp": "expired",
    "iat": "not yet valid",
    "nbf": "not yet valid",
}


def verified_claims() -> dict[str, Any]:
    """Finish the code flow on the callback: return the ID token's verified claims, or
    raise sso.Refused with the reason."""
    error = request.args.get("error")
    if error:
        raise sso.Refused("provider error", detail=error[:60])
    app_client = client()
    options = {
        "iss": {"essential": True, "value": issuer()},
        "aud": {"essential": True, "value": current_app.config["SSO_CLIENT_ID"]},
    }
    try:
        token = app_client.authorize_access_token(
            claims_options=options, leeway=current_app.config["SSO_CLOCK_SKEW_SECONDS"]
        )
    except MismatchingStateError:
        raise sso.Refused("bad state") from None
    except OAuthError as exc:
        reason = "code refused" if exc.error == "invalid_grant" else "provider error"
        raise sso.Refused(reason, detail=str(exc.error)[:60]) from None
    except (jose_errors.BadSignatureError, jose_errors.InvalidKeyIdError):
        raise sso.Refused("signature") from None
    except jose_errors.ExpiredTokenError:
        raise sso.Refused("expired") from None
    except jose_errors.ClaimError as exc:
        raise sso.Refused(
            _CLAIM_REASONS.get(exc.claim, "provider error"), detail=f"claim {exc.claim}"
        ) from None
    except jose_errors.JoseError as exc:
        raise sso.Refused("signature", detail=type(exc).__name__) from None
    except requests.RequestException as exc:
        raise sso.Refused("provider unreachable", detail=type(exc).__name__) from None
    claims = token.get("userinfo")
    if not claims or "sub" not in claims:
        raise sso.Refused("no id token")
    return dict(claims)


def sign_in_limit() -> str:
    """How often one address may try to sign in (a password, or a return from the provider)."""
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def audit_rate_limited(_limit) -> None:
    """Count that an address went over the sign-in rate limit (the 429 page follows): one
    audit record per address and minute, with the count, however many were refused."""
    session_ = db_session()
    audit.tally_refusal(session_, request.remote_addr or "", "sign_in.rate_limited")
    session_.commit()


def start_signed_in_session() -> None:
    """Mark this (new) session as vouched for by the provider, now."""
    session[CHECKED_AT] = now_seconds()


def logout_url() -> str | None:
    """Where to send the browser to sign out at the provider too (RP-initiated logout), if
    its discovery document has an end_session_endpoint; None otherwise."""
    if not enabled():
        return None
    try:
        endpoint = client().load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": current_app.config["SSO_CLIENT_ID"],
            "post_logout_redirect_uri": url_for("auth.sign_in", _external=True),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _recheck_when_due():
    """At least every SSO_RECHECK_MINUTES, ask the provider again (prompt=none) whether this
    person is still who they were and what roles they hold: a leaver loses access then.

    A page is sent on the round trip and comes back to where it was. A save is not sent
    (its form would be lost on the way): the session ends and what was typed is kept for
    the person, as when a session ends by its time limit.
    """
    if (
        not current_user.is_authenticated
        or CHECKED_AT not in session
        or request.endpoint in NO_RECHECK
    ):
        return None
    minutes = current_app.config["SSO_RECHECK_MINUTES"]
    if now_seconds() - int(session[CHECKED_AT]) < minutes * 60:
        return None
    back = request.full_path.rstrip("?")
    if request.method in {"GET", "HEAD"} and request.headers.get(keeping.FETCH_HEADER) != "1":
        session[RECHECK] = True
        session[NEXT] = back if is_safe_next(back) else None
        try:
            return authorize(prompt="none")
        except sso.Refused as refused:
            # Not asked is not vouched for: the session ends (fail closed).
            sso.record_refusal(db_session(), current_actor(), refused.reason, detail="re-check")
            db_session().commit()
    end_session()
    g.session_ended_because = (
        f"your {provider_name()} account is checked again every {minutes} minutes"
    )
    if request.method == "POST":
        return keeping.answer_unsaved_post()
    return redirect(url_for("auth.sign_in"))


def _identity_of(user):
    """The account's link to the provider, for the administrator's account page."""
    return sso.identity_of(db_session(), user)
