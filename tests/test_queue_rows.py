"""The queue table's rows, written in Python: escaped, complete, and as the template wrote them."""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser

from debrief.config import PROJECT_ROOT
from debrief.questions.loader import load_file
from debrief.review.pages import queue_labels
from debrief.review.queue import QueueRow
from debrief.review.queue_rows import queue_rows_html


def _row(**changes) -> QueueRow:
    values = dict(
        id=42,
        state="submitted",
        submitted_at=datetime(2026, 2, 5, 9, 0),
        reported_at=datetime(2026, 6, 30, 23, 30),  # 0:30 on 1 July in the UK (BST)
        district="North",
        event_type="small_boat",
        sergeant="Sam Sergeant",
        assignee=None,
        age=3,
        overdue=False,
        suggested=(),
        confirmed=(),
        incident_ref="INC-20260630-0042",
        nccu_reference="NCCU-2026063001",
    )
    values.update(changes)
    return QueueRow(**values)


def _labels():
    return queue_labels(load_file(PROJECT_ROOT / "questions.toml"))


class _Cells(HTMLParser):
    """Collect each cell's text, as a screen reader would read the row."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.open_tags.append(tag)
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag):
        self.open_tags.pop()

    def handle_data(self, data):
        if "td" in self.open_tags:
            self.cells[-1] += data


def _cells(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def test_a_row_reads_cell_by_cell_in_the_column_order():
    html = queue_rows_html([_row()], _labels(), "/review/", 10)
    assert _cells(html) == [
        "Select INC-20260630-0042",
        "INC-20260630-0042NCCU-2026063001",  # named by its references, not its row number
        "1 Jul 2026",  # UK date of the event, not the UTC one
        "North",
        "Small boat or coastal landing",
        "Sam Sergeant",
        "5 Feb 2026",
        "3",
        "",
        "Unassigned",
        "Submitted",
    ]
    assert 'href="/review/42"' in html
    assert 'id="tick-42" name="id" type="checkbox" value="42"' in html
    assert "govuk-tag--blue" in html


def test_what_people_typed_is_escaped():
    hostile = '<script>alert("x")</script>'
    html = queue_rows_html(
        [_row(sergeant=hostile, assignee=hostile, district="A&B")], _labels(), "/review/", 10
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "A&amp;B" in html


def test_an_overdue_row_says_so_to_screen_readers_and_themes_are_split():
    html = queue_rows_html(
        [
            _row(
                age=12,
                overdue=True,
                assignee="Hana Hub",
                confirmed=("children",),
                suggested=("nccu_access", "retired_theme_2024"),
            )
        ],
        _labels(),
        "/review/",
        10,
    )
    cells = _cells(html)
    assert cells[7] == "12 (past the target of 10)"
    assert 'class="govuk-table__cell app-overdue"' in html
    assert cells[9] == "Hana Hub"
    assert '<span class="app-queue__theme">Children and unaccompanied minors</span>' in html
    assert "<summary>2 suggested</summary>" in html
    assert "<li>retired_theme_2024</li>" in html  # a retired id shows as itself


def test_no_rows_is_no_markup():
    assert queue_rows_html([], _labels(), "/review/", 10) == ""


def test_page_numbers_show_the_ends_and_the_neighbours_with_gaps_marked():
    from debrief.navigation import page_numbers

    def every_page(page, pages):  # the rule, applied to every page in turn
        shown = []
        for n in range(1, pages + 1):
            if n in (1, pages) or abs(n - page) <= 1:
                shown.append(n)
            elif abs(n - page) == 2:
                shown.append(None)
        return shown

    for pages in range(1, 12):
        for page in range(1, pages + 1):
            assert page_numbers(page, pages) == every_page(page, pages), (page, pages)
    assert page_numbers(33, 66) == [1, None, 32, 33, 34, None, 66]
    assert page_numbers(1, 66) == [1, 2, None, 66]
