"""The sergeant's debrief as data, and two ways to fill it in: by mouse and by keyboard alone.

Each answer names the question as the page shows it, so the steps read like the form.
Follow-up questions (for example "What was done about the risk to life?") are listed
after the answer that reveals them; where a follow-up is not on the page yet (no
JavaScript), the sergeant saves and the page comes back with it added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from playwright.sync_api import Locator, Page, expect


@dataclass(frozen=True)
class Answer:
    """One answer: kind is date, datetime, radio, checkboxes or text."""

    kind: str
    question: str
    value: object


def last_quarter_date(today: date) -> datetime:
    """Return 10:30 on the 15th of the middle month of the last full calendar quarter."""
    first_month_this_quarter = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month_this_quarter, 1) - timedelta(days=1)  # last quarter
    middle_month = 3 * ((start.month - 1) // 3) + 2
    return datetime(start.year, middle_month, 15, 10, 30)


@dataclass(frozen=True)
class Event:
    """The event record the debrief is about."""

    incident_ref: str
    reported: datetime
    nccu_reference: str
    district: str = "North"


def event_answers(event: Event) -> list[Answer]:
    """The event record: six adults, two unaccompanied children, one age-disputed, one arrest.

    The NCCU reference is a follow-up, shown once "Yes" is chosen for the referral.
    """
    return [
        Answer("text", "Force incident reference", event.incident_ref),
        Answer("datetime", "When was the event reported?", event.reported),
        Answer("radio", "Policing district", event.district),
        Answer("radio", "Where did it happen?", "Motorway services"),
        Answer("radio", "What kind of event was it?", "HGV or lorry concealment"),
        Answer("text", "Adults", "6"),
        Answer("text", "Accompanied children", "0"),
        Answer("text", "Unaccompanied or separated children", "2"),
        Answer("text", "Age-disputed", "1"),
        Answer("text", "Arrested", "1"),
        Answer("radio", "Was a referral made to the NCCU?", "Yes"),
        Answer("text", "NCCU reference", event.nccu_reference),
        Answer("checkboxes", "Which partner agencies were present?", ["Immigration Enforcement"]),
    ]


def debrief_answers(event: Event) -> dict[str, list[Answer]]:
    """Every section's answers, with follow-ups; themes expected are listed in EXPECTED_THEMES."""
    held = event.reported + timedelta(hours=4)
    return {
        "About the debrief": [
            Answer("datetime", "When was the debrief held?", held),
            Answer(
                "radio",
                "What kind of debrief was it?",
                "Hot debrief, at the scene or straight after",
            ),
            Answer(
                "checkboxes", "Who took part in the debrief?", ["Response officers", "Control room"]
            ),
        ],
        "The event and the response": [
            Answer("radio", "How was the event reported?", "999 call"),
            Answer("radio", "Was there an immediate risk to life?", "Yes"),
            Answer(
                "text",
                "What was done about the risk to life?",
                "Trailer opened at once; paramedics checked everyone for heat exhaustion.",
            ),
            Answer("radio", "Did anyone need medical help?", "No"),
        ],
        "Arrests": [
            Answer("radio", "Was a suspected driver or facilitator arrested?", "Yes"),
            Answer(
                "radio",
                "What happened to the people found, once police had finished?",
                "Handed to Immigration Enforcement",
            ),
        ],
        "NCCU and the intelligence document": [
            Answer(
                "datetime", "When was the NCCU contacted?", event.reported + timedelta(minutes=30)
            ),
            Answer("radio", "How was the NCCU contacted?", "Telephone"),
            Answer("text", "How many minutes did officers wait to get through to the NCCU?", "45"),
            Answer("radio", "What did the NCCU decide?", "Immigration Enforcement attended"),
            Answer("radio", "Was the intelligence document submitted to the NCCU?", "No"),
            Answer(
                "radio",
                "Why was the intelligence document not submitted?",
                "Unaware of the requirement",
            ),
            Answer(
                "date",
                "When will the intelligence document be submitted?",
                date.today() + timedelta(days=7),  # a planned date: today or later (issue 18)
            ),
            Answer("radio", "Was a force intelligence report submitted?", "No"),
            Answer("checkboxes", "What was seized?", ["Mobile phones"]),
            Answer("radio", "What was the outcome of biometric identification?", "Completed"),
        ],
        "Safeguarding": [
            Answer("radio", "Were there indicators of modern slavery or human trafficking?", "No"),
            Answer("radio", "Were children's services notified?", "Yes"),
            Answer(
                "datetime",
                "When were children's services notified?",
                event.reported + timedelta(hours=2),
            ),
            Answer("radio", "Was an interpreter used?", "Yes, by telephone or video"),
            Answer("radio", "Were there other vulnerabilities?", "No"),
        ],
        "Partners and communication": [
            Answer("radio", "Was any partner agency delayed or difficult to reach?", "No"),
            Answer("radio", "How well did information flow between agencies?", "Good"),
        ],
        "Evidence and investigation": [
            Answer("radio", "Was a crime recorded?", "No"),
            Answer("radio", "Was the scene or vehicle preserved?", "Yes"),
            Answer("radio", "Who took on the investigation?", "This force"),
        ],
        "Welfare, resources and training": [
            Answer("radio", "Does anyone who attended need welfare follow-up?", "No"),
            Answer("radio", "Were resources adequate?", "Adequate"),
            Answer(
                "radio", "How many attendees have completed the four-module OIC e-learning?", "All"
            ),
            Answer("radio", "Was an officer trained on the Hydra OIC package involved?", "No"),
        ],
        "Learning": [
            Answer("text", "What went well?", "Quick handover to Immigration Enforcement."),
            Answer("text", "What could be improved?", "Know the intelligence document rule."),
            Answer("radio", "Is there notable practice to share?", "No"),
            Answer("radio", "Should this be raised for joint organisational learning?", "No"),
        ],
    }


# Themes the answers and event record above should suggest to the hub.
EXPECTED_THEMES = [
    "NCCU access or delay",
    "Intelligence document missing or late",
    "Children and unaccompanied minors",
    "Age dispute",
    "Risk to life and medical",
    "Organised crime opportunity",
    "Training and awareness",
]


def _group(page: Page, question: str) -> Locator:
    return page.get_by_role("group", name=question, exact=True)


def _date_parts(value: datetime | date, with_time: bool) -> list[tuple[str, str]]:
    parts = [("Day", str(value.day)), ("Month", str(value.month)), ("Year", str(value.year))]
    if with_time:
        parts.append(("Time (24-hour)", value.strftime("%H:%M")))
    return parts


def _first_field(page: Page, answer: Answer) -> Locator:
    """The control an answer starts in, to see whether the page shows the question yet."""
    if answer.kind in ("date", "datetime"):
        return _group(page, answer.question).get_by_label("Day", exact=True)
    if answer.kind == "radio":
        return _group(page, answer.question).get_by_label(answer.value, exact=True)
    if answer.kind == "checkboxes":
        return _group(page, answer.question).get_by_label(answer.value[0], exact=True)
    return page.get_by_label(answer.question, exact=True)


class Mouse:
    """Fill in fields the usual way: click and type."""

    def __init__(self, page: Page):
        self.page = page

    def answer(self, answer: Answer) -> None:
        """Give one answer."""
        page = self.page
        if answer.kind in ("date", "datetime"):
            group = _group(page, answer.question)
            for label, text in _date_parts(answer.value, answer.kind == "datetime"):
                group.get_by_label(label, exact=True).fill(text)
        elif answer.kind == "radio":
            _group(page, answer.question).get_by_label(answer.value, exact=True).check()
        elif answer.kind == "checkboxes":
            for choice in answer.value:
                _group(page, answer.question).get_by_label(choice, exact=True).check()
        else:
            page.get_by_label(answer.question, exact=True).fill(answer.value)

    def press(self, button: Locator) -> None:
        """Press a button or follow a link."""
        button.click()


class Keyboard:
    """Fill in fields with Tab, arrows, Space, typing and Enter only."""

    def __init__(self, page: Page):
        self.page = page

    def _focused(self, target: Locator) -> bool:
        return target.evaluate("el => el === document.activeElement")

    def tab_to(self, target: Locator, limit: int = 200) -> None:
        """Press Tab until the target has focus; within a radio group, use the arrows."""
        expect(target).to_be_visible()
        for _ in range(limit):
            if self._focused(target):
                return
            same_group = target.evaluate(
                "el => { const f = document.activeElement; return !!f && f !== el &&"
                " f.type === 'radio' && el.type === 'radio' && f.name === el.name; }"
            )
            self.page.keyboard.press("ArrowDown" if same_group else "Tab")
        raise AssertionError(f"the keyboard never reached {target}")

    def answer(self, answer: Answer) -> None:
        """Give one answer from the keyboard."""
        page = self.page
        if answer.kind in ("date", "datetime"):
            group = _group(page, answer.question)
            for label, text in _date_parts(answer.value, answer.kind == "datetime"):
                self.tab_to(group.get_by_label(label, exact=True))
                page.keyboard.type(text)
        elif answer.kind == "radio":
            target = _group(page, answer.question).get_by_label(answer.value, exact=True)
            self.tab_to(target)
            page.keyboard.press("Space")
            expect(target).to_be_checked()
        elif answer.kind == "checkboxes":
            for choice in answer.value:
                target = _group(page, answer.question).get_by_label(choice, exact=True)
                self.tab_to(target)
                if not target.is_checked():
                    page.keyboard.press("Space")
                expect(target).to_be_checked()
        else:
            target = page.get_by_label(answer.question, exact=True)
            self.tab_to(target)
            page.keyboard.press("ControlOrMeta+A")
            page.keyboard.type(answer.value)

    def press(self, button: Locator) -> None:
        """Tab to a button or link and press Enter."""
        self.tab_to(button)
        self.page.keyboard.press("Enter")


def answer_page(
    hand: Mouse | Keyboard,
    answers: list[Answer],
    save: str | None = None,
    on_page: Callable[[str], None] | None = None,
) -> None:
    """Answer a page's questions.

    Where a follow-up is not on the page yet (no JavaScript), press `save` and answer it
    on the page that comes back, after calling `on_page` for that page.
    """
    page = hand.page
    for answer in answers:
        field = _first_field(page, answer)
        if save and not field.is_visible():
            hand.press(page.get_by_role("button", name=save))
            expect(field).to_be_visible()
            if on_page:
                on_page(f"follow-up added for '{answer.question}'")
        hand.answer(answer)


def fill_in_debrief(
    hand: Mouse | Keyboard, event: Event, on_page: Callable[[str], None] | None = None
) -> None:
    """From My debriefs: record the event, answer every section, reach Check your answers.

    `on_page(name)` is called on each page as it is reached, for checking it.
    """
    page = hand.page
    seen = on_page or (lambda name: None)
    hand.press(page.get_by_role("button", name="Start a new debrief"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the event")
    seen("record the event")
    answer_page(hand, event_answers(event), "Save and start the debrief", on_page)
    hand.press(page.get_by_role("button", name="Save and start the debrief"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Debrief of {event.incident_ref}")
    seen("debrief task list")
    hand.press(page.get_by_role("link", name="About the debrief"))
    for title, answers in debrief_answers(event).items():
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        seen(f"section '{title}'")
        answer_page(hand, answers, "Save and continue", on_page)
        hand.press(page.get_by_role("button", name="Save and continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(CHECK_ANSWERS)
    seen("check your answers")


CHECK_ANSWERS = "Check your answers before submitting the debrief"
DECLARATION = Answer(
    "checkboxes", "Declaration", ["I hosted this debrief and the answers are accurate"]
)
