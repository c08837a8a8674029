"""The hub reviewer's journey, tried as a new user would: upload, preview, confirm, lists."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from debrief.models import AuditEntry, ImportBatch, NccuReferral
from tests.nccu_known import DISAGREEMENTS, OUTSTANDING, SAMPLE, make_known_data


def _upload(client, data: bytes, name: str = "nccu.csv", kind: str = "nccu"):
    return client.post(
        f"/compliance/imports/{kind}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _references_in_order(html: str) -> list[str]:
    """The references a list shows, in order, each once (a row's link names it again)."""
    return list(dict.fromkeys(re.findall(r"NCCU-\d{10}", html)))


def test_reviewer_uploads_previews_confirms_and_reads_the_lists(client, login_as, db):
    make_known_data()
    login_as("hub_reviewer")
    start = client.get("/compliance/imports/nccu")
    assert start.status_code == 200
    assert "Referral date and time" in _text(start)

    uploaded = _upload(client, SAMPLE.read_bytes())
    assert uploaded.status_code == 302
    preview = client.get(uploaded.headers["Location"])
    page = _text(preview)
    assert "Check the import of nccu.csv" in page
    assert 'To add</dt><dd class="govuk-summary-list__value">7 rows' in page
    assert 'Rejected</dt><dd class="govuk-summary-list__value">6 rows' in page
    assert "The column “NCCU desk” is not one the import uses" in page
    for row, column, words in [
        (9, "Referral date and time", "“31/06/2025 10:00” is not a date and time"),
        (10, "District", "Unknown district “Atlantis”"),
        (11, "NCCU reference", "“NCCU-12” is not an NCCU reference"),
        (12, "NCCU reference", "NCCU-2025061010 is on rows 12 and 13"),
        (13, "NCCU reference", "NCCU-2025061010 is on rows 12 and 13"),
        (14, "Intelligence document received", "“maybe” is not yes or no"),
    ]:
        assert re.search(
            rf">{row}</td> <td class=\"govuk-table__cell\">{column}</td> "
            rf"<td class=\"govuk-table__cell app-break-words\">{re.escape(words)}",
            page,
        ), (row, column)
    assert db.scalar(select(func.count()).select_from(NccuReferral)) == 0  # nothing written yet

    batch_url = uploaded.headers["Location"]
    confirmed = client.post(batch_url + "/confirm", follow_redirects=True)
    assert "Imported nccu.csv: 7 added, 0 updated." in _text(confirmed)
    assert db.scalar(select(func.count()).select_from(NccuReferral)) == 7

    outstanding = _text(client.get("/compliance/reconciliation/outstanding"))
    assert _references_in_order(outstanding.split("<tbody")[1]) == OUTSTANDING
    assert "Yes: disagrees" in outstanding and "No matching event" in outstanding
    disagreements = _text(client.get("/compliance/reconciliation/disagreements"))
    assert _references_in_order(disagreements.split("<tbody")[1]) == DISAGREEMENTS
    assert "2 June 2025 at 11:30am" in disagreements  # what the debrief said

    again = _upload(client, SAMPLE.read_bytes())
    second = _text(client.get(again.headers["Location"]))
    assert "This file was already imported on" in second
    assert "Importing it again changes nothing" in second
    assert 'Unchanged</dt><dd class="govuk-summary-list__value">7 rows' in second
    before = [
        (r.nccu_reference, r.updated_at, r.batch_id) for r in db.scalars(select(NccuReferral))
    ]
    client.post(again.headers["Location"] + "/confirm", follow_redirects=True)
    db.expire_all()
    after = [(r.nccu_reference, r.updated_at, r.batch_id) for r in db.scalars(select(NccuReferral))]
    assert after == before

    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("import.nccu.applied") == 2
    assert "reconciliation.viewed" in actions
    statuses = db.scalars(select(ImportBatch.status)).all()
    assert statuses == ["applied", "applied"]
    assert db.scalars(select(ImportBatch.content)).all() == [None, None]  # files not kept


def test_an_upload_and_its_confirmation_need_the_form_token(build_app):
    from tests.factories import DEFAULT_PASSWORD, make_user

    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["hub_reviewer"], username="harper")

    def token(url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)

    client.post(
        "/sign-in",
        data={"username": "harper", "password": DEFAULT_PASSWORD, "csrf_token": token("/sign-in")},
    )
    data = SAMPLE.read_bytes()
    forged = _upload(client, data)
    assert forged.status_code == 400
    good = client.post(
        "/compliance/imports/nccu",
        data={
            "file": (io.BytesIO(data), "nccu.csv"),
            "csrf_token": token("/compliance/imports/nccu"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    batch_url = good.headers["Location"]
    assert client.post(batch_url + "/confirm").status_code == 400
    confirmed = client.post(batch_url + "/confirm", data={"csrf_token": token(batch_url)})
    assert confirmed.status_code == 302
    with app.app_context():
        from debrief.extensions import db_session

        assert db_session().scalar(select(func.count()).select_from(NccuReferral)) == 7
