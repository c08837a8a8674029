"""Publishing question sets in tests: the real question file, changed, through the real
domain (questions/publishing.py) or the real pages."""

from __future__ import annotations

import re

from debrief.audit import Actor
from debrief.config import PROJECT_ROOT
from debrief.db import make_engine, make_session_factory
from debrief.questions import publishing

REAL_TEXT = (PROJECT_ROOT / "questions.toml").read_text("utf-8")


def reworded(old: str, new: str, text: str = REAL_TEXT) -> str:
    """Return the question file with one question's text changed."""
    assert f'text = "{old}"' in text
    return text.replace(f'text = "{old}"', f'text = "{new}"')


def without_question(question_id: str, text: str = REAL_TEXT) -> str:
    """Return the question file without one (non-bound, no follow-ups) question."""
    blocks = re.split(r"(?m)^(?=[ \t]*\[\[)", text)
    kept = [b for b in blocks if not re.search(rf'(?m)^\s*id = "{question_id}"$', b)]
    assert len(kept) == len(blocks) - 1
    return "".join(kept)


def publish_text(app, text: str, reason: str = "A test", username: str = "test") -> int:
    """Upload and publish a question file as the command line would; return its version id."""
    engine = make_engine(app.config["DATABASE_URL"])
    session = make_session_factory(engine)()
    try:
        actor = Actor(username=username)
        question_set = publishing.check_upload(text.encode("utf-8"), "questions.toml")
        row = publishing.store_draft(session, actor, question_set, "questions.toml")
        session.commit()
        publishing.make_active(session, actor, row.id, reason)
        app.extensions["debrief.questions"].forget()  # as the page and the command do
        return row.id
    finally:
        session.close()
        engine.dispose()
