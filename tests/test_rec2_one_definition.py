"""Recommendation 2 is counted one way: the dashboard, the spreadsheet, the reconciliation
page and `debrief compliance rec2` show the same figures for a constructed set of events,
including an event without a referral and a disagreement with the NCCU's list."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from debrief import recommendation2
from debrief.cli import main
from debrief.compliance.dashboard import default_period
from debrief.models import NccuReferral
from debrief.questions.loader import QuestionSet, parse_snapshot
from debrief.recommendation2 import Tally, count_debrief
from debrief.timeutil import local_today, to_local, utcnow
from tests.export_helpers import open_workbook, run_export, summary_figures
from tests.factories import make_debrief, make_event, make_user, real_question_set

JUNE_2025 = Path(__file__).resolve().parent.parent / "debrief" / "demo" / "questions_june_2025.toml"


def _said(question_set: QuestionSet, submitted: bool, at: datetime | None) -> dict:
    """Answers saying the document was (or was not) submitted, in this set's own terms."""
    bound = question_set.bound("intel_doc")
    when = question_set.bound("intel_doc_submitted_at")
    assert bound is not None and when is not None
    if bound.type == "yes_no":
        value = "yes" if submitted else "no"
    else:
        value = "later" if submitted else "not_done"
    answers = {bound.id: value}
    if submitted and at is not None:
        answers[when.id] = to_local(at).replace(tzinfo=None).isoformat(timespec="minutes")
    return answers


@pytest.fixture
def constructed(app, db):
    """Six events of the last weeks, worked out by hand:

    A referral, closed, submitted after the event     -> counted, submitted
    B referral, submitted, not submitted              -> counted, not submitted
    C no referral, says submitted (earlier set)       -> data-quality item
    D referral, in review, submitted BEFORE the event -> data-quality item
    E referral, a draft                               -> not counted
    F referral, returned, submitted                   -> counted, submitted; NCCU: not received
    NCCU list: A received, B and F not received       -> 1 of 3 confirmed
    Debriefs: 2 of 3 (66.7%); data-quality items: 2.
    """
    host = make_user(["sergeant"], username="rec2-sergeant")
    current, june = real_question_set(), parse_snapshot(JUNE_2025.read_text())
    now = utcnow().replace(second=0, microsecond=0)
    base = now - timedelta(days=12)

    def event(n: int, referral: bool):
        return make_event(
            reported_at=base + timedelta(hours=n),
            nccu_referral_made=referral,
            nccu_reference=f"NCCU-20261100{n:02d}" if referral else None,
            incident_ref=f"INC-20261101-00{n:02d}",
        )

    events = {n: event(n, n != 3) for n in range(1, 7)}

    def debrief(n, state, question_set, submitted, at):
        return make_debrief(
            host,
            state=state,
            event=events[n],
            question_set=question_set,
            answers=_said(question_set, submitted, at),
            suggest_themes=False,
        )

    after = timedelta(hours=2)
    debrief(1, "closed", current, True, events[1].reported_at + after)
    debrief(2, "submitted", current, False, None)
    debrief(3, "closed", june, True, events[3].reported_at + after)
    debrief(4, "in_review", june, True, events[4].reported_at - timedelta(days=3))
    debrief(5, "draft", current, True, events[5].reported_at + after)
    debrief(6, "returned", current, True, events[6].reported_at + after)
    for n, received in ((1, True), (2, False), (6, False)):
        db.add(
            NccuReferral(
                nccu_reference=events[n].nccu_reference,
                referred_at=events[n].reported_at,
                intel_doc_received=received,
            )
        )
    db.commit()
    return events


def test_the_definition_counts_the_constructed_events(app, db, constructed):
    period = default_period(local_today())
    found = recommendation2.figures(db, *period.utc_bounds(), period.months())
    total = found.total
    assert (total.submitted, total.referrals_debriefed) == (2, 3)
    assert total.not_done == 1
    assert (total.no_referral_but_submitted, total.date_before_event) == (1, 1)
    assert (total.nccu_received, total.nccu_referrals) == (1, 3)
    assert total.rate.text == "66.7% (2 of 3)"
    assert total.nccu_rate.text == "33.3% (1 of 3)"


def test_every_place_shows_the_same_figures(app, db, client, login_as, constructed, tmp_path):
    period = default_period(local_today())
    login_as("hub_reviewer")

    dashboard = client.get("/compliance/").get_data(as_text=True)
    assert _figure(dashboard, "rec2-rate") == "66.7% (2 of 3)"
    assert _figure(dashboard, "rec2-nccu-rate") == "33.3% (1 of 3)"
    assert _figure(dashboard, "rec2-data-quality") == "2"
    assert recommendation2.DEFINITION in dashboard

    reconciliation = client.get("/compliance/reconciliation/disagreements").get_data(as_text=True)
    assert "66.7% (2 of 3) from the debriefs, 33.3% (1 of 3) confirmed by the NCCU" in (
        re.sub(r"\s+", " ", reconciliation)
    )
    assert recommendation2.DEFINITION in reconciliation
    # F says submitted where the NCCU says not received: the list names it, and only it.
    assert re.findall(r"NCCU-20261100\d\d", reconciliation.split("<tbody", 1)[1]) == [
        constructed[6].nccu_reference
    ]

    hub = make_user(["hub_reviewer"], username="rec2-exporter")
    workbook = open_workbook(
        run_export(app, tmp_path, hub, period=period, unsuppressed=True, include_in_review=True)
    )
    figures = summary_figures(workbook)
    assert figures["Events with an NCCU referral and a submitted debrief"] == 3
    assert figures["Submitted, by any route"] == 2
    assert figures["Not submitted"] == 1
    assert figures["Recommendation 2 rate (debriefs)"] == pytest.approx(2 / 3)
    assert figures["Referrals on the NCCU's list"] == 3
    assert figures["NCCU-confirmed rate"] == pytest.approx(1 / 3)
    assert figures["Data-quality items"] == 2
    about = [row for row in workbook["About"].iter_rows(values_only=True)]
    assert any(recommendation2.DEFINITION in str(cell) for row in about for cell in row)

    result = app.test_cli_runner().invoke(
        main,
        [
            "compliance",
            "rec2",
            "--from",
            period.start.isoformat(),
            "--to",
            period.end.isoformat(),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Debriefs: 66.7% (2 of 3)" in result.output
    assert "NCCU-confirmed: 33.3% (1 of 3)" in result.output
    assert "Data-quality items: 2" in result.output
    assert recommendation2.DEFINITION in result.output


def _figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found, f"no {name} on the page"
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("referral", "route", "offset_hours", "counted"),
    [
        (True, "later", 1, "submitted"),
        (True, "first_report", 0, "submitted"),  # the same minute as the report: not before
        (True, "submitted", 5, "submitted"),  # a yes/no question set: route not recorded
        (True, "not_done", None, "not_done"),
        (True, None, None, "not_recorded"),
        (False, "later", 1, "no_referral_but_submitted"),
        (False, "not_done", None, None),  # no referral, not submitted: nothing to count
        (None, "submitted", 1, "no_referral_but_submitted"),  # referral unknown
        (True, "later", -1, "date_before_event"),
        (True, "later", None, "no_date"),
    ],
)
def test_each_kind_of_debrief_is_counted_once(referral, route, offset_hours, counted):
    reported = datetime(2026, 11, 3, 2, 30)
    at = None if offset_hours is None else reported + timedelta(hours=offset_hours)
    tally = Tally()
    count_debrief(tally, referral, route, at, reported)
    counts = {
        "submitted": tally.submitted,
        "not_done": tally.not_done,
        "not_recorded": tally.not_recorded,
        "no_referral_but_submitted": tally.no_referral_but_submitted,
        "date_before_event": tally.date_before_event,
        "no_date": tally.no_date,
    }
    assert {k: v for k, v in counts.items() if v} == ({counted: 1} if counted else {})
    in_denominator = counted in ("submitted", "not_done", "not_recorded")
    assert tally.referrals_debriefed == (1 if in_denominator else 0)


def test_the_hubs_register_reads_each_versions_bound_questions(app, db, constructed, tmp_path):
    """The register's referral and intelligence-document columns come from the bindings,
    so a set that renames them keeps its columns (June 2025 and December 2026 both)."""
    from debrief.exports.workbook import _key_ids

    current, june = real_question_set(), parse_snapshot(JUNE_2025.read_text())
    ids = _key_ids({1: june, 2: current})
    for name in ("nccu_referral", "intel_doc"):
        assert current.bound_id(name) in ids and june.bound_id(name) in ids
    assert ids.index(current.bound_id("intel_doc")) < ids.index(june.bound_id("intel_doc"))
    hub = make_user(["hub_reviewer"], username="rec2-register")
    period = default_period(local_today())
    workbook = open_workbook(
        run_export(app, tmp_path, hub, period=period, unsuppressed=True, include_in_review=True)
    )
    headers = [c.value for c in next(workbook["Debriefs (answers)"].iter_rows(max_row=1))]
    route = current.bound("intel_doc").text
    assert any(h and h.startswith(route) for h in headers)
