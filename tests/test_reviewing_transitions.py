"""Every allowed and every refused transition in workflow.TRANSITIONS, as the hub meets them."""

from __future__ import annotations

import pytest

from debrief import workflow
from debrief.models import Debrief, HistoryEntry, User
from debrief.roles import Permission
from debrief.workflow import TRANSITIONS, Action, State
from tests.factories import make_debrief, make_user

HUB_ACTIONS = [a for a in Action if a not in (Action.SUBMIT, Action.RESUBMIT)]
HOST_ACTIONS = [Action.SUBMIT, Action.RESUBMIT]
REASON = "The NCCU section is incomplete: add the reference."


def _post(client, debrief_id: int, action: Action, version: int = 1):
    """Send the form the review page sends for this action, carrying the current version."""
    data = {"version": version, "seen": 0}
    if action in (Action.START_REVIEW, Action.CLOSE):
        return client.post(f"/review/{debrief_id}/decide", data={**data, "action": action.value})
    page = "return" if action == Action.RETURN else "reopen"
    return client.post(f"/review/{debrief_id}/{page}", data={**data, "reason": REASON})


def test_the_hub_actions_here_are_every_review_action_in_the_table():
    in_table = {a for (_, a), rule in TRANSITIONS.items() if rule.permission == Permission.REVIEW}
    assert in_table == set(HUB_ACTIONS)


@pytest.mark.parametrize(
    ("state", "action"),
    [key for key, rule in TRANSITIONS.items() if rule.permission == Permission.REVIEW],
    ids=lambda v: v.value,
)
def test_allowed_hub_transition_moves_the_debrief_and_records_it(
    client, login_as, db, state, action
):
    reviewer_id = login_as("hub_reviewer").id
    debrief_id = make_debrief(make_user(["sergeant"]), state=state.value).id
    response = _post(client, debrief_id, action)
    assert response.status_code == 302
    saved = db.get(Debrief, debrief_id)
    rule = TRANSITIONS[(state, action)]
    assert saved.state == rule.to.value
    entry = db.query(HistoryEntry).filter_by(debrief_id=debrief_id, kind="transition").one()
    assert (entry.from_state, entry.to_state, entry.actor_id) == (
        state.value,
        rule.to.value,
        reviewer_id,
    )
    assert entry.reason == (REASON if rule.reason_required else None)


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in State if s != State.DRAFT for a in HUB_ACTIONS if (s, a) not in TRANSITIONS],
    ids=lambda v: v.value,
)
def test_refused_hub_transition_is_409_with_a_message_and_changes_nothing(
    client, login_as, db, state, action
):
    login_as("hub_reviewer")
    debrief_id = make_debrief(make_user(["sergeant"]), state=state.value).id
    response = _post(client, debrief_id, action)
    assert response.status_code == 409
    assert "cannot be" in response.get_data(as_text=True)
    assert db.get(Debrief, debrief_id).state == state.value
    assert db.query(HistoryEntry).filter_by(debrief_id=debrief_id).count() == 0


@pytest.mark.parametrize("action", HUB_ACTIONS, ids=lambda v: v.value)
def test_the_hub_never_acts_on_a_draft(client, login_as, db, action):
    login_as("hub_reviewer")
    draft_id = make_debrief(make_user(["sergeant"]), state="draft").id
    assert _post(client, draft_id, action).status_code == 404


@pytest.mark.parametrize(
    ("state", "action"), [(s, a) for s in State for a in HOST_ACTIONS], ids=lambda v: v.value
)
def test_host_transitions_follow_the_table(app, db, state, action):
    host_user = make_user(["sergeant"])
    ids = (host_user.id, make_user(["hub_reviewer"], username="nosy").id)
    debrief_id = make_debrief(host_user, state=state.value).id
    host, reviewer = db.get(User, ids[0]), db.get(User, ids[1])
    debrief = db.get(Debrief, debrief_id)
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        with pytest.raises(workflow.TransitionRefused):
            workflow.apply(db, debrief, action, host)
        return
    with pytest.raises(workflow.NotPermitted):  # only the host moves their own debrief on
        workflow.apply(db, debrief, action, reviewer)
    workflow.apply(db, debrief, action, host)
    assert debrief.state == rule.to.value
