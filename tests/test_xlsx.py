"""Safe cell writing: typed text never becomes a formula or an error, in either workbook mode."""

import io
import re
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from debrief import xlsx

DANGEROUS = [
    "=1+2",
    '=HYPERLINK("http://example.com","x")',
    "+44 1234",
    "-3",
    "@SUM(A1:A2)",
    "\tindented",
    "\rcarriage",
    "\nline",
    "＝1+2",
    "＋1",
    "－1",
    "＠cmd",
    "#REF!",
    "#N/A",
]


def _write(write_only: bool, values: list, table: str | None = "Things"):
    workbook = xlsx.new_workbook(write_only=write_only)
    sheet = xlsx.TableSheet(
        workbook,
        "Things & more",
        [xlsx.Column("Text", 40), xlsx.Column("Number", 10), xlsx.Column("Day", 12)],
        marking="OFFICIAL-SENSITIVE",
        table=table,
    )
    for value in values:
        sheet.append([value, 7, date(2025, 7, 1)])
    sheet.finish()
    buffer = io.BytesIO()
    xlsx.save(workbook, buffer)
    return buffer


@pytest.mark.parametrize("write_only", [True, False])
def test_dangerous_text_is_stored_as_quoted_text(write_only):
    buffer = _write(write_only, DANGEROUS)
    sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert 't="e"' not in sheet_xml
    sheet = load_workbook(buffer).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == DANGEROUS
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in rows)
    assert [row[1].value for row in rows] == [7] * len(DANGEROUS)
    assert rows[0][2].is_date and rows[0][2].number_format == xlsx.DATE_FORMAT


def test_control_characters_are_removed_and_plain_text_has_no_prefix():
    buffer = _write(True, ["a\x00b\x07c\x1bd\x7fe", "tab\tinside\nand newline", "plain"])
    sheet = load_workbook(buffer).worksheets[0]
    values = [sheet.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in values] == ["abcde", "tab\tinside\nand newline", "plain"]
    assert not any(c.quotePrefix for c in values)


def test_text_longer_than_a_cell_is_cut_with_a_marker():
    text = "x" * 40_000
    assert xlsx.clean_text(text).endswith(xlsx.CUT_MARKER)
    assert len(xlsx.clean_text(text)) == xlsx.CELL_LIMIT
    # Characters outside the basic plane count twice in Excel's limit.
    emoji = xlsx.clean_text("😀" * 20_000)
    assert len(emoji.encode("utf-16-le")) // 2 <= xlsx.CELL_LIMIT
    buffer = _write(True, [text])
    assert load_workbook(buffer).worksheets[0]["A2"].value == xlsx.clean_text(text)


def test_sheet_reads_as_a_marked_frozen_filtered_table():
    buffer = _write(True, ["one", "two"])
    workbook = load_workbook(buffer)
    sheet = workbook.worksheets[0]
    assert sheet.title == "Things & more"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.tables["Things"].ref == "A1:C3"
    assert sheet.oddHeader.center.text == "&BOFFICIAL-SENSITIVE"
    assert sheet.oddFooter.center.text == "&BOFFICIAL-SENSITIVE"
    assert sheet.oddHeader.left.text == "Things && more"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["A"].width == 40
    table_xml = zipfile.ZipFile(buffer).read("xl/tables/table1.xml").decode()
    assert re.search(r'<tableColumn id="1" name="Text"', table_xml)


def test_sheet_without_table_gets_an_autofilter():
    sheet = load_workbook(_write(False, ["one"], table=None)).worksheets[0]
    assert sheet.auto_filter.ref == "A1:C2"
    assert not sheet.tables


def test_sheet_and_table_names_are_made_valid():
    assert xlsx.sheet_title("Q3: [draft]/final?") == "Q3   draft  final"
    assert len(xlsx.sheet_title("x" * 40)) == 31
    assert xlsx.table_name("2025 themes") == "T_2025_themes"


def test_centred_columns_centre_numbers_text_and_cells_made_by_the_caller():
    for write_only in (True, False):
        wb = Workbook(write_only=write_only)
        ws_title = "Figures"
        columns = [xlsx.Column("Measure"), xlsx.Column("Figure", centre=True)]
        sheet = xlsx.TableSheet(wb, ws_title, columns, marking="OFFICIAL")
        share = xlsx.safe_value(sheet.ws, 0.25, xlsx.PERCENT_FORMAT)
        for row in (["Count", 7], ["Share", share], ["Words", "fewer than 5"], ["Flag", True]):
            sheet.append(row)
        sheet.finish()
        buffer = io.BytesIO()
        wb.save(buffer)
        figures = [row[1] for row in load_workbook(buffer)[ws_title].iter_rows(min_row=2)]
        assert [c.value for c in figures] == [7, 0.25, "fewer than 5", "Yes"]
        assert all(c.alignment.horizontal == "center" for c in figures), write_only
        assert figures[1].number_format == xlsx.PERCENT_FORMAT
