"""The question set new debriefs are started on: loaded at start-up, reloaded when edited.

A broken file stops the app at start-up with the loader's message. Once running,
an edit that breaks the file is logged and the last good version stays in use,
so a typo never takes the service down; `debrief questions check` says what is
wrong.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from .loader import QuestionSet, QuestionSetError, load_file

log = logging.getLogger(__name__)

EXTENSION_KEY = "debrief.questions"


class ActiveQuestionSet:
    """Holds the current question set and notices when its file changes."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = self._file_stamp()
        self._current = load_file(self.path)  # raises QuestionSetError: refuse to start
        self.last_error: QuestionSetError | None = None

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def get(self) -> QuestionSet:
        """Return the question set to start new debriefs on, reloading an edited file."""
        stamp = self._file_stamp()
        if stamp == self._stamp or stamp is None:
            return self._current
        with self._lock:
            if stamp != self._stamp:
                self._stamp = stamp
                try:
                    self._current = load_file(self.path)
                    self.last_error = None
                    log.info("Question set reloaded: version %s", self._current.short_version)
                except QuestionSetError as exc:
                    self.last_error = exc
                    log.error("Edited question set refused, keeping the last good one:\n%s", exc)
        return self._current


def active_question_set(app) -> QuestionSet:
    """Return the app's current question set."""
    return app.extensions[EXTENSION_KEY].get()
