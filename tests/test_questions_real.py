"""The force's questions.toml loads and asks the questions the inspection needs, once each,
only where they apply (issue 18: the December 2026 set)."""

from __future__ import annotations

from debrief.config import PROJECT_ROOT
from debrief.debriefs import event_record
from debrief.debriefs.event_record import EventSettings
from debrief.models import Event
from debrief.questions.loader import parse_snapshot
from debrief.questions.themes import suggest
from tests.factories import real_question_set

SETTINGS = EventSettings(("North",), r"INC-\d{8}-\d{4}", "INC-1", r"NCCU-\d{10}", "NCCU-1")
JUNE_2025 = PROJECT_ROOT / "debrief" / "demo" / "questions_june_2025.toml"


def _event(**counts) -> Event:
    values = dict(
        adults=6,
        accompanied_children=0,
        unaccompanied_children=0,
        age_disputed=0,
        arrested=0,
        injured=0,
        died=0,
        missing=0,
        nccu_referral_made=True,
        nccu_reference="NCCU-2025061401",
    )
    values.update(counts)
    return Event(**values)


def test_the_intelligence_document_is_one_question_of_three_routes():
    question_set = real_question_set()
    route = question_set.bound("intel_doc")
    assert route.id == "intel_doc_route" and route.type == "single_choice" and route.required
    assert [(c.id, c.label) for c in route.choices] == [
        ("first_report", "Yes, by the control room call taker on first report to the NCCU"),
        ("later", "Yes, by the reporting officer later"),
        ("not_done", "No, not yet submitted"),
    ]
    assert question_set.question("intel_doc_submitted") is None
    assert question_set.bound("intel_doc_submitted_at").id == "intel_doc_submitted_at"
    assert question_set.bound("intel_doc_planned_date").id == "intel_doc_planned_date"


def test_the_intelligence_document_is_asked_only_when_a_referral_was_made():
    question_set = real_question_set()
    route = question_set.question("intel_doc_route")
    assert question_set.is_shown(route, {"nccu_referral_made": "yes"})
    assert not question_set.is_shown(route, {"nccu_referral_made": "no"})
    when = question_set.question("intel_doc_submitted_at")
    reason = question_set.question("intel_doc_not_submitted_reason")
    planned = question_set.question("intel_doc_planned_date")
    for chosen, shown in (("first_report", when), ("later", when), ("not_done", reason)):
        assert question_set.is_shown(
            shown, {"nccu_referral_made": "yes", "intel_doc_route": chosen}
        )
    done = {"nccu_referral_made": "yes", "intel_doc_route": "later"}
    assert not question_set.is_shown(reason, done) and not question_set.is_shown(planned, done)
    not_done = {"nccu_referral_made": "yes", "intel_doc_route": "not_done"}
    assert question_set.is_shown(planned, not_done) and not question_set.is_shown(when, not_done)
    # A stale "not done" answer asks nothing once no referral is recorded.
    assert not question_set.is_shown(planned, {**not_done, "nccu_referral_made": "no"})


def test_nested_follow_up_needs_its_whole_chain():
    question_set = real_question_set()
    other = question_set.question("intel_doc_not_submitted_other")
    chain = {
        "nccu_referral_made": "yes",
        "intel_doc_route": "not_done",
        "intel_doc_not_submitted_reason": "other",
    }
    assert question_set.is_shown(other, chain)
    assert not question_set.is_shown(other, {**chain, "intel_doc_route": "first_report"})


def test_the_referral_is_one_fact_in_the_event_records_words():
    question_set = real_question_set()
    asked = question_set.bound("nccu_referral")
    on_the_record = event_record.event_form(SETTINGS).question("nccu_referral_made")
    assert asked.id == on_the_record.id == "nccu_referral_made"
    assert asked.text == on_the_record.text == "Was a referral made to the NCCU?"
    assert question_set.question("nccu_contacted") is None
    assert not any("contacted" in q.text.lower() for q in question_set.questions)
    answers = event_record.derived_answers(question_set, _event(nccu_referral_made=False))
    assert answers["nccu_referral_made"] == "no"


def test_repeats_are_gone_and_every_question_is_one_a_sergeant_can_answer():
    question_set = real_question_set()
    for gone in ("agencies", "do_differently", "elearning", "injured", "children_involved"):
        assert question_set.question(gone) is None, gone
    improve = question_set.question("could_improve")
    assert improve.text == "What could be improved, or done differently next time?"
    awareness = question_set.question("intel_doc_awareness")
    assert "intelligence document" in awareness.text
    assert question_set.question("biometrics_outcome").choice_label("not_known") == "Not known"
    assert "other" in question_set.question("how_reported").choice_ids
    assert question_set.question("people_not_located").type == "yes_no"
    count = question_set.question("people_not_located_count")
    assert count.show_if.question == "people_not_located"


def test_childrens_nrm_is_asked_apart_from_the_adults_duty_to_notify():
    question_set = real_question_set()
    adults = question_set.question("nrm_outcome")
    children = question_set.question("child_nrm_outcome")
    assert "MS1" in adults.hint and "ms1_only" in adults.choice_ids
    assert "ms1_only" not in children.choice_ids and "consent" in children.hint
    for about, adults_shown, children_shown in (
        ("no", False, False),
        ("adults", True, False),
        ("children", False, True),
        ("adults_and_children", True, True),
    ):
        answers = {"trafficking_indicators_about": about}
        assert question_set.is_shown(adults, answers) is adults_shown
        assert question_set.is_shown(children, answers) is children_shown


def test_childrens_services_and_age_assessment_follow_the_event_counts():
    question_set = real_question_set()
    services = question_set.question("childrens_services_notified")
    assessed = question_set.question("age_assessment_referred")
    meanwhile = question_set.question("age_disputed_treated_as_children")

    def shown(event: Event) -> set[str]:
        answers = event_record.derived_answers(question_set, event)
        return {q.id for q in (services, assessed, meanwhile) if question_set.is_shown(q, answers)}

    assert shown(_event(accompanied_children=3)) == set()  # children with their families
    assert shown(_event(unaccompanied_children=1)) == {services.id}
    assert shown(_event(age_disputed=2)) == {assessed.id, meanwhile.id}
    settled = event_record.derived_ids(question_set, _event())
    assert {"unaccompanied_children_found", "age_disputed_found"} <= settled


def test_evidence_capture_needs_arrests_and_nothing_seized():
    question_set = real_question_set()
    nothing = {"items_seized": ["nothing"]}

    def themes(answers, arrested):
        counts = {"arrested": arrested}
        return {t.theme_id: t for t in suggest(question_set, answers, counts)}

    assert "evidence_capture" not in themes(nothing, arrested=0)
    assert "evidence_capture" not in themes({"items_seized": ["phones"]}, arrested=2)
    found = themes(nothing, arrested=2)["evidence_capture"]
    assert found.reasons == ("Event record: Arrested = 2, and What was seized? Nothing was seized",)
    # The June 2025 set still suggests it on "nothing" alone, as its debriefs were told.
    june = parse_snapshot(JUNE_2025.read_text())
    assert "evidence_capture" in {t.theme_id for t in suggest(june, nothing, {"arrested": 0})}


def test_deaths_injuries_and_people_missing_suggest_risk_to_life():
    question_set = real_question_set()
    for field in ("injured", "died", "missing"):
        found = {t.theme_id: t for t in suggest(question_set, {}, {field: 1})}
        assert "risk_to_life" in found, field
    reasons = {t.theme_id: t for t in suggest(question_set, {}, {"died": 1})}
    assert reasons["risk_to_life"].reasons == ("Event record: People who died = 1",)


def test_the_june_2025_set_is_kept_for_the_debriefs_answered_on_it():
    june = parse_snapshot(JUNE_2025.read_text())
    assert june.label == "Force OIC debrief, June 2025"
    assert june.bound("intel_doc").id == "intel_doc_submitted"
    assert real_question_set().label == "Force OIC debrief, December 2026"
