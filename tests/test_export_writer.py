"""The workbook written by a child process: the same file, and failures that say what happened."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from debrief import xlsx
from debrief.exports import workbook as export
from debrief.exports.writer import ChildBook, WriterFailed
from debrief.extensions import db_session
from tests.export_helpers import build_known_data, open_workbook, run_export
from tests.factories import make_debrief, make_event, make_user


def _cells(workbook) -> dict:
    """Everything a reader sees of each sheet: values, types, formats, layout."""
    seen = {}
    for sheet in workbook.worksheets:
        cells = [
            (
                cell.coordinate,
                cell.value,
                cell.data_type,
                cell.number_format,
                cell.alignment.wrap_text,
                cell.alignment.horizontal,
                cell.quotePrefix,
                cell.font.b,
            )
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        heights = {i: d.height for i, d in sheet.row_dimensions.items() if d.height}
        tables = dict(sheet.tables.items())  # name: range
        seen[sheet.title] = (cells, heights, tables, sheet.freeze_panes, sheet.print_title_rows)
    return seen


def test_a_child_writes_the_same_workbook_as_this_process(app, tmp_path, monkeypatch):
    with app.app_context():
        build_known_data()
        host = make_user(["sergeant"], username="sgt-typed")
        make_debrief(
            host,
            state="closed",
            answers={"went_well": '=HYPERLINK("x")\x07 then\nmore', "could_improve": "#REF!"},
            event=make_event(reported_at=datetime(2025, 8, 20, 9)),
        )
        hub = make_user(["hub_reviewer"], username="hub-both")
        db_session().commit()
        produced = {}
        for child in (False, True):
            monkeypatch.setattr(export, "CHILD_WRITER_FROM", 0 if child else 10**9)
            folder = tmp_path / str(child)
            folder.mkdir()
            produced[child] = _cells(
                open_workbook(run_export(app, folder, hub, include_free_text=True))
            )
    here, there = produced[False], produced[True]
    assert list(there) == [
        "Summary",
        "About",
        "Headline figures",
        "Recommendation 2 by month",
        "Themes by month",
        "Answers",
        "Debriefs",
        "Debriefs (answers)",
        "Debriefs (free text)",
        "Actions",
    ]
    about_rows = {c[1] for c in there["About"][0]}
    assert "Debriefs in this workbook" in about_rows
    for title in here:
        if title == "About":  # says when it was generated, to the second
            continue
        assert there[title] == here[title], title
    typed = [c for c in there["Debriefs (free text)"][0] if c[1] == '=HYPERLINK("x") then\nmore']
    assert typed and typed[0][2] == "s" and typed[0][4] and typed[0][6]  # text, wrapped, quoted


def test_a_failing_child_says_why_and_writes_nothing(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(WriterFailed, match="FileNotFoundError"):
        with ChildBook(target) as book:
            book.run(xlsx.save, str(tmp_path / "no such folder" / "x.xlsx"))
            book.save()
    assert not target.exists()


def test_a_killed_child_is_reported_and_its_temporary_files_go(tmp_path):
    target = tmp_path / "out.xlsx"
    columns = [xlsx.Column("Export id"), xlsx.Column("Month", number_format=xlsx.MONTH_FORMAT)]
    with pytest.raises(WriterFailed, match="stopped"):
        with ChildBook(target) as book:
            sheet = book.table_sheet("Debriefs", columns, marking="OFFICIAL-SENSITIVE")
            folder = book._folder
            book._process.kill()
            book._process.wait()
            for number in range(2000):
                sheet.append([f"X{number}", datetime(2025, 1, 1)])
            book.save()
    assert not target.exists()
    assert not os.path.exists(folder)


def test_leaving_before_saving_stops_the_child_and_writes_nothing(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError, match="the database went away"):
        with ChildBook(target) as book:
            sheet = book.table_sheet("Debriefs", [xlsx.Column("A")], marking="OFFICIAL")
            sheet.append(["a row"])
            process, folder = book._process, book._folder
            raise RuntimeError("the database went away")
    assert process.poll() is not None
    assert not target.exists()
    assert not os.path.exists(folder)


def test_a_child_whose_parent_dies_removes_its_temporary_files(tmp_path):
    target = tmp_path / "out.xlsx"
    book = ChildBook(target).__enter__()
    sheet = book.table_sheet("Debriefs", [xlsx.Column("A")], marking="OFFICIAL")
    for number in range(1200):  # spills rows to the child's temporary sheet file
        sheet.append([f"row {number}"])
    book._connection.close()  # as if this process were killed: no __exit__, no clean-up
    assert book._process.wait(timeout=30) == 0
    assert not os.path.exists(book._folder)
    assert not target.exists()
