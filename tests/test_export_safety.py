"""Typed text in an export never becomes a formula or an error cell, and reads back as typed."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest

from debrief.exports import workbook as export
from debrief.extensions import db_session
from debrief.models import FollowUpAction
from tests.export_helpers import open_workbook, run_export, table_rows
from tests.factories import make_debrief, make_event, make_user

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"]
PAYLOADS = [p + 'HYPERLINK("http://evil.example","click")' for p in PREFIXES] + [
    "=cmd|' /C calc'!A0",
    "#REF!",
    "#DIV/0!",
    "-2+3",
]
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f"


@pytest.mark.parametrize("child_writer", [False, True], ids=["in process", "child process"])
def test_free_text_with_dangerous_prefixes_and_control_characters(
    app, tmp_path, monkeypatch, child_writer
):
    monkeypatch.setattr(export, "CHILD_WRITER_FROM", 0 if child_writer else 10**9)
    with app.app_context():
        host = make_user(["sergeant"], username="sgt")
        hub = make_user(["hub_reviewer"], username="hub")
        typed = {}
        for index, payload in enumerate(PAYLOADS):
            went_well = payload + CONTROL[index % len(CONTROL)] + " end"
            debrief = make_debrief(
                host,
                state="closed",
                suggest_themes=False,
                answers={"went_well": went_well, "could_improve": payload},
                event=make_event(reported_at=datetime(2025, 8, 1 + index)),
            )
            typed[debrief.export_ref] = (went_well, payload)
            db_session().add(
                FollowUpAction(
                    debrief_id=debrief.id,
                    description=payload,
                    owner=payload,
                    outcome=payload,
                    partner_summary=payload,
                    partner_summary_shareable=True,
                    created_by_id=hub.id,
                )
            )
        db_session().commit()
        data = run_export(
            app, tmp_path, hub, include_free_text=True, shared_with='=HYPERLINK("x")\x07 meeting'
        )

    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = [n for n in archive.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n)]
    assert len(sheets) == 10  # the register's facts, answers and free text on three sheets
    for name in sheets:
        xml = archive.read(name).decode()
        assert not re.search(r"<f[ >]", xml), f"formula in {name}"
        assert 't="e"' not in xml, f"error cell in {name}"

    workbook = open_workbook(data)
    rows = {row["Export id"]: row for row in table_rows(workbook["Debriefs (free text)"])}
    assert len(rows) == len(PAYLOADS)
    for ref, (went_well, payload) in typed.items():
        expected = went_well.translate({ord(c): None for c in CONTROL})
        assert rows[ref]["What went well?"] == expected
        assert rows[ref]["What could be improved?"] == payload
    cells = [c for row in workbook["Actions"].iter_rows(min_row=2) for c in row]
    cells += [c for row in workbook["Debriefs (free text)"].iter_rows(min_row=2) for c in row]
    for cell in cells:
        text = cell.value if isinstance(cell.value, str) else ""
        if text[:1] in tuple("=+-@\t\r\n＝＋－＠") or text in ("#REF!", "#DIV/0!"):
            assert cell.data_type == "s" and cell.quotePrefix, text
    actions = table_rows(workbook["Actions"])
    assert sorted(a["Action"] for a in actions) == sorted(PAYLOADS)
    assert sorted(a["Partner summary"] for a in actions) == sorted(PAYLOADS)
    about = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True)}
    assert about["Shared with"] == '=HYPERLINK("x") meeting'
