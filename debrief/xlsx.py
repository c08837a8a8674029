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
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from .text_input import CONTROL_CHARACTERS

# Excel's limit on the characters in one cell (counted in UTF-16 units).
CELL_LIMIT = 32_767
CUT_MARKER = " […cut: longer than a spreadsheet cell holds]"

# First characters that make Excel or LibreOffice read typed text as a formula.
FORMULA_PREFIXES = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\ufe6b")

# C0 and C1 control characters except tab, CR and LF; the XML non-characters;
# lone surrogates (which cannot be encoded at all).
_CONTROL = CONTROL_CHARACTERS

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
    cell = to_cell(ws, _as_text(value, wrap=wrap, centre=False))
    if bold or font is not None:
        cell.font = font or HEADER_FONT
    return cell


@dataclass(frozen=True)
class CellStyle:
    """How a prepared value is to be written: its number format, alignment, text-ness."""

    number_format: str | None = None
    wrap: bool = False
    centre: bool = False
    quote_prefix: bool = False
    text: bool = False  # a string cell, whatever openpyxl would guess from the value


class Styled(NamedTuple):
    """A prepared value that needs a styled cell (plain values are written as they are).

    Plain data, no cell: a row is prepared where it is computed and may be written
    in another process (exports/writer.py).
    """

    value: Any
    style: CellStyle


@lru_cache(maxsize=256)
def _style(
    number_format: str | None, wrap: bool, centre: bool, quote_prefix: bool, text: bool
) -> CellStyle:
    return CellStyle(number_format, wrap, centre, quote_prefix, text)


def prepare_value(
    value: Any, number_format: str | None = None, *, wrap: bool = False, centre: bool = False
) -> Any:
    """Return what to write for a value: numbers and dates typed, text always as text.

    The one place that decides how a value becomes a cell; `to_cell` only carries
    the decision out.
    """
    kind = type(value)
    if value is None:
        return None
    if kind is Cell:  # made by the caller (a percentage, say): only centred here
        if centre:
            value.alignment = CENTRE
        return value
    if kind is str and not (wrap or centre) and number_format is None and _is_plain(value):
        return value  # openpyxl stores plain text as text; no styled cell needed
    if kind is bool:
        value = "Yes" if value else "No"
        return Styled(value, _style(None, False, True, False, False)) if centre else value
    if kind is not str and isinstance(value, int | float | Decimal | date | datetime):
        if number_format is None and isinstance(value, datetime):
            number_format = DATETIME_FORMAT
        elif number_format is None and isinstance(value, date):
            number_format = DATE_FORMAT
        if number_format is None and not centre:
            return value
        return Styled(value, _style(number_format, False, centre, False, False))
    return _as_text(value, wrap=wrap, centre=centre)


def _as_text(value: Any, *, wrap: bool, centre: bool) -> Styled:
    """Text as a string cell: control characters out, a quote prefix where needed."""
    text = clean_text(value)
    return Styled(text, _style(None, wrap, centre, needs_quote_prefix(text), True))


def to_cell(ws, item: Any) -> Any:
    """Return what to append for a prepared value: itself, or a new cell styled as told."""
    if type(item) is not Styled:
        return item
    cell = Cell(ws, row=1, column=1)
    _fill(cell, item.value, item.style)
    style = item.style
    if style.number_format:
        cell.number_format = style.number_format
    if style.centre:
        cell.alignment = CENTRE
    elif style.wrap:
        cell.alignment = WRAP
    if style.quote_prefix:
        cell.quotePrefix = True
    return cell


def _fill(cell: Cell, value: Any, style: CellStyle) -> None:
    cell.value = value  # openpyxl may guess "f" or "e" for text here; overruled below
    if style.text:
        cell.data_type = "s"


def safe_value(ws, value: Any, number_format: str | None = None) -> Any:
    """Return what to append for a value: numbers and dates typed, text always as text."""
    return to_cell(ws, prepare_value(value, number_format))


def _is_plain(text: str) -> bool:
    return len(text) < 1000 and not needs_quote_prefix(text) and _CONTROL.search(text) is None


CENTRE = Alignment(horizontal="center")
HEADER_CENTRE = Alignment(horizontal="center", wrap_text=True)


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
    if lines > 1 and is_streamed(ws):  # already written
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


# Okabe and Ito's palette for colour-blind readers (Okabe & Ito 2008, "Color Universal
# Design"): blue, orange, bluish green, reddish purple, sky blue; distinguishable with
# any common colour-vision deficiency, and in lightness when printed in grey. Yellow is
# left out (too pale on white). "Other" is a neutral grey.
OKABE_ITO = ("0072B2", "E69F00", "009E73", "CC79A7", "56B4E9")
OTHER_GREY = "999999"
MAX_SERIES = 5  # more series than this are not told apart, in colour or in a legend


def colour_series(chart, *, other_last: bool = False) -> None:
    """Colour a chart's series from the Okabe-Ito palette; the last one grey if "Other"."""
    for index, series in enumerate(chart.series):
        colour = OTHER_GREY if other_last and index == len(chart.series) - 1 else None
        colour = colour or OKABE_ITO[index % len(OKABE_ITO)]
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


def text_categories(chart, ws, row: int, first_column: int, last_column: int) -> None:
    """Label every series' points with the text in one row (months, say).

    openpyxl's set_categories names them as numbers, which LibreOffice shows as 1, 2, 3;
    call this after the series are added.
    """
    first, last = get_column_letter(first_column), get_column_letter(last_column)
    title = ws.title.replace("'", "''")
    ref = f"'{title}'!${first}${row}:${last}${row}"
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=ref))


def print_on_one_page(ws, last_column: int, last_row: int, paper: int | None = None) -> None:
    """Print a sheet's table and chart together: one landscape page, fitted both ways.

    The print area names the cells the chart covers too, so that the chart (which
    belongs to no cell) is printed beside its table, not on a page of its own.
    """
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = paper or PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
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

    @property
    def plain(self) -> bool:
        """Tell whether the column's values need no styled cells of their own."""
        return not (self.number_format or self.wrap or self.centre)


class PreparedRow(NamedTuple):
    """A table row ready to write: prepared values and the lines its wrapped text needs."""

    items: list[Any]
    lines: int


def prepare_row(columns: Sequence[Column], values: Sequence[Any]) -> PreparedRow:
    """Prepare one data row of a table sheet (see `prepare_value`)."""
    items = []
    for column, value in zip(columns, values, strict=False):
        kind = type(value)
        if column.plain and (
            value is None or kind is int or kind is float or (kind is str and _is_plain(value))
        ):
            items.append(value)  # most values of most columns: as they are
        else:
            items.append(
                prepare_value(value, column.number_format, wrap=column.wrap, centre=column.centre)
            )
    lines = max(
        (lines_needed(v, c.width) for c, v in zip(columns, values, strict=False) if c.wrap),
        default=1,
    )
    return PreparedRow(items, lines)


def is_streamed(ws) -> bool:
    """Tell whether a sheet writes each row out as it is appended (write-only)."""
    return getattr(ws, "_get_cell", None) is None


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
        # Streamed rows are written out as they are appended, so one styled cell per
        # column and style serves every row instead of a new one for each date and
        # wrapped text: 6% of the register's writing time (issue 9).
        self._refills: dict[tuple[int, CellStyle], Cell] | None = (
            {} if is_streamed(self.ws) else None
        )
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
        self.write(prepare_row(self.columns, values))

    def write(self, row: PreparedRow) -> None:
        """Write one prepared data row."""
        cells = [
            item if type(item) is not Styled else self._cell(index, item)
            for index, item in enumerate(row.items)
        ]
        append_with_height(self.ws, cells, self.header_row + self.rows_written + 1, row.lines)
        self.rows_written += 1

    def _cell(self, index: int, item: Styled) -> Cell:
        if self._refills is None:
            return to_cell(self.ws, item)
        cell = self._refills.get((index, item.style))
        if cell is None:
            cell = self._refills[index, item.style] = to_cell(self.ws, item)
        else:
            _fill(cell, item.value, item.style)
        return cell

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
        for sheet in workbook.worksheets:
            workbook.remove(sheet)
    return workbook


def save(workbook: Workbook, target: str | Path | IO[bytes]) -> None:
    """Save the workbook to a path or a binary file object."""
    workbook.save(target)
