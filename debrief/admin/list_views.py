"""Administration: the lists the administrator keeps (teams, recipient groups) and a
person's team. The rules and the audit records are in lists.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..extensions import db_session
from ..models import User
from ..roles import Permission
from ..security import requires
from ..text_input import whole_number_or_none
from ..web import current_actor
from . import lists
from .common import bp
from .forms import ConfirmForm, ListNameForm, TeamForm


def _kind(kind: str) -> lists.Kind:
    found = lists.KINDS.get(kind)
    if found is None:
        abort(404)
    return found


def _entry(kind: lists.Kind, entry_id: int):
    entry = db_session().get(kind.model, entry_id)
    if entry is None:
        abort(404)
    return entry


def _lists_page(forms: dict[str, ListNameForm] | None = None, status: int = 200):
    session = db_session()
    shown = {key: lists.entries(session, kind) for key, kind in lists.KINDS.items()}
    forms = forms or {}
    failed = next(iter(forms.values()), None)
    return (
        render_template(
            "admin/lists.html",
            form=failed,
            kinds=lists.KINDS,
            shown=shown,
            forms={key: forms.get(key) or ListNameForm(prefix=key) for key in lists.KINDS},
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get("/lists")
@requires(Permission.MANAGE_LISTS)
def lists_page():
    """Show the teams and recipient groups, with a form to add to each."""
    return _lists_page()


@bp.post("/lists/<kind>")
@requires(Permission.MANAGE_LISTS)
def add_to_list(kind: str):
    """Add a team or a recipient group."""
    chosen = _kind(kind)
    form = ListNameForm(prefix=kind)
    if not form.validate_on_submit():
        return _lists_page({kind: form}, 400)
    session = db_session()
    try:
        entry = lists.add(session, current_actor(), chosen, form.name.data or "")
    except lists.ListError as exc:
        session.rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return _lists_page({kind: form}, 400)
    session.commit()
    flash(f"{chosen.one.capitalize()} {entry.name} added.", "success")
    return redirect(url_for("admin.lists_page") + f"#{kind}")


def _entry_page(kind: lists.Kind, entry, form: ListNameForm, status: int = 200):
    return (
        render_template(
            "admin/list_entry.html", kind=kind, entry=entry, form=form, confirm=ConfirmForm()
        ),
        status,
    )


@bp.route("/lists/<kind>/<int:entry_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_LISTS)
def list_entry(kind: str, entry_id: int):
    """Rename a team or recipient group; retire or bring it back from here."""
    chosen = _kind(kind)
    entry = _entry(chosen, entry_id)
    form = ListNameForm(data={"name": entry.name})
    if not form.is_submitted():
        return _entry_page(chosen, entry, form)
    form = ListNameForm()
    if not form.validate():
        return _entry_page(chosen, entry, form, 400)
    session = db_session()
    try:
        changed = lists.rename(session, current_actor(), chosen, entry, form.name.data or "")
    except lists.ListError as exc:
        session.rollback()
        form.name.errors = [*form.name.errors, str(exc)]
        return _entry_page(chosen, _entry(chosen, entry_id), form, 400)
    session.commit()
    if changed:
        flash(f"Renamed to {entry.name}.", "success")
    return redirect(url_for("admin.lists_page") + f"#{kind}")


@bp.post("/lists/<kind>/<int:entry_id>/retire")
@requires(Permission.MANAGE_LISTS)
def retire_list_entry(kind: str, entry_id: int):
    """Retire an entry: no longer offered, kept where it is used."""
    return _set_retired(kind, entry_id, True)


@bp.post("/lists/<kind>/<int:entry_id>/restore")
@requires(Permission.MANAGE_LISTS)
def restore_list_entry(kind: str, entry_id: int):
    """Bring a retired entry back into use."""
    return _set_retired(kind, entry_id, False)


def _set_retired(kind: str, entry_id: int, retired: bool):
    chosen = _kind(kind)
    entry = _entry(chosen, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = db_session()
    if lists.set_retired(session, current_actor(), chosen, entry, retired):
        session.commit()
        flash(f"{entry.name} {'retired' if retired else 'back in use'}.", "success")
    return redirect(url_for("admin.lists_page") + f"#{kind}")


@bp.post("/users/<int:user_id>/team")
@requires(Permission.MANAGE_LISTS)
def change_team(user_id: int):
    """Put a person in a team, or in none."""
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    form = TeamForm()
    if not form.validate_on_submit():
        abort(400)
    value = form.team.data or ""
    team_id = None if not value else whole_number_or_none(value) or -1
    session = db_session()
    try:
        changed = lists.set_team(session, current_actor(), user, team_id)
    except lists.ListError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.user", user_id=user_id))
    session.commit()
    if changed:
        flash(f"Team of {user.username} changed.", "success")
    return redirect(url_for("admin.user", user_id=user_id))
