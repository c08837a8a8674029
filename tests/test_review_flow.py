"""Tried as a new user would: a sergeant submits, the hub reviews, returns, and closes."""

from __future__ import annotations

import re

from debrief.models import (
    AuditEntry,
    Debrief,
    DebriefTheme,
    FollowUpAction,
    HistoryEntry,
    Team,
)
from tests.debrief_helpers import COMPLETE, answer_everything, hidden, save_section, start_debrief
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.review_helpers import queued

RETURN_REASON = "Say when the intelligence document will be submitted, or that it has been."


def _fresh(db) -> None:
    """Read what the requests left: end the checking session's snapshot and forget its copies."""
    db.commit()
    db.expire_all()


def _sign_in(app, username: str):
    browser = app.test_client()
    response = browser.post("/sign-in", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return browser


def _submit(browser, debrief_id: int) -> None:
    check = browser.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    response = browser.post(
        f"/debriefs/{debrief_id}/submit",
        data={"declaration": "yes", "version": hidden(check, "version")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _form_fields(page: str, action_path: str) -> dict[str, str]:
    """Return the hidden inputs of the first form posting to action_path (as a browser would)."""
    form = re.search(
        rf'<form method="post" action="{re.escape(action_path)}"[^>]*>(.*?)</form>', page, re.S
    )
    assert form, f"no form posting to {action_path}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))


def _post_from_page(client, debrief_id: int, path: str, **fields):
    """Open the review page and post one of its forms with the version it carries."""
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    data = _form_fields(page, f"/review/{debrief_id}/{path}")
    data.update(fields)
    response = client.post(f"/review/{debrief_id}/{path}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_hub_reviews_returns_and_closes_a_debrief(app, client, login_as, db):
    sergeant = make_user(["sergeant"], username="sam", full_name="Sam Sergeant")
    other = make_user(["sergeant"], username="alex")
    # Explicit references: the sergeant's form below uses INC-20250614-0101.
    queued(other, district="North", intel_doc=True, incident_ref="INC-20250601-9001")
    queued(other, district="South", intel_doc=False, incident_ref="INC-20250601-9002")
    sam = _sign_in(app, "sam")
    debrief_id = start_debrief(sam)
    answer_everything(sam, debrief_id)
    _submit(sam, debrief_id)
    reviewer = login_as("hub_reviewer", full_name="Harper Hub")

    # The reviewer filters the queue to one district and "intelligence document not submitted".
    queue_page = client.get("/review/?district=North&intel_doc=not_submitted")
    text = queue_page.get_data(as_text=True)
    assert "1 debrief<" in text.replace("\n", "<")
    assert f'href="/review/{debrief_id}"' in text

    # Opens it: the event, the answers in the question set's wording, the suggested themes.
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    assert "Unaware of the requirement" in page
    assert "Suggested by the answers" in page
    assert (
        "How many minutes did officers wait to get through to the NCCU? 45 (more than 30)" in page
    )

    # Confirms two suggested themes and adds one.
    _post_from_page(client, debrief_id, "assign")
    _post_from_page(client, debrief_id, "themes", theme_id="intel_doc_missing", op="confirm")
    _post_from_page(client, debrief_id, "themes", theme_id="nccu_access", op="confirm")
    _post_from_page(client, debrief_id, "themes", theme_id="partner_response", op="add")

    # Raises a follow-up action, owned by a team the administrator keeps.
    team = Team(name="North district inspector", retired=False)
    db.add(team)
    db.commit()
    response = client.post(
        f"/review/{debrief_id}/actions/new",
        data={
            "description": "Remind North response teams of the intelligence document",
            "owner_kind": "team",
            "owner_team": str(team.id),
            "due_date": ["30", "6", "2025"],
            "status": "open",
        },
    )
    assert response.status_code == 302

    # Returns it with a reason.
    form = client.get(f"/review/{debrief_id}/return").get_data(as_text=True)
    response = client.post(
        f"/review/{debrief_id}/return",
        data={
            "version": hidden(form, "version"),
            "seen": hidden(form, "seen"),
            "reason": RETURN_REASON,
        },
    )
    assert response.status_code == 302
    _fresh(db)
    saved = db.get(Debrief, debrief_id)
    assert saved.state == "returned"

    # The sergeant sees the reason, edits and resubmits.
    overview = sam.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert RETURN_REASON in overview
    changed = {
        **COMPLETE,
        "intel_doc_route": "later",
        "intel_doc_submitted_at": "2025-06-14T09:00",
    }
    assert save_section(sam, debrief_id, "nccu", changed).status_code == 302
    _submit(sam, debrief_id)

    # The reviewer closes it.
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    assert "Close debrief" in page
    asked = _post_from_page(client, debrief_id, "decide", action="close")
    # Suggestions left unconfirmed: closing asks to confirm or dismiss each (issue 21).
    assert asked.headers["Location"].endswith(f"/review/{debrief_id}/close")
    close_page = client.get(f"/review/{debrief_id}/close").get_data(as_text=True)
    pending = re.findall(r'name="(theme-[a-z_]+)" type="radio" value="dismiss"', close_page)
    assert pending
    refused = client.post(
        f"/review/{debrief_id}/close", data={"version": hidden(close_page, "version")}
    )
    assert refused.status_code == 400 and "Select whether to confirm or dismiss" in (
        refused.get_data(as_text=True)
    )
    closed = client.post(
        f"/review/{debrief_id}/close",
        data={"version": hidden(close_page, "version"), **dict.fromkeys(pending, "dismiss")},
    )
    assert closed.status_code == 302

    _fresh(db)
    saved = db.get(Debrief, debrief_id)
    assert saved.state == "closed" and saved.intel_doc_submitted is True
    confirmed = {
        t.theme_id for t in db.query(DebriefTheme).filter_by(debrief_id=debrief_id, confirmed=True)
    }
    assert confirmed == {"intel_doc_missing", "nccu_access", "partner_response"}
    assert db.query(FollowUpAction).filter_by(debrief_id=debrief_id).one().status == "open"

    # The history shows all of it, in order, with who did it.
    history = (
        db.query(HistoryEntry).filter_by(debrief_id=debrief_id).order_by(HistoryEntry.id).all()
    )
    mine = [
        (h.summary, h.actor_id)
        for h in history
        if h.actor_id == reviewer.id and not h.summary.startswith("Removed suggested theme")
    ]
    assert [s for s, _ in mine] == [
        "Assigned to Harper Hub",
        "Submitted → In review",
        "Confirmed suggested theme: Intelligence document missing or late",
        "Confirmed suggested theme: NCCU access or delay",
        "Added theme: Partner response",
        "Raised a follow-up action for North district inspector: "
        "Remind North response teams of the intelligence document",
        "In review → Returned to sergeant",
        "Submitted → Closed",
    ]
    transitions = [
        (h.from_state, h.to_state, h.actor_id, h.reason) for h in history if h.kind == "transition"
    ]
    assert transitions == [
        ("draft", "submitted", sergeant.id, None),
        ("submitted", "in_review", reviewer.id, None),
        ("in_review", "returned", reviewer.id, RETURN_REASON),
        ("returned", "submitted", sergeant.id, None),
        ("submitted", "closed", reviewer.id, None),
    ]
    page = client.get(f"/review/{debrief_id}").get_data(as_text=True)
    timeline = page[page.index('id="history"') :]
    positions = [
        timeline.index(s) for s in ("Closed", "Returned to sergeant", "Assigned to Harper Hub")
    ]
    assert positions == sorted(positions)  # newest first
    assert "Reason: " + RETURN_REASON in timeline
    assert (
        db.query(AuditEntry)
        .filter_by(action="debrief.view", object_id=str(debrief_id), user_id=reviewer.id)
        .count()
        >= 6
    )
