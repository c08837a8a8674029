"""The question file loader refuses each kind of mistake, naming the line or id; so does the CLI."""

from __future__ import annotations

import gc
import re
import textwrap
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from debrief.app import create_app
from debrief.cli import main
from debrief.questions.loader import QuestionSetError, parse, parse_snapshot

JUNE_2025 = Path(__file__).resolve().parent.parent / "debrief" / "demo" / "questions_june_2025.toml"

THEMES = """
label = "Test set"

[[themes]]
id = "access"
label = "Access"
"""


def problems(body: str) -> list[str]:
    text = THEMES + textwrap.dedent(body)
    with pytest.raises(QuestionSetError) as caught:
        parse(text.encode(), "test.toml")
    assert str(caught.value).startswith("test.toml: ")
    return caught.value.problems


def line_of(body: str, needle: str) -> int:
    text = THEMES + textwrap.dedent(body)
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def section(*questions: str) -> str:
    return '[[sections]]\nid = "s"\ntitle = "S"\n' + "".join(
        f"[[sections.questions]]\n{textwrap.dedent(q)}\n" for q in questions
    )


YES_NO = 'id = "contacted"\ntype = "yes_no"\ntext = "Contacted?"'


def why(parent: str, answer: str, required: bool = False) -> str:
    """Return a follow-up question revealed when `parent` has `answer`."""
    flag = "required = true\n" if required else ""
    condition = f'show_if = {{ question = "{parent}", answers = ["{answer}"] }}'
    return f'id = "why"\ntype = "text"\ntext = "Why?"\n{flag}{condition}'


def test_toml_syntax_error_names_the_line():
    body = '[[sections]]\nid = "s"\ntitle = "S\n'
    found = problems(body)
    line = line_of(body, 'title = "S')
    assert len(found) == 1 and "is not valid TOML" in found[0] and f"line {line}" in found[0]


def test_unknown_type():
    body = section('id = "q"\ntype = "essay"\ntext = "Q?"')
    found = problems(body)
    line = line_of(body, 'id = "q"')
    assert found == [
        f"line {line}: question 'q' in section 's': unknown type 'essay'; "
        "use one of yes_no, single_choice, multi_choice, text, long_text, number, date, datetime"
    ]


def test_duplicate_question_id_even_across_sections():
    body = (
        section(YES_NO) + '[[sections]]\nid = "t"\ntitle = "T"\n[[sections.questions]]\n' + YES_NO
    )
    found = problems(body)
    assert len(found) == 1
    assert "question 'contacted' in section 't': duplicate question id" in found[0]


@pytest.mark.parametrize("choices", ["", "choices = []"])
def test_choice_question_without_choices(choices):
    found = problems(section(f'id = "how"\ntype = "single_choice"\ntext = "How?"\n{choices}'))
    assert (
        "question 'how' in section 's': a single_choice question needs a non-empty choices list"
        in found[0]
    )


def test_show_if_naming_an_unknown_question():
    found = problems(section(why("ghost", "no")))
    assert (
        "question 'why' in section 's': show_if names 'ghost', which is not an earlier question"
        in found[0]
    )


def test_show_if_naming_a_later_question():
    found = problems(
        section(
            why("contacted", "no"),
            YES_NO,
        )
    )
    assert "show_if names 'contacted', which is not an earlier question" in found[0]
    assert "a follow-up must come after the question that reveals it" in found[0]


def test_show_if_naming_an_answer_that_does_not_exist():
    found = problems(
        section(
            YES_NO,
            why("contacted", "maybe"),
        )
    )
    assert (
        "show_if answer 'maybe' does not exist for 'contacted' (its answers are yes, no)"
        in found[0]
    )


def test_unknown_theme():
    found = problems(section(YES_NO + '\nsuggests = [{ theme = "weather", answers = ["no"] }]'))
    assert "question 'contacted' in section 's': suggests unknown theme 'weather'" in found[0]


def test_required_follow_up_under_a_question_that_cannot_reveal_it():
    found = problems(
        section(
            'id = "note"\ntype = "text"\ntext = "Note"',
            why("note", "x", required=True),
        )
    )
    assert "show_if names 'note', a text question, which cannot reveal a follow-up" in found[0]


def test_every_mistake_is_reported_at_once():
    found = problems(
        section(
            'id = "a"\ntype = "essay"\ntext = "A"', 'id = "b"\ntype = "single_choice"\ntext = "B"'
        )
    )
    assert len(found) == 2


@pytest.fixture
def cli():
    return CliRunner()


def test_check_command_exits_0_with_a_summary_for_the_real_file(cli):
    result = cli.invoke(main, ["questions", "check"])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output
    assert "9 sections, 61 questions, 15 themes" in result.output


def test_check_command_exits_1_naming_each_mistake(cli, tmp_path):
    path = tmp_path / "broken.toml"
    body = section('id = "q"\ntype = "essay"\ntext = "Q?"')
    path.write_text(THEMES + body)
    result = cli.invoke(main, ["questions", "check", str(path)])
    assert result.exit_code == 1
    line = line_of(body, 'id = "q"')
    assert (
        f"{path}: line {line}: question 'q' in section 's': unknown type 'essay'" in result.output
    )
    assert "declares no [bindings] table" in result.output
    assert "2 problems found. The app will not start with this file." in result.output


def test_check_command_on_a_missing_file(cli, tmp_path):
    result = cli.invoke(main, ["questions", "check", str(tmp_path / "none.toml")])
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_the_app_refuses_to_start_with_the_same_message(make_test_config, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(THEMES + section('id = "q"\ntype = "essay"\ntext = "Q?"'))
    with pytest.raises(QuestionSetError) as caught:
        create_app(make_test_config(QUESTIONS_PATH=str(path)))
    cli_output = CliRunner().invoke(main, ["questions", "check", str(path)]).output
    assert str(caught.value) in cli_output


def test_an_app_that_refuses_to_start_closes_its_database_connections(make_test_config, tmp_path):
    """Refused after it connected to check the schema, the app closes that connection
    itself: left to the garbage collector, PostgreSQL's driver warned about it later,
    in whatever happened to be running then (an unrelated test, in CI)."""
    path = tmp_path / "broken.toml"
    path.write_text(THEMES + section('id = "q"\ntype = "essay"\ntext = "Q?"'))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(QuestionSetError):
            create_app(make_test_config(QUESTIONS_PATH=str(path)))
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- bindings: the questions the service relies on -------------------------------------------

REAL = (Path(__file__).resolve().parent.parent / "questions.toml").read_text()


def _check(cli, tmp_path, text: str):
    path = tmp_path / "questions.toml"
    path.write_text(text)
    return cli.invoke(main, ["questions", "check", str(path)])


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(needle))


def test_a_set_without_a_required_binding_is_refused_naming_the_table(cli, tmp_path):
    text = re.sub(r"(?m)^intel_doc = .*\n", "", REAL)
    result = _check(cli, tmp_path, text)
    assert result.exit_code == 1
    assert (
        f"line {_line(text, '[bindings]')}: [bindings] lacks 'intel_doc': name the question "
        "that records whether, and by which route, the intelligence document was submitted"
    ) in result.output


def test_a_renamed_question_leaves_its_binding_pointing_nowhere(cli, tmp_path):
    bound = re.search(r'(?m)^intel_doc = "([a-z_]+)"', REAL).group(1)
    text = REAL.replace(f'id = "{bound}"', 'id = "intel_document_sent"')
    text = text.replace(f'question = "{bound}"', 'question = "intel_document_sent"')
    result = _check(cli, tmp_path, text)
    assert result.exit_code == 1
    assert (
        f"line {_line(text, 'intel_doc =')}: binding 'intel_doc' names question "
        f"'{bound}', which is not in the file"
    ) in result.output


def test_a_binding_to_a_question_of_the_wrong_type_is_refused(cli, tmp_path):
    text = re.sub(
        r'(?m)^intel_doc_submitted_at = "[a-z_]+"',
        'intel_doc_submitted_at = "nccu_reference"',
        REAL,
    )
    result = _check(cli, tmp_path, text)
    assert result.exit_code == 1
    assert (
        f"line {_line(text, 'intel_doc_submitted_at =')}: binding 'intel_doc_submitted_at': "
        "question 'nccu_reference' binds intel_doc_submitted_at to a text question; "
        "it must be datetime"
    ) in result.output


def test_a_binding_the_service_does_not_know_is_refused(cli, tmp_path):
    text = REAL.replace("[bindings]\n", '[bindings]\nintel_document = "nccu_reference"\n')
    result = _check(cli, tmp_path, text)
    assert result.exit_code == 1
    assert "binding 'intel_document' is not one the service knows" in result.output


def test_the_app_refuses_to_start_without_bindings(make_test_config, tmp_path):
    path = tmp_path / "questions.toml"
    path.write_text(REAL.replace("[bindings]", "[unused_table]"))
    with pytest.raises(QuestionSetError, match=r"declares no \[bindings\] table"):
        create_app(make_test_config(QUESTIONS_PATH=str(path)))


def test_a_stored_set_from_before_bindings_is_read_with_the_ids_of_its_day():
    old = parse_snapshot(JUNE_2025.read_text())
    assert not old.declares_bindings
    assert old.bound_id("intel_doc") == "intel_doc_submitted"
    assert old.bound_id("nccu_referral") == "nccu_contacted"
    assert old.bound("intel_doc").type == "yes_no"
