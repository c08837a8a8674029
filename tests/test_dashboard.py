"""The compliance dashboard's figures against a database whose answers are known."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from debrief import periods
from debrief.compliance import dashboard
from debrief.models import DebriefTheme, FollowUpAction, NccuReferral
from debrief.periods import ReviewTarget
from tests.factories import make_debrief, make_event, make_user

PERIOD = periods.custom(date(2025, 6, 1), date(2025, 7, 31))
TODAY = date(2025, 7, 15)


def _debrief(host, when: datetime, state: str, intel: str | None, **fields):
    event = make_event(reported_at=when, nccu_reference=None)
    answers = {"intel_doc_submitted": intel} if intel else {}
    debrief = make_debrief(
        host, state=state, event=event, answers=answers, suggest_themes=False, **fields
    )
    return event, debrief


@pytest.fixture
def known(app, db):
    """Events, debriefs, referrals, themes and actions with hand-worked figures."""
    host = make_user(["sergeant"], username="dash-sergeant")
    _, a = _debrief(
        host, datetime(2025, 6, 2, 10), "submitted", "yes", submitted_at=datetime(2025, 6, 2, 16)
    )
    _, b = _debrief(
        host,
        datetime(2025, 6, 9, 10),
        "closed",
        "no",
        submitted_at=datetime(2025, 6, 10, 9),
        closed_at=datetime(2025, 6, 13, 9),
    )
    make_event(reported_at=datetime(2025, 6, 20, 10), nccu_reference=None)  # C: no debrief
    _, d = _debrief(host, datetime(2025, 6, 25, 10), "draft", "yes")
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: a July event.
    _, e = _debrief(
        host,
        datetime(2025, 6, 30, 23, 30),
        "submitted",
        "yes",
        submitted_at=datetime(2025, 7, 1, 6),
    )
    _, f = _debrief(
        host, datetime(2025, 7, 10, 8), "in_review", None, submitted_at=datetime(2025, 7, 10, 12)
    )
    _, g = _debrief(
        host,
        datetime(2025, 5, 20, 10),
        "closed",
        "yes",
        first_submitted_at=datetime(2025, 6, 1, 9),
        submitted_at=datetime(2025, 6, 1, 9),
        closed_at=datetime(2025, 6, 6, 9),
    )
    for number, (when, received) in enumerate(
        [
            (datetime(2025, 6, 2, 10), True),
            (datetime(2025, 6, 9, 10), True),
            (datetime(2025, 6, 20, 10), False),
            (datetime(2025, 7, 10, 8), False),
            (datetime(2025, 5, 20, 10), False),  # outside the period
        ]
    ):
        db.add(
            NccuReferral(
                nccu_reference=f"NCCU-20250000{number}",
                referred_at=when,
                intel_doc_received=received,
            )
        )
    for debrief, theme in [
        (a, "children"),
        (b, "children"),
        (b, "nccu_access"),
        (e, "children"),
        (d, "children"),
    ]:  # the draft's theme does not count
        db.add(DebriefTheme(debrief_id=debrief.id, theme_id=theme, confirmed=True))
    db.add(DebriefTheme(debrief_id=f.id, theme_id="age_dispute", suggested=True))  # unconfirmed
    for debrief, owner, due, status in [
        (a, "Border Force", date(2025, 7, 1), "open"),
        (b, "Border Force", date(2025, 8, 1), "open"),
        (e, "Local authority", None, "open"),
        (f, "NCA", date(2025, 6, 1), "done"),
        (d, "NCA", date(2025, 6, 1), "open"),  # on a draft: not counted
    ]:
        db.add(
            FollowUpAction(
                debrief_id=debrief.id,
                description="Do it",
                owner=owner,
                due_date=due,
                status=status,
                created_by_id=host.id,
            )
        )
    db.commit()  # fmt: skip
    return {"g": g}


def _build(app, db):
    return dashboard.build(
        db,
        PERIOD,
        theme_labels={"children": "Children", "nccu_access": "NCCU access", "age_dispute": "Age"},
        target=ReviewTarget(app.config["REVIEW_TARGET_WORKING_DAYS"], "england-and-wales"),
        today=TODAY,
    )


def test_coverage_and_intelligence_rates_by_month(app, db, known):
    d = _build(app, db)
    june, july = d.months
    assert (june.label, july.label) == ("Jun 2025", "Jul 2025")
    assert (june.coverage.part, june.coverage.whole) == (2, 4)
    assert (july.coverage.part, july.coverage.whole) == (2, 2)
    assert d.coverage.text == "66.7% (4 of 6)"
    assert (june.intel_debriefs.part, june.intel_debriefs.whole) == (1, 2)
    # F is submitted without an answer: a referral debriefed that does not say "submitted".
    assert (july.intel_debriefs.part, july.intel_debriefs.whole) == (1, 2)
    assert (june.intel_nccu.part, june.intel_nccu.whole) == (2, 3)
    assert (july.intel_nccu.part, july.intel_nccu.whole) == (0, 1)
    assert d.intel_nccu.percent == 50.0
    assert d.outstanding_nccu == 2
    assert d.not_submitted_debriefs == 1


def test_queue_health(app, db, known):
    queue = _build(app, db).queue
    assert (queue.open, queue.awaiting_hub, queue.overdue) == (3, 3, 2)
    assert queue.closed_in_period == 2
    assert queue.median_days_to_close == 4.0  # 3 days and 5 days


def test_theme_trends_count_confirmed_themes_by_event_month(app, db, known):
    d = _build(app, db)
    trends = {t.theme_id: t.by_month for t in d.themes}
    assert trends["children"] == [2, 1]
    assert trends["nccu_access"] == [1, 0]
    assert trends["age_dispute"] == [0, 0]
    assert [t.theme_id for t in d.charted_themes] == ["children", "nccu_access"]


def test_open_follow_up_actions(app, db, known):
    d = _build(app, db)
    assert (d.actions_open, d.actions_overdue) == (3, 1)
    assert d.actions_by_owner == [("Border Force", 2, 1), ("Local authority", 1, 0)]


def test_an_empty_period_says_no_data(app, db):
    d = _build(app, db)
    assert d.coverage.text == "No data" and d.coverage.percent is None
    assert d.queue.median_days_to_close is None


def test_default_period_is_the_last_twelve_months():
    period = dashboard.default_period(date(2025, 7, 15))
    assert (period.start, period.end) == (date(2024, 8, 1), date(2025, 7, 31))
    december = dashboard.default_period(date(2025, 12, 2))
    assert (december.start, december.end) == (date(2025, 1, 1), date(2025, 12, 31))


# The page


def _page(client, url: str) -> str:
    return re.sub(r"\s+", " ", client.get(url).get_data(as_text=True))


def test_hub_reviewer_sees_the_figures_charts_and_tables(client, login_as, known):
    login_as("hub_reviewer")
    page = _page(client, "/compliance/?start=2025-06&end=2025-07")
    assert "June to July 2025" in page or "1 June 2025 to 31 July 2025" in page
    assert "66.7%" in page
    assert page.count('role="img"') == 3
    for chart in ("chart-coverage", "chart-intel", "chart-themes"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
        assert f'<title id="{chart}-title">' in page
    assert "Debrief coverage by month (the figures in the chart)" in page
    assert " style=" not in page  # the content security policy would block it
    assert 'href="/compliance/reconciliation/outstanding"' in page


def test_partnership_lead_sees_aggregates_only(client, login_as, known):
    login_as("partnership_lead")
    page = _page(client, "/compliance/?start=2025-06&end=2025-07")
    assert "Compliance dashboard" in page and "66.7%" in page
    assert not re.search(r"INC-\d|NCCU-\d", page)
    assert "/compliance/reconciliation" not in page


def test_a_period_ending_before_it_starts_is_an_error(client, login_as):
    login_as("partnership_lead")
    page = _page(client, "/compliance/?start=2025-07&end=2025-06")
    assert "There is a problem" in page
    assert "The end month must be the same as or after the start month" in page
    assert "Not a valid choice" in _page(client, "/compliance/?start=1999-01&end=2025-06")
