"""Safe spreadsheet writing with openpyxl, shared by every export (Flask-free).

openpyxl turns a string starting with "=" into a formula, "#REF!"-like strings
into error cells, and raises on control characters. Everything a person typed
therefore goes through `text_cell`: always a string cell, control characters
removed, a quote prefix where Excel or LibreOffice would otherwise read the
text as a formula on editing, and cut with a marker at Excel's cell limit.

`TableSheet` writes one sheet the way a reader expects: the protective marking
in the header and footer, a bold frozen header row, column widths, an Excel
table (which gives the filter buttons) or an autofilter, landscape fitted to
the page width. It works the same in write-only (streaming) and normal
workbooks, so big sheets never hold their rows in memory.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

# Excel's limit on the characters in one cell (counted in UTF-16 units).
CELL_LIMIT = 32_767
CUT_MARKER = " […cut: longer than a spreadsheet cell holds]"

# First characters that make Excel or LibreOffice read typed text as a formula.
FORMULA_PREFIXES = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")

# C0 and C1 control characters except tab, CR and LF; the XML non-characters;
# lone surrogates (which cannot be encoded at all).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")

HEADER_FONT = Font(name="Calibri", size=11, bold=True)
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="bottom")
TITLE_FONT = Font(name="Calibri", size=14, bold=True)
LINE_HEIGHT = 15  # points per line of Calibri 11
MAX_ROW_HEIGHT = 409  # Excel's limit, in points
WRAP = Alignment(wrap_text=True)  # bottom, like unwrapped cells, so a row lines up
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MONTH_FORMAT = "mmm yyyy"
PERCENT_FORMAT = "0.0%"
INTEGER_FORMAT = "0"
PAPER_A4 = 9
PAPER_A3 = 8
DECIMAL_FORMAT = "0.0"
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_TABLE_NAME_BAD = re.compile(r"[^A-Za-z0-9_]")


def clean_text(value: Any) -> str:
    """Return text fit for a cell: control characters removed, cut at the cell limit."""
    text = _CONTROL.sub("", str(value))
    if _utf16_length(text) <= CELL_LIMIT:
        return text
    room = CELL_LIMIT - _utf16_length(CUT_MARKER)
    kept: list[str] = []
    used = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > room:
            break
        kept.append(char)
        used += width
    return "".join(kept) + CUT_MARKER


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def needs_quote_prefix(text: str) -> bool:
    """Tell whether text would be read as a formula (or error) without a quote prefix."""
    return bool(text) and (text[0] in FORMULA_PREFIXES or text in ERROR_CODES)


def text_cell(
    ws, value: Any, *, bold: bool = False, wrap: bool = False, font: Font | None = None
) -> Cell:
    """Return a cell that holds `value` as text, whatever the text looks like."""
    text = clean_text(value)
    cell = Cell(ws, row=1, column=1)
    cell.value = text  # openpyxl may guess "f" or "e" here; overruled below
    cell.data_type = "s"
    if needs_quote_prefix(text):
        cell.quotePrefix = True
    if bold or font is not None:
        cell.font = font or HEADER_FONT
    if wrap:
        cell.alignment = WRAP
    return cell


def safe_value(ws, value: Any, number_format: str | None = None, *, wrap: bool = False) -> Any:
    """Return what to append for a value: numbers and dates typed, text always as text."""
    kind = type(value)
    if value is None or kind is Cell or (kind is int and number_format is None):
        return value
    if kind is str:
        if not wrap and number_format is None and _is_plain(value):
            return value  # openpyxl stores plain text as text; skip the Cell for speed
        return text_cell(ws, value, wrap=wrap)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | date | datetime):
        if number_format is None:
            if isinstance(value, datetime):
                number_format = DATETIME_FORMAT
            elif isinstance(value, date):
                number_format = DATE_FORMAT
            else:
                return value
        cell = Cell(ws, row=1, column=1)
        cell.value = value
        cell.number_format = number_format
        return cell
    return text_cell(ws, value, wrap=wrap)


def _is_plain(text: str) -> bool:
    return len(text) < 1000 and not needs_quote_prefix(text) and _CONTROL.search(text) is None


CENTRE = Alignment(horizontal="center")
HEADER_CENTRE = Alignment(horizontal="center", wrap_text=True)


def _as_cell(ws, value: Any) -> Cell:
    cell = Cell(ws, row=1, column=1)
    cell.value = value
    return cell


def lines_needed(value: Any, width: float) -> int:
    """Estimate the lines a wrapped cell needs at this column width (Calibri 11)."""
    if value is None or not isinstance(value, str):
        return 1
    per_line = max(int(width * 1.2), 1)  # column units are a digit wide; text runs narrower
    return sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))


def append_with_height(ws, row: Sequence[Any], index: int, lines: int) -> None:
    """Append a row tall enough for `lines` lines of wrapped text (readers do not refit).

    The height is forgotten once the row is written, so a streamed sheet keeps
    nothing per row in memory.
    """
    if lines > 1:
        ws.row_dimensions[index].height = min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)
    ws.append(row)
    if lines > 1 and getattr(ws, "_get_cell", None) is None:  # write-only: already written
        del ws.row_dimensions[index]


def header_text(text: str) -> str:
    """Escape text for the header/footer mini-language (where & starts a code)."""
    return clean_text(text).replace("&", "&&")


def mark_sheet(ws, marking: str, title: str = "", paper: int | None = None) -> None:
    """Put the protective marking in the header and footer; landscape, fit to width."""
    mark = header_text(marking)
    ws.oddHeader.center.text = f"&B{mark}"
    if title:
        ws.oddHeader.left.text = header_text(title)
    ws.oddFooter.center.text = f"&B{mark}"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper or PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def sheet_title(text: str) -> str:
    """Return a valid, at most 31-character sheet title."""
    return _SHEET_TITLE_BAD.sub(" ", clean_text(text)).strip("' ")[:31] or "Sheet"


def table_name(text: str) -> str:
    """Return a valid Excel table name (letters, digits, underscores; starts with a letter)."""
    name = _TABLE_NAME_BAD.sub("_", text)
    if not name or not name[0].isalpha():
        name = "T_" + name
    return name[:250]


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: heading, width in characters, number format."""

    header: str
    width: float = 14
    number_format: str | None = None
    wrap: bool = False
    centre: bool = False


class TableSheet:
    """Write one marked, filtered, frozen table sheet, row by row (works write-only)."""

    def __init__(
        self,
        workbook: Workbook,
        title: str,
        columns: Sequence[Column],
        *,
        marking: str,
        table: str | None = None,
        style: str = "TableStyleLight9",
        heading_rows: Iterable[Sequence[Any]] = (),
        index: int | None = None,
        paper: int | None = None,
    ):
        self.ws = workbook.create_sheet(sheet_title(title), index)
        self.columns = list(columns)
        self.table = table_name(table) if table else None
        self.style = style
        self.rows_written = 0
        mark_sheet(self.ws, marking, title, paper)
        for index, column in enumerate(self.columns, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        self._lead_rows = 0
        for row in heading_rows:  # a title line or two above the table
            self.ws.append([safe_value(self.ws, value) for value in row])
            self._lead_rows += 1
        self.header_row = self._lead_rows + 1
        self.ws.freeze_panes = f"A{self.header_row + 1}"
        self.ws.print_title_rows = f"{self.header_row}:{self.header_row}"
        header = [text_cell(self.ws, c.header, bold=True) for c in self.columns]
        for cell, column in zip(header, self.columns, strict=True):
            cell.alignment = HEADER_CENTRE if column.centre else HEADER_ALIGNMENT
        lines = max(lines_needed(c.header, c.width) for c in self.columns)
        append_with_height(self.ws, header, self.header_row, lines)

    def append(self, values: Sequence[Any]) -> None:
        """Write one data row: typed numbers and dates, text always as text."""
        row = []
        for column, value in zip(self.columns, values, strict=False):
            cell = safe_value(self.ws, value, column.number_format, wrap=column.wrap)
            if column.centre and cell is not None:
                if not isinstance(cell, Cell):
                    cell = _as_cell(self.ws, cell)
                cell.alignment = CENTRE
            row.append(cell)
        lines = max(
            (
                lines_needed(v, c.width)
                for c, v in zip(self.columns, values, strict=False)
                if c.wrap
            ),
            default=1,
        )
        append_with_height(self.ws, row, self.header_row + self.rows_written + 1, lines)
        self.rows_written += 1

    @property
    def ref(self) -> str:
        """Return the range of the header and data rows (at least one data row)."""
        last_row = self.header_row + max(self.rows_written, 1)
        return f"A{self.header_row}:{get_column_letter(len(self.columns))}{last_row}"

    def finish(self) -> None:
        """Add the Excel table (or, without one, an autofilter) over what was written."""
        if self.table:
            table = Table(displayName=self.table, ref=self.ref)
            table.tableStyleInfo = TableStyleInfo(name=self.style, showRowStripes=True)
            table.tableColumns = [
                TableColumn(id=index, name=clean_text(column.header))
                for index, column in enumerate(self.columns, start=1)
            ]
            table.autoFilter = AutoFilter(ref=self.ref)
            with warnings.catch_warnings():
                # openpyxl warns that write-only tables need their columns set: they are.
                warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
                self.ws.add_table(table)
        else:
            self.ws.auto_filter.ref = self.ref


def plain_sheet(
    workbook: Workbook,
    title: str,
    widths: Sequence[float],
    *,
    marking: str,
    index: int | None = None,
):
    """Return a marked sheet of free-form rows (title pages, notes) with set column widths."""
    ws = workbook.create_sheet(sheet_title(title), index)
    mark_sheet(ws, marking, title)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    return ws


def new_workbook(write_only: bool = True) -> Workbook:
    """Return an empty workbook; write-only workbooks stream their rows to disk."""
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    return workbook


def save(workbook: Workbook, target: str | Path | IO[bytes]) -> None:
    """Save the workbook to a path or a binary file object."""
    workbook.save(target)
