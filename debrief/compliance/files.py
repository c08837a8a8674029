"""Reading uploaded lists safely, and turning their cells into values (Flask-free).

Only .csv and .xlsx are accepted, by name AND by content: a CSV must be UTF-8
text, a workbook must be a zip holding a workbook, must not expand beyond a
limit when opened (zip bombs), and is parsed by openpyxl, which uses
defusedxml and so refuses XML entity tricks (billion laughs and the like).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from ..text_input import matches_reference, whole_number_or_none
from ..timeutil import from_local
from ..vocabulary import MAX_PEOPLE

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# A workbook may expand this many times its size when unzipped; real ones stay far below.
MAX_EXPANSION = 30
# Cells beyond this column are not read: the lists have about a dozen columns, and a sheet
# that declares (or holds a cell in) column XFD would otherwise give 16,384 cells a row.
MAX_COLUMNS = 100
ZIP_MAGIC = b"PK\x03\x04"


class ImportRefused(Exception):
    """The whole file is refused; the message says why in words for the person."""


@dataclass(frozen=True)
class Table:
    """The rows of a list: headings, then (row number as the spreadsheet shows it, cells)."""

    headings: list[str]
    rows: list[tuple[int, list[Any]]]


def megabytes(size: int) -> str:
    """Return a size as people read it: 5 MB, 512 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{max(1, size // 1024)} KB"


def read_table(filename: str, data: bytes, *, max_bytes: int, max_rows: int) -> Table:
    """Read a .csv or .xlsx file into headings and rows, or raise ImportRefused."""
    name = PurePath(filename or "").name or "The file"
    extension = PurePath(name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportRefused(
            f"{name} is not a CSV (.csv) or Excel workbook (.xlsx). Choose a .csv or .xlsx file."
        )
    if not data:
        raise ImportRefused(f"{name} is empty. Choose the file with the list in it.")
    if len(data) > max_bytes:
        raise ImportRefused(
            f"{name} is larger than {megabytes(max_bytes)}. Split the list into smaller files."
        )
    if extension == ".xlsx":
        raw_rows = _read_xlsx(name, data, max_bytes, max_rows)
    else:
        raw_rows = _read_csv(name, data, max_rows)
    return _to_table(name, raw_rows)


def _read_csv(name: str, data: bytes, max_rows: int) -> Iterable[list[Any]]:
    if data.startswith(ZIP_MAGIC) or b"\x00" in data:
        raise ImportRefused(
            f"{name} is not a CSV text file, although its name ends in .csv. "
            "If it is an Excel workbook, save it as .xlsx or as CSV UTF-8."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            f"{name} is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    try:
        return list(
            _limited(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), max_rows)
        )
    except csv.Error as exc:
        raise ImportRefused(f"{name} could not be read as CSV ({exc}).") from None


def _read_xlsx(name: str, data: bytes, max_bytes: int, max_rows: int) -> Iterable[list[Any]]:
    import openpyxl
    from defusedxml import DefusedXmlException

    not_workbook = ImportRefused(
        f"{name} is not an Excel workbook, although its name ends in .xlsx. "
        "Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8."
    )
    if not data.startswith(ZIP_MAGIC):
        raise not_workbook
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_workbook from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise not_workbook
    if sum(member.file_size for member in members) > MAX_EXPANSION * max(max_bytes, len(data)):
        raise ImportRefused(
            f"{name} expands to far more than its size when opened, so it was refused: it "
            "may be damaged or built to overload the server. Save the list again from Excel."
        )
    workbook = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # Read what is there, not what the sheet declares: a 1.6 KB file declaring
        # A1:XFD1048576 with one cell in row 6,000 took 26 s and would take minutes at
        # row 50,000. Rows stop one past the limit, so that _limited can refuse the file.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=max_rows + 2, values_only=True)
        return list(_limited((_without_trailing_blanks(row) for row in rows), max_rows))
    except ImportRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        cause = exc if isinstance(exc, DefusedXmlException) else exc.__cause__ or exc.__context__
        if isinstance(cause, DefusedXmlException):
            raise ImportRefused(
                f"{name} contains XML entity definitions, which can be used to overload the "
                "server, so it was refused. Save the list again from Excel."
            ) from None
        raise ImportRefused(
            f"{name} could not be read as an Excel workbook. It may be damaged or password "
            "protected: open it in Excel and save it again."
        ) from None
    finally:
        if workbook is not None:
            workbook.close()


def _without_trailing_blanks(row: tuple[Any, ...]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return list(row[:end])


def _limited(rows: Iterable[list[Any]], max_rows: int) -> Iterable[list[Any]]:
    """Yield rows, refusing the file once it holds more than the header and max_rows."""
    for count, row in enumerate(rows):
        if count > max_rows:
            raise ImportRefused(
                f"The file has more than {max_rows:,} rows. Split the list into smaller files."
            )
        yield row


def _to_table(name: str, raw_rows: Iterable[list[Any]]) -> Table:
    headings: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(raw_rows, start=1):
        values = [_clean(cell) for cell in cells]
        if all(value is None for value in values):
            continue
        if headings is None:
            headings = ["" if v is None else re.sub(r"\s+", " ", str(v)) for v in values]
            continue
        rows.append((number, values))
    if headings is None:
        raise ImportRefused(f"{name} has no rows. Choose the file with the list in it.")
    return Table(headings=headings, rows=rows)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def heading_key(text: str) -> str:
    """Return a heading as compared: spaces collapsed, case ignored."""
    return re.sub(r"\s+", " ", text).strip().casefold()


# Cell parsers: each returns the value to store or raises ValueError with the reason.

# Dates as lists write them: 14/06/2025 or 2025-06-14, then (for a time) a space or T and
# 02:30 or 02:30:00; ASCII digits only. One regular expression, not strptime tried format
# after format (9 s of a 50,000-row import's 12 s of checking).
_DAY_FIRST = r"(?P<d>[0-9]{1,2})/(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4})"
_YEAR_FIRST = r"(?P<y2>[0-9]{4})-(?P<m2>[0-9]{2})-(?P<d2>[0-9]{2})"
_DATE_TEXT = re.compile(
    rf"(?:{_DAY_FIRST}|{_YEAR_FIRST})"
    r"(?:[ T](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?",
    re.ASCII,
)
YES = {"yes", "y", "true", "1", "received"}
NO = {"no", "n", "false", "0", "not received"}


def parse_datetime(value: Any, *, date_only_ok: bool, now: datetime) -> datetime:
    """Return a UK local date and time from the file as naive UTC."""
    if isinstance(value, datetime):
        local = value.replace(microsecond=0)
    elif isinstance(value, date):
        if not date_only_ok:
            raise ValueError(f"{value:%d/%m/%Y} has no time. Give the date and 24-hour time")
        local = datetime(value.year, value.month, value.day)
    else:
        local = _parse_date_text(str(value), date_only_ok)
    if local.tzinfo is not None:
        local = local.replace(tzinfo=None)
    stored = from_local(local)
    if stored > now + timedelta(days=1):
        raise ValueError(f"{local:%d/%m/%Y %H:%M} is in the future")
    if stored.year < 2000:
        raise ValueError(f"{local:%d/%m/%Y} is too long ago to be right")
    return stored


def _parse_date_text(text: str, date_only_ok: bool) -> datetime:
    match = _DATE_TEXT.fullmatch(text.strip())
    if match and (match["H"] is not None or date_only_ok):
        parts = match.groupdict()
        try:
            return datetime(
                int(parts["y"] or parts["y2"]),
                int(parts["m"] or parts["m2"]),
                int(parts["d"] or parts["d2"]),
                int(parts["H"] or 0),
                int(parts["M"] or 0),
                int(parts["S"] or 0),
            )
        except ValueError:
            pass  # not a real date or time: said below
    if date_only_ok:
        raise ValueError(f"“{text}” is not a date. Use day/month/year, for example 14/06/2025")
    raise ValueError(
        f"“{text}” is not a date and time. Use day/month/year and 24-hour time, "
        "for example 14/06/2025 02:30"
    )


def parse_yes_no(value: Any) -> bool:
    """Return True for yes, False for no, from a cell saying so in any usual way."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"“{value}” is not yes or no")


def parse_reference(value: Any, pattern: str, example: str, what: str) -> str:
    """Return a reference that matches the force's pattern for it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    for candidate in (text, text.upper()):
        if matches_reference(pattern, candidate):
            return candidate
    raise ValueError(f"“{text}” is not {what} in the expected form, for example {example}")


def parse_choice(value: Any, choices: dict[str, str], what: str) -> str:
    """Return the stored id for a value given as an id or a label, case ignored."""
    key = heading_key(str(value))
    for choice_id, label in choices.items():
        if key in {choice_id.casefold(), heading_key(label)}:
            return choice_id
    raise ValueError(f"Unknown {what} “{value}”. Use one of: {', '.join(choices.values())}")


def parse_count(value: Any) -> int:
    """Return a count of people: a whole number from 0 to MAX_PEOPLE."""
    if isinstance(value, bool):
        raise ValueError(f"“{value}” is not a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    number = value if isinstance(value, int) else whole_number_or_none(str(value).strip())
    if number is None:
        raise ValueError(f"“{str(value).strip()}” is not a whole number, for example 0")
    if not 0 <= number <= MAX_PEOPLE:
        raise ValueError(f"{number} is not a count from 0 to {MAX_PEOPLE:,}")
    return number
