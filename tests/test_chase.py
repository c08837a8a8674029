"""Chasing outstanding intelligence documents (issue 20 part 1): from the NCCU's list to the
sergeant's start page, their record of the submission, and the next list closing or
flagging it; the outstanding list's filters; the dashboard's days to confirmed receipt."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from debrief import recommendation2
from debrief.audit import Actor
from debrief.compliance import chasing, imports
from debrief.models import AuditEntry, Debrief, HistoryEntry, IntelDocChase, NccuReferral, User
from debrief.timeutil import from_local
from tests.factories import DEFAULT_PASSWORD, make_debrief, make_event, make_user

HEAD = (
    "NCCU reference,Referral date and time,Force reference,District,"
    "Intelligence document received,Intelligence document received date\n"
)
REF = "NCCU-2026100101"
OTHER = "NCCU-2026100502"
REPORTED = datetime(2026, 10, 1, 8, 0)  # 09:00 BST


def _list(*rows: str) -> bytes:
    return (HEAD + "".join(row + "\n" for row in rows)).encode()


def _row(reference: str, received: bool, on: str = "", district: str = "North") -> str:
    day = reference[11:13]
    yes = "Yes" if received else "No"
    return f"{reference},{day}/10/2026 09:30,,{district},{yes},{on if received else ''}"


def _import(app, db, data: bytes, hub: User | None = None, name: str = "nccu.csv"):
    """Preview, stage and confirm an NCCU list as the import page does."""
    preview = imports.preview_file(db, "nccu", name, data, app.config)
    assert not preview.rejections, preview.summary_lines()
    actor = Actor(user=db.get(User, hub.id)) if hub else Actor(username="cli")
    batch = imports.stage(db, preview, data, actor)
    imports.confirm(db, batch, app.config, actor)
    db.commit()
    return batch


def _sign_in(client, username: str) -> None:
    client.post("/sign-out")
    response = client.post("/sign-in", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _people(db):
    supervisor = make_user(["sergeant"], username="insp-bell", full_name="Insp Bell")
    sergeant = make_user(["sergeant"], username="sgt-ash", full_name="Sgt Ash")
    other = make_user(["sergeant"], username="sgt-cole", full_name="Sgt Cole")
    hub = make_user(["hub_reviewer"], username="hub-dee", full_name="Hub Dee")
    lead = make_user(["partnership_lead"], username="lead-eve")
    db.get(User, sergeant.id).supervisor_id = supervisor.id
    db.commit()
    return {
        "sergeant": sergeant,
        "supervisor": supervisor,
        "other": other,
        "hub": hub,
        "lead": lead,
    }


def _debrief(host, reference=REF, reported=REPORTED, district="North", state="closed"):
    event = make_event(nccu_reference=reference, reported_at=reported, district=district)
    return make_debrief(host, state=state, event=event, answers={"intel_doc_submitted": "no"})


def _record_url(referral_id: int, debrief_id: int) -> str:
    return f"/compliance/referrals/{referral_id}/submission/{debrief_id}"


def _referral(db, reference=REF) -> NccuReferral:
    return db.scalars(select(NccuReferral).where(NccuReferral.nccu_reference == reference)).one()


GOOD_FORM = {
    "submitted_on": ["2", "10", "2026"],
    "submitted_time": "14:30",
    "route": "later",
    "submitted_by": "PC 1234 Jones",
}


def _history(db, debrief_id: int) -> list[str]:
    return [
        h.summary
        for h in db.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.debrief_id == debrief_id, HistoryEntry.kind == "intel_doc")
            .order_by(HistoryEntry.id)
        )
    ]


def _audit_actions(db, debrief_id: int) -> list[str]:
    return [
        a.action
        for a in db.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "debrief",
                AuditEntry.object_id == str(debrief_id),
                AuditEntry.action.like("intel_doc.%"),
                AuditEntry.action != "intel_doc.chase.view",
            )
            .order_by(AuditEntry.id)
        )
    ]


def test_the_journey_from_the_nccu_list_to_a_closed_chase(app, client, db):
    people = _people(db)
    debrief = _debrief(people["sergeant"])
    version = debrief.version
    _import(app, db, _list(_row(REF, False)), people["hub"])
    referral = _referral(db)

    # The sergeant sees it on their start page, with the way to record it.
    _sign_in(client, "sgt-ash")
    start = _text(client.get("/debriefs/"))
    assert f"1 intelligence document outstanding ({REF})" in start
    link = _record_url(referral.id, debrief.id)
    assert f'href="{link}"' in start
    form = _text(client.get(link))
    assert "Record the intelligence document's submission" in form
    # ...and in their notifications, with the header's count, as does their supervisor.
    waiting = _text(client.get("/notifications/"))
    assert "Notifications (1)" in waiting
    assert "1 intelligence document outstanding" in waiting
    assert f'href="{link}"' in waiting and REF in waiting
    _sign_in(client, "insp-bell")
    waiting = _text(client.get("/notifications/"))
    assert f'href="{link}"' in waiting and "debriefed by Sgt Ash" in waiting
    _sign_in(client, "sgt-ash")

    # They record when, how and by whom.
    done = client.post(link, data=GOOD_FORM, follow_redirects=True)
    page = _text(done)
    assert done.request.path == "/debriefs/"
    assert f"the intelligence document for {REF} is now submitted, awaiting" in page
    assert "No intelligence documents outstanding: 1 submitted, awaiting" in page
    assert "Submitted, awaiting NCCU" in page
    assert REF not in _text(client.get("/notifications/"))  # dealt with: awaiting the NCCU

    db.expire_all()
    stored = db.get(Debrief, debrief.id)
    assert stored.state == "closed" and stored.version == version  # not reopened
    assert stored.intel_doc_route == "later"
    assert stored.intel_doc_submitted_at == from_local(datetime(2026, 10, 2, 14, 30))
    assert stored.intel_doc_submitted is True
    chase = db.scalars(select(IntelDocChase)).one()
    assert (chase.state, chase.submitted_by) == ("awaiting_nccu", "PC 1234 Jones")

    # The hub's outstanding list says who, where and where it stands.
    _sign_in(client, "hub-dee")
    listed = _text(client.get("/compliance/reconciliation/outstanding"))
    assert "Sgt Ash" in listed and "Supervisor: Insp Bell" in listed
    assert "Submitted, awaiting NCCU" in listed
    assert "As of the NCCU list imported" in listed and "(nccu.csv)" in listed

    # The next list says received: closed in every list.
    _import(app, db, _list(_row(REF, True, "03/10/2026")), people["hub"], name="later.csv")
    db.expire_all()
    assert db.get(IntelDocChase, chase.id).state == "closed"
    for slug in ("outstanding", "disagreements", "unmatched"):
        assert REF not in _text(client.get(f"/compliance/reconciliation/{slug}")), slug
    _sign_in(client, "sgt-ash")
    assert REF not in _text(client.get("/debriefs/"))
    for person in ("sgt-ash", "insp-bell"):
        _sign_in(client, person)
        waiting = _text(client.get("/notifications/"))
        assert REF not in waiting and "Nothing is waiting for you." in waiting, person

    history = _history(db, debrief.id)
    assert len(history) == 2
    assert history[0].startswith(f"Intelligence document for {REF} recorded as submitted")
    assert "by the reporting officer later, by PC 1234 Jones" in history[0]
    assert "was received. Chase closed." in history[1]
    assert _audit_actions(db, debrief.id) == [
        "intel_doc.submission_recorded",
        "intel_doc.chase.closed",
    ]
    recorded = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "intel_doc.submission_recorded")
    ).one()
    assert recorded.username == "sgt-ash"
    assert "PC 1234" not in str(recorded.details)  # no typed names in the audit trail


def test_a_later_list_still_saying_not_received_puts_it_back_flagged(app, client, db):
    people = _people(db)
    debrief = _debrief(people["sergeant"])
    _import(app, db, _list(_row(REF, False)), people["hub"])
    referral = _referral(db)
    _sign_in(client, "sgt-ash")
    client.post(_record_url(referral.id, debrief.id), data=GOOD_FORM)

    _import(app, db, _list(_row(REF, False)), people["hub"], name="second.csv")  # unchanged row
    db.expire_all()
    assert db.scalars(select(IntelDocChase)).one().state == "flagged"
    start = _text(client.get("/debriefs/"))
    assert f"1 intelligence document outstanding ({REF})" in start
    assert "Force says submitted on 2 October 2026, NCCU still not received" in start
    waiting = _text(client.get("/notifications/"))  # back in their notifications, flagged
    assert "Flagged" in waiting and "NCCU still not received" in waiting and REF in waiting
    assert "Put back to the sergeant" in _history(db, debrief.id)[-1]
    assert _audit_actions(db, debrief.id)[-1] == "intel_doc.chase.flagged"

    # A list without the referral on it says nothing about it.
    _import(app, db, _list(_row(OTHER, False)), people["hub"], name="third.csv")
    db.expire_all()
    assert db.scalars(select(IntelDocChase)).one().state == "flagged"

    # The hub filters the outstanding list to the flagged ones.
    _sign_in(client, "hub-dee")
    flagged = _text(client.get("/compliance/reconciliation/outstanding?state=flagged"))
    assert REF in flagged and "NCCU still not received" in flagged

    # Recorded again, it awaits the next list again.
    _sign_in(client, "sgt-ash")
    again = client.post(_record_url(referral.id, debrief.id), data=GOOD_FORM)
    assert again.status_code == 302
    db.expire_all()
    assert db.scalars(select(IntelDocChase)).one().state == "awaiting_nccu"


def test_who_may_record_it(app, client, db):
    people = _people(db)
    debrief = _debrief(people["sergeant"])
    _import(app, db, _list(_row(REF, False), _row(OTHER, False)), people["hub"])
    url = _record_url(_referral(db).id, debrief.id)

    _sign_in(client, "sgt-cole")  # another sergeant: as if it did not exist, and recorded
    assert client.get(url).status_code == 404
    assert client.post(url, data=GOOD_FORM).status_code == 404
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "debrief.refused")).all()
    assert refused and refused[-1].username == "sgt-cole"
    assert REF not in _text(client.get("/debriefs/"))

    _sign_in(client, "lead-eve")  # no permission at all
    assert client.get(url).status_code == 403

    _sign_in(client, "sgt-ash")  # a referral not matched to this debrief
    assert client.get(_record_url(_referral(db, OTHER).id, debrief.id)).status_code == 404

    _sign_in(client, "insp-bell")  # the supervisor sees it and may record it
    start = _text(client.get("/debriefs/"))
    assert f"1 intelligence document outstanding ({REF})" in start
    assert "debriefed by Sgt Ash" in start
    assert client.get(url).status_code == 200

    _sign_in(client, "hub-dee")  # and so may the hub, sent back to the list
    done = client.post(url, data=GOOD_FORM)
    assert done.headers["Location"] == "/compliance/reconciliation/outstanding"
    assert db.scalars(select(IntelDocChase)).one().recorded_by_id == people["hub"].id

    _import(app, db, _list(_row(REF, True, "03/10/2026")), people["hub"], name="later.csv")
    received = client.get(url)  # received now: nothing left to record
    assert received.status_code == 302
    assert "already says" in _text(client.get(received.headers["Location"]))


def test_a_form_without_its_token_is_refused(build_app):
    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    from debrief.extensions import db_session

    with app.app_context():
        people = _people(db_session())
        debrief = _debrief(people["sergeant"])
        _import(app, db_session(), _list(_row(REF, False)), people["hub"])
        url = _record_url(_referral(db_session()).id, debrief.id)
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/sign-in", data={"username": "sgt-ash", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert client.post(url, data=GOOD_FORM).status_code == 400
    with app.app_context():
        assert db_session().scalars(select(IntelDocChase)).all() == []


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"submitted_on": ["30", "9", "2026"]}, "submitted_on",
         "must be the same as or after the event was reported (1 October 2026 at 9:00am)"),
        ({"submitted_on": ["1", "10", "2026"], "submitted_time": "08:59"}, "submitted_on",
         "must be the same as or after the event was reported"),
        ({"submitted_on": ["2", "10", "2099"]}, "submitted_on", "must not be in the future"),
        ({"submitted_time": "25:00"}, "submitted_time",
         "Time it was submitted must be a real time, for example 14:30"),
        ({"submitted_time": ""}, "submitted_time", "Enter the time it was submitted"),
        ({"submitted_on": ["", "", ""]}, "submitted_on", "Enter the date it was submitted"),
        ({"submitted_on": ["", "10", "2026"]}, "submitted_on",
         "The date it was submitted must include a day"),
        ({"submitted_on": ["31", "2", "2026"]}, "submitted_on",
         "The date it was submitted must be a real date"),
        ({"route": ""}, "route", "Select how it was submitted"),
        ({"route": "pigeon"}, "route", "Not a valid choice"),
        ({"submitted_by": " "}, "submitted_by", "Enter who submitted it"),
        ({"submitted_by": "x" * 121}, "submitted_by", "120 characters or fewer"),
    ],
)  # fmt: skip
def test_bad_input_is_named_and_nothing_typed_is_lost(app, client, db, change, field, message):
    people = _people(db)
    debrief = _debrief(people["sergeant"])
    _import(app, db, _list(_row(REF, False)), people["hub"])
    _sign_in(client, "sgt-ash")
    typed = {**GOOD_FORM, "submitted_by": "PC 99 Typed", **change}
    response = client.post(_record_url(_referral(db).id, debrief.id), data=typed)
    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert f'href="#{field}' in page  # the summary links to the field at fault
    if field != "submitted_by":
        assert 'value="PC 99 Typed"' in page
    assert db.scalars(select(IntelDocChase)).all() == []


def test_the_outstanding_list_filters_and_its_download_follows(app, client, db):
    people = _people(db)
    _debrief(people["sergeant"])
    _debrief(
        people["other"], reference=OTHER, reported=datetime(2026, 10, 5, 8, 0), district="South"
    )
    _import(
        app,
        db,
        _list(
            _row(REF, False), _row(OTHER, False, district="South"), _row("NCCU-2026100903", False)
        ),
        people["hub"],
    )
    _sign_in(client, "hub-dee")
    base = "/compliance/reconciliation/outstanding"
    everything = _text(client.get(base))
    assert all(r in everything for r in (REF, OTHER, "NCCU-2026100903"))
    assert "Sgt Cole" in everything and "Sgt Ash" in everything

    def references(query: str) -> set[str]:
        return set(re.findall(r"NCCU-\d{10}", _text(client.get(f"{base}?{query}"))))

    assert references("sergeant=Sgt+Ash") == {REF}
    assert references("district=South") == {OTHER}
    assert references("state=outstanding&district=North") == {REF, "NCCU-2026100903"}
    assert references("min_days=90") == set()
    assert "Nothing on this list matches the filters." in _text(client.get(f"{base}?min_days=90"))
    assert references("min_days=7") == {REF, OTHER, "NCCU-2026100903"}
    assert references("sergeant=Nobody") == {REF, OTHER, "NCCU-2026100903"}  # not a choice

    download = client.post(
        "/compliance/reconciliation/outstanding/download?district=South",
        data={"purpose": "supervisors"},
    )
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    text = " ".join(str(v) for row in rows for v in row if v)
    assert "As of the NCCU list imported" in text and "Filtered: district South" in text
    header = next(row for row in rows if row[0] == "NCCU reference")
    body = [dict(zip(header, row, strict=True)) for row in rows[rows.index(header) + 1 :]]
    assert [(r["NCCU reference"], r["District"], r["Sergeant"], r["Chase"]) for r in body] == [
        (OTHER, "South", "Sgt Cole", "Outstanding")
    ]
    assert isinstance(body[0]["Days outstanding"], int) and body[0]["Days outstanding"] > 7


def test_a_late_submission_counts_in_recommendation_2(app, client, db):
    people = _people(db)
    debrief = _debrief(people["sergeant"])
    start, stop = datetime(2026, 9, 30, 23, 0), datetime(2026, 10, 31, 23, 0)  # October, UK
    october = date(2026, 10, 1)

    before = recommendation2.figures(db, start, stop, [october]).month(october)
    assert (before.referrals_debriefed, before.submitted, before.not_done) == (1, 0, 1)

    _import(app, db, _list(_row(REF, False)), people["hub"])
    _sign_in(client, "sgt-ash")
    client.post(_record_url(_referral(db).id, debrief.id), data=GOOD_FORM)
    db.expire_all()
    after = recommendation2.figures(db, start, stop, [october]).month(october)
    assert (after.referrals_debriefed, after.submitted, after.not_done) == (1, 1, 0)
    assert after.by_route["later"] == 1
    assert after.rate.text == "100% (1 of 1)"
    assert after.nccu_rate.text == "0% (0 of 1)"  # the NCCU's list is still the authority


def test_a_resubmitted_debrief_keeps_the_late_record_unless_its_answers_say_submitted(app, db):
    from debrief.debriefs.submitting import record_intel_doc
    from tests.factories import real_question_set

    people = _people(db)
    debrief = _debrief(people["sergeant"], state="returned")
    _import(app, db, _list(_row(REF, False)), people["hub"])
    stored = db.get(Debrief, debrief.id)
    chasing.record_submission(
        db,
        Actor(user=db.get(User, people["sergeant"].id)),
        _referral(db),
        stored,
        submitted_at=datetime(2026, 10, 2, 13, 30),
        route="later",
        submitted_by="PC 1",
    )
    record_intel_doc(stored, real_question_set(), {"intel_doc_route": "not_done"})
    assert (stored.intel_doc_route, stored.intel_doc_submitted_at) == (
        "later",
        datetime(2026, 10, 2, 13, 30),
    )
    answers = {"intel_doc_route": "first_report", "intel_doc_submitted_at": "2026-10-01T10:00"}
    record_intel_doc(stored, real_question_set(), answers)
    assert stored.intel_doc_route == "first_report"  # the answers now say it


def test_the_dashboard_shows_median_days_to_confirmed_receipt(app, client, db):
    people = _people(db)
    _import(
        app,
        db,
        _list(
            "NCCU-2026100101,01/10/2026 09:30,,North,Yes,03/10/2026",  # 2 days (the list's date)
            "NCCU-2026100202,02/10/2026 09:30,,North,Yes,06/10/2026",  # 4 days
            "NCCU-2026100303,03/10/2026 09:30,,North,Yes,",  # no date: when first listed
            "NCCU-2026100404,04/10/2026 09:30,,North,No,",  # outstanding: not counted
        ),
        people["hub"],
    )
    listed = _referral(db, "NCCU-2026100303").receipt_listed_at
    assert listed is not None
    first = _referral(db, "NCCU-2026100101")
    assert chasing.confirmed_at(first.intel_doc_received_at, first.receipt_listed_at) == (
        first.intel_doc_received_at
    )
    start, stop = datetime(2026, 9, 30, 23, 0), datetime(2026, 10, 31, 23, 0)
    figures = chasing.receipt_days(db, start, stop, [date(2026, 10, 1)])
    third = (listed - datetime(2026, 10, 3, 8, 30)).total_seconds() / 86400
    # The list's dates are local midnights (BST: 23:00 UTC the day before).
    two_days = (datetime(2026, 10, 2, 23) - datetime(2026, 10, 1, 8, 30)).total_seconds() / 86400
    four_days = (datetime(2026, 10, 5, 23) - datetime(2026, 10, 2, 8, 30)).total_seconds() / 86400
    expected = sorted([two_days, four_days, third])[1]
    assert figures.received == 3
    assert figures.months[0].median_days == round(expected, 1)

    # A later list marking it received again does not move when it was first listed.
    _import(app, db, _list("NCCU-2026100303,03/10/2026 09:30,,North,Yes,"), people["hub"], "b.csv")
    db.expire_all()
    assert _referral(db, "NCCU-2026100303").receipt_listed_at == listed

    _sign_in(client, "hub-dee")
    page = _text(client.get("/compliance/?start=2026-10&end=2026-10"))
    assert "Median days to confirmed receipt" in page
    assert f"{round(expected, 1)} days (3 referrals received)" in page


def test_the_administrator_sets_a_supervisor_and_it_is_audited(app, client, db, login_as):
    people = _people(db)
    admin = login_as("admin", username="admin-fay")
    sergeant, supervisor = people["other"], people["supervisor"]
    page = _text(client.get(f"/admin/users/{sergeant.id}"))
    assert "Supervisor" in page and "Insp Bell (insp-bell)" in page
    done = client.post(
        f"/admin/users/{sergeant.id}/supervisor",
        data={"supervisor": str(supervisor.id)},
        follow_redirects=True,
    )
    assert "Supervisor of sgt-cole is now Insp Bell." in _text(done)
    db.expire_all()
    assert db.get(User, sergeant.id).supervisor_id == supervisor.id
    record = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.supervisor")).one()
    assert (record.username, record.object_id) == ("admin-fay", str(sergeant.id))
    assert record.details["after"] == supervisor.id

    # Nobody supervises themselves, directly or round a chain.
    own = client.post(f"/admin/users/{admin.id}/supervisor", data={"supervisor": str(admin.id)})
    assert own.status_code == 400  # not a choice offered
    loop = client.post(
        f"/admin/users/{supervisor.id}/supervisor", data={"supervisor": str(sergeant.id)}
    )
    assert loop.status_code == 409
    assert "Sgt Cole is supervised, directly or not, by Insp Bell" in _text(loop)
    cleared = client.post(f"/admin/users/{sergeant.id}/supervisor", data={"supervisor": ""})
    assert cleared.status_code == 302
    db.expire_all()
    assert db.get(User, sergeant.id).supervisor_id is None


def test_disposal_erases_who_submitted_it_and_keeps_the_dates(app, db):
    from debrief.admin import retention

    people = _people(db)
    debrief = _debrief(people["sergeant"])
    _import(app, db, _list(_row(REF, False)), people["hub"])
    stored = db.get(Debrief, debrief.id)
    chasing.record_submission(
        db,
        Actor(user=db.get(User, people["hub"].id)),
        _referral(db),
        stored,
        submitted_at=datetime(2026, 10, 2, 13, 30),
        route="first_report",
        submitted_by="Call taker 77",
    )
    db.commit()
    retention.dispose(db, stored, 6)
    db.commit()
    chase = db.scalars(select(IntelDocChase)).one()
    assert chase.submitted_by == ""
    assert chase.submitted_at == datetime(2026, 10, 2, 13, 30)
    assert "Call taker 77" not in " ".join(_history(db, debrief.id))


def test_recording_a_submission_keeps_nothing_midway(app, client, db):
    """The POST that records a submission asks what is put to the sergeant before it
    writes: keeping that (chasing.put_to) would commit the request's read early, so the
    POST only reads what is kept; the start page after it keeps it again."""
    from debrief.models import StoredSummary

    people = _people(db)
    debrief = _debrief(people["sergeant"])
    _import(app, db, _list(_row(REF, False)), people["hub"])
    url = _record_url(_referral(db).id, debrief.id)
    _sign_in(client, "sgt-ash")

    def kept() -> list[str]:
        db.rollback()
        return list(
            db.scalars(
                select(StoredSummary.key).where(StoredSummary.key.startswith(chasing.PUT_TO_KEY))
            )
        )

    assert client.post(url, data=GOOD_FORM).status_code == 302
    assert kept() == []
    assert db.scalars(select(IntelDocChase)).one().state == chasing.AWAITING
    start = _text(client.get("/debriefs/"))
    assert len(kept()) == 1
    assert "No intelligence documents outstanding: 1 submitted" in start
