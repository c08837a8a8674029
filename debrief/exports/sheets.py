"""The small sheets of the thematic workbook: About, Summary, Themes by month, Answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from .. import recommendation2, xlsx
from ..timeutil import format_local
from ..vocabulary import EVENT_TYPES, PEOPLE_COUNTS, label
from .figures import QuestionSummary, Stats, median_days
from .meeting_sheets import FrontPage
from .selection import ExportOptions
from .suppression import HIDDEN, is_small, marker, protect_row, show


@dataclass
class Context:
    """Everything the sheet writers need besides the workbook."""

    options: ExportOptions
    stats: Stats
    events: dict[str, int]
    progress: dict[str, int]
    threshold: int  # 0 when the exporter opted out of suppression
    marking: str
    force_name: str
    generated_at: datetime
    generated_by: str
    people_shown: dict[str, int | str]  # summary people totals as shown
    rec2: recommendation2.Figures  # counted by the one definition, whatever the states chosen
    front: FrontPage  # the meeting pack's front page


def write_about(wb, ctx: Context, index: int) -> None:
    """Write the title page: what, when, by whom, filters, definitions and the method."""
    options, stats = ctx.options, ctx.stats
    ws = xlsx.plain_sheet(wb, "About", [34, 100], marking=ctx.marking, index=index)
    title = f"OIC debrief themes: {options.period.description}"
    ws.append([xlsx.text_cell(ws, title, font=xlsx.TITLE_FONT)])
    ws.append([])
    versions = "; ".join(
        f"{qs.short_version} ({qs.label or 'no label'}): {stats.version_debriefs[qid]} debriefs"
        for qid, qs in stats.question_sets.items()
    )
    copy = (
        "Partner copy: pseudonymised, small numbers suppressed, no free text."
        if options.partner_copy
        else "Sensitive copy: "
        + ("free-text answers included; " if options.include_free_text else "")
        + ("small numbers NOT suppressed; " if options.unsuppressed else "")
        + "share only with people entitled to see it."
    )
    rows = [
        ("Protective marking", ctx.marking),
        ("Force", ctx.force_name),
        ("Period", _period_words(options.period)),
        ("District", options.district or "All districts"),
        ("Event type", label(EVENT_TYPES, options.event_type) if options.event_type else "All"),
        (
            "Debriefs included",
            "Closed, and those still in review (submitted or in review)"
            if options.include_in_review
            else "Closed only",
        ),
        (
            "Shared with",
            "As recorded in the service's audit trail"
            if options.partner_copy
            else options.shared_with,
        ),
        ("Generated", f"{format_local(ctx.generated_at)} by {ctx.generated_by}"),
        ("Copy", copy),
        ("Question set versions", versions or "None (no debriefs)"),
    ]
    rows += [("", ""), ("Definitions", "")] + DEFINITIONS
    rows += [("", ""), ("Small numbers", _method(ctx))]
    rows += [("", ""), (LIMITS_HEADING, "")] + _limits(ctx)
    rows += [("", ""), ("Sheets", "")] + _sheets(ctx)
    for row_number, (name, text) in enumerate(rows, start=3):
        bold = name in ("Definitions", "Small numbers", "Sheets", LIMITS_HEADING)
        cells = [
            xlsx.text_cell(ws, name, bold=True, wrap=True),
            xlsx.text_cell(ws, text, wrap=True, bold=bold and not text),
        ]
        for cell in cells:  # a label beside the first line of its text, not the last
            cell.alignment = TOP
        lines = max(xlsx.lines_needed(name, 34), xlsx.lines_needed(text, 100))
        xlsx.append_with_height(ws, cells, row_number, lines)


DEFINITIONS = [
    (
        "OIC events",
        "Organised immigration crime events reported in the period that match the "
        "filters, whether or not a debrief has been submitted.",
    ),
    ("Debriefs submitted", "Debriefs of those events that have been submitted at least once."),
    (
        "Debriefs in this workbook",
        "The debriefs counted in the other sheets (see Debriefs included above).",
    ),
    ("Recommendation 2", recommendation2.DEFINITION),
    ("NCCU-confirmed", recommendation2.NCCU_DEFINITION),
    ("Data-quality items", recommendation2.DATA_QUALITY_DEFINITION),
    (
        "Median days, event to debrief",
        "Middle value of the days from the event being reported "
        "to the debrief first being submitted.",
    ),
    (
        "Median days, submission to closure",
        "Middle value of the days from first submission to "
        "closure by the safeguarding hub (closed debriefs only).",
    ),
    ("People", "Adults, children and others counted on the event records (counts, never names)."),
    (
        "Themes",
        "Themes confirmed by the safeguarding hub; a debrief may have several. A theme's "
        "month is the month the event was reported.",
    ),
    (
        "Answers",
        "Counted by each question's stable id across question set versions. A follow-up "
        "question counts only the debriefs it was asked of: where an earlier answer ruled "
        "it out (no children, say), the debrief is not counted for it. Where it was not "
        "asked because the earlier question was left unanswered, the debrief is counted in "
        "a row of its own, as is a question asked but left unanswered.",
    ),
]
SHEETS = [
    (
        "Summary",
        "The meeting pack's front page: this period beside the last figures shared with the "
        "same recipients (or the period before), with what changed.",
    ),
    ("Headline figures", "Events, debriefs, people, Recommendation 2 and timeliness."),
    ("Recommendation 2 by month", "From the debriefs and from the NCCU list, with a chart."),
    (
        "Themes by month",
        "Confirmed themes per month, with totals, and a chart of the themes with most "
        "debriefs (the rest as Other), printed on one page with the table.",
    ),
    ("Answers", "Counts per answer for every choice and yes/no question."),
]
REGISTER_SHEETS = [
    (
        "Debriefs",
        "One row per debrief, pseudonymised: export id (not the force incident, crime "
        "or NCCU reference), month not date, no officer names; the event's facts and themes.",
    ),
    ("Debriefs (answers)", "The same debriefs, by export id: the answers partners discuss."),
]
FREE_TEXT_SHEET = ("Debriefs (free text)", "The same debriefs, by export id: free-text answers.")
ACTIONS_SHEET = ("Actions", "Follow-up actions raised by the safeguarding hub.")
LIMITS_HEADING = "What a partner copy leaves out"


def _sheets(ctx: Context) -> list[tuple[str, str]]:
    """Return the sheets this copy holds, with what each shows."""
    found = list(SHEETS)
    if not ctx.options.partner_copy:
        found += REGISTER_SHEETS
        if ctx.options.include_free_text:
            found.append(FREE_TEXT_SHEET)
    return found + [ACTIONS_SHEET]


def _limits(ctx: Context) -> list[tuple[str, str]]:
    """Say, for the data protection officer, how a partner copy is kept from singling out
    an event: standard periods and areas only, and no row per debrief (issue 19)."""
    t = max(ctx.threshold, 2)
    rows = [
        (
            "Periods",
            "A partner copy covers a calendar month, a quarter or a financial year (April "
            "to March), never dates chosen freely: two copies of overlapping periods (1 to "
            "31 July and 2 to 31 July, say) could be subtracted to single out the events "
            "between them. Dates chosen freely are for the safeguarding hub's own copy, "
            "with free text or small numbers in full.",
        ),
        (
            "Area and filters",
            "A partner copy covers the whole force or one district, and every event type; "
            "no other filter is offered for partners, for the same reason.",
        ),
        (
            "List of debriefs",
            "Not in a partner copy. Most debriefs would be the only one of their month, "
            "district, event type and location type (fewer than "
            f"{t} events sharing them), and each row carries answers such as trafficking "
            "indicators, National Referral Mechanism referrals, children's services and "
            "risk to life: a partner who knew one event could find its row and read them, "
            "and the rows would let the suppressed counts be worked out. The list stays in "
            "the safeguarding hub's own copy.",
        ),
        (
            "What remains",
            "Copies of nested periods and areas (a month and its quarter, a district and "
            "the whole force) can still be set side by side; each copy's small numbers are "
            "suppressed on its own figures. Every copy is recorded in the audit trail as a "
            "disclosure, with whom it is shared.",
        ),
    ]
    if not ctx.options.partner_copy:
        rows.insert(
            0,
            (
                "This copy",
                "The safeguarding hub's own copy: it holds the list of debriefs and may "
                "cover any dates and filters. It is not for partners.",
            ),
        )
    return rows


TOP = Alignment(wrap_text=True, vertical="top")


def _period_words(period) -> str:
    """Say the period once, with its days where its name does not already give them."""
    days = f"{_day(period.start)} to {_day(period.end)}"
    named = days if period.description == days else f"{period.description}: {days}"
    return f"{named} (UK time, by when the event was reported)"


def _method(ctx: Context) -> str:
    if ctx.threshold <= 1:
        return "Not applied: the exporter, entitled to see small numbers, chose the full figures."
    t, small = ctx.threshold, marker(ctx.threshold)
    method = (
        f"Counts from 1 to {t - 1}, of debriefs, answers, themes or people (children "
        f"included), are shown as {small}; zeros are shown. Where a total is shown, a reader "
        f"could subtract the other figures from it to work out a {small} figure. For every total "
        f"we check whether someone knowing this method could pin any {small} figure to one "
        f"value (taking each {small} as 1 to {t - 1} and each hidden figure as {t} or more); while "
        f"one could be, we also hide the smallest figure still shown, marked {HIDDEN}, and if "
        f"none is left we hide the total itself ({HIDDEN}). Charts draw {small} and {HIDDEN} "
        f"as zero."
    )
    if ctx.options.partner_copy:
        return method
    return method + (
        " People counts in the Debriefs sheet are protected the same way against the people "
        "totals on the Summary sheet. The Debriefs sheets list debriefs one by one, so theme "
        "and answer counts can be rebuilt from them: this copy is not for partners."
    )


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _write_rec2(sheet, ctx: Context) -> None:
    """Write Recommendation 2 as recommendation2.py counts it, small numbers protected."""
    t, total = ctx.threshold, ctx.rec2.total
    ws = sheet.ws
    group = "Recommendation 2"
    routes = list(recommendation2.ROUTE_LABELS)
    counts = [total.by_route[r] for r in routes] + [total.not_done, total.not_recorded]
    row = protect_row(counts, total.referrals_debriefed, t, total_public=True)
    sheet.append([group, "Events with an NCCU referral and a submitted debrief", row.total, ""])
    *by_route, not_done, not_recorded = row.cells
    for route, shown in zip(routes, by_route, strict=True):
        sheet.append(
            [group, f"Submitted: {recommendation2.ROUTE_LABELS[route].lower()}", shown, ""]
        )
    sheet.append([group, "Not submitted", not_done, "Their debriefs say it is outstanding."])
    if total.not_recorded:
        sheet.append([group, "Not recorded", not_recorded, ""])
    submitted = protect_row(
        [total.submitted, total.referrals_debriefed - total.submitted],
        total.referrals_debriefed,
        t,
        total_public=True,
    )
    sheet.append([group, "Submitted, by any route", submitted.cells[0], ""])
    if total.referrals_debriefed and all(isinstance(c, int) for c in submitted.cells):
        share = xlsx.safe_value(ws, total.rate.part / total.rate.whole, xlsx.PERCENT_FORMAT)
        note = recommendation2.DEFINITION
    elif total.referrals_debriefed:
        share, note = HIDDEN, "Not shown: it would reveal a small number."
    else:
        share, note = "", "No events with an NCCU referral have a submitted debrief."
    sheet.append([group, "Recommendation 2 rate (debriefs)", share, note])
    if ctx.rec2.nccu_list_imported:
        nccu = protect_row(
            [total.nccu_received, total.nccu_outstanding],
            total.nccu_referrals,
            t,
            total_public=True,
        )
        sheet.append([group, "Referrals on the NCCU's list", nccu.total, ""])
        sheet.append([group, "Marked received by the NCCU", nccu.cells[0], ""])
        if total.nccu_referrals and all(isinstance(c, int) for c in nccu.cells):
            nccu_share = xlsx.safe_value(
                ws, total.nccu_rate.part / total.nccu_rate.whole, xlsx.PERCENT_FORMAT
            )
            nccu_note = recommendation2.NCCU_DEFINITION
        elif total.nccu_referrals:
            nccu_share, nccu_note = HIDDEN, "Not shown: it would reveal a small number."
        else:
            nccu_share, nccu_note = "", "No referrals on the NCCU's list in the period."
        sheet.append([group, "NCCU-confirmed rate", nccu_share, nccu_note])
    else:
        sheet.append([group, "NCCU-confirmed rate", "", "No NCCU list imported."])
    sheet.append(
        [
            group,
            "Data-quality items",
            show(total.data_quality, t),
            recommendation2.DATA_QUALITY_DEFINITION,
        ]
    )


def write_summary(wb, ctx: Context, index: int) -> None:
    """Write the headline figures: events, debriefs, Recommendation 2, timeliness, people."""
    stats, t = ctx.stats, ctx.threshold
    sheet = xlsx.TableSheet(
        wb,
        "Headline figures",
        [
            xlsx.Column("Group", 18),
            xlsx.Column("Measure", 58),
            xlsx.Column("Figure", 14, centre=True),
            xlsx.Column("Note", 60, wrap=True),
        ],
        marking=ctx.marking,
        table="Headline",
        index=index,
    )
    ws = sheet.ws
    sheet.append(["Events", "OIC events", show(ctx.events["events"], t), ""])
    sheet.append(
        [
            "Events",
            "Events with a debrief submitted",
            show(ctx.progress["events_with_debrief"], t),
            "",
        ]
    )
    for name, words in PEOPLE_COUNTS.items():
        sheet.append(["People", words, ctx.people_shown[name], "At the OIC events above."])
    sheet.append(["Debriefs", "Debriefs submitted", show(ctx.progress["submitted"], t), ""])
    sheet.append(["Debriefs", "Debriefs closed", show(ctx.progress["closed"], t), ""])
    sheet.append(["Debriefs", "Debriefs in this workbook", show(stats.total, t), ""])
    _write_rec2(sheet, ctx)
    for measure, histogram in (
        ("Median days from event to debrief", stats.event_to_debrief),
        ("Median days from submission to closure", stats.submission_to_closure),
    ):
        count = sum(histogram.values())
        if is_small(count, t):
            figure, note = HIDDEN, f"Not shown: fewer than {t} debriefs."
        else:
            median = median_days(histogram)
            figure = xlsx.safe_value(ws, median, xlsx.DECIMAL_FORMAT) if median is not None else ""
            note = f"Over {count} debriefs." if count else "No debriefs."
        sheet.append(["Timeliness", measure, figure, note])
    for theme_id, total in top_themes(ctx)[:5]:
        sheet.append(
            [
                "Top themes",
                stats.theme_labels.get(theme_id, theme_id),
                total,
                "Debriefs with this theme confirmed.",
            ]
        )
    sheet.finish()


def theme_rows(ctx: Context) -> list[tuple[str, tuple, int | str]]:
    """Return each theme's label, month cells and total, as shown."""
    stats, rows = ctx.stats, []
    for theme_id in stats.theme_order():
        counts = stats.themes.get(theme_id, [0] * len(stats.months))
        shown = protect_row(counts, sum(counts), ctx.threshold)
        rows.append((stats.theme_labels.get(theme_id, theme_id), shown.cells, shown.total))
    return rows


def top_themes(ctx: Context) -> list[tuple[str, int | str]]:
    """Return themes with any debriefs, most first, with their totals as shown."""
    stats = ctx.stats
    found = [
        (theme_id, sum(stats.themes[theme_id]))
        for theme_id in stats.theme_order()
        if sum(stats.themes.get(theme_id, [])) > 0
    ]
    found.sort(key=lambda item: -item[1])
    by_label = {label_: total for label_, _, total in theme_rows(ctx)}
    return [(tid, by_label[stats.theme_labels.get(tid, tid)]) for tid, _ in found]


def write_themes(wb, ctx: Context, index: int) -> None:
    """Write the theme by month table with totals, and a chart of the leading themes beside it.

    The chart draws at most MAX_SERIES series (the themes with most debriefs as shown, the
    rest added up as Other) in the Okabe-Ito colours, and the sheet prints table and chart
    on one page (issue 19: 15 similar colours, printed on another page, were unreadable).
    """
    stats = ctx.stats
    months = [f"{m:%b %Y}" for m in stats.months]
    columns = [xlsx.Column("Theme", 40, wrap=True)]
    columns += [xlsx.Column(m, 10, centre=True) for m in months]
    columns.append(xlsx.Column("Total", 10, centre=True))
    sheet = xlsx.TableSheet(
        wb, "Themes by month", columns, marking=ctx.marking, table="Themes", index=index
    )
    rows = theme_rows(ctx)
    for name, cells, total in rows:
        sheet.append([name, *cells, total])
    debriefs = protect_row(stats.by_month, stats.total, ctx.threshold, total_public=True)
    sheet.append(["Debriefs (each counted once)", *debriefs.cells, debriefs.total])
    sheet.finish()
    ws, last_row, last_column = sheet.ws, sheet.header_row + len(rows) + 1, len(columns)
    drawn = [i for i, (_, cells, _) in enumerate(rows) if any(_number(c) for c in cells)]
    if drawn and months:
        drawn.sort(key=lambda i: -sum(_number(c) for c in rows[i][1]))
        chart = BarChart()
        chart.type, chart.grouping = "col", "clustered"
        chart.title = "Confirmed themes by month"
        chart.y_axis.title = "Debriefs with the theme"
        chart.y_axis.majorGridlines = None
        chart.legend.position = "b"
        # openpyxl leaves the axes' delete flag on, which hides them in LibreOffice.
        chart.x_axis.delete = chart.y_axis.delete = False
        shown = drawn if len(drawn) <= xlsx.MAX_SERIES else drawn[: xlsx.MAX_SERIES - 1]
        for i in sorted(shown):
            row = sheet.header_row + 1 + i
            chart.add_data(
                Reference(ws, min_col=1, max_col=1 + len(months), min_row=row, max_row=row),
                from_rows=True,
                titles_from_data=True,
            )
        other = len(drawn) > len(shown)
        if other:
            # The themes not drawn, added up from the figures as shown: a sum of suppressed
            # figures would give them away (issue 19).
            rest = [i for i in range(len(rows)) if i not in shown]
            sums = [sum(_number(rows[i][1][m]) for i in rest) for m in range(len(months))]
            ws.append([])
            label_ = f"Other: the {len(rest)} other themes added up, for the chart"
            if ctx.threshold > 1:
                label_ += f" ({marker(ctx.threshold)} and {HIDDEN} counted as 0)"
            other_row: list[Any] = [xlsx.text_cell(ws, label_, wrap=True)]
            other_row += [xlsx.to_cell(ws, xlsx.prepare_value(n, centre=True)) for n in sums]
            last_row += 2
            xlsx.append_with_height(ws, other_row, last_row, xlsx.lines_needed(label_, 40))
            chart.add_data(
                Reference(
                    ws, min_col=1, max_col=1 + len(months), min_row=last_row, max_row=last_row
                ),
                from_rows=True,
                titles_from_data=True,
            )
            chart.series[-1].tx = SeriesLabel(v=OTHER_SERIES)  # the row says how, the legend what
        xlsx.text_categories(chart, ws, sheet.header_row, 2, 1 + len(months))
        xlsx.colour_series(chart, other_last=other)
        # Beside the table when it is narrow (a month or a quarter), under it otherwise.
        table_width = sum(c.width for c in columns)
        if table_width <= 90:
            anchor_column, anchor_row = last_column + 2, 1
            chart.width, chart.height = 16, max(8, round(0.53 * last_row))
            last_column += 2 + 9  # columns of the default width (about 1.8 cm) the chart spans
            last_row = max(last_row, int(chart.height / 0.53) + 1)
        else:
            anchor_column, anchor_row = 1, last_row + 2
            chart.width, chart.height = min(max(round(table_width / 4), 16), 40), 11
            last_row = anchor_row + int(chart.height / 0.53) + 1
        ws.add_chart(chart, f"{get_column_letter(anchor_column)}{anchor_row}")
    paper = xlsx.PAPER_A3 if len(months) > 13 else None
    xlsx.print_on_one_page(ws, last_column, last_row, paper)


OTHER_SERIES = "Other themes"


def _number(cell) -> int:
    """Return a figure as shown, as the chart draws it: <3 and [c] as 0."""
    return cell if isinstance(cell, int) else 0


def write_answers(wb, ctx: Context, index: int) -> None:
    """Write counts per answer of every choice and yes/no question, across versions."""
    stats = ctx.stats
    sheet = xlsx.TableSheet(
        wb,
        "Answers",
        [
            xlsx.Column("Section", 26, wrap=True),
            xlsx.Column("Question id", 30),
            xlsx.Column("Question", 48, wrap=True),
            xlsx.Column("Answer", 40, wrap=True),
            xlsx.Column("Debriefs", 10),
            xlsx.Column("Share of debriefs asked", 14, xlsx.PERCENT_FORMAT),
            xlsx.Column("Note", 44, wrap=True),
        ],
        marking=ctx.marking,
        table="Answers",
        index=index,
    )
    for question in stats.questions.values():
        for answer, figure, share, note in _answer_rows(question, ctx):
            sheet.append(
                [question.section, question.id, question.text, answer, figure, share, note]
            )
    sheet.finish()


def _answer_rows(question: QuestionSummary, ctx: Context):
    """Yield each answer's row, then rows for debriefs that gave none, where there are any.

    A follow-up that an earlier answer ruled out is not counted at all (its shares are of
    the debriefs asked); one not asked because the earlier question was left unanswered is
    worth a row, as is a question asked and left unanswered (issue 19).
    """
    stats, t = ctx.stats, ctx.threshold
    labels = [(c.id, c.label) for c in question.choices]
    known = {c.id for c in question.choices}
    labels += [(value, value) for value in sorted(question.counts) if value not in known]
    counts = [question.counts[cid] for cid, _ in labels]
    asked = question.asked_of - question.ruled_out
    missing = [
        (NOT_ANSWERED, asked - question.earlier_unanswered - question.answered),
        (EARLIER_UNANSWERED, question.earlier_unanswered),
    ]
    missing = [(name, count) for name, count in missing if count]
    notes = []
    if question.asked_of < stats.total:
        notes.append(
            f"Not in every question set version: asked of {question.asked_of} of "
            f"{stats.total} debriefs (versions {', '.join(sorted(question.versions))})."
        )
    if question.ruled_out:
        notes.append("A follow-up: shares are of the debriefs it was asked of.")
    if question.several:
        notes.append("Several answers allowed: shares add up to more than 100%.")
        shown = [show(c, t) for c in counts + [c for _, c in missing]]
    else:
        shown = list(
            protect_row(counts + [c for _, c in missing], asked, t, total_public=True).cells
        )
    names = [name for _, name in labels] + [name for name, _ in missing]
    note = " ".join(notes)
    for name, figure, count in zip(names, shown, counts + [c for _, c in missing], strict=True):
        if isinstance(figure, int):
            share = count / asked if asked else ""
        else:
            share = figure  # a share would give the suppressed count away
        yield name, figure, share, note
        note = ""  # said once, on the question's first row


NOT_ANSWERED = "Not answered"
EARLIER_UNANSWERED = "Not asked: the earlier question it follows was not answered"
