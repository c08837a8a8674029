"""The thematic workbook's figures, checked against a known data set."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest

from debrief.config import PROJECT_ROOT
from debrief.extensions import db_session
from debrief.models import Event
from debrief.questions.loader import parse
from tests.export_helpers import (
    build_known_data,
    open_workbook,
    run_export,
    summary_figures,
    table_rows,
)
from tests.factories import make_debrief, make_event, make_user


@pytest.fixture
def known(app):
    """The known data set, inside an app context."""
    with app.app_context():
        yield build_known_data()


@pytest.fixture
def hub(known):
    return make_user(["hub_reviewer"], username="hub-exporter")


def test_summary_figures_in_full(app, tmp_path, known, hub):
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    figures = summary_figures(workbook)
    assert figures["OIC events"] == 8  # 6 debriefed, 1 without a debrief, 1 with a draft
    assert figures["Events with a debrief submitted"] == 6
    assert figures["Debriefs submitted"] == 6
    assert figures["Debriefs closed"] == 5
    assert figures["Debriefs in this workbook"] == 5
    # Recommendation 2 counts every submitted debrief of a referral, the one in review too.
    assert figures["Events with an NCCU referral and a submitted debrief"] == 6
    assert figures["Submitted, by any route"] == 4
    assert figures["Not submitted"] == 2
    assert figures["Recommendation 2 rate (debriefs)"] == pytest.approx(4 / 6)
    assert figures["Median days from event to debrief"] == 3  # 1, 2, 3, 4, 5 days
    assert figures["Median days from submission to closure"] == 6  # 2, 4, 6, 8, 10 days
    assert figures["Adults"] == 58
    assert figures["Accompanied children"] == 7
    assert figures["Unaccompanied or separated children"] == 8
    assert figures["Children and unaccompanied minors"] == 4  # top theme
    share = next(
        row
        for row in workbook["Headline figures"].iter_rows(min_row=2)
        if row[1].value.startswith("Recommendation 2 rate")
    )[2]
    assert share.number_format == "0.0%"


def test_themes_by_month_and_answers_in_full(app, tmp_path, known, hub):
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    themes = {row["Theme"]: row for row in table_rows(workbook["Themes by month"])}
    assert themes["Children and unaccompanied minors"]["Jul 2025"] == 2
    assert themes["Children and unaccompanied minors"]["Total"] == 4
    assert themes["NCCU access or delay"]["Sep 2025"] == 1
    assert themes["Training and awareness"]["Total"] == 0  # only suggested, never confirmed
    assert themes["Debriefs (each counted once)"]["Aug 2025"] == 2
    assert workbook["Themes by month"]._charts
    answers = {(row["Question id"], row["Answer"]): row for row in table_rows(workbook["Answers"])}
    assert answers[("how_reported", "Border Force")]["Debriefs"] == 3
    assert answers[("how_reported", "999 call")]["Debriefs"] == 2
    assert answers[("how_reported", "999 call")]["Share of debriefs asked"] == 0.4
    assert answers[("roles_present", "Control room")]["Debriefs"] == 5
    # The known debriefs leave trafficking indicators unanswered, so the NRM follow-up was
    # never asked: a row worth counting; no "not answered" row where nobody was asked.
    asked_not = "Not asked: the earlier question it follows was not answered"
    assert answers[("nrm_outcome", asked_not)]["Debriefs"] == 5
    assert ("nrm_outcome", "Not answered") not in answers
    assert ("how_reported", "Not answered") not in answers  # everyone answered it


def test_partner_copy_suppresses_small_numbers_and_protects_totals(app, tmp_path, known):
    lead = make_user(["partnership_lead"], username="lead-exporter")
    workbook = open_workbook(run_export(app, tmp_path, lead))
    figures = summary_figures(workbook)
    assert figures["Events with an NCCU referral and a submitted debrief"] == 6
    assert figures["Not submitted"] == "<3"
    # 4 submitted of 6 would give the 2 outstanding away: hidden too, and so is the rate.
    assert figures["Submitted, by any route"] == "[c]"
    assert figures["Recommendation 2 rate (debriefs)"] == "[c]"
    themes = {row["Theme"]: row for row in table_rows(workbook["Themes by month"])}
    children = themes["Children and unaccompanied minors"]
    assert [children[m] for m in ("Jul 2025", "Aug 2025", "Sep 2025")] == ["<3"] * 3
    assert children["Total"] == 4  # 2+1+1 or 1+2+1 or ...: nothing can be pinned
    nccu = themes["NCCU access or delay"]
    assert nccu["Total"] == "[c]"  # 1+1+1 = 3 would pin every month
    answers = {(row["Question id"], row["Answer"]): row for row in table_rows(workbook["Answers"])}
    assert answers[("how_reported", "999 call")]["Debriefs"] == "<3"
    assert answers[("how_reported", "Border Force")]["Debriefs"] == "[c]"
    assert figures["Unaccompanied or separated children"] == 8
    assert not [name for name in workbook.sheetnames if name.startswith("Debriefs")]
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert "shown as <3" in about["Small numbers"] and "[c]" in about["Small numbers"]
    assert about["List of debriefs"].startswith("Not in a partner copy")


def test_hub_copy_register_suppresses_people_counts(app, tmp_path, known, hub):
    """The hub's free-text copy keeps small numbers suppressed, in the register too."""
    workbook = open_workbook(run_export(app, tmp_path, hub, include_free_text=True))
    register = table_rows(workbook["Debriefs"])
    assert len(register) == 5
    unaccompanied = sorted(str(r["Unaccompanied or separated children"]) for r in register)
    assert unaccompanied == ["0", "0", "5", "<3", "<3"]  # children's counts suppressed too
    assert summary_figures(workbook)["Unaccompanied or separated children"] == 8


def test_threshold_comes_from_settings(build_app, tmp_path):
    app = build_app(SMALL_NUMBER_THRESHOLD=5)
    with app.app_context():
        build_known_data()
        lead = make_user(["partnership_lead"], username="lead-five")
        workbook = open_workbook(run_export(app, tmp_path, lead))
    assert summary_figures(workbook)["Not submitted"] == "<5"


def test_register_is_pseudonymised(app, tmp_path, known, hub):
    data = run_export(app, tmp_path, hub, include_free_text=True, unsuppressed=True)
    workbook = open_workbook(data)
    register = table_rows(workbook["Debriefs"])
    assert len(register) == 5
    refs = {d.export_ref for d in known["debriefs"]}
    assert {r["Export id"] for r in register} <= refs
    assert register[0]["Month"] in (datetime(2025, m, 1) for m in (7, 8, 9))
    # The answers and the free text on sheets of their own, row for row by export id.
    answers = table_rows(workbook["Debriefs (answers)"])
    free_text = table_rows(workbook["Debriefs (free text)"])
    assert [r["Export id"] for r in answers] == [r["Export id"] for r in register]
    assert [r["Export id"] for r in free_text] == [r["Export id"] for r in register]
    assert "What went well?" in free_text[0]  # free text asked for, and permitted
    assert "What went well?" not in register[0] and "What went well?" not in answers[0]
    archive = zipfile.ZipFile(io.BytesIO(data))
    text = "\n".join(
        archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
    )
    for event in db_session().query(Event):
        assert event.incident_ref not in text
        assert event.nccu_reference not in text
    assert "NCCU-2025999999" not in text  # the NCCU reference answer
    assert "Secretname" not in text and "Hiddenname" not in text and "sgt-known" not in text


def test_register_and_actions_leave_free_text_out_by_default(app, tmp_path, known, hub):
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    assert "Debriefs (free text)" not in workbook.sheetnames
    for name in ("Debriefs", "Debriefs (answers)"):
        assert "What went well?" not in [c.value for c in workbook[name][1]]
    actions = table_rows(workbook["Actions"])
    assert actions == [
        {
            "Export id": known["debriefs"][0].export_ref,
            "Raised": datetime(2025, 7, 1),
            "Theme": "Children and unaccompanied minors; NCCU access or delay",
            # Written, not chosen from the lists: it could be anyone's name.
            "Owner (team or agency)": "Not recorded",
            "Due": datetime(2025, 10, 31),
            "Status": "Open",
            "Overdue": "Overdue",
            "Partner summary": "No partner summary",
        }
    ]


def test_question_missing_from_a_version_is_marked_not_dropped(app, tmp_path, known, hub):
    source = (PROJECT_ROOT / "questions.toml").read_text()
    extra = (
        '\n[[sections]]\nid = "extra"\ntitle = "Extra"\n\n  [[sections.questions]]\n'
        '  id = "drone_used"\n  type = "yes_no"\n  text = "Was a drone used?"\n'
    )
    relabelled = source.replace('label = "Force OIC debrief, June 2025"', 'label = "Version two"')
    newer = parse((relabelled + extra).encode())
    make_debrief(
        known["host"],
        state="closed",
        question_set=newer,
        suggest_themes=False,
        answers={"drone_used": "yes", "intel_doc_submitted": "yes"},
        event=make_event(reported_at=datetime(2025, 9, 3)),
    )
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    drone = [row for row in table_rows(workbook["Answers"]) if row["Question id"] == "drone_used"]
    assert [(r["Answer"], r["Debriefs"]) for r in drone][0] == ("Yes", 1)
    assert drone[0]["Note"].startswith("Not in every question set version: asked of 1 of 6")
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert "Version two" in about["Question set versions"]


def test_sheets_are_marked_frozen_and_tabled(app, tmp_path, known, hub):
    workbook = open_workbook(run_export(app, tmp_path, hub, unsuppressed=True))
    assert workbook.sheetnames == [
        "Summary",
        "About",
        "Headline figures",
        "Recommendation 2 by month",
        "Themes by month",
        "Answers",
        "Debriefs",
        "Debriefs (answers)",
        "Actions",
    ]
    for sheet in workbook.worksheets:
        assert sheet.oddHeader.center.text == "&BOFFICIAL-SENSITIVE"
        assert sheet.oddFooter.center.text == "&BOFFICIAL-SENSITIVE"
        assert sheet.page_setup.orientation == "landscape"
    for sheet in workbook.worksheets[2:]:
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
        assert len(sheet.tables) == 1
    assert workbook["Debriefs"]["B2"].number_format == "mmm yyyy"


def test_sergeant_cannot_export(app, tmp_path, known):
    from debrief.exports.workbook import ExportNotPermitted

    with pytest.raises(ExportNotPermitted):
        run_export(app, tmp_path, known["host"])
    lead = make_user(["partnership_lead"], username="lead-sensitive")
    with pytest.raises(ExportNotPermitted):
        run_export(app, tmp_path, lead, include_free_text=True)
