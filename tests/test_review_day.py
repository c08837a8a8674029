"""The hub reviewer's day (issue 21): find a debrief by its reference, comment on single
answers when returning it, see exactly what changed, theme decisions that stay made,
bulk "start review", and forms that say what is wrong in page order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from debrief import periods
from debrief.models import (
    AnswerComment,
    AuditEntry,
    Debrief,
    DebriefTheme,
    DismissedTheme,
    Event,
    HistoryEntry,
    ReviewReturn,
)
from debrief.references import _next_prefix, key_starts_with, query_key, search_key
from tests.debrief_helpers import answer_everything, hidden, save_section, start_debrief
from tests.export_helpers import open_workbook, run_export
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.review_helpers import queued

COMMENT_WAIT = "Forty-five minutes: was that waiting for the NCCU or for a call back?"
COMMENT_WELL = "Say what made the handover quick, so other teams can copy it."
REASON = "Two answers need a closer look: see the comments beside them."


def _fresh(db) -> None:
    db.commit()
    db.expire_all()


def _sign_in(app, username: str):
    browser = app.test_client()
    response = browser.post("/sign-in", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return browser


def _submit(browser, debrief_id: int):
    check = browser.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    return browser.post(
        f"/debriefs/{debrief_id}/submit",
        data={"declaration": "yes", "version": hidden(check, "version")},
    )


def _review_form(client, debrief_id: int, path: str) -> dict[str, str]:
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/review/{debrief_id}/{path}"[^>]*>(.*?)</form>', page, re.S
    )
    assert form
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))


def _return_with_comments(client, debrief_id: int, comments: dict[str, str]):
    page = client.get(f"/review/{debrief_id}/return").get_data(as_text=True)
    return client.post(
        f"/review/{debrief_id}/return",
        data={
            "version": hidden(page, "version"),
            "seen": hidden(page, "seen"),
            "reason": REASON,
            **{f"comment-{qid}": text for qid, text in comments.items()},
        },
    )


@pytest.fixture
def submitted(app, db):
    """A sergeant's debrief of INC-20250614-0101 / NCCU-2025061401, answered and submitted."""
    make_user(["sergeant"], username="sam", full_name="Sam Sergeant")
    sam = _sign_in(app, "sam")
    debrief_id = start_debrief(sam)
    answer_everything(sam, debrief_id)
    assert _submit(sam, debrief_id).status_code == 302
    return sam, debrief_id


# --- 1. references and search -------------------------------------------------------------------


def test_the_search_key_is_the_reference_reversed_letters_and_digits_only():
    assert search_key("inc-20250614-0042") == "240041605202CNI"
    assert search_key(None) is None and search_key("--") is None
    assert query_key(" 0614-0042 ") == "24004160"
    assert _next_prefix("AB9") == "ABA" and _next_prefix("ABZ") == "AC"
    assert _next_prefix("ZZ") is None


@pytest.mark.parametrize(
    "typed",
    [
        "INC-20250614-0101",  # whole
        "inc-20250614-0101",  # any case
        "20250614-0101",  # without the prefix
        "202506140101",  # without the hyphens
        "0101",  # the trailing digits
        " 0614 0101 ",
        "NCCU-2025061401",  # the NCCU reference
        "61401",
    ],
)
def test_the_queue_finds_a_debrief_by_its_references(client, login_as, db, submitted, typed):
    _, debrief_id = submitted
    queued(make_user(["sergeant"], username="other"), incident_ref="INC-20250614-0202")
    login_as("hub_reviewer")
    page = client.get("/review/", query_string={"q": typed}).get_data(as_text=True)
    assert "1 debrief<" in page.replace("\n", "<")
    assert f'href="/review/{debrief_id}">INC-20250614-0101</a>' in page
    assert "INC-20250614-0202" not in page


def test_a_search_finds_returned_and_closed_debriefs_too_but_never_drafts(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sgt")
    for state, ref in [
        ("returned", "INC-20250101-7001"),
        ("closed", "INC-20250101-8001"),
        ("draft", "INC-20250101-9001"),
    ]:
        queued(sergeant, state=state, incident_ref=ref)
    login_as("hub_reviewer")
    page = client.get("/review/?q=001").get_data(as_text=True)
    assert "INC-20250101-7001" in page and "INC-20250101-8001" in page
    assert "INC-20250101-9001" not in page
    # Within a state filter, the filter holds.
    only_closed = client.get("/review/?q=001&state=closed").get_data(as_text=True)
    assert "INC-20250101-8001" in only_closed and "INC-20250101-7001" not in only_closed


def test_a_search_too_short_says_so_and_is_audited_when_run(client, login_as, db, submitted):
    _, debrief_id = submitted
    reviewer = login_as("hub_reviewer")
    short = client.get("/review/?q=-1-").get_data(as_text=True)
    assert "Enter at least 3 letters or digits" in short
    assert '<a href="#q">' in short
    client.get("/review/?q=0101")
    entry = (
        db.query(AuditEntry)
        .filter_by(user_id=reviewer.id, action="queue.search")
        .order_by(AuditEntry.id.desc())
        .first()
    )
    assert entry.category == "consultation"
    assert ["q", "0101"] in entry.details["filter"]
    assert entry.details["debrief_ids"] == [debrief_id]


def test_only_people_who_may_see_debriefs_can_search(client, login_as, db, submitted):
    login_as("sergeant", username="another-sergeant")
    assert client.get("/review/?q=0101").status_code == 403
    assert 'id="header-q"' not in client.get("/account").get_data(as_text=True)
    client.post("/sign-out")
    login_as("hub_reviewer")
    header = client.get("/account").get_data(as_text=True)
    assert 'action="/review/" class="app-header__search"' in header
    assert 'id="header-q" name="q"' in header


def test_search_keys_follow_every_write_of_a_reference(app, db):
    event_id = queued(
        make_user(["sergeant"], username="sgt"), incident_ref="INC-20250101-1111"
    ).event_id
    event = db.get(Event, event_id)
    assert event.incident_key == search_key("INC-20250101-1111")
    event.incident_ref = "INC-20250101-2222"
    event.nccu_reference = "NCCU-555444"
    db.commit()
    db.expire_all()
    found = db.scalars(
        select(Event.id).where(key_starts_with(Event.incident_key, query_key("2222")))
    ).all()
    assert found == [event.id]
    assert db.get(Event, event.id).nccu_key == search_key("NCCU-555444")


def test_the_migration_fills_the_keys_of_events_written_without_them(app, db):
    import importlib

    migration = importlib.import_module(
        "debrief.migrations.versions.0018_review_references_returns"
    )
    event_id = queued(
        make_user(["sergeant"], username="sgt"), incident_ref="INC-20250101-3333"
    ).event_id
    db.execute(update(Event).values(incident_key=None, nccu_key=None))
    db.commit()
    assert migration.fill_search_keys(db.connection()) >= 1
    db.commit()
    db.expire_all()
    assert db.get(Event, event_id).incident_key == search_key("INC-20250101-3333")


def test_pages_name_a_debrief_by_its_references(client, login_as, db, submitted):
    _, debrief_id = submitted
    login_as("hub_reviewer")
    queue_page = client.get("/review/").get_data(as_text=True)
    assert "INC-20250614-0101" in queue_page and "NCCU-2025061401" in queue_page
    assert f"Debrief {debrief_id}" not in queue_page
    review = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    assert "<title>Debrief INC-20250614-0101" in review
    assert f"Debrief {debrief_id}<" not in review
    reason = client.get(f"/review/{debrief_id}/return").get_data(as_text=True)
    assert "Return INC-20250614-0101 to the sergeant" in reason


# --- 2 and 3. comments on answers, what changed ---------------------------------------------


def test_comments_on_answers_reach_the_sergeant_and_the_changes_reach_the_hub(
    app, client, login_as, db, submitted
):
    sam, debrief_id = submitted
    reviewer = login_as("hub_reviewer", full_name="Harper Hub")
    response = _return_with_comments(
        client,
        debrief_id,
        {"nccu_wait_minutes": COMMENT_WAIT, "went_well": COMMENT_WELL, "no_such": "ignored"},
    )
    assert response.status_code == 302
    _fresh(db)
    kept = db.scalars(select(AnswerComment).order_by(AnswerComment.id)).all()
    assert [(c.question_id, c.text) for c in kept] == [
        ("nccu_wait_minutes", COMMENT_WAIT),
        ("went_well", COMMENT_WELL),
    ]

    # The task list: the comments at the top, "To fix" on their sections.
    overview = sam.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert "What the hub asks you to fix (2)" in overview
    assert overview.index(COMMENT_WAIT) < overview.index("debrief-tasks")
    assert len(re.findall(r">\s*To fix\s*<", overview)) == 2
    # The section page: the comment beside its question, before its field.
    nccu = sam.get(f"/debriefs/{debrief_id}/sections/nccu").get_data(as_text=True)
    assert COMMENT_WAIT in nccu and COMMENT_WELL not in nccu
    assert nccu.index('id="hub-comment-nccu_wait_minutes"') < nccu.index('name="nccu_wait_minutes"')

    # A short reply.
    reply = sam.post(
        f"/debriefs/{debrief_id}/comments/{kept[0].id}/reply",
        data={"reply": "Waiting for the NCCU to answer."},
    )
    assert reply.status_code == 302
    assert "Your reply: Waiting for the NCCU to answer." in sam.get(
        f"/debriefs/{debrief_id}/sections/nccu"
    ).get_data(as_text=True)

    # The sergeant changes one of the two answers and resubmits.
    from tests.debrief_helpers import COMPLETE

    assert save_section(sam, debrief_id, "nccu", {**COMPLETE, "nccu_wait_minutes": 20}).status_code
    assert _submit(sam, debrief_id).status_code == 302
    _fresh(db)

    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    changes = page[page.index('id="changes"') : page.index("</table>", page.index('id="changes"'))]
    assert COMMENT_WAIT in changes and "Reply: Waiting for the NCCU to answer." in changes
    assert re.search(r">\s*45\s*</td>\s*<td[^>]*>→ 20\s*<", changes), changes
    assert COMMENT_WELL in changes and "Not changed" in changes  # commented, not changed
    assert changes.count("→") == 1  # exactly the one change

    history = db.scalars(
        select(HistoryEntry.summary).where(
            HistoryEntry.debrief_id == debrief_id, HistoryEntry.kind == "edit"
        )
    ).all()
    assert any(s.startswith("Changed ‘") and "45 → 20" in s for s in history)
    resubmit = db.scalars(select(AuditEntry).where(AuditEntry.action == "debrief.resubmit")).one()
    assert resubmit.details["changed_answers"] == ["nccu_wait_minutes"]
    assert "20" not in str(resubmit.details.get("changed_answers"))
    comments_audit = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "debrief.answer_comments")
    ).one()
    assert comments_audit.user_id == reviewer.id
    assert comments_audit.details == {"question_ids": ["nccu_wait_minutes", "went_well"]}
    assert COMMENT_WAIT not in str(comments_audit.details)


def test_a_comment_too_long_is_named_in_page_order_and_nothing_is_returned(
    client, login_as, db, submitted
):
    _, debrief_id = submitted
    login_as("hub_reviewer")
    page = client.get(f"/review/{debrief_id}/return").get_data(as_text=True)
    response = client.post(
        f"/review/{debrief_id}/return",
        data={
            "version": hidden(page, "version"),
            "seen": hidden(page, "seen"),
            "reason": "",
            "comment-went_well": "x" * 1001,
            "comment-nccu_wait_minutes": "y" * 1001,
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    summary = re.findall(r'<a href="#([\w-]+)"', body.split("govuk-error-summary__list")[1])[:3]
    assert summary == ["reason", "comment-nccu_wait_minutes", "comment-went_well"]
    assert db.get(Debrief, debrief_id).state == "submitted"


def test_comments_never_reach_a_partner_copy_and_go_with_the_debrief(
    app, client, login_as, db, submitted, tmp_path
):
    sam, debrief_id = submitted
    login_as("hub_reviewer")
    _return_with_comments(client, debrief_id, {"went_well": COMMENT_WELL})
    _fresh(db)
    comment = db.scalars(select(AnswerComment)).one()
    sam.post(
        f"/debriefs/{debrief_id}/comments/{comment.id}/reply", data={"reply": "SERGEANT-REPLY-7"}
    )
    assert _submit(sam, debrief_id).status_code == 302
    _fresh(db)
    db.execute(update(DebriefTheme).values(confirmed=True))
    db.execute(update(Debrief).where(Debrief.id == debrief_id).values(state="closed"))
    db.commit()

    workbook = open_workbook(run_export(app, tmp_path, period=periods.quarter(2025, 2)))
    cells = " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    assert "Notable" in cells or cells  # the workbook has content
    for secret in (COMMENT_WELL, "SERGEANT-REPLY-7", REASON):
        assert secret not in cells

    from debrief.admin import retention

    retention.dispose(db, db.get(Debrief, debrief_id), 6)
    db.commit()
    assert db.scalar(select(ReviewReturn.id)) is None
    assert db.scalar(select(AnswerComment.id)) is None


# --- 4. theme decisions ---------------------------------------------------------------------------


def test_a_removed_suggestion_stays_removed_until_its_answers_change(
    app, client, login_as, db, submitted
):
    from tests.debrief_helpers import COMPLETE

    sam, debrief_id = submitted
    login_as("hub_reviewer")
    assert db.get(DebriefTheme, (debrief_id, "nccu_access")) is not None
    client.post(
        f"/review/{debrief_id}/themes",
        data={
            **_review_form(client, debrief_id, "themes"),
            "theme_id": "nccu_access",
            "op": "remove",
        },
    )
    _fresh(db)
    assert db.get(DismissedTheme, (debrief_id, "nccu_access")).basis

    def round_trip(answers):
        _return_with_comments(client, debrief_id, {})
        if answers:
            save_section(sam, debrief_id, "nccu", answers)
        assert _submit(sam, debrief_id).status_code == 302
        _fresh(db)
        return db.get(DebriefTheme, (debrief_id, "nccu_access"))

    assert round_trip(None) is None  # unchanged answers: the decision stands
    again = round_trip({**COMPLETE, "nccu_wait_minutes": 50})  # the answer behind it changed
    assert again is not None and "50" in again.suggestion_reason
    assert db.get(DismissedTheme, (debrief_id, "nccu_access")) is None


def test_closing_with_suggestions_left_asks_to_confirm_or_dismiss_each(
    client, login_as, db, submitted
):
    _, debrief_id = submitted
    login_as("hub_reviewer")
    pending = {t.theme_id for t in db.query(DebriefTheme).filter_by(debrief_id=debrief_id)}
    assert pending
    form = _review_form(client, debrief_id, "decide")
    asked = client.post(f"/review/{debrief_id}/decide", data={**form, "action": "close"})
    assert asked.headers["Location"].endswith(f"/review/{debrief_id}/close")
    page = client.get(f"/review/{debrief_id}/close").get_data(as_text=True)
    assert "Decide the suggested themes before you close" in page
    decisions = {f"theme-{t}": "confirm" for t in pending}
    first = sorted(pending)[0]
    decisions[f"theme-{first}"] = "dismiss"
    done = client.post(
        f"/review/{debrief_id}/close", data={"version": hidden(page, "version"), **decisions}
    )
    assert done.status_code == 302
    _fresh(db)
    assert db.get(Debrief, debrief_id).state == "closed"
    left = db.query(DebriefTheme).filter_by(debrief_id=debrief_id).all()
    assert {t.theme_id for t in left} == pending - {first} and all(t.confirmed for t in left)
    assert db.get(DismissedTheme, (debrief_id, first)) is not None


# --- 5. bulk start review -------------------------------------------------------------------------


def test_bulk_start_review_assigns_starts_and_audits_each_debrief(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sgt")
    other = make_user(["hub_reviewer"], username="other-hub")
    waiting = [queued(sergeant, incident_ref=f"INC-20250101-40{n}") for n in range(3)]
    taken = queued(sergeant, state="in_review", assignee=other, incident_ref="INC-20250101-4100")
    returned = queued(sergeant, state="returned", incident_ref="INC-20250101-4200")
    me = login_as("hub_reviewer")
    ids = [d.id for d in waiting] + [taken.id, returned.id]
    args = {
        "bulk_action": "start",
        "scope": "ticked",
        "id": [str(i) for i in ids],
        "state": ["submitted", "in_review", "returned"],
    }
    confirm = client.get("/review/bulk", query_string=args).get_data(as_text=True)
    assert "Assign to you and start the review: 4 debriefs will change" in confirm
    assert "1 returned to its sergeant will not change" in confirm
    response = client.post("/review/bulk", data=args)
    assert response.status_code == 302
    _fresh(db)
    for debrief_id in ids[:4]:
        saved = db.get(Debrief, debrief_id)
        assert (saved.state, saved.assignee_id) == ("in_review", me.id)
    assert db.get(Debrief, returned.id).state == "returned"
    audited = db.scalars(
        select(AuditEntry.object_id).where(
            AuditEntry.action == "debrief.start_review", AuditEntry.user_id == me.id
        )
    ).all()
    assert sorted(audited) == sorted(str(i) for i in ids[:4])


# --- 7. dates, stale resubmission -----------------------------------------------------------------


def test_the_queue_filter_has_govuk_date_boxes(client, login_as, db):
    login_as("hub_reviewer")
    page = client.get("/review/").get_data(as_text=True)
    assert 'type="date"' not in page
    for name in ("from", "to"):
        for part in ("day", "month", "year"):
            assert f'id="{name}-{part}" name="{name}"' in page
    bad = client.get("/review/?from=31&from=2&from=2025&to=1&to=&to=2025").get_data(as_text=True)
    summary = re.findall(r'<li><a href="#([\w-]+)">([^<]+)</a>', bad)
    assert [href for href, _ in summary] == ["from-day", "to-day"]
    assert "The ‘from’ date must be a real date" in summary[0][1]
    assert "The ‘to’ date must include a month" in summary[1][1]
    assert re.search(r'<input[^>]*id="from-day"[^>]*value="31"', bad)


def test_a_stale_resubmission_says_already_submitted(app, db, submitted):
    sam, debrief_id = submitted
    again = sam.post(f"/debriefs/{debrief_id}/submit", data={"declaration": "yes", "version": "1"})
    page = sam.get(again.headers["Location"]).get_data(as_text=True)
    assert "This debrief has already been submitted" in page
    assert "govuk-panel" not in page
    fresh = sam.get(f"/debriefs/{debrief_id}/submitted?new=1").get_data(as_text=True)
    assert "govuk-panel" in fresh
