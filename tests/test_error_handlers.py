"""A domain refusal becomes an HTTP answer in one place: the error handler registered for
its type, by its blueprint or the app. Views just call the domain; a view that catches a
type with a handler would answer it a second way, and fails here."""

from __future__ import annotations

import ast
import importlib
import io
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from debrief.compliance import imports
from debrief.debriefs import drafting, event_saving, submitting
from debrief.exports import workbook
from debrief.models import Debrief, ImportBatch, NccuReferral
from debrief.review import follow_up, reviewing
from debrief.workflow import NotPermitted, TransitionRefused
from tests.debrief_helpers import section_form, start_debrief, stored_answers
from tests.factories import make_debrief, make_user
from tests.nccu_known import SAMPLE
from tests.test_structure import MODULES

VIEW_FILE_NAMES = {"common.py", "routes.py", "views.py"}
VIEW_MODULES = sorted(
    module
    for module, path in MODULES.items()
    if path.name in VIEW_FILE_NAMES or path.name.endswith("_views.py")
)


def handled_types(app) -> dict[str | None, set[type]]:
    """Return the exception types each blueprint (None: the whole app) has a handler for."""
    found: dict[str | None, set[type]] = {}
    for blueprint, by_status in app.error_handler_spec.items():
        for handlers in by_status.values():
            found.setdefault(blueprint, set()).update(handlers)
    return found


def answered_twice(source: str, namespace: dict, handled: Iterable[type]) -> list[str]:
    """Return `line: Caught` for each `except` in `source` that catches a handled type."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        caught = eval(compile(ast.Expression(node.type), "<except>", "eval"), namespace)
        for kind in caught if isinstance(caught, tuple) else (caught,):
            if any(issubclass(kind, answered) for answered in handled):
                found.append(f"{node.lineno}: {kind.__name__}")
    return found


def test_no_view_catches_a_refusal_that_an_error_handler_answers(app):
    handled = handled_types(app)
    assert VIEW_MODULES, "no view modules found"
    for name in VIEW_MODULES:
        module = importlib.import_module(name)
        answered = handled.get(None, set()) | handled.get(module.bp.name, set())
        clashes = answered_twice(Path(module.__file__).read_text(), vars(module), answered)
        assert not clashes, f"{name} catches what an error handler answers: {clashes}"


def test_the_check_notices_a_view_that_catches_a_handled_refusal():
    source = "try:\n    pass\nexcept (ValueError, reviewing.StaleVersion):\n    pass\n"
    namespace = {"reviewing": reviewing}
    assert answered_twice(source, namespace, {reviewing.StaleVersion}) == ["3: StaleVersion"]
    assert answered_twice(source, namespace, {follow_up.StaleAction}) == []


def test_each_domain_refusal_has_its_handler(app):
    handled = handled_types(app)
    expected = {
        "review": {NotPermitted, TransitionRefused, reviewing.StaleVersion, follow_up.StaleAction},
        "debriefs": {
            drafting.NotEditable,
            drafting.SectionChanged,
            event_saving.EventRecordChanged,
            event_saving.EventTaken,
            event_saving.NoSuchImportedEvent,
            submitting.ChangedSinceChecked,
        },
        "exports": {workbook.ExportNotPermitted},
        "compliance": {imports.PreviewChanged},
    }
    for blueprint, types in expected.items():
        assert types <= handled.get(blueprint, set()), blueprint


# The handlers that no other test reaches through a real page.


def test_a_debrief_that_stopped_being_editable_is_409_and_nothing_is_saved(
    client, login_as, db, monkeypatch
):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    real_save = drafting.save_section

    def submitted_meanwhile(session, debrief, *args, **kwargs):
        real_save(session, debrief, *args, **kwargs)
        raise drafting.NotEditable("This debrief is submitted, so it can no longer be changed.")

    monkeypatch.setattr(drafting, "save_section", submitted_meanwhile)
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = client.get(url).get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    response = client.post(
        url, data={"version": version, **section_form("learning", {"went_well": "Kept?"})}
    )
    assert response.status_code == 409
    assert "This debrief is submitted, so it can no longer be changed." in response.get_data(
        as_text=True
    )
    assert "went_well" not in stored_answers(db, debrief_id)


def test_releasing_a_debrief_assigned_to_someone_else_is_409(client, login_as, db):
    host = make_user(["sergeant"], username="sam")
    debrief = make_debrief(host, state="submitted")
    login_as("hub_reviewer")
    response = client.post(f"/review/{debrief.id}/assign", data={"op": "release", "version": 1})
    assert response.status_code == 409
    assert "This debrief is not assigned to you" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Debrief, debrief.id).version == 1


def test_an_export_refused_by_the_domain_is_403_and_leaves_no_file(
    client, login_as, monkeypatch, tmp_path
):
    def refuse(user, options):
        raise workbook.ExportNotPermitted("You cannot export thematic spreadsheets.")

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(workbook, "check_permission", refuse)
    monkeypatch.setattr("tempfile.tempdir", str(spool))
    login_as("partnership_lead")
    response = client.post(
        "/exports/",
        data={"period_kind": "quarter", "quarter": "2025-Q3", "shared_with": "OIC meeting"},
    )
    assert response.status_code == 403
    assert list(spool.iterdir()) == []


def test_confirming_an_import_whose_records_changed_shows_the_new_preview(
    app, client, login_as, db
):
    login_as("hub_reviewer")
    uploaded = client.post(
        "/compliance/imports/nccu",
        data={"file": (io.BytesIO(SAMPLE.read_bytes()), "nccu.csv")},
        content_type="multipart/form-data",
    )
    batch_url = uploaded.headers["Location"]
    first = db.scalars(select(ImportBatch)).one().summary
    referral = imports.preview_file(db, "nccu", "nccu.csv", SAMPLE.read_bytes(), app.config)
    referral = referral.rows("add")[0]
    db.add(NccuReferral(**referral.values))  # recorded meanwhile: one row now unchanged
    db.commit()

    response = client.post(batch_url + "/confirm")
    assert response.status_code == 302 and response.headers["Location"].endswith(batch_url)
    page = client.get(batch_url).get_data(as_text=True)
    assert "The records changed since the preview was made" in page
    db.expire_all()
    batch = db.scalars(select(ImportBatch)).one()
    assert batch.status == "previewed" and batch.summary != first  # the new counts are kept
