"""Where a workbook is written: in this process, or in a child fed through a pipe (Flask-free).

A big export spends about as long in openpyxl turning cells into XML (15 s at
100,000 debriefs) as in reading, counting and preparing them (12 s). Written in
a child process, the two halves run on two cores at once: the export took 27 s
in one process and about 17 s in two (issue 9). Small exports stay in one
process, where starting a child would cost more than it saves.

Both kinds of book take the same calls: `table_sheet` (rows are prepared here,
by `xlsx.prepare_row`, and written there), `run` (a function given the
workbook, for the small sheets) and `save`. Nothing but the finished file
reaches `target`; the child's temporary sheet files live in a folder of their
own, removed when the export ends (by the child itself if this process is killed).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .. import xlsx

ROWS_PER_MESSAGE = 500  # enough to make pickling cheap per row, small enough to overlap
SAVE_TIMEOUT_SECONDS = 600  # a save that takes longer than this has hung


class WriterFailed(Exception):
    """The child writing the workbook stopped or failed; the message says how."""


class LocalBook:
    """A workbook written in this process."""

    def __init__(self, target: Path):
        self.target = target
        self.workbook = xlsx.new_workbook(write_only=True)

    def __enter__(self) -> LocalBook:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def table_sheet(self, title: str, columns: Sequence[xlsx.Column], **options) -> xlsx.TableSheet:
        """Add a table sheet (see `xlsx.TableSheet`) and return it."""
        return xlsx.TableSheet(self.workbook, title, columns, **options)

    def run(self, function: Callable[..., None], *args: Any) -> None:
        """Call `function(workbook, *args)`."""
        function(self.workbook, *args)

    def save(self) -> None:
        """Write the workbook to the target."""
        xlsx.save(self.workbook, self.target)


class ChildBook:
    """A workbook written by a child process while this one goes on preparing rows."""

    def __init__(self, target: Path):
        self.target = target
        self._sheets = 0
        self._connection: Connection | None = None
        self._process: subprocess.Popen | None = None
        self._folder = ""
        self.saved = False

    def __enter__(self) -> ChildBook:
        self._folder = tempfile.mkdtemp(prefix="oic-export-")
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno()), self._folder],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            self._remove_folder()
            raise
        finally:
            theirs.close()
        self._connection = Connection(ours.detach())
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._connection is not None:
                self._connection.close()  # a child still waiting for rows stops, writing nothing
            if self._process is not None:
                try:
                    self._process.wait(timeout=0 if not self.saved else 30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
        finally:
            self._remove_folder()

    def table_sheet(self, title: str, columns: Sequence[xlsx.Column], **options) -> RemoteSheet:
        """Add a table sheet in the child; rows appended to it are prepared here."""
        number = self._sheets
        self._sheets += 1
        self._send(("sheet", number, title, list(columns), options))
        return RemoteSheet(self, number, list(columns))

    def run(self, function: Callable[..., None], *args: Any) -> None:
        """Have the child call `function(workbook, *args)` (function and args must pickle)."""
        self._send(("run", function, args))

    @property
    def _pipe(self) -> Connection:
        """The connection to the child; only used between __enter__ and __exit__."""
        assert self._connection is not None, "ChildBook used outside its with block"
        return self._connection

    def save(self) -> None:
        """Have the child write the workbook to the target; wait until it has."""
        self._send(("save", str(self.target)))
        connection = self._pipe
        if not connection.poll(SAVE_TIMEOUT_SECONDS):
            raise WriterFailed(f"the workbook writer did not finish in {SAVE_TIMEOUT_SECONDS} s")
        self._raise_unless_saved(self._receive())
        self.saved = True

    def _send(self, message: tuple) -> None:
        connection = self._pipe
        if connection.poll():  # the child speaks first only to say it failed
            self._raise_unless_saved(self._receive())
        try:
            connection.send(message)
        except OSError as error:  # the child has gone: say why, if it could
            raise self._failure() from error

    def _receive(self) -> tuple:
        try:
            return self._pipe.recv()
        except (EOFError, OSError) as error:
            raise self._failure() from error

    def _raise_unless_saved(self, reply: tuple) -> None:
        if reply[0] != "saved":
            raise WriterFailed(f"the workbook writer failed:\n{reply[1]}")

    def _failure(self) -> WriterFailed:
        connection = self._pipe
        try:
            if connection.poll(1):
                return WriterFailed(f"the workbook writer failed:\n{connection.recv()[1]}")
        except (EOFError, OSError):
            pass
        code = self._process.poll() if self._process else None
        return WriterFailed(f"the workbook writer stopped (exit status {code})")

    def _remove_folder(self) -> None:
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


class RemoteSheet:
    """A table sheet written in the child: appended rows are prepared here and sent in batches."""

    def __init__(self, book: ChildBook, number: int, columns: list[xlsx.Column]):
        self._book = book
        self._number = number
        self._columns = columns
        self._rows: list[xlsx.PreparedRow] = []

    def append(self, values: Sequence[Any]) -> None:
        """Prepare one data row (see `xlsx.prepare_row`); send it with the next batch."""
        self._rows.append(xlsx.prepare_row(self._columns, values))
        if len(self._rows) >= ROWS_PER_MESSAGE:
            self._flush()

    def finish(self) -> None:
        """Send what is left and have the child add the table over the rows."""
        self._flush()
        self._book._send(("finish", self._number))

    def _flush(self) -> None:
        if self._rows:
            self._book._send(("rows", self._number, self._rows))
            self._rows = []


def serve(connection: Connection, folder: str) -> None:
    """The child: build the workbook from the parent's messages until told to save it.

    openpyxl's streamed sheets spill to temporary files in `folder`, which the
    child removes however it ends (the parent does too, unless it was killed).
    """
    tempfile.tempdir = folder
    try:
        _serve(connection)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serve(connection: Connection) -> None:
    workbook = xlsx.new_workbook(write_only=True)
    sheets: list[xlsx.TableSheet] = []
    try:
        while True:
            message = connection.recv()
            kind = message[0]
            if kind == "rows":
                sheet = sheets[message[1]]
                for row in message[2]:
                    sheet.write(row)
            elif kind == "sheet":
                _, _number, title, columns, options = message
                sheets.append(xlsx.TableSheet(workbook, title, columns, **options))
            elif kind == "finish":
                sheets[message[1]].finish()
            elif kind == "run":
                message[1](workbook, *message[2])
            elif kind == "save":
                xlsx.save(workbook, message[1])
                connection.send(("saved", ""))
                return
    except EOFError:
        return  # the parent stopped before saving: nothing is written
    except BaseException:
        connection.send(("failed", traceback.format_exc()))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), sys.argv[2])
