"""The administrator's view of the active question set and the check of its file."""

from __future__ import annotations

import shutil

from debrief.config import PROJECT_ROOT
from debrief.questions.loader import load_file
from tests.factories import DEFAULT_PASSWORD, make_user


def _admin_client(app):
    with app.app_context():
        make_user(["admin"], username="boss")
    client = app.test_client()
    client.post("/sign-in", data={"username": "boss", "password": DEFAULT_PASSWORD})
    return client


def test_shows_version_sections_themes_and_a_clean_check(app):
    expected = load_file(PROJECT_ROOT / "questions.toml")
    page = _admin_client(app).get("/admin/questions").get_data(as_text=True)
    assert expected.short_version in page
    assert "No problems found." in page
    assert f"{len(expected.sections)} sections, {len(expected.questions)} questions" in page
    for section in expected.sections:
        assert section.title.replace("'", "&#39;") in page
    for theme in expected.themes:
        assert theme.label.replace("'", "&#39;") in page


def test_a_broken_file_shows_every_problem_and_the_last_good_version_stays(build_app, tmp_path):
    path = tmp_path / "questions.toml"
    shutil.copyfile(PROJECT_ROOT / "questions.toml", path)
    good = load_file(path)
    app = build_app(QUESTIONS_PATH=str(path))
    client = _admin_client(app)
    path.write_text(path.read_text("utf-8") + '\n[[sections]]\nid = "broken"\n', "utf-8")
    page = client.get("/admin/questions").get_data(as_text=True)
    assert "The question file has" in page and "problem" in page
    assert "New debriefs carry on with the last good version" in page
    assert good.short_version in page
