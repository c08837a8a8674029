"""The question set from the browser (issue 23): upload a draft, preview it, compare it with
the active version, publish it and roll back, download any version."""

from __future__ import annotations

import io
import re
import threading

import pytest
from click.testing import CliRunner

from debrief.audit import Actor
from debrief.cli import main
from debrief.config import PROJECT_ROOT
from debrief.db import make_engine, make_session_factory
from debrief.models import (
    Answer,
    AuditEntry,
    Debrief,
    QuestionSetPublication,
    QuestionSetVersion,
)
from debrief.questions import publishing
from debrief.questions.active import active_question_set
from debrief.questions.loader import load_file
from tests.debrief_helpers import start_debrief
from tests.factories import DEFAULT_PASSWORD, make_debrief, make_user
from tests.question_set_helpers import REAL_TEXT, publish_text, reworded, without_question

JUNE_2025 = PROJECT_ROOT / "debrief" / "demo" / "questions_june_2025.toml"


@pytest.fixture
def editor(client, login_as):
    login_as("question_set_editor", username="editor")
    return client


def upload(client, text: str, name: str = "questions.toml"):
    return client.post(
        "/admin/questions/upload",
        data={"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def uploaded_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/versions/(\d+)$", response.headers["Location"]).group(1))


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True)).replace("&#39;", "'")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def id_line(text: str, ident: str) -> int:
    return line_of(text, f'id = "{ident}"')


# --- 1. upload: every mistake listed, nothing kept ---------------------------------------------


def test_the_page_shows_the_active_version_and_the_seed_publication(editor):
    expected = load_file(PROJECT_ROOT / "questions.toml")
    page = page_text(editor.get("/admin/questions"))
    assert expected.short_version in page
    assert f'<dd class="govuk-summary-list__value">{len(expected.questions)}</dd>' in page
    assert "Seeded from the file" in page and "New installation: seeded from questions.toml" in page


def test_an_upload_with_mistakes_lists_each_with_line_and_question_id_and_keeps_nothing(editor, db):
    text = REAL_TEXT
    text = text.replace(
        'id = "risk_to_life"\n  type = "yes_no"', 'id = "risk_to_life"\n  type = "essay"'
    )
    text = text.replace('id = "medical_help"', 'id = "how_reported"')  # a duplicate id
    text = text.replace(
        'show_if = { question = "notable_practice", answers = ["yes"] }',
        'show_if = { question = "notable_practice", answers = ["maybe"] }',
    )
    text = text.replace(
        'suggests = [{ theme = "notable_practice", answers = ["yes"] }]',
        'suggests = [{ theme = "best_practice", answers = ["yes"] }]',
    )
    text = re.sub(r"(?m)^intel_doc_submitted_at = .*\n", "", text)
    versions_before = db.query(QuestionSetVersion).count()

    response = upload(editor, text)

    assert response.status_code == 400
    page = page_text(response)
    assert "The file has 6 mistakes and was not kept" in page
    expected = [
        f"line {id_line(text, 'risk_to_life')}: question 'risk_to_life' in section "
        "'response': unknown type 'essay'",
        # The first of the two ids is named: the loader points at the first line declaring it.
        f"line {id_line(text, 'how_reported')}: question 'how_reported' in section "
        "'response': duplicate question id",
        f"line {id_line(text, 'notable_practice_detail')}: question "
        "'notable_practice_detail' in section 'learning': show_if answer 'maybe' does not exist",
        f"line {id_line(text, 'notable_practice')}: question 'notable_practice' in "
        "section 'learning': suggests unknown theme 'best_practice'",
        f"line {line_of(text, '[bindings]')}: [bindings] lacks 'intel_doc_submitted_at'",
    ]
    for problem in expected:
        assert problem in page
    # risk_to_life_action's parent is gone (unknown type): a sixth mistake, named too.
    assert "show_if names 'risk_to_life', which is not an earlier question" in page
    assert db.query(QuestionSetVersion).count() == versions_before


def test_an_upload_that_is_not_toml_or_lacks_bindings_is_refused(editor):
    page = page_text(upload(editor, 'label = "x"\n[[sections]\n'))
    assert "The file has 1 mistake and was not kept" in page and "is not valid TOML" in page
    page = page_text(upload(editor, JUNE_2025.read_text("utf-8")))
    assert "declares no [bindings] table" in page


def test_the_same_mistakes_as_the_command_line(editor, tmp_path):
    text = REAL_TEXT.replace('id = "medical_help"', 'id = "how_reported"')
    path = tmp_path / "questions.toml"
    path.write_text(text)
    printed = CliRunner().invoke(main, ["questions", "check", str(path)]).output
    problem = re.search(r"questions\.toml: (line \d+: .*)", printed).group(1)
    assert problem in page_text(upload(editor, text))


# --- 2. preview --------------------------------------------------------------------------------


def test_the_preview_draws_the_task_list_and_every_section_as_a_sergeant_sees_them(editor, db):
    version_id = uploaded_id(upload(editor, reworded("What went well?", "What worked well?")))
    question_set = load_file(PROJECT_ROOT / "questions.toml")
    tasks = page_text(editor.get(f"/admin/questions/versions/{version_id}/preview"))
    assert "Preview of question set version" in tasks and "nothing you enter is saved" in tasks
    for section in question_set.sections:
        assert section.title in tasks
        page = page_text(editor.get(f"/admin/questions/versions/{version_id}/preview/{section.id}"))
        assert "nothing you enter is saved" in page
        assert f'<h1 class="govuk-heading-l">{section.title}</h1>' in page
        for question in section.questions:
            if question.show_if is None and question.from_event is None:
                assert question.text.replace('"', "&#34;") in page or question.id in page
    learning = page_text(editor.get(f"/admin/questions/versions/{version_id}/preview/learning"))
    assert "What worked well?" in learning
    # The bound questions the event record settles are shown as the sergeant sees them.
    nccu = page_text(editor.get(f"/admin/questions/versions/{version_id}/preview/nccu"))
    assert "From the event record" in nccu
    assert db.query(Debrief).count() == 0


def test_a_follow_up_appears_without_javascript_and_nothing_is_saved(editor, db):
    version_id = uploaded_id(upload(editor, reworded("What went well?", "What worked well?")))
    url = f"/admin/questions/versions/{version_id}/preview/learning"
    first = editor.get(url).get_data(as_text=True)
    # Without JavaScript the follow-up (the page's only one) is hidden until it is checked.
    assert re.search(r'app-js-only">.*?id="notable_practice_detail"', first, re.S)
    assert first.count("app-js-only") == 1

    checked = editor.post(
        url, data={"notable_practice": "yes", "went_well": "Quick handover", "reveal": "page"}
    )
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "A question has been added because of your answers" in page
    assert "Nothing was saved: this is a preview" in page
    assert 'id="notable_practice_detail"' in page
    assert "app-js-only" not in page  # shown now, with or without JavaScript
    assert "Quick handover" in page  # what was typed is drawn again
    assert db.query(Answer).count() == 0 and db.query(Debrief).count() == 0


def test_a_mistake_on_a_previewed_page_is_shown_as_on_the_real_page(editor):
    version_id = uploaded_id(upload(editor, reworded("What went well?", "What worked well?")))
    page = page_text(
        editor.post(
            f"/admin/questions/versions/{version_id}/preview/response",
            data={"people_not_located": "yes", "people_not_located_count": "lots"},
        )
    )
    assert "There is a problem" in page
    assert 'href="#people_not_located_count"' in page


# --- 3 and 6. compare --------------------------------------------------------------------------


def _changed_set() -> str:
    text = REAL_TEXT
    text = reworded("Did anyone need medical help?", "Did anyone need first aid or hospital?", text)
    text = text.replace(  # type: yes_no to single_choice (hydra_trained), with choices
        'id = "hydra_trained"\n  type = "yes_no"',
        'id = "hydra_trained"\n  type = "single_choice"\n'
        '  choices = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" },'
        ' { id = "unknown", label = "Not known" }]',
    )
    text = text.replace(  # a choice removed and one added
        '    { id = "coastguard", label = "HM Coastguard or RNLI" },\n',
        '    { id = "drone", label = "Drone or aircraft" },\n',
    )
    text = text.replace(  # required to optional
        'id = "joint_learning"\n  type = "yes_no"\n  text = "Should this be raised for joint '
        'organisational learning?"\n  hint = "Personal data is removed before lessons are '
        'shared."\n  required = true',
        'id = "joint_learning"\n  type = "yes_no"\n  text = "Should this be raised for joint '
        'organisational learning?"\n  hint = "Personal data is removed before lessons are '
        'shared."\n  required = false',
    )
    text = text.replace(  # show-if changed
        'show_if = { question = "people_not_located", answers = ["yes"] }',
        'show_if = { question = "risk_to_life", answers = ["yes"] }',
    )
    text = without_question("went_well", text)  # removed
    text = text.replace(  # a theme removed (and the rule naming it)
        '[[themes]]\nid = "notable_practice"',
        '[[themes]]\nid = "good_practice"',
    ).replace('theme = "notable_practice"', 'theme = "good_practice"')
    text += (  # a free-text question added, and a choice question
        '\n  [[sections.questions]]\n  id = "officer_names"\n  type = "text"\n'
        '  text = "Who attended?"\n'
        '\n  [[sections.questions]]\n  id = "debrief_useful"\n  type = "yes_no"\n'
        '  text = "Was this debrief useful?"\n'
    )
    return text


def test_compare_lists_each_kind_of_change_and_the_debriefs_affected(app, editor, db):
    host = make_user(["sergeant"], username="sam")
    for answers in (
        {"went_well": "Good", "how_reported": "coastguard"},
        {"went_well": "Fine", "how_reported": "coastguard"},
        {"went_well": "Well", "how_reported": "call_999"},
    ):
        make_debrief(host, answers=answers)
    version_id = uploaded_id(upload(editor, _changed_set()))
    page = page_text(editor.get(f"/admin/questions/versions/{version_id}"))

    assert "Questions added (2)" in page and "officer_names" in page and "debrief_useful" in page
    assert "Questions removed (1)" in page and "What went well?" in page
    assert "Question “What went well?” (went_well) is removed: 3 debriefs hold an answer" in page
    assert (
        "Answer “HM Coastguard or RNLI” (coastguard) of “How was the event reported?” "
        "(how_reported) is removed: 2 debriefs gave it." in page
    )
    assert "Did anyone need first aid or hospital?" in page  # wording
    assert '<td class="govuk-table__cell">type</td>' in page and "single_choice" in page
    assert "choice added" in page and "Drone or aircraft (drone)" in page
    assert '<td class="govuk-table__cell">required</td>' in page
    assert "when people_not_located is yes" in page and "when risk_to_life is yes" in page
    assert "Notable practice" in page and ": added" in page and ": removed" in page
    assert "rule added: notable_practice is yes" not in page  # the rule moved with the theme
    # Bindings present in both.
    assert "<code>intel_doc_route</code>" in page
    # The spreadsheet: the Answers sheet's rows and the theme columns.
    assert "Answers (rows)" in page and "How was the event reported? (how_reported): Drone" in page
    assert "Themes by month (columns)" in page
    # The data protection officer.
    assert "For the data protection officer" in page
    assert "“Who attended?” (<code>officer_names</code>, text)" in page
    assert "debrief_useful</code>, yes_no" not in page


def test_compare_names_the_register_columns_a_draft_changes(editor):
    text = REAL_TEXT.replace(
        'id = "risk_to_life"\n  type = "yes_no"', 'id = "risk_to_life_now"\n  type = "yes_no"'
    ).replace('question = "risk_to_life"', 'question = "risk_to_life_now"')
    version_id = uploaded_id(upload(editor, text))
    page = page_text(editor.get(f"/admin/questions/versions/{version_id}"))
    assert "Debriefs (answer columns)" in page
    assert "Was there an immediate risk to life? (risk_to_life)" in page


# --- 4. publish and roll back ------------------------------------------------------------------


def test_publish_and_roll_back_change_what_a_new_debrief_gets_and_an_old_draft_keeps_its_own(
    app, client, login_as, db
):
    login_as("question_set_editor", "sergeant", username="both")
    old_draft = start_debrief(client)
    first = db.get(Debrief, old_draft).question_set_id
    version_id = uploaded_id(upload(client, reworded("What went well?", "What worked well?")))

    response = client.post(
        f"/admin/questions/versions/{version_id}/publish",
        data={"reason": "HMICFRS revisit: clearer wording"},
    )
    assert response.status_code == 302
    assert "published: new debriefs start on it" in page_text(client.get("/admin/questions"))
    new_draft = start_debrief(client, incident_ref="INC-20250614-0202")
    assert db.get(Debrief, new_draft).question_set_id == version_id
    assert "What worked well?" in client.get(f"/debriefs/{new_draft}/sections/learning").get_data(
        as_text=True
    )
    assert db.get(Debrief, old_draft).question_set_id == first
    assert "What went well?" in client.get(f"/debriefs/{old_draft}/sections/learning").get_data(
        as_text=True
    )

    response = client.post(
        f"/admin/questions/versions/{first}/publish", data={"reason": "Wording confused officers"}
    )
    assert response.status_code == 302
    third = start_debrief(client, incident_ref="INC-20250614-0203")
    db.expire_all()
    assert db.get(Debrief, third).question_set_id == first
    assert db.get(Debrief, new_draft).question_set_id == version_id  # keeps its version

    records = db.query(AuditEntry).filter(AuditEntry.action.like("question_set.%")).all()
    by_action = {r.action: r for r in records}
    published = by_action["question_set.published"]
    new_hash = db.get(QuestionSetVersion, version_id).version_hash
    old_hash = db.get(QuestionSetVersion, first).version_hash
    assert published.username == "both" and published.object_id == new_hash
    assert published.details == {
        "version": new_hash,
        "previous": old_hash,
        "reason": "HMICFRS revisit: clearer wording",
    }
    rolled = by_action["question_set.rolled_back"]
    assert rolled.object_id == old_hash and rolled.details["reason"] == "Wording confused officers"
    assert by_action["question_set.draft_uploaded"].object_id == new_hash
    page = page_text(client.get("/admin/questions"))
    assert "Rolled back to <code>" + old_hash[:12] in page and "Wording confused officers" in page


def test_publishing_needs_a_reason_and_a_version_not_already_active(editor, db):
    version_id = uploaded_id(upload(editor, reworded("What went well?", "What worked well?")))
    response = editor.post(f"/admin/questions/versions/{version_id}/publish", data={"reason": " "})
    assert response.status_code == 400
    assert "Enter the reason for the change" in page_text(response)
    assert (
        editor.post(
            f"/admin/questions/versions/{version_id}/publish", data={"reason": "Go"}
        ).status_code
        == 302
    )
    again = editor.post(f"/admin/questions/versions/{version_id}/publish", data={"reason": "Go"})
    assert again.status_code == 409
    assert "already the one new debriefs start on" in page_text(again)
    assert db.query(QuestionSetPublication).count() == 2  # the seed and one publish


def test_a_set_from_before_bindings_cannot_be_rolled_back_to(app, editor, db):
    from debrief.questions.loader import parse_snapshot
    from debrief.questions.store import stored_version

    june = stored_version(db, parse_snapshot(JUNE_2025.read_text("utf-8")))
    db.commit()
    page = page_text(editor.get(f"/admin/questions/versions/{june.id}"))
    assert "This version cannot be made active" in page and "declares no [bindings]" in page
    response = editor.post(f"/admin/questions/versions/{june.id}/publish", data={"reason": "Old"})
    assert response.status_code == 409


def test_every_version_can_be_downloaded_as_it_was_uploaded(editor, db):
    text = reworded("What went well?", "What worked well?")
    version_id = uploaded_id(upload(editor, text))
    response = editor.get(f"/admin/questions/versions/{version_id}/download")
    assert response.data.decode("utf-8") == text
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    seed = db.query(QuestionSetVersion).order_by(QuestionSetVersion.id).first()
    assert editor.get(f"/admin/questions/versions/{seed.id}/download").data.decode() == REAL_TEXT


def test_two_publishes_at_once_one_is_refused(app, db):
    """The claim is a conditional UPDATE on the one state row: it holds across connections
    (SQLite and PostgreSQL) and so across workers and servers."""
    first = publish_text(app, reworded("What went well?", "What worked well?"))
    second_text = reworded("What went well?", "What went best?")
    engine = make_engine(app.config["DATABASE_URL"])
    factory = make_session_factory(engine)
    actor = Actor(username="one")
    with factory() as session:
        draft = publishing.store_draft(
            session, actor, publishing.check_upload(second_text.encode(), "q.toml"), "q.toml"
        )
        session.commit()
        draft_id = draft.id
    seed_id = db.query(QuestionSetVersion).order_by(QuestionSetVersion.id).first().id
    started, go_on = threading.Event(), threading.Event()
    outcome: dict = {}

    def hold():
        started.set()
        assert go_on.wait(10)

    def publish_slowly():
        with factory() as session:
            try:
                outcome["first"] = publishing.make_active(
                    session, Actor(username="one"), draft_id, "First", during=hold
                ).action
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome["first"] = exc

    thread = threading.Thread(target=publish_slowly)
    thread.start()
    assert started.wait(10)
    with factory() as session, pytest.raises(publishing.PublishInProgress) as refused:
        publishing.make_active(session, Actor(username="two"), seed_id, "Second")
    assert "Another publish is in progress" in str(refused.value)
    go_on.set()
    thread.join(10)
    assert outcome["first"] == publishing.PUBLISH
    db.rollback()  # end the test session's read: see what was committed since
    assert publishing.active_version_id(db) == draft_id
    assert db.query(QuestionSetPublication).filter_by(reason="Second").count() == 0
    assert first != draft_id
    # The claim is released: a publish after it goes through.
    with factory() as session:
        assert publishing.make_active(session, actor, seed_id, "Third").action == "roll_back"
    engine.dispose()


def test_a_publish_refused_while_another_runs_says_so_on_the_page(app, editor, db):
    from debrief.models import QuestionSetState

    version_id = uploaded_id(upload(editor, reworded("What went well?", "What worked well?")))
    state = db.get(QuestionSetState, 1)
    state.publishing_token = "someone-else"
    state.publishing_since = __import__("debrief.timeutil").timeutil.utcnow()
    db.commit()
    response = editor.post(f"/admin/questions/versions/{version_id}/publish", data={"reason": "x"})
    assert response.status_code == 409
    assert "Another publish is in progress" in page_text(response)
    assert "A publish is in progress" in page_text(editor.get("/admin/questions"))


def test_the_command_line_publishes_a_file_with_a_reason(app, db, tmp_path):
    path = tmp_path / "questions.toml"
    path.write_text(_changed_set())
    result = app.test_cli_runner().invoke(
        main, ["questions", "publish", str(path), "--reason", "Inspection follow-up"]
    )
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.output and "2 questions added" in result.output
    assert "For the data protection officer: new free-text question officer_names" in result.output
    assert "Published version" in result.output
    assert active_question_set(app).question("officer_names") is not None
    entry = db.query(AuditEntry).filter_by(action="question_set.published").one()
    assert entry.username.startswith("cli:") and entry.details["reason"] == "Inspection follow-up"

    path.write_text(REAL_TEXT.replace('id = "medical_help"', 'id = "how_reported"'))
    result = app.test_cli_runner().invoke(
        main, ["questions", "publish", str(path), "--reason", "Oops"]
    )
    assert result.exit_code == 1 and "duplicate question id" in result.output
    assert "Nothing was published" in result.output


def test_only_administrators_and_question_set_editors_see_the_link(app, client, login_as):
    login_as("hub_reviewer")
    assert "/admin/questions" not in client.get("/review/").get_data(as_text=True)
    with app.app_context():
        make_user(["question_set_editor"], username="qe")
    other = app.test_client()
    response = other.post("/sign-in", data={"username": "qe", "password": DEFAULT_PASSWORD})
    assert response.headers["Location"].endswith("/admin/questions")
    assert 'href="/admin/questions"' in other.get("/admin/questions").get_data(as_text=True)
    assert other.get("/admin/").status_code == 403


def test_compare_counts_each_choice_given_and_not_empty_answers(app, editor, db):
    host = make_user(["sergeant"], username="sam")
    for answers in (
        {"went_well": "", "roles_present": ["custody", "detectives"]},
        {"went_well": "Good", "roles_present": ["custody"]},
        {"went_well": "Fine", "roles_present": []},
        {"roles_present": ["detectives"]},
    ):
        make_debrief(host, answers=answers)
    text = without_question(
        "went_well", REAL_TEXT.replace('    { id = "custody", label = "Custody" },\n', "")
    )
    version_id = uploaded_id(upload(editor, text))
    page = page_text(editor.get(f"/admin/questions/versions/{version_id}"))

    # The empty answer is no answer; the list gave custody twice over two debriefs.
    assert "Question “What went well?” (went_well) is removed: 2 debriefs hold an answer" in page
    assert (
        "Answer “Custody” (custody) of “Who took part in the debrief?” (roles_present) "
        "is removed: 2 debriefs gave it." in page
    )
