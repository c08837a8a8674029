"""Who gets what: the ONE expected answer for every route, for every kind of visitor.

tests/test_access.py walks every rule in `app.url_map`, every method it takes,
as each visitor below, and compares the status code with this table. A route
missing from the table fails the test, so a new route needs a decision here.

How to read and add a row
- Key: "endpoint" for every method of that route, or "METHOD endpoint" when the
  methods answer differently ("POST" rows are sent with an empty form).
- Value: {visitor: status} for each of VISITORS. `needs(...)` builds the usual
  row: the roles named get `status`, the other roles 403, and anonymous and
  deactivated visitors are sent to sign in (302).
- URLs are built with a MISSING object: every <int:...> is 999999 and every
  other variable is "x". So the status stated for a permitted visitor on a
  route about one object is what they get for an object that does not exist
  (404), while a visitor without the permission is refused first (403): the
  central check runs before the view looks anything up.
- "deactivated" is a person holding every role who signed in and was then
  deactivated: their next request must be treated as signed out.
"""

from __future__ import annotations

ROLES = ("sergeant", "hub_reviewer", "partnership_lead", "admin", "question_set_editor")
VISITORS = ("anonymous", *ROLES, "deactivated")
EVERYONE_SIGNED_IN = ROLES
MISSING_ID = 999999


def needs(*allowed: str, status: int = 200) -> dict[str, int]:
    """Return the row for a signed-in route that the given roles may use."""
    unknown = set(allowed) - set(ROLES)
    assert not unknown, f"not a role: {unknown}"
    row = {"anonymous": 302, "deactivated": 302}
    for role in ROLES:
        row[role] = status if role in allowed else 403
    return row


def same_for_all(status: int) -> dict[str, int]:
    """Return the row for a public route that answers everyone alike."""
    return {visitor: status for visitor in VISITORS}


EXPECTED: dict[str, dict[str, int]] = {
    # Public
    "static": same_for_all(404),  # /static/x: no such file
    "main.health": same_for_all(200),
    # The load balancer's probes (liveness, readiness): no session, no audit, no limit.
    "main.healthz": same_for_all(200),
    "main.readyz": same_for_all(200),
    "auth.sign_in": {  # signed-in people are sent on to their start page
        "anonymous": 200,
        "deactivated": 200,
        **{role: 302 for role in ROLES},
    },
    # Single sign-on: not found while SSO is not configured (tests/test_sso.py checks them
    # with a real provider).
    "auth.sso_start": same_for_all(404),
    "auth.sso_callback": same_for_all(404),
    "auth.sso_link": needs("admin", status=404),
    "auth.sso_confirm": needs("admin", status=404),
    "auth.sso_unlink": needs("admin", status=404),
    # How long the session has left, for the timeout warning: signed out is an answer too.
    "auth.session_status": same_for_all(200),
    # Everyone signed in
    "auth.stay_signed_in": needs(*EVERYONE_SIGNED_IN),
    "main.home": needs(*EVERYONE_SIGNED_IN, status=302),
    "auth.account": needs(*EVERYONE_SIGNED_IN),
    "notifications.index": needs(*EVERYONE_SIGNED_IN),
    "auth.change_password": needs(*EVERYONE_SIGNED_IN),  # POST empty: form errors, 200
    "auth.sign_out": needs(*EVERYONE_SIGNED_IN, status=302),
    # Sergeant (debrief host)
    "debriefs.index": needs("sergeant"),
    "debriefs.new": needs("sergeant"),  # POST empty: the event record with its errors, 200
    "debriefs.imported": needs("sergeant"),  # imported events without a debrief (any sergeant)
    # One debrief: a missing one is 404, and so is another sergeant's (test_debrief_access).
    "debriefs.overview": needs("sergeant", status=404),
    "debriefs.event": needs("sergeant", status=404),
    "debriefs.section": needs("sergeant", status=404),
    "debriefs.check": needs("sergeant", status=404),
    "debriefs.submit": needs("sergeant", status=404),
    "debriefs.submitted": needs("sergeant", status=404),
    "debriefs.reply": needs("sergeant", status=404),
    # Safeguarding hub
    "review.queue": needs("hub_reviewer"),
    "review.actions": needs("hub_reviewer"),
    # Bulk with nothing ticked: back to the queue with a message.
    "review.bulk_confirm": needs("hub_reviewer", status=302),
    "review.bulk_apply": needs("hub_reviewer", status=302),
    # One debrief or action under review: a missing one is 404, and so is a draft.
    "review.show": needs("hub_reviewer", status=404),
    "review.assign": needs("hub_reviewer", status=404),
    "review.theme": needs("hub_reviewer", status=404),
    "review.note": needs("hub_reviewer", status=404),
    "review.decide": needs("hub_reviewer", status=404),
    "review.return_debrief": needs("hub_reviewer", status=404),
    "review.close": needs("hub_reviewer", status=404),
    "review.reopen": needs("hub_reviewer", status=404),
    "review.new_action": needs("hub_reviewer", status=404),
    "review.edit_action": needs("hub_reviewer", status=404),
    # Exports
    "exports.index": needs("hub_reviewer", "partnership_lead"),
    # Administration
    "admin.users": needs("admin"),
    "admin.create_user": needs("admin"),  # POST empty: form errors, 200
    "admin.user": needs("admin", status=404),
    "admin.change_roles": needs("admin", status=404),
    "admin.change_supervisor": needs("admin", status=404),
    "admin.change_email": needs("admin", status=404),
    "admin.deactivate": needs("admin", status=404),
    "admin.reactivate": needs("admin", status=404),
    "admin.unlock": needs("admin", status=404),
    "admin.reset_password": needs("admin", status=404),
    "admin.audit_page": needs("admin"),
    "admin.audit_export": needs("admin"),
    # The question set (issue 23): administrators and question set editors only.
    "admin.question_set": needs("admin", "question_set_editor"),
    "admin.upload_question_set": needs("admin", "question_set_editor", status=400),  # no file
    "admin.question_version": needs("admin", "question_set_editor", status=404),
    "admin.publish_question_set": needs("admin", "question_set_editor", status=404),
    "admin.download_question_set": needs("admin", "question_set_editor", status=404),
    "admin.preview_tasks": needs("admin", "question_set_editor", status=404),
    "admin.preview_section": needs("admin", "question_set_editor", status=404),
    "admin.lists_page": needs("admin"),
    "admin.add_to_list": needs("admin", status=404),  # kind "x" is not a list
    "admin.list_entry": needs("admin", status=404),
    "admin.retire_list_entry": needs("admin", status=404),
    "admin.restore_list_entry": needs("admin", status=404),
    "admin.change_team": needs("admin", status=404),
    # Compliance: the dashboard (aggregates) for hub and leads; imports and lists for the hub
    "compliance.dashboard": needs("hub_reviewer", "partnership_lead"),
    "compliance.imports_index": needs("hub_reviewer"),
    "compliance.upload": needs("hub_reviewer", status=404),  # kind "x" is not a list
    "compliance.batch": needs("hub_reviewer", status=404),
    "compliance.confirm": needs("hub_reviewer", status=404),
    "compliance.cancel": needs("hub_reviewer", status=404),
    "compliance.reconciliation_index": needs("hub_reviewer", status=302),
    "compliance.reconciliation": needs("hub_reviewer", status=404),  # list "x" does not exist
    "compliance.download": needs("hub_reviewer", status=404),
    "compliance.decide_match": needs("hub_reviewer", status=404),
    # Recording an outstanding intelligence document: the debrief's sergeant, their
    # supervisor or the hub (chasing.may_record decides among them; test_chase).
    "compliance.record_submission": needs("sergeant", "hub_reviewer", status=404),
}
