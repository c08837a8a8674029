"""The export page: who may use it, what it asks, and the download it gives."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from debrief import periods
from debrief.models import AuditEntry
from tests.export_helpers import build_known_data, open_workbook, summary_figures

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(client, data):
    """POST the form and read the whole answer, closing the streamed file."""
    response = client.post("/exports/", data=data)
    response.get_data()
    response.close()
    return response


Q3 = {"period_kind": "quarter", "quarter": "2025-Q3", "shared_with": "OIC partnership meeting"}


def test_page_offers_last_quarter_first(client, login_as):
    login_as("partnership_lead")
    page = client.get("/exports/").get_data(as_text=True)
    last = periods.last_quarter()
    assert f"Last quarter: {last.description}" in page
    assert 'value="last_quarter" checked' in page
    assert "Who will this spreadsheet be shared with?" in page
    # Partnership leads are not offered the sensitive options.
    assert "include_free_text" not in page and "unsuppressed" not in page


def test_hub_reviewer_is_offered_free_text(client, login_as):
    login_as("hub_reviewer")
    page = client.get("/exports/").get_data(as_text=True)
    assert "Include free-text answers" in page


def test_download_is_an_attachment_named_for_the_period(app, client, db, login_as):
    with app.app_context():
        build_known_data()
    lead = login_as("partnership_lead")
    response = post(client, Q3)
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=oic-debrief-themes-2025-Q3.xlsx"
    )
    assert response.headers["Cache-Control"] == "no-store"
    workbook = open_workbook(response.get_data())
    assert summary_figures(workbook)["Debriefs in this workbook"] == 5
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    # Typed by the lead, so kept out of the partner copy (it is in the audit record).
    assert about["Shared with"] == "As recorded in the service's audit trail"
    assert about["Generated"].endswith("by a partnership lead")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.themes")).one()
    assert entry.category == "disclosure" and entry.user_id == lead.id
    assert entry.details["shared_with"] == "OIC partnership meeting"
    assert entry.details["debriefs"] == 5 and entry.details["period"] == "2025-Q3"
    assert entry.details["district"] == "all" and entry.details["free_text"] is False


def test_filters_and_in_review_option_change_the_selection(app, client, login_as):
    with app.app_context():
        build_known_data()
    login_as("partnership_lead")
    data = {**Q3, "district": "North", "include_in_review": "y"}
    workbook = open_workbook(post(client, data).get_data())
    # North has two closed debriefs and one in review in the quarter.
    assert summary_figures(workbook)["Debriefs in this workbook"] == 3
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["District"] == "North"


def test_shared_with_is_required(client, login_as):
    login_as("partnership_lead")
    response = post(client, {**Q3, "shared_with": "   "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "There is a problem" in page
    assert "Enter who the spreadsheet will be shared with" in page


def test_custom_range_needs_both_dates_in_order(client, login_as):
    login_as("partnership_lead")
    data = {**Q3, "period_kind": "custom", "start": ["30", "9", "2025"], "end": ["1", "7", "2025"]}
    page = post(client, data).get_data(as_text=True)
    assert "The end date must be the same as or after the start date" in page
    data["end"] = ["", "", ""]
    page = post(client, data).get_data(as_text=True)
    assert "Enter the end date" in page


def test_custom_range_downloads_with_its_dates_in_the_name(client, login_as):
    login_as("hub_reviewer")
    data = {
        **Q3,
        "period_kind": "custom",
        "start": ["15", "7", "2025"],
        "end": ["14", "8", "2025"],
        "include_free_text": "y",
    }
    response = post(client, data)
    assert (
        "oic-debrief-themes-2025-07-15-to-2025-08-14-sensitive.xlsx"
        in (response.headers["Content-Disposition"])
    )
    assert zipfile.is_zipfile(io.BytesIO(response.get_data()))


@pytest.mark.parametrize("role", ["partnership_lead", "hub_reviewer"])
def test_partner_copy_takes_standard_periods_only(client, login_as, role):
    """Overlapping custom periods could be subtracted: partner copies take none (issue 19)."""
    login_as(role)
    data = {**Q3, "period_kind": "custom", "start": ["2", "7", "2025"], "end": ["30", "9", "2025"]}
    response = post(client, data)
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "There is a problem" in page
    assert "Choose a month, a quarter or a financial year" in page
    assert 'href="#period_kind"' in page  # the summary links to the period question
    assert 'value="2"' in page  # what was typed is kept
    # Dates that span exactly a quarter are that quarter.
    data["start"] = ["1", "7", "2025"]
    response = post(client, data)
    assert response.headers["Content-Disposition"].endswith("oic-debrief-themes-2025-Q3.xlsx")


@pytest.mark.parametrize("role", ["partnership_lead", "hub_reviewer"])
def test_partner_copy_covers_every_event_type(client, login_as, role):
    login_as(role)
    response = post(client, {**Q3, "event_type": "small_boat"})
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "Choose all event types" in page


def test_hub_copy_takes_custom_dates_and_event_types(app, client, login_as):
    with app.app_context():
        build_known_data()
    login_as("hub_reviewer")
    data = {
        **Q3,
        "period_kind": "custom",
        "start": ["2", "7", "2025"],
        "end": ["30", "9", "2025"],
        "event_type": "small_boat",
        "unsuppressed": "y",
    }
    workbook = open_workbook(post(client, data).get_data())
    assert summary_figures(workbook)["Debriefs in this workbook"] == 2


@pytest.mark.parametrize("role, offered", [("partnership_lead", False), ("hub_reviewer", True)])
def test_custom_dates_and_event_type_offered_to_the_hub_only(client, login_as, role, offered):
    login_as(role)
    page = client.get("/exports/").get_data(as_text=True)
    assert ('value="custom"' in page) is offered
    assert ('name="event_type"' in page) is offered


def test_lead_cannot_smuggle_in_free_text(app, client, login_as):
    with app.app_context():
        build_known_data()
    login_as("partnership_lead")
    data = {**Q3, "include_free_text": "y", "unsuppressed": "y"}
    response = post(client, data)
    assert "-sensitive" not in response.headers["Content-Disposition"]
    workbook = open_workbook(response.get_data())
    assert not [name for name in workbook.sheetnames if name.startswith("Debriefs")]
    assert summary_figures(workbook)["Not submitted"] == "<3"


def test_sergeant_cannot_export(client, login_as):
    login_as("sergeant")
    assert client.get("/exports/").status_code == 403
    assert post(client, Q3).status_code == 403


def test_every_mistake_is_reported_at_once(client, login_as):
    login_as("partnership_lead")
    data = {"period_kind": "custom", "shared_with": ""}
    page = post(client, data).get_data(as_text=True)
    assert "Enter the start date" in page and "Enter the end date" in page
    assert "Enter who the spreadsheet will be shared with" in page
