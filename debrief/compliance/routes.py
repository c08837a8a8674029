"""Compliance: the dashboard, list imports and NCCU reconciliation.

The dashboard shows aggregates only (hub reviewers and partnership leads);
imports and the reconciliation lists name references and are for the hub.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from .. import audit, recommendation2, summaries
from ..extensions import db_session, locks_before_writing
from ..models import Debrief, Event, ImportBatch, NccuReferral
from ..periods import ReviewTarget
from ..questions.active import active_question_set
from ..roles import Permission, can
from ..security import requires
from ..text_input import MAX_PAGE, whole_number_or_none
from ..timeutil import local_today, utcnow
from ..web import (
    current_actor,
    record_consultation,
    refuse_as_not_found,
    send_workbook,
    url_pattern,
    view_arg,
)
from . import chasing, imports, reconcile
from .dashboard import build, default_period, month_keys, rec2_figures
from .files import ImportRefused
from .forms import (
    DOWNLOAD_PURPOSES,
    DownloadForm,
    MatchForm,
    OutstandingFilterForm,
    PeriodForm,
    SubmissionForm,
    UploadForm,
    month_choices,
)
from .reconcile_xlsx import LISTS, answer_time, missing_text, write
from .svg_charts import Series, bar_chart, line_chart

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

# As many rows as the review queue's page: each row of a list costs about 0.2 ms to read
# and draw, so 100 rows made a list page 4-5 times the trivial page (issue 22).
LIST_PAGE_SIZE = 50


def _page_size(slug: str) -> int:
    """Rows a page of the list shows: half as many unmatched referrals, each a decision
    with up to three suggested events and two buttons for each (and the events near each
    read to suggest them)."""
    return -(-LIST_PAGE_SIZE // 2) if slug == "unmatched" else LIST_PAGE_SIZE


PREVIEW_ROWS_SHOWN = 200


# The dashboard


@bp.get("/")
@requires(Permission.DASHBOARD)
def dashboard():
    """Show the compliance figures for a period (aggregates only)."""
    today = local_today()
    form = PeriodForm(formdata=request.args or None)
    form.start.choices = form.end.choices = month_choices(today)
    period = default_period(today)
    if request.args:
        period = form.period if form.validate() else period
    else:
        form.start.data, form.end.data = f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"
    config = current_app.config
    figures = build(
        db_session(),
        period,
        theme_labels=_theme_labels(),
        target=ReviewTarget.from_config(config),
        today=today,
    )
    record_consultation("dashboard.view", period=figures.period.label)
    return render_template(
        "compliance/dashboard.html",
        form=form,
        d=figures,
        charts=_charts(figures),
        rec2_definitions=recommendation2,
        receipt_definition=chasing.RECEIPT_DEFINITION,
    )


def _theme_labels() -> dict[str, str]:
    question_set = active_question_set(current_app)
    return {theme.id: theme.label for theme in question_set.themes}


def _charts(d) -> dict:
    # Month names along the bottom; the year under the first month and each January.
    labels = [
        f"{m.month:%b}\n{m.month:%Y}" if i == 0 or m.month.month == 1 else f"{m.month:%b}"
        for i, m in enumerate(d.months)
    ]
    when = d.period.description
    return {
        "coverage": bar_chart(
            "chart-coverage",
            title=f"Debrief coverage by month, {when}",
            desc="Percentage of events each month with a submitted debrief. "
            "The table below the chart gives the figures.",
            labels=labels,
            values=[m.coverage.percent for m in d.months],
            unit="%",
            max_value=100,
        ),
        "intel": line_chart(
            "chart-intel",
            title=f"Intelligence document rate by month, {when}",
            desc="Two lines: the percentage of debriefs saying the intelligence document was "
            "submitted, and the percentage of NCCU referrals for which the NCCU received it. "
            "The table below the chart gives the figures.",
            labels=labels,
            series=[
                Series("Debriefs say submitted", [m.intel_debriefs.percent for m in d.months]),
                Series("NCCU says received", [m.intel_nccu.percent for m in d.months]),
            ],
            unit="%",
            max_value=100,
        ),
        "themes": line_chart(
            "chart-themes",
            title=f"Most frequent themes by month, {when}",
            desc="Number of debriefs each month with each of the most frequent themes, as "
            "confirmed by the hub. The table below the chart gives every theme.",
            labels=labels,
            series=[Series(t.label, t.by_month) for t in d.charted_themes],
        )
        if d.charted_themes
        else None,
    }


# Imports


@bp.get("/imports")
@requires(Permission.IMPORT_LISTS)
def imports_index():
    """Show the two kinds of import and the recent ones."""
    recent = db_session().scalars(
        select(ImportBatch)
        .where(ImportBatch.status == "applied")
        .order_by(ImportBatch.applied_at.desc())
        .limit(20)
    )
    return render_template("compliance/imports.html", recent=list(recent))


@bp.route("/imports/<kind>", methods=["GET", "POST"])
@locks_before_writing  # the file is read and checked before anything takes the lock
@requires(Permission.IMPORT_LISTS)
def upload(kind: str):
    """Upload a list and see the preview before anything is written."""
    if kind not in imports.KINDS:
        abort(404)
    config = current_app.config
    form = UploadForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        data = upload_file.read(config["IMPORT_MAX_BYTES"] + 1)
        session = db_session()
        try:
            preview = imports.preview_file(session, kind, upload_file.filename, data, config)
        except ImportRefused as exc:
            session.rollback()
            form.file.errors = [str(exc)]
        else:
            batch = imports.stage(session, preview, data, current_actor())
            session.commit()
            return redirect(url_for(".batch", batch_id=batch.id))
    columns = config["NCCU_IMPORT_COLUMNS" if kind == imports.NCCU else "EVENTS_IMPORT_COLUMNS"]
    required = {f.key for f in imports.KINDS[kind].fields if f.column_required}
    return render_template(
        "compliance/upload.html",
        form=form,
        kind=kind,
        kind_label=imports.KIND_LABELS[kind],
        columns=[(heading, key in required) for key, heading in columns.items()],
    )


def _batch_or_404(batch_id: int, for_update: bool = False) -> ImportBatch:
    batch = db_session().get(ImportBatch, batch_id, with_for_update=for_update)
    if batch is None:
        abort(404)
    return batch


@bp.get("/imports/batch/<int:batch_id>")
@requires(Permission.IMPORT_LISTS)
def batch(batch_id: int):
    """Show the preview of an import, or what it did."""
    batch = _batch_or_404(batch_id)
    preview, problem = None, None
    if batch.status == "previewed" and batch.content is not None:
        try:
            preview = imports.preview_file(
                db_session(), batch.kind, batch.filename, batch.content, current_app.config
            )
        except ImportRefused as exc:
            problem = str(exc)
    record_consultation("import.preview.view", "import_batch", batch.id, status=batch.status)
    return render_template(
        "compliance/batch.html",
        batch=batch,
        preview=preview,
        problem=problem,
        kind_label=imports.KIND_LABELS[batch.kind],
        shown=PREVIEW_ROWS_SHOWN,
    )


@bp.post("/imports/batch/<int:batch_id>/confirm")
@locks_before_writing  # imports.confirm takes the lock once the file is read and checked
@requires(Permission.IMPORT_LISTS)
def confirm(batch_id: int):
    """Apply a previewed import in one transaction."""
    session = db_session()
    batch = _batch_or_404(batch_id)
    try:
        imports.confirm(session, batch, current_app.config, current_actor())
    except ImportRefused as exc:  # dealt with already, or unreadable now: say so on its page
        session.rollback()
        flash(str(exc), "info")
        return redirect(url_for(".batch", batch_id=batch_id))
    session.commit()
    s = batch.summary
    flash(f"Imported {batch.filename}: {s['add']} added, {s['update']} updated.", "success")
    return redirect(url_for(".batch", batch_id=batch_id))


@bp.errorhandler(imports.PreviewChanged)
def preview_changed(_changed: imports.PreviewChanged):
    """Show the new preview of an import whose records changed since it was previewed."""
    db_session().commit()  # keeps the new counts, so confirming the new preview works
    flash(
        "The records changed since the preview was made. Check the new preview, "
        "then confirm again.",
        "info",
    )
    return redirect(url_for(".batch", batch_id=view_arg("batch_id")))


@bp.post("/imports/batch/<int:batch_id>/cancel")
@requires(Permission.IMPORT_LISTS)
def cancel(batch_id: int):
    """Cancel a previewed import; nothing is written."""
    session = db_session()
    batch = _batch_or_404(batch_id, for_update=True)
    imports.discard(session, batch, current_actor())
    session.commit()
    flash("The import was cancelled. Nothing was imported.", "info")
    return redirect(url_for(".imports_index"))


# Reconciliation


@bp.get("/reconciliation")
@requires(Permission.IMPORT_LISTS)
def reconciliation_index():
    """Start at the outstanding intelligence documents."""
    return redirect(url_for(".reconciliation", slug="outstanding"))


@bp.get("/reconciliation/<slug>")
@requires(Permission.IMPORT_LISTS)
def reconciliation(slug: str):
    """Show one reconciliation list, with the size of the others."""
    return _render_list(slug, DownloadForm(formdata=None))


def _filter_form() -> tuple[OutstandingFilterForm, chasing.Filters]:
    """The outstanding list's filters, read from the query string; choices from the list."""
    form = OutstandingFilterForm(formdata=request.args or None)
    sergeants, districts = chasing.stored_outstanding_choices(db_session())
    districts = sorted({*current_app.config["DISTRICTS"], *districts} - {""})
    form.sergeant.choices = [("", "Any")] + [(name, name) for name in sergeants]
    form.district.choices = [("", "Any")] + [(name, name) for name in districts]
    return form, (form.filters() if request.args else chasing.Filters())


def _rows(slug: str, filters: chasing.Filters, offset: int = 0, limit: int | None = None):
    """Return rows of one list (all of them where no limit), matched by the database."""
    session = db_session()
    config = current_app.config
    if slug == "undebriefed":
        return reconcile.undebriefed_page(session, config["DEBRIEF_DUE_DAYS"], offset, limit)
    narrowing = chasing.narrowing(session, filters, utcnow()) if slug == "outstanding" else None
    rows = reconcile.list_page(session, config, slug, offset, limit, narrowing)
    return chasing.annotate(session, rows) if slug == "outstanding" else rows


def _render_list(slug: str, form: DownloadForm):
    if slug not in LISTS:
        abort(404)
    session = db_session()
    config = current_app.config
    period = default_period(local_today())
    # The page's stored figures in one read: the list's, the filter's choices, Rec 2's months.
    choices = [chasing.CHOICES_KEY] if slug == "outstanding" else []
    keys = [*reconcile.kept_for_page(slug), *choices, *month_keys(period)]
    summaries.prefetch(session, keys)
    filter_form, filters = _filter_form() if slug == "outstanding" else (None, chasing.Filters())
    counts = reconcile.list_counts(session, config)
    total = counts[slug]
    if filters.any:
        narrowing = chasing.narrowing(session, filters, utcnow())
        total = reconcile.list_total(session, slug, narrowing)
    page = min(whole_number_or_none(request.args.get("page")) or 1, MAX_PAGE)
    size = _page_size(slug)
    pages = max(1, -(-total // size))
    page = min(page, pages)
    shown = _rows(slug, filters, (page - 1) * size, size)
    rec2 = rec2_figures(session, period, imported=reconcile.referrals_listed(session))
    # Recorded once everything is read: on SQLite the write holds the lock to the commit.
    record_consultation(
        "reconciliation.viewed", "reconciliation_list", slug, rows_shown=len(shown), page=page
    )
    query = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "compliance/reconciliation.html",
        rec2_period=period,
        rec2=rec2,
        rec2_definitions=recommendation2,
        spec=LISTS[slug],
        specs=LISTS,
        slug=slug,
        rows=shown,
        total=total,
        counts=counts,
        page=page,
        pages=pages,
        page_size=size,
        form=form,
        due_days=config["DEBRIEF_DUE_DAYS"],
        now=utcnow(),
        debrief_url=_debrief_url(),
        answer_time=answer_time,
        missing_text=missing_text,
        filter_form=filter_form,
        filters=filters,
        query=query,
        as_of=chasing.latest_list(session),
        record_url=_record_url(),
        decide_url=url_pattern(".decide_match", "referral_id"),
    )


def _record_url() -> Callable[[Any], str | None]:
    """Link to the page recording an outstanding document's submission, where it has one."""
    record = url_pattern(".record_submission", "referral_id", "debrief_id")

    def url(match) -> str | None:
        if match.debrief is None or match.chase is None or match.chase.state == chasing.CLOSED:
            return None
        return record(match.referral.id, match.debrief.id)

    return url


def _debrief_url() -> Callable[[int], str | None]:
    """Link to the hub's page for a debrief, where the review area provides one."""
    if "review.show" not in current_app.view_functions:
        return lambda _debrief_id: None
    return url_pattern("review.show", "debrief_id")


@bp.post("/reconciliation/<slug>/download")
@requires(Permission.IMPORT_LISTS)
def download(slug: str):
    """Download one list as a spreadsheet; recorded as a disclosure with its purpose."""
    if slug not in LISTS:
        abort(404)
    form = DownloadForm()
    if not form.validate_on_submit():
        return _render_list(slug, form)
    filters = _filter_form()[1] if slug == "outstanding" else chasing.Filters()
    rows = _rows(slug, filters)
    buffer = io.BytesIO()
    config = current_app.config
    written = write(
        slug,
        rows,
        buffer,
        marking=config["PROTECTIVE_MARKING"],
        force_name=config["FORCE_NAME"],
        as_of=chasing.latest_list(db_session()),
        filters=filters,
    )
    session = db_session()
    audit.record(
        session,
        current_actor(),
        audit.Category.DISCLOSURE,
        "reconciliation.exported",
        object_type="reconciliation_list",
        object_id=slug,
        details={
            "rows": written,
            "purpose": form.purpose.data,
            "recipients": DOWNLOAD_PURPOSES[form.purpose.data],
        },
    )
    session.commit()
    buffer.seek(0)
    return send_workbook(buffer, f"{slug}-{local_today().isoformat()}.xlsx")


@bp.post("/referrals/<int:referral_id>/match")
@requires(Permission.IMPORT_LISTS)
def decide_match(referral_id: int):
    """Confirm or reject a suggested match between a referral and an event."""
    session = db_session()
    referral = session.get(NccuReferral, referral_id)
    if referral is None:
        abort(404)
    form = MatchForm()
    if not form.validate_on_submit():
        abort(400)
    event = session.get(Event, form.event_id.data)
    if event is None:
        abort(404)
    if form.decision.data == "confirm":
        reconcile.confirm_match(session, referral, event, current_actor())
        message = f"{referral.nccu_reference} is now matched to {event.incident_ref}."
    else:
        reconcile.reject_match(session, referral, event, current_actor())
        message = f"{event.incident_ref} will not be suggested for {referral.nccu_reference} again."
    session.commit()
    flash(message, "success")
    return redirect(url_for(".reconciliation", slug="unmatched"))


# Chasing an outstanding intelligence document


@bp.route("/referrals/<int:referral_id>/submission/<int:debrief_id>", methods=["GET", "POST"])
@requires(Permission.RECORD_INTEL_DOC)
def record_submission(referral_id: int, debrief_id: int):
    """Record when, how and by whom an outstanding intelligence document was submitted:
    the debrief's sergeant, their supervisor or the hub."""
    session = db_session()
    referral = session.get(NccuReferral, referral_id)
    debrief = session.get(Debrief, debrief_id)
    if referral is None or debrief is None:
        abort(404)
    if not chasing.may_record(current_user, debrief):
        refuse_as_not_found("debrief", debrief_id)
    back = _back_from_record(debrief)
    if referral.intel_doc_received:
        flash(
            f"The NCCU's list already says the intelligence document for "
            f"{referral.nccu_reference} was received.",
            "info",
        )
        return redirect(back)
    item = chasing.matched_item(
        session, referral, debrief, current_app.config["NCCU_MATCH_WINDOW_HOURS"]
    )
    if item is None:
        abort(404)
    form = SubmissionForm()
    if request.method == "POST" and form.check_times(debrief.event.reported_at, utcnow()):
        assert form.submitted_at is not None
        chasing.record_submission(
            session,
            current_actor(),
            referral,
            debrief,
            submitted_at=form.submitted_at,
            route=form.route.data,
            submitted_by=form.submitted_by.data.strip(),
        )
        session.commit()
        flash(
            f"Recorded: the intelligence document for {referral.nccu_reference} is now "
            "submitted, awaiting the NCCU's next list.",
            "success",
        )
        return redirect(back)
    record_consultation(
        "intel_doc.chase.view", "debrief", debrief.id, nccu_reference=referral.nccu_reference
    )
    return render_template(
        "compliance/record_submission.html",
        form=form,
        item=item,
        debrief=debrief,
        back=back,
    ), (400 if request.method == "POST" else 200)


def _back_from_record(debrief: Debrief) -> str:
    """Send the hub back to the outstanding list, and a sergeant to their start page."""
    if can(current_user, Permission.DEBRIEF_HOST) and not can(current_user, Permission.REVIEW):
        return url_for("debriefs.index")
    return url_for(".reconciliation", slug="outstanding")
