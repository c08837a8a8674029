"""Reading uploaded lists: only real CSV and XLSX files, within limits, columns by heading."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pytest

from debrief.compliance.files import ImportRefused, read_table
from debrief.compliance.imports import preview_file

HEADINGS = [
    "NCCU reference",
    "Referral date and time",
    "Intelligence document received",
]
GOOD_CSV = (
    b"NCCU reference,Referral date and time,Intelligence document received\n"
    b"NCCU-2025060101,01/06/2025 10:15,Yes\n"
)


def xlsx_bytes(rows) -> bytes:
    """Return a real workbook holding the rows on its first sheet."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == name else source.read(item))
    return out.getvalue()


def _read(name: str, data: bytes, max_bytes: int = 1_000_000, max_rows: int = 100):
    return read_table(name, data, max_bytes=max_bytes, max_rows=max_rows)


def test_a_csv_is_read_with_row_numbers_as_the_spreadsheet_shows_them():
    data = b"\xef\xbb\xbf" + GOOD_CSV + b",,\nNCCU-2025060102,02/06/2025 10:15,No\n"
    table = _read("list.csv", data)
    assert table.headings == HEADINGS
    assert [number for number, _ in table.rows] == [2, 4]  # the blank row 3 is skipped


def test_a_semicolon_csv_is_read():
    table = _read("list.csv", GOOD_CSV.replace(b",", b";"))
    assert table.headings == HEADINGS and table.rows[0][1][0] == "NCCU-2025060101"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("list.txt", GOOD_CSV, "list.txt is not a CSV (.csv) or Excel workbook (.xlsx)"),
        ("list", GOOD_CSV, "is not a CSV (.csv) or Excel workbook (.xlsx)"),
        ("list.csv", b"", "list.csv is empty"),
        ("list.xlsx", GOOD_CSV, "list.xlsx is not an Excel workbook, although its name ends"),
        ("list.csv", xlsx_bytes([HEADINGS]), "list.csv is not a CSV text file"),
        ("list.csv", "Référence\n".encode("cp1252"), "is not UTF-8 text"),
        ("list.csv", b"\n\n", "list.csv has no rows"),
        ("list.xlsx", b"PK\x03\x04 not really a zip", "is not an Excel workbook"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, data, message):
    with pytest.raises(ImportRefused, match=re.escape(message)):
        _read(name, data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ImportRefused, match="is not an Excel workbook"):
        _read("list.xlsx", buffer.getvalue())


def test_a_file_over_the_size_limit_is_refused():
    big = GOOD_CSV + b"NCCU-2025060102,02/06/2025 10:15,No\n" * 60
    with pytest.raises(ImportRefused, match="list.csv is larger than 2 KB. Split the list"):
        _read("list.csv", big, max_bytes=2048)


def test_a_file_with_too_many_rows_is_refused():
    data = GOOD_CSV + b"NCCU-2025060102,02/06/2025 10:15,No\n" * 3
    assert len(_read("list.csv", data, max_rows=4).rows) == 4
    with pytest.raises(ImportRefused, match="more than 3 rows"):
        _read("list.csv", data, max_rows=3)


def test_an_xml_bomb_is_refused_by_defusedxml():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = _replace_member(xlsx_bytes([HEADINGS]), "xl/worksheets/sheet1.xml", bomb)
    with pytest.raises(ImportRefused, match="contains XML entity definitions"):
        _read("list.xlsx", data)


def test_a_zip_bomb_workbook_is_refused_before_it_is_opened():
    padding = b"<!-- " + b"0" * 3_000_000 + b" -->"
    data = _replace_member(xlsx_bytes([HEADINGS]), "docProps/app.xml", padding)
    assert len(data) < 100_000
    with pytest.raises(ImportRefused, match="expands to far more than its size"):
        _read("list.xlsx", data, max_bytes=100_000)


def test_a_sheet_is_read_as_it_is_not_as_its_declared_dimensions():
    """A 5 KB workbook declaring A1:XFD1048576 with one cell far down and one far right
    is read as the cells it holds: no row is 16,384 cells wide (26 s to import before)."""
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:XFD1048576"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>NCCU reference</t></is></c>'
        b'<c r="XFD1" t="inlineStr"><is><t>far right</t></is></c></row>'
        b'<row r="60"><c r="A60" t="inlineStr"><is><t>NCCU-2025060101</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = _replace_member(xlsx_bytes([HEADINGS]), "xl/worksheets/sheet1.xml", sheet)
    assert len(data) < 6000
    table = _read("list.xlsx", data)
    assert table.headings == ["NCCU reference"]
    assert table.rows == [(60, ["NCCU-2025060101"])]
    with pytest.raises(ImportRefused, match="more than 50 rows"):
        _read("list.xlsx", data, max_rows=50)


def test_a_workbook_with_typed_cells_is_read():
    when = datetime(2025, 6, 1, 10, 15)
    table = _read("list.xlsx", xlsx_bytes([HEADINGS, ["NCCU-2025060101", when, True]]))
    assert table.rows == [(2, ["NCCU-2025060101", when, True])]


def test_missing_required_columns_are_named_and_the_file_refused(app, db):
    data = b"NCCU reference,Received\nNCCU-2025060101,Yes\n"
    with pytest.raises(ImportRefused) as refused:
        preview_file(db, "nccu", "list.csv", data, app.config)
    message = str(refused.value)
    assert "no “Referral date and time”, “Intelligence document received” columns" in message


def test_a_heading_given_twice_is_refused(app, db):
    data = GOOD_CSV.replace(b"Intelligence document received", b"nccu  REFERENCE")
    with pytest.raises(ImportRefused, match="The column “nccu REFERENCE” appears twice"):
        preview_file(db, "nccu", "list.csv", data, app.config)


def test_headings_match_whatever_their_case_and_spacing_and_unknown_ones_are_named(app, db):
    data = b"nccu reference , REFERRAL date and time,Intelligence document received,Desk\n"
    data += b"NCCU-2025060101,01/06/2025 10:15,Yes,A\n"
    preview = preview_file(db, "nccu", "list.csv", data, app.config)
    assert preview.summary()["add"] == 1
    assert preview.unknown_columns == ["Desk"]
    assert preview.missing_columns == [
        "Force reference",
        "District",
        "Intelligence document received date",
    ]


def test_the_column_headings_come_from_settings(build_app, db):
    app = build_app(NCCU_IMPORT_COLUMNS={"nccu_reference": "Ref", "referred_at": "When"})
    data = b"Ref,When,Intelligence document received\nNCCU-2025060101,01/06/2025 10:15,Yes\n"
    with app.app_context():
        preview = preview_file(db, "nccu", "list.csv", data, app.config)
    assert preview.summary()["add"] == 1
