"""`debrief export themes` from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from debrief.cli import main
from debrief.models import AuditEntry
from tests.export_helpers import build_known_data, open_workbook, summary_figures


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
            "--period",
            "2025-Q3",
            "--district",
            "North",
            "--include-in-review",
            "--output",
            str(output),
            "--shared-with",
            "x",
        ],
    )
    assert result.exit_code == 0, result.output
    workbook = open_workbook(output.read_bytes())
    # North has two closed debriefs and one in review in the quarter.
    assert summary_figures(workbook)["Debriefs in this workbook"] == 3
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["District"] == "North"
    assert about["Period"].startswith("July to September 2025 (quarter 3): 1 July 2025")


@pytest.mark.parametrize(
    "period, words",
    [
        (
            ["--from", "2025-07-02", "--to", "2025-09-30"],
            "Choose a month, a quarter or a financial",
        ),
        (["--period", "2025-07-02"], "is not a month, quarter or financial year"),
        (["--period", "2025-Q5"], "is not a month, quarter or financial year"),
        (["--period", "2025-Q3", "--from", "2025-07-01"], "not both"),
        (["--from", "2025-07-01"], "both --from and --to"),
        (["--period", "2025-Q3", "--event-type", "small_boat"], "No such option"),
    ],
)
def test_partner_copies_take_standard_periods_only(runner, tmp_path, period, words):
    output = tmp_path / "x.xlsx"
    result = runner.invoke(
        main, ["export", "themes", *period, "--output", str(output), "--shared-with", "x"]
    )
    assert result.exit_code != 0 and words in result.output, result.output
    assert not output.exists()


@pytest.mark.parametrize("label", ["2025-07", "2025-Q3", "FY2025-26", "fy2025"])
def test_period_labels_name_standard_periods(app, runner, tmp_path, label):
    output = tmp_path / "x.xlsx"
    result = runner.invoke(
        main,
        ["export", "themes", "--period", label, "--output", str(output), "--shared-with", "x"],
    )
    assert result.exit_code == 0, result.output
    assert output.exists()


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
