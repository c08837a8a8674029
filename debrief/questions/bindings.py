"""The questions the code relies on, named in the question file's `[bindings]` table.

The service computes Recommendation 2, settles answers from the event record and
pre-fills others by meaning, not by question id: the force's file says which of
its questions carries each meaning, and the loader refuses a file that lacks a
required one or binds it to a question of the wrong type. A force can then
rename a question without silently losing its figures.

Question sets stored before bindings existed (June 2025) are read with
LEGACY_BINDINGS: the ids the code used to spell out, kept here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

# The answers of a single-choice `intel_doc` question the figures count by route.
INTEL_DOC_FIRST_REPORT = "first_report"
INTEL_DOC_LATER = "later"
INTEL_DOC_NOT_DONE = "not_done"
INTEL_DOC_ROUTES = (INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER, INTEL_DOC_NOT_DONE)


@dataclass(frozen=True)
class Binding:
    """One meaning the code relies on: the question types that can carry it."""

    name: str
    types: tuple[str, ...]
    purpose: str
    required: bool = True
    # For a single_choice question: the choice ids the code reads.
    choices: tuple[str, ...] = ()


BINDINGS: tuple[Binding, ...] = (
    Binding(
        "nccu_referral",
        ("yes_no",),
        "whether a referral was made to the NCCU (settled from the event record)",
    ),
    Binding(
        "nccu_reference",
        ("text",),
        "the NCCU reference (settled from the event record)",
    ),
    Binding(
        "intel_doc",
        ("single_choice", "yes_no"),
        "whether, and by which route, the intelligence document was submitted (Recommendation 2)",
        choices=INTEL_DOC_ROUTES,
    ),
    Binding(
        "intel_doc_submitted_at",
        ("datetime",),
        "when the intelligence document was submitted",
    ),
    Binding(
        "intel_doc_planned_date",
        ("date",),
        "when an outstanding intelligence document will be submitted",
        required=False,
    ),
    Binding(
        "children_present",
        ("yes_no",),
        "whether children were found (settled from the event record's counts)",
        required=False,
    ),
    Binding(
        "agencies",
        ("multi_choice",),
        "agencies present, pre-filled from the event record",
        required=False,
    ),
)

BY_NAME = {b.name: b for b in BINDINGS}

# The June 2025 question set's ids, for debriefs answered before bindings were declared.
LEGACY_BINDINGS = {
    "nccu_referral": "nccu_contacted",
    "nccu_reference": "nccu_reference",
    "intel_doc": "intel_doc_submitted",
    "intel_doc_submitted_at": "intel_doc_submitted_at",
    "intel_doc_planned_date": "intel_doc_planned_date",
    "children_present": "children_involved",
    "agencies": "agencies",
}


def binding_problem(binding: Binding, qtype: str, choice_ids: tuple[str, ...]) -> str | None:
    """Say why a question of this type and choices cannot carry the binding, or None."""
    if qtype not in binding.types:
        return f"binds {binding.name} to a {qtype} question; it must be " + " or ".join(
            binding.types
        )
    if qtype == "single_choice" and binding.choices:
        missing = [c for c in binding.choices if c not in choice_ids]
        if missing:
            return (
                f"binds {binding.name} to a question without the choice "
                f"{missing[0]!r} (it needs choices {', '.join(binding.choices)})"
            )
    return None
