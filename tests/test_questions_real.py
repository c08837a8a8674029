"""The force's questions.toml loads and asks the questions the inspection needs."""

from __future__ import annotations

from tests.factories import real_question_set


def test_real_question_set_loads_with_the_intelligence_document_question():
    question_set = real_question_set()
    question = question_set.question("intel_doc_submitted")
    assert question.text == "Was the intelligence document submitted to the NCCU?"
    assert question.required
    reason = question_set.question("intel_doc_not_submitted_reason")
    assert reason.required
    assert reason.show_if.question == "intel_doc_submitted" and reason.show_if.answers == ("no",)
    assert not question_set.is_shown(reason, {"intel_doc_submitted": "yes"})
    assert question_set.is_shown(reason, {"intel_doc_submitted": "no"})


def test_nested_follow_up_needs_its_whole_chain():
    question_set = real_question_set()
    other = question_set.question("intel_doc_not_submitted_other")
    assert question_set.is_shown(
        other, {"intel_doc_submitted": "no", "intel_doc_not_submitted_reason": "other"}
    )
    # The stale "other" reason no longer shows once the document was submitted.
    assert not question_set.is_shown(
        other, {"intel_doc_submitted": "yes", "intel_doc_not_submitted_reason": "other"}
    )
