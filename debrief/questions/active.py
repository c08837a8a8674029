"""The question set new debriefs are started on: the version last published, kept in the
database (publishing.py), so that every worker and server uses the same one.

The active version's id (one row, by its key) is read again at most once every
CHECK_SECONDS in each process, and a version is parsed only when the id has changed: a
publish reaches every worker and server within a second, without a restart (the process
that publishes forgets its copy at once). Reading the row costs a few milliseconds on a
busy machine, so it is not read on every call (a page may ask several times). The
question file on disk only seeds a new installation: a broken file stops the app at
start-up only when there is no published version yet.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..db import reads_first
from ..models import QuestionSetVersion
from .loader import QuestionSet
from .publishing import active_version_id, seed_if_empty
from .store import question_set_of

log = logging.getLogger(__name__)

EXTENSION_KEY = "debrief.questions"
CHECK_SECONDS = 1.0


class ActiveQuestionSet:
    """Holds the active question set, and notices when another server publishes."""

    def __init__(self, engine: Engine, seed_path: str | Path):
        self.engine = engine
        self.seed_path = Path(seed_path)
        self._lock = threading.Lock()
        self._version_id: int | None = None
        self._current: QuestionSet | None = None
        self._checked_at = float("-inf")

    def forget(self) -> None:
        """Read the active version again at the next use (after a publish here)."""
        self._checked_at = float("-inf")

    def seed(self) -> None:
        """Publish the question file if nothing is published yet (raises QuestionSetError
        when the file is needed and wrong)."""
        with reads_first(), Session(self.engine) as session:
            seed_if_empty(session, self.seed_path)

    def get(self) -> QuestionSet:
        """Return the question set to start new debriefs on, as last published."""
        now = time.monotonic()
        current = self._current
        if current is not None and now - self._checked_at < CHECK_SECONDS:
            return current
        with reads_first(), Session(self.engine) as session:
            version_id = active_version_id(session)
            if version_id is None:
                session.rollback()
                seed_if_empty(session, self.seed_path)
                version_id = active_version_id(session)
            if version_id == self._version_id and self._current is not None:
                self._checked_at = now
                return self._current
            row = session.get(QuestionSetVersion, version_id)
            assert row is not None
            current = question_set_of(row)
        with self._lock:
            if version_id != self._version_id:
                log.info("Question set in use: version %s", current.short_version)
            self._version_id, self._current, self._checked_at = version_id, current, now
        return current


def active_question_set(app) -> QuestionSet:
    """Return the app's current question set."""
    return app.extensions[EXTENSION_KEY].get()
