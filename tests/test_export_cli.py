"""`debrief export themes` from the command line."""

from __future__ import annotations

from sqlalchemy import select

from debrief.cli import main
from debrief.models import AuditEntry
from tests.export_helpers import build_known_data, open_workbook, summary_figures, table_rows


def test_export_writes_the_partner_copy_and_records_it(app, runner, db, tmp_path):
    with app.app_context():
        build_known_data()
    output = tmp_path / "q3.xlsx"
    result = runner.invoke(
        main,
        [
            "export",
            "themes",
            "--from",
            "2025-07-01",
            "--to",
            "2025-09-30",
            "--output",
            str(output),
            "--shared-with",
            "OIC partnership meeting, October",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "5 debriefs from 8 events" in result.output
    workbook = open_workbook(output.read_bytes())
    assert summary_figures(workbook)["Debriefs in this workbook"] == 5
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Period"].startswith("July to September 2025 (quarter 3)")
    assert about["Generated"].endswith("by the command line (server operator)")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "export.themes")).one()
    assert entry.category == "disclosure" and entry.user_id is None
    assert entry.username.startswith("command line (")
    assert entry.details["shared_with"] == "OIC partnership meeting, October"
    assert entry.details["via"] == "cli" and entry.details["debriefs"] == 5
    assert not list(tmp_path.glob(".oic-export-*"))  # no temporary file left behind


def test_filters_narrow_the_export(app, runner, tmp_path):
    with app.app_context():
        build_known_data()
    output = tmp_path / "north.xlsx"
    result = runner.invoke(
        main,
        [
            "export",
            "themes",
            "--from",
            "2025-07-01",
            "--to",
            "2025-09-30",
            "--district",
            "North",
            "--event-type",
            "hgv_concealment",
            "--include-in-review",
            "--output",
            str(output),
            "--shared-with",
            "x",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = table_rows(open_workbook(output.read_bytes())["Debriefs"])
    assert len(rows) == 3 and {r["District"] for r in rows} == {"North"}


def test_unknown_district_and_backwards_dates_are_refused(runner, tmp_path):
    output = tmp_path / "x.xlsx"
    base = ["export", "themes", "--output", str(output), "--shared-with", "x"]
    result = runner.invoke(
        main, [*base, "--from", "2025-07-01", "--to", "2025-09-30", "--district", "Atlantis"]
    )
    assert result.exit_code != 0 and "not a district" in result.output
    result = runner.invoke(main, [*base, "--from", "2025-09-30", "--to", "2025-07-01"])
    assert result.exit_code != 0 and "end date" in result.output
    assert not output.exists()


def test_shared_with_is_required(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "export",
            "themes",
            "--from",
            "2025-07-01",
            "--to",
            "2025-09-30",
            "--output",
            str(tmp_path / "x.xlsx"),
        ],
    )
    assert result.exit_code != 0 and "--shared-with" in result.output
