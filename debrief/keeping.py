"""Nothing typed is lost: the web side of pending_forms.py.

Each page worth keeping carries `form_key_field()`. A POST that cannot be saved
(signed out, cookie gone, form token lapsed) comes to `answer_unsaved_post`, which
keeps what was typed for the key's owner when the browser says the form came from
our own pages, and tells the person what happened and where to go. After signing in,
the page asks `restore_typed_form()` for it. Scripts that save with fetch() get a
redirect as JSON, so they can follow it without losing its message.
"""

from __future__ import annotations

import time

from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from . import pending_forms
from .extensions import db_session

# Sent by static/saving.js and static/session.js. Not a header a form on another site
# can send without the browser asking us first (CORS), and we never say yes.
FETCH_HEADER = "X-Debrief-Fetch"
# In the signed-out session after a form was kept: whose it is, so that signing in as
# someone else does not land on that person's page.
KEPT_FOR = "kept_for"
# In the signed-out session: why it ended, when the timeout warning was the one to find out.
ENDED_BECAUSE = "ended_because"
# What Sec-Fetch-Site says of a form posted from one of our own pages.
OUR_PAGES = frozenset({"same-origin", "none"})


def init_app(app: Flask) -> None:
    """Offer `form_key_field()` to templates; answer redirects to scripts as JSON."""
    app.add_template_global(form_key_field, "form_key_field")
    app.after_request(_redirect_as_json_for_scripts)


def form_key_field() -> Markup:
    """Return the hidden input carrying this page's signed form key."""
    if not current_user.is_authenticated:
        return Markup("")
    token = pending_forms.issue_key(
        current_app.config["SECRET_KEY"],
        user_id=current_user.id,
        path=request.path,
        debrief_id=(request.view_args or {}).get("debrief_id"),
        now=int(time.time()),
    )
    return Markup('<input type="hidden" name="{}" value="{}">').format(pending_forms.FIELD, token)


def came_from_our_pages() -> bool:
    """Tell whether the browser says this POST came from one of our own pages.

    Browsers send Sec-Fetch-Site on every request; under `Referrer-Policy:
    no-referrer` Chromium sends `Origin: null` with a form, so null says nothing
    either way and Sec-Fetch-Site decides. A request with neither header (an old
    browser, a script) is judged by the form key alone.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in OUR_PAGES:
        return False
    origin = request.headers.get("Origin")
    if origin == "null":
        return site is not None
    return origin is None or origin == request.host_url.rstrip("/")


def _days() -> int:
    return current_app.config["KEPT_FORM_DAYS"]


def _max_age() -> int:
    return pending_forms.key_max_age(current_app.config["SESSION_MAX_MINUTES"] * 60)


# The 400 page's heading for each case; the page says what was kept and where to go.
NOT_SAVED_TITLES = {
    "cross_site": "Your form was not sent",
    "not_sent": "Your form was not sent",
    "not_kept": "Your answers were not saved",
    "kept_for_other": "This page was opened by someone else",
}


def not_saved_page(case: str, **context):
    """Return the 400 page for a form that was not saved: what was kept, where to go."""
    return (
        render_template(
            "errors/not_saved.html", title=NOT_SAVED_TITLES[case], case=case, **context
        ),
        400,
    )


def answer_unsaved_post():
    """Answer a POST that could not be saved: keep what was typed if allowed, and say so."""
    if not came_from_our_pages():
        return not_saved_page("cross_site")
    token = request.form.get(pending_forms.FIELD)
    if not token:
        if current_user.is_authenticated:
            return not_saved_page("not_sent")
        if set(request.form) - {"csrf_token"}:  # something typed, not just a button
            flash(f"Your session ended, so that was not saved{_why()}. Sign in again.", "info")
        return redirect(url_for("auth.sign_in"))
    db = db_session()
    try:
        key = pending_forms.read_key(
            current_app.config["SECRET_KEY"],
            token,
            path=request.path,
            now=int(time.time()),
            max_age=_max_age(),
        )
        pending_forms.keep(
            db,
            key,
            request.form.to_dict(flat=False),
            days=_days(),
            signed_in=current_user.is_authenticated,
            remote_addr=request.remote_addr or "",
        )
    except pending_forms.NotKept as refused:
        db.rollback()
        return not_saved_page("not_kept", reason=str(refused))
    db.commit()
    if current_user.is_authenticated and current_user.id != key.user_id:
        return not_saved_page("kept_for_other")
    if current_user.is_authenticated:
        flash(
            "Your page could not be saved because it was open for too long, or you have "
            "signed in again since. What you typed is below: check it and save again.",
            "info",
        )
        return redirect(key.path)
    session[KEPT_FOR] = key.user_id
    flash(
        f"Your session ended, so your page was not saved{_why()}. What you typed has been "
        "kept: sign in again to carry on.",
        "info",
    )
    return redirect(url_for("auth.sign_in", next=key.path))


def _why() -> str:
    reason = g.get("session_ended_because") or session.pop(ENDED_BECAUSE, None)
    return f": {reason}" if reason else ""


def restore_typed_form() -> MultiDict | None:
    """Return what this person typed on this page and could not save, once."""
    if not current_user.is_authenticated:
        return None
    db = db_session()
    data = pending_forms.take(db, current_user.id, request.path, days=_days())
    if data is None:
        return None
    db.commit()
    return MultiDict([(name, value) for name, values in data.items() for value in values])


def sign_in_target(user_id: int, target: str | None) -> str | None:
    """Return where sign-in should go: not to a page kept for someone else."""
    kept_for = session.get(KEPT_FOR)
    if kept_for is not None and kept_for != user_id:
        return None
    return target


def prune_kept_forms() -> int:
    """Delete kept forms past KEPT_FORM_DAYS (at each sign-in; also by `retention apply`)."""
    return pending_forms.prune(db_session(), days=_days())


def _redirect_as_json_for_scripts(response):
    """Give a script's save its redirect as {"redirect": url}, unfollowed.

    fetch() would follow a redirect itself and show nothing; following it there would
    also use up the message the next page carries.
    """
    if request.headers.get(FETCH_HEADER) == "1" and response.status_code in (301, 302, 303):
        return jsonify(redirect=response.headers["Location"])  # the session is saved on it
    return response
