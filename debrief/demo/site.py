"""Where the demo writes: the database session, the password hasher, the settings, the
instance folder and the question set, handed in so that the demo needs no Flask."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..auth.passwords import Hasher
from ..questions.active import active_question_set
from ..questions.loader import QuestionSet


@dataclass(frozen=True)
class DemoSite:
    session: Session
    hasher: Hasher
    config: Mapping[str, Any]
    instance_folder: Path
    question_set: QuestionSet

    @classmethod
    def of(cls, app: Any, session: Session) -> DemoSite:
        """The site of a running app (a Flask app, passed in rather than imported)."""
        return cls(
            session=session,
            hasher=app.extensions["debrief.hasher"],
            config=app.config,
            instance_folder=Path(app.instance_path),
            question_set=active_question_set(app),
        )
