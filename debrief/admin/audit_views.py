"""Administration: the audit trail (page and xlsx export)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, render_template, request

from .. import audit
from ..extensions import db_session
from ..roles import Permission
from ..security import requires
from ..text_input import MAX_PAGE, whole_number_or_none
from ..timeutil import to_local, utcnow
from ..web import current_actor, record_consultation, send_workbook, temporary_workbook
from . import audit_trail
from .common import bp
from .forms import AuditFilterForm


def _filter_from_request() -> tuple[AuditFilterForm, audit_trail.AuditFilter | None]:
    form = AuditFilterForm(formdata=request.args if request.args else None)
    if request.args and not form.validate():
        return form, None
    return form, audit_trail.AuditFilter(
        username=form.username.data or "",
        category=form.category.data or "",
        action=form.action.data or "",
        object_type=form.object_type.data or "",
        object_id=form.object_id.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _page_number() -> int:
    return min(whole_number_or_none(request.args.get("page")) or 1, MAX_PAGE)


@bp.get("/audit")
@requires(Permission.AUDIT)
def audit_page():
    """Search the audit trail, newest first."""
    form, wanted = _filter_from_request()
    if wanted is None:
        return render_template("admin/audit.html", form=form, entries=[], total=0), 400
    session_ = db_session()
    if audit.record_ended_minutes(session_):  # tallied refusals of minutes now over
        session_.commit()
    total = audit_trail.count(session_, wanted)
    number = _page_number()
    entries = audit_trail.page(session_, wanted, number)
    query = {k: v for k, v in request.args.items(multi=True) if k != "page"}
    record_consultation("audit.view", filter=query, page=number, shown=len(entries))
    pages = max((total + audit_trail.PAGE_SIZE - 1) // audit_trail.PAGE_SIZE, 1)
    return render_template(
        "admin/audit.html",
        form=form,
        entries=entries,
        total=total,
        number=number,
        pages=pages,
        query_string=urlencode(query, doseq=True),
        details_summary=audit_trail.details_summary,
        local_time=lambda at: to_local(at).strftime("%H:%M:%S"),
    )


@bp.get("/audit/export")
@requires(Permission.AUDIT)
def audit_export():
    """Download the matching records as a spreadsheet; the download is itself audited."""
    form, wanted = _filter_from_request()
    if wanted is None:
        return render_template("admin/audit.html", form=form, entries=[], total=0), 400
    session_ = db_session()
    rows = audit_trail.count(session_, wanted)
    audit.record(
        session_,
        current_actor(),
        audit.Category.DISCLOSURE,
        "audit.export",
        object_type="audit_trail",
        details={"filters": wanted.describe(), "rows": rows},
    )
    session_.commit()  # the disclosure is on record before anything is sent
    with temporary_workbook("oic-audit-") as path:
        with path.open("wb") as target:
            audit_trail.write_xlsx(
                session_, wanted, target, marking=current_app.config["PROTECTIVE_MARKING"]
            )
        return send_workbook(path.open("rb"), f"audit-trail-{utcnow():%Y%m%d-%H%M}.xlsx")
