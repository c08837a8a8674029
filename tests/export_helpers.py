"""A known data set for the thematic export tests, and helpers to read the workbook back."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from debrief.extensions import db_session
from debrief.models import DebriefTheme, FollowUpAction
from tests.factories import make_debrief, make_event, make_user

# (reported_at UTC, district, event type, adults, accompanied, unaccompanied, state,
#  intelligence document answer, confirmed themes, days to submit, days to close)
KNOWN = [
    (
        datetime(2025, 7, 10, 9),
        "Coastal",
        "small_boat",
        10,
        0,
        2,
        "closed",
        "yes",
        ["children", "nccu_access"],
        1,
        2,
    ),
    (
        datetime(2025, 7, 20, 9),
        "North",
        "hgv_concealment",
        5,
        4,
        0,
        "closed",
        "yes",
        ["children"],
        2,
        4,
    ),
    (
        datetime(2025, 8, 5, 9),
        "North",
        "hgv_concealment",
        6,
        0,
        1,
        "closed",
        "no",
        ["children", "intel_doc_missing"],
        3,
        6,
    ),
    (
        datetime(2025, 8, 15, 9),
        "South",
        "lorry_drop",
        8,
        0,
        0,
        "closed",
        "yes",
        ["nccu_access"],
        4,
        8,
    ),
    (
        datetime(2025, 9, 1, 9),
        "Coastal",
        "small_boat",
        20,
        3,
        5,
        "closed",
        "yes",
        ["children", "nccu_access"],
        5,
        10,
    ),
    (datetime(2025, 9, 20, 9), "North", "hgv_concealment", 3, 0, 0, "in_review", "no", [], 6, None),
]


def build_known_data() -> dict:
    """Create the known data set; return the people and records tests refer to."""
    host = make_user(["sergeant"], username="sgt-known", full_name="Sergeant Secretname")
    reviewer = make_user(["hub_reviewer"], username="hub-known", full_name="Reviewer Hiddenname")
    session = db_session()
    debriefs = []
    for (
        when,
        district,
        kind,
        adults,
        accompanied,
        unaccompanied,
        state,
        intel,
        themes,
        submit_days,
        close_days,
    ) in KNOWN:
        event = make_event(
            created_by=host,
            reported_at=when,
            district=district,
            event_type=kind,
            adults=adults,
            accompanied_children=accompanied,
            unaccompanied_children=unaccompanied,
        )
        submitted = when + timedelta(days=submit_days)
        fields = {"submitted_at": submitted, "first_submitted_at": submitted}
        if close_days is not None:
            fields["closed_at"] = submitted + timedelta(days=close_days)
        answers = {
            "intel_doc_submitted": intel,
            "how_reported": "call_999" if district == "North" else "border_force",
            "children_involved": "yes" if accompanied or unaccompanied else "no",
            "roles_present": ["response_officers", "control_room"],
            "nccu_contacted": "yes",
            "nccu_reference": "NCCU-2025999999",
            "went_well": "Quick handover",
        }
        debrief = make_debrief(
            host, state=state, answers=answers, event=event, suggest_themes=False, **fields
        )
        for theme_id in themes:
            session.add(
                DebriefTheme(
                    debrief_id=debrief.id,
                    theme_id=theme_id,
                    confirmed=True,
                    confirmed_by_id=reviewer.id,
                    confirmed_at=when,
                )
            )
        debriefs.append(debrief)
    # A suggested but unconfirmed theme does not count.
    session.add(DebriefTheme(debrief_id=debriefs[3].id, theme_id="training", suggested=True))
    session.add(
        FollowUpAction(
            debrief_id=debriefs[0].id,
            description="Raise NCCU waits",
            owner="Immigration Enforcement",
            due_date=date(2025, 10, 31),
            status="open",
            created_by_id=reviewer.id,
            created_at=datetime(2025, 7, 15),
        )
    )
    # An event with no debrief yet, a draft, and a debrief outside the period.
    make_event(created_by=host, reported_at=datetime(2025, 9, 25, 9), adults=4)
    make_debrief(
        host,
        state="draft",
        event=make_event(created_by=host, reported_at=datetime(2025, 9, 26), adults=2),
    )
    make_debrief(
        host,
        state="closed",
        answers={"intel_doc_submitted": "no"},
        event=make_event(created_by=host, reported_at=datetime(2025, 6, 29)),
    )
    session.commit()
    return {"host": host, "reviewer": reviewer, "debriefs": debriefs}


def open_workbook(data: bytes):
    """Open a produced workbook with openpyxl."""
    return load_workbook(io.BytesIO(data))


def summary_figures(workbook) -> dict[str, object]:
    """Return the Headline figures sheet as {measure: figure}."""
    sheet = workbook["Headline figures"]
    return {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}


def table_rows(sheet) -> list[dict]:
    """Return a table sheet's rows as dicts keyed by heading."""
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]


def run_export(app, tmp_path, user=None, **choices):
    """Run the export for Q3 2025 as `user` (None: command line); return the xlsx bytes."""
    from debrief import periods
    from debrief.audit import Actor
    from debrief.exports import workbook as export
    from debrief.exports.selection import ExportOptions

    values = {"period": periods.quarter(2025, 3), "shared_with": "OIC partnership meeting"}
    values.update(choices)
    target = tmp_path / "export.xlsx"
    session = db_session()
    export.export_themes(
        session,
        Actor(user),
        ExportOptions(**values),
        export.ExportSettings.from_config(app.config),
        target,
    )
    session.commit()
    return target.read_bytes()
