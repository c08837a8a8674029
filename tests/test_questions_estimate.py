"""How long a typical debrief takes (issue 18): 10 s a choice, 30 s a date and time, 90 s a
free-text box, on the typical path; the December 2026 set takes no longer than June 2025's."""

from __future__ import annotations

import textwrap

from click.testing import CliRunner

from debrief.cli import main
from debrief.config import PROJECT_ROOT
from debrief.questions.cli import typical_settled
from debrief.questions.estimate import typical_estimate
from debrief.questions.loader import load_file, parse, parse_snapshot

JUNE_2025 = PROJECT_ROOT / "debrief" / "demo" / "questions_june_2025.toml"


def _estimate(question_set):
    return typical_estimate(question_set, typical_settled(question_set))


def test_each_kind_of_answer_costs_its_time_on_the_path_that_asks_least():
    text = textwrap.dedent(
        """
        label = "Small"
        [[themes]]
        id = "t"
        label = "T"
        [[sections]]
        id = "s"
        title = "S"
        [[sections.questions]]
        id = "held_at"
        type = "datetime"
        text = "When?"
        [[sections.questions]]
        id = "problem"
        type = "yes_no"
        text = "Was there a problem?"
        [[sections.questions]]
        id = "problem_detail"
        type = "long_text"
        text = "What was it?"
        show_if = { question = "problem", answers = ["yes"] }
        [[sections.questions]]
        id = "went_well"
        type = "long_text"
        text = "What went well?"
        """
    )
    estimate = typical_estimate(parse(text.encode()), {})
    assert estimate.path == ("held_at", "problem", "went_well")  # "no": nothing more asked
    assert estimate.seconds == 30 + 10 + 90
    assert estimate.minutes_text == "2 min 10 s"
    # An answer the event record gives costs nothing and reveals its follow-up.
    settled = typical_estimate(parse(text.encode()), {"problem": "yes"})
    assert settled.path == ("held_at", "problem_detail", "went_well") and settled.settled == 1


def test_the_december_2026_set_takes_no_longer_than_june_2025s():
    before = _estimate(parse_snapshot(JUNE_2025.read_text()))
    after = _estimate(load_file(PROJECT_ROOT / "questions.toml"))
    # The figures in the note; re-run with `debrief questions estimate`.
    assert (before.questions, len(before.path), before.seconds) == (57, 35, 650)
    assert (after.questions, len(after.path), after.seconds) == (61, 34, 560)
    assert after.seconds <= before.seconds
    # A typical event has a referral: the intelligence document is on the typical path.
    assert "intel_doc_route" in after.path and "intel_doc_submitted_at" in after.path
    assert "nccu_referral_made" not in after.path  # the event record answers it


def test_the_estimate_command_prints_the_count_and_the_time(tmp_path):
    result = CliRunner().invoke(main, ["questions", "estimate", str(JUNE_2025)])
    assert result.exit_code == 0, result.output
    assert "Force OIC debrief, June 2025" in result.output
    assert "57 questions in the set." in result.output
    assert "A typical debrief: 35 answers" in result.output
    assert "Estimated time: 10 min 50 s" in result.output
    current = CliRunner().invoke(main, ["questions", "estimate"])
    assert current.exit_code == 0 and "Estimated time: 9 min 20 s" in current.output
    broken = tmp_path / "broken.toml"
    broken.write_text('label = "x"\n')
    refused = CliRunner().invoke(main, ["questions", "estimate", str(broken)])
    assert refused.exit_code == 1 and "declares no [[themes]]" in refused.output
