"""What views in every blueprint share: who is acting, and sending a workbook as a download."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

from flask import Response, abort, request, send_file, url_for
from flask_login import current_user

from . import audit
from .audit import Actor
from .extensions import db_session

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def current_actor() -> Actor:
    """Return who is making this request, and from which address, for the audit trail."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user, request.remote_addr or "")


def record_consultation(
    action: str, object_type: str = "", object_id: str | int = "", **details
) -> None:
    """Record that the signed-in person saw personal data on this page (DPA s.62
    consultation: the audit trail, the users pages, an import preview, the dashboard)."""
    session = db_session()
    audit.record(
        session,
        current_actor(),
        audit.Category.CONSULTATION,
        action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    session.commit()


def refuse_as_not_found(object_type: str, object_id: str | int) -> NoReturn:
    """Answer 404 for something this person may not see (another sergeant's debrief, a
    draft for the hub), and record the refusal (DPA s.62): 775 such requests by one
    sergeant left no trace before."""
    session = db_session()
    session.rollback()
    audit.record(
        session,
        current_actor(),
        audit.Category.SECURITY,
        f"{object_type}.refused",
        object_type=object_type,
        object_id=object_id,
        details={"path": request.path, "method": request.method},
    )
    session.commit()
    abort(404)


def url_pattern(endpoint: str, *names: str, **values: Any) -> Callable[..., str]:
    """Return a function giving the endpoint's URL for whole numbers in `names`, in that
    order: url_for built once a page rather than once a row (two links on each of 100
    rows took 3 ms, a third of the trivial page). Checked against url_for for other
    numbers; where the URL writes numbers otherwise, url_for is used for every one."""

    def built(ids: tuple[int, ...]) -> str:
        arguments: dict[str, Any] = {**dict(zip(names, ids, strict=True)), **values}
        return url_for(endpoint, **arguments)

    markers = tuple(987_654_321_000 + index for index in range(len(names)))
    rest, pieces = built(markers), []
    for marker in map(str, markers):
        head, _, rest = rest.partition(marker)
        pieces.append(head)

    def url(*ids: int) -> str:
        return "".join(f"{piece}{int(i)}" for piece, i in zip(pieces, ids, strict=True)) + rest

    other = tuple(range(7, 7 + len(names)))
    return url if url(*other) == built(other) else lambda *ids: built(ids)


def view_arg(name: str) -> Any:
    """Return a value the URL's rule took from the path (a debrief's id, a section's)."""
    return (request.view_args or {})[name]


def send_workbook(stream: BinaryIO, download_name: str) -> Response:
    """Send an xlsx workbook as a download that no browser or proxy keeps (workbooks
    name debriefs, events and people)."""
    response = send_file(
        stream, mimetype=XLSX_TYPE, as_attachment=True, download_name=download_name, max_age=0
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@contextmanager
def temporary_workbook(prefix: str) -> Iterator[Path]:
    """Give a temporary file to write a large workbook into, and delete its name on the way
    out: a stream opened on it inside the block keeps the data until the response is sent."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".xlsx")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        os.unlink(name)
