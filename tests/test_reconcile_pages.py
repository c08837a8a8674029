"""The reconciliation pages: the lists, match decisions and spreadsheet downloads."""

from __future__ import annotations

import io
import re

import openpyxl
from sqlalchemy import event as sa_event
from sqlalchemy import select

from debrief.audit import Actor
from debrief.compliance import imports
from debrief.models import AuditEntry, NccuReferral
from tests.nccu_known import OUTSTANDING, SAMPLE, UNDEBRIEFED, WITHOUT_DEBRIEF, make_known_data


def _import_sample(app, db) -> None:
    data = SAMPLE.read_bytes()
    preview = imports.preview_file(db, "nccu", "nccu.csv", data, app.config)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()


def _body(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True)).split("<tbody", 1)[-1]


def test_each_list_page_shows_its_rows_and_the_counts_of_all(app, client, login_as, db):
    make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    page = client.get("/compliance/reconciliation/outstanding").get_data(as_text=True)
    for count, title in [
        (4, "Outstanding intelligence documents"),
        (1, "Debriefs and the NCCU disagree"),
        (3, "NCCU referrals with no event or debrief"),
        (2, "Events with no debrief"),
    ]:
        assert f'<span class="app-list-nav__count">{count}</span> {title}' in page
    assert re.findall(
        r"NCCU-\d{10}", _body(client.get("/compliance/reconciliation/unmatched"))
    ) == [
        ref for ref in WITHOUT_DEBRIEF for _ in range(1 + (ref == "NCCU-2025060606") * 2)
    ]  # the referral with a suggestion is named again in its buttons' hidden labels
    undebriefed = _body(client.get("/compliance/reconciliation/undebriefed"))
    assert re.findall(r"INC-\d{8}-\d{4}", undebriefed) == UNDEBRIEFED
    assert client.get("/compliance/reconciliation/nonsense").status_code == 404
    assert client.get("/compliance/reconciliation").headers["Location"].endswith("/outstanding")


def test_a_reviewer_confirms_a_suggested_match_from_the_list(app, client, login_as, db):
    data = make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    referral = db.scalars(
        select(NccuReferral).where(NccuReferral.nccu_reference == "NCCU-2025060606")
    ).one()
    event = data["events"][5]
    page = client.get("/compliance/reconciliation/unmatched").get_data(as_text=True)
    assert f'name="event_id" value="{event.id}"' in page
    done = client.post(
        f"/compliance/referrals/{referral.id}/match",
        data={"event_id": event.id, "decision": "confirm"},
        follow_redirects=True,
    )
    assert "NCCU-2025060606 is now matched to INC-20250606-0006." in done.get_data(as_text=True)
    assert "Debrief not yet submitted: INC-20250606-0006" in _body(done)
    bad = client.post(
        f"/compliance/referrals/{referral.id}/match", data={"event_id": event.id, "decision": "x"}
    )
    assert bad.status_code == 400
    gone = client.post(
        f"/compliance/referrals/{referral.id}/match",
        data={"event_id": 999999, "decision": "reject"},
    )
    assert gone.status_code == 404


def test_a_reviewer_rejects_a_suggestion(app, client, login_as, db):
    data = make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    referral = db.scalars(
        select(NccuReferral).where(NccuReferral.nccu_reference == "NCCU-2025060606")
    ).one()
    done = client.post(
        f"/compliance/referrals/{referral.id}/match",
        data={"event_id": data["events"][5].id, "decision": "reject"},
        follow_redirects=True,
    )
    assert "will not be suggested for NCCU-2025060606 again" in done.get_data(as_text=True)
    assert 'value="reject"' not in done.get_data(as_text=True)


def test_a_list_downloads_as_a_marked_spreadsheet_and_is_audited(app, client, login_as, db):
    make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    refused = client.post("/compliance/reconciliation/outstanding/download", data={})
    assert refused.status_code == 200
    assert "Select what the download is for" in refused.get_data(as_text=True)

    response = client.post(
        "/compliance/reconciliation/outstanding/download", data={"purpose": "nccu"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=outstanding-")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Example Constabulary: Outstanding intelligence documents"
    header = rows[3]
    assert header[:3] == ("NCCU reference", "Referred", "Days outstanding")
    assert [row[0] for row in rows[4:]] == OUTSTANDING
    assert rows[4][-1] == "Yes, by the call taker on first report"
    assert rows[-1][-1] == "No matching event"
    assert "OFFICIAL-SENSITIVE" in sheet.oddHeader.center.text
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "reconciliation.exported")
    ).one()
    assert entry.category == "disclosure"
    assert entry.details == {
        "rows": 4,
        "purpose": "nccu",
        "recipients": "To send to the NCCU to reconcile their list",
    }


def test_every_list_downloads(app, client, login_as, db):
    make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    for slug, expected in [("disagreements", 1), ("unmatched", 3), ("undebriefed", 2)]:
        response = client.post(
            f"/compliance/reconciliation/{slug}/download", data={"purpose": "hub"}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
        assert sheet.max_row - 4 == expected, slug


def test_viewing_a_list_is_audited_as_consultation(app, client, login_as, db):
    login_as("hub_reviewer")
    client.get("/compliance/reconciliation/disagreements")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "reconciliation.viewed")).one()
    assert (entry.category, entry.object_id) == ("consultation", "disagreements")


def test_partnership_leads_cannot_reach_lists_or_imports(client, login_as):
    login_as("partnership_lead")
    for url in [
        "/compliance/reconciliation/outstanding",
        "/compliance/imports",
        "/compliance/imports/nccu",
    ]:
        assert client.get(url).status_code == 403, url
    page = client.get("/compliance/").get_data(as_text=True)
    assert "NCCU reconciliation" not in page and "Import lists" not in page


def test_a_list_page_reads_its_stored_figures_once(app, client, login_as, db):
    """The counts of the lists, the filter's choices and the Recommendation 2 panel's
    months are stored figures (summaries.py): the page reads them in one statement and
    the marks in one, and shows the same counts as when each was read on its own."""
    make_known_data()
    _import_sample(app, db)
    login_as("hub_reviewer")
    first = client.get("/compliance/reconciliation/outstanding").get_data(as_text=True)
    seen: list[str] = []
    keys_read: list[set[str]] = []

    def note(_conn, _cursor, statement, parameters, *_args):
        seen.append(statement)
        if "FROM stored_summaries" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            keys_read.append({v for v in values if isinstance(v, str)})

    engine = app.extensions["debrief.engine"]
    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        again = client.get("/compliance/reconciliation/outstanding").get_data(as_text=True)
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)
    # One read for the page's own; the header's count may read what is put to a hub
    # reviewer (they can record submissions too), kept under a key of its own.
    page_read = next(keys for keys in keys_read if "reconcile" in keys)
    assert {"reconcile", "reconcile:choices"} <= page_read
    assert any(key.startswith("month:") for key in page_read)
    assert all(keys == {k for k in keys if k.startswith("reconcile:put_to:")}
               for keys in keys_read if keys is not page_read), keys_read  # fmt: skip
    # The marks once for all the page reads before it records the view (and commits);
    # the header, drawn after, reads them again in its own transaction.
    before_audit = seen[: next(i for i, s in enumerate(seen) if "INSERT INTO audit" in s)]
    assert len([s for s in before_audit if "FROM summary_marks" in s]) == 1, before_audit
    counts = re.compile(r'app-list-nav__count">(\d+)<')
    assert counts.findall(again) == counts.findall(first) == ["4", "1", "3", "2"]
    assert "Recommendation 2" in again


def test_the_recommendation_2_panel_names_the_nccu_rate_once_a_list_is_imported(
    app, client, login_as, db
):
    """Whether an NCCU list is on record comes from the lists' kept counts: before the
    first import the panel gives the debriefs' rate alone, and the page after an import
    (which marks the kept counts stale) gives the NCCU's too."""
    make_known_data()
    login_as("hub_reviewer")

    def panel() -> str:
        page = client.get("/compliance/reconciliation/undebriefed").get_data(as_text=True)
        summary = page.split('govuk-details__summary-text">', 1)[1]
        return re.sub(r"\s+", " ", summary.split("</span>", 1)[0])

    assert "from the debriefs" in panel() and "confirmed by the NCCU" not in panel()
    _import_sample(app, db)
    assert "confirmed by the NCCU" in panel()
