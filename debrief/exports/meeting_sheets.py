"""The meeting pack's front page ("Summary") and Recommendation 2 by month. Flask-free.

The front page prints on one A4 landscape page: a chair runs the meeting from it.
Figures come from meeting.py as the partner copy shows them; a change is printed
only between two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from openpyxl.chart import LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties

from .. import recommendation2, xlsx
from .meeting import (
    LABELS,
    MEASURES,
    RATES,
    SINCE_LABELS,
    Comparison,
    Shown,
    as_text,
    change,
    rate,
    theme_changes,
)
from .suppression import show

CHANGE_COUNT_FORMAT = "+0;-0;0"
CHANGE_RATE_FORMAT = '+0.0" pts";-0.0" pts";0" pts"'
# Okabe and Ito's colour-blind-safe palette: blue and orange, with different dashes too.
DEBRIEF_LINE, NCCU_LINE = "0072B2", "E69F00"


@dataclass
class FrontPage:
    """What the front page shows beyond the compared figures."""

    force_name: str
    district: str | None
    this: dict[str, Shown]
    comparison: Comparison
    in_review_now: int
    actions_overdue_now: int
    theme_labels: dict[str, str]
    threshold: int


WIDTHS = (48, 16, 18, 12, 62)


class _Rows:
    """Appends rows to a sheet, each tall enough for its wrapped words and notes."""

    def __init__(self, ws):
        self.ws = ws
        self.index = 0

    def append(self, cells, texts=()) -> None:
        self.index += 1
        lines = max(
            [1]
            + [
                xlsx.lines_needed(text, WIDTHS[column])
                for column, text in texts
                if isinstance(text, str)
            ]
        )
        xlsx.append_with_height(self.ws, cells, self.index, lines)


def write_front_page(wb, page: FrontPage, ctx, index: int = 0) -> None:
    """Write the "Summary" sheet: this period beside the comparison, one printed page."""
    period = ctx.options.period
    sheet = xlsx.plain_sheet(wb, "Summary", WIDTHS, marking=ctx.marking, index=index)
    ws = _Rows(sheet)
    sheet.page_setup.fitToHeight = 1  # one page, whatever the rows
    sheet.print_options.horizontalCentered = True
    t = page.threshold
    ws.append(
        [xlsx.text_cell(sheet, f"OIC partnership meeting pack: {period.description}", bold=True,
                        font=xlsx.TITLE_FONT)]
    )  # fmt: skip
    where = page.district or "All districts"
    ws.append([xlsx.text_cell(sheet, f"{page.force_name}. {where}. {ctx.marking}.")])
    ws.append([xlsx.text_cell(sheet, f"Compared with: {page.comparison.heading}.")])
    ws.append([])
    ws.append(
        [
            xlsx.text_cell(sheet, "Measure", bold=True),
            xlsx.text_cell(sheet, "This period", bold=True),
            xlsx.text_cell(sheet, "Compared with", bold=True),
            xlsx.text_cell(sheet, "Change", bold=True),
            xlsx.text_cell(sheet, "Note", bold=True),
        ]
    )
    other = page.comparison.figures
    for key, words, kind in MEASURES:
        this_value, other_value = page.this.get(key), other.get(key)
        if this_value is None and other_value is None and key.startswith("nccu"):
            continue
        note = _NOTES.get(key, "")
        _row(ws, words, this_value, other_value, kind == "rate", note)
    _row(
        ws,
        "Debriefs still with the hub or the sergeant (not yet closed)",
        show(page.in_review_now, t),
        None,
        False,
        "Figures for closed debriefs leave these out: recent months fill in as they close.",
    )
    _row(
        ws,
        "Follow-up actions overdue now",
        show(page.actions_overdue_now, t),
        None,
        False,
        "Open actions past their due date, today.",
    )
    rose, fell = theme_changes(page.this, other)
    for heading, moves in (("Themes that rose most", rose), ("Themes that fell most", fell)):
        ws.append([])
        ws.append([xlsx.text_cell(sheet, heading, bold=True)])
        if not moves:
            ws.append([xlsx.text_cell(sheet, "None to show (or only small numbers)")])
        for theme_id, a, b, _ in moves:
            _row(ws, page.theme_labels.get(theme_id, theme_id), a, b, False, "")
    changed = page.comparison.changed
    if page.comparison.disclosed_at is not None:
        ws.append([])
        ws.append([xlsx.text_cell(sheet, "Since it was shared", bold=True)])
        for key, words in SINCE_LABELS.items():
            _row(ws, words, page.comparison.since.get(key), None, False, "")
        if not changed:
            ws.append([xlsx.text_cell(sheet, "Nothing: the earlier figures stand as shared.")])
        for key, before, after in changed:
            words = LABELS.get(key) or page.theme_labels.get(key.removeprefix("theme:"), key)
            note = (
                f"Now {as_text(after)}, shared as {as_text(before)}: debriefs submitted or "
                "closed since (a change by a small number is hidden)."
            )
            ws.append(
                [
                    xlsx.text_cell(sheet, words),
                    _cell(sheet, after, key in RATES),
                    _cell(sheet, before, key in RATES),
                    None,
                    xlsx.text_cell(sheet, note, wrap=True),
                ],
                [(0, words), (4, note)],
            )


_NOTES = {
    "coverage": "Events with a submitted debrief, of all events.",
    "rec2_rate": "Referrals whose debrief says the intelligence document was submitted, "
    "on or after the event (definition on the About sheet).",
    "nccu_rate": "Referrals the NCCU's list marks received: the authority for 'confirmed'.",
    "actions_closed": "Marked done in the period.",
}


def _cell(sheet, value: Shown, is_rate: bool):
    if isinstance(value, float) or (is_rate and isinstance(value, int)):
        return xlsx.safe_value(sheet, value, xlsx.PERCENT_FORMAT)
    if value is None:
        return xlsx.text_cell(sheet, "–")
    return xlsx.safe_value(sheet, value)


def _row(rows: _Rows, words: str, this: Shown, other: Shown, is_rate: bool, note: str) -> None:
    sheet = rows.ws
    moved = change(this, other)
    if moved is not None and is_rate:
        moved = round(float(moved) * 100, 1)  # percentage points
    rows.append(
        [
            xlsx.text_cell(sheet, words, wrap=True),
            _cell(sheet, this, is_rate),
            _cell(sheet, other, is_rate) if other is not None or is_rate else None,
            xlsx.safe_value(sheet, moved, CHANGE_RATE_FORMAT if is_rate else CHANGE_COUNT_FORMAT)
            if moved is not None
            else None,
            xlsx.text_cell(sheet, note, wrap=True) if note else None,
        ],
        [(0, words), (4, note)],
    )


def write_rec2_by_month(wb, ctx, index: int = 3) -> None:
    """Write Recommendation 2 by month from the debriefs and from the NCCU list, with a
    line chart of the two rates beside the table."""
    t = ctx.threshold
    found: recommendation2.Figures = ctx.rec2
    columns = [
        xlsx.Column("Month", 11),
        xlsx.Column("Referrals debriefed", 12, centre=True),
        xlsx.Column("Say submitted", 11, centre=True),
        xlsx.Column("Debriefs rate", 11, xlsx.PERCENT_FORMAT, centre=True),
        xlsx.Column("On the NCCU list", 11, centre=True),
        xlsx.Column("NCCU received", 11, centre=True),
        xlsx.Column("NCCU-confirmed rate", 12, xlsx.PERCENT_FORMAT, centre=True),
    ]
    sheet = xlsx.TableSheet(
        wb,
        "Recommendation 2 by month",
        columns,
        marking=ctx.marking,
        table="Recommendation2",
        index=index,
    )
    for month, tally in found.months:
        debriefs = rate(tally.submitted, tally.referrals_debriefed, t)
        nccu = rate(tally.nccu_received, tally.nccu_referrals, t)
        imported = found.nccu_list_imported
        sheet.append(
            [
                f"{month:%b %Y}",
                show(tally.referrals_debriefed, t),
                show(tally.submitted, t),
                debriefs if debriefs is not None else "",
                show(tally.nccu_referrals, t) if imported else "",
                show(tally.nccu_received, t) if imported else "",
                nccu if nccu is not None and imported else "",
            ]
        )
    if found.months:
        chart = LineChart()
        chart.title = "Recommendation 2 by month"
        chart.y_axis.title = "Share submitted or received"
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.height, chart.width = 8, 18
        first, last = sheet.header_row, sheet.header_row + len(found.months)
        lines: tuple[tuple[int, str, Literal["solid", "dash"]], ...] = (
            (4, DEBRIEF_LINE, "solid"),
            (7, NCCU_LINE, "dash"),
        )
        for column, colour, dash in lines:
            chart.add_data(
                Reference(sheet.ws, min_col=column, min_row=first, max_row=last),
                titles_from_data=True,
            )
            series = chart.series[-1]
            series.graphicalProperties = GraphicalProperties(
                ln=LineProperties(solidFill=colour, prstDash=dash, w=28575)
            )
            series.smooth = False
        chart.set_categories(Reference(sheet.ws, min_col=1, min_row=first + 1, max_row=last))
        sheet.ws.add_chart(chart, "I1")  # beside the table, on the same printed page
    sheet.finish()
