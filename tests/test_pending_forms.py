"""The kept-form rules, without a request: the signed key, size, count, owner, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from debrief import pending_forms
from debrief.models import AuditEntry, PendingForm
from debrief.timeutil import utcnow
from tests.factories import make_user

SECRET = "a-secret-that-is-long-enough-for-signing-0123"
NOW = 1_800_000_000
PATH = "/debriefs/7/sections/learning"
DAY = 24 * 3600


def _key(**claims) -> str:
    values = {"user_id": 1, "path": PATH, "debrief_id": 7, "now": NOW, **claims}
    return pending_forms.issue_key(SECRET, **values)


def _read(token, *, path=PATH, now=NOW, max_age=DAY, secret=SECRET):
    return pending_forms.read_key(secret, token, path=path, now=now, max_age=max_age)


def test_a_genuine_key_says_who_which_page_and_when():
    key = _read(_key())
    assert key == pending_forms.FormKey(user_id=1, path=PATH, debrief_id=7, issued_at=NOW)
    assert _read(_key(), now=NOW + DAY).user_id == 1  # good to the last second


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"token": ""}, "no form key"),
        ({"token": "x" * 2000}, "no form key"),
        ({"secret": "another-secret-that-is-long-enough-0123456"}, "not one this service made"),
        ({"token": _key()[:-2] + "xx"}, "not one this service made"),
        ({"path": "/debriefs/8/sections/learning"}, "made for another page"),
        ({"now": NOW + DAY + 1}, "opened too long ago"),
        ({"now": NOW - 60}, "opened too long ago"),  # issued in the future: not ours
    ],
)
def test_a_key_is_refused_when_it_is_not_genuine_current_and_for_this_page(change, reason):
    token = change.pop("token", _key())
    with pytest.raises(pending_forms.KeyRefused, match=reason):
        _read(token, **change)


def test_a_key_lasts_the_longest_session_and_a_day():
    assert pending_forms.key_max_age(12 * 3600) == 36 * 3600


def test_what_is_kept_leaves_out_the_tokens_and_is_bounded():
    form = {"csrf_token": ["t"], "form_key": ["k"], "went_well": ["ok"], "version": ["3"]}
    assert pending_forms.typed_values(form) == {"went_well": ["ok"], "version": ["3"]}
    just_fits = {"a": ["x" * (pending_forms.MAX_BYTES - len('{"a":[""]}'))]}
    assert pending_forms.size_of(pending_forms.typed_values(just_fits)) == pending_forms.MAX_BYTES
    with pytest.raises(pending_forms.TooLarge):
        pending_forms.typed_values({"a": [just_fits["a"][0] + "x"]})
    with pytest.raises(pending_forms.TooLarge):
        pending_forms.typed_values({"é": ["é" * (pending_forms.MAX_BYTES // 2)]})  # bytes count
    with pytest.raises(pending_forms.TooLarge):
        pending_forms.typed_values({f"f{i}": ["x"] for i in range(pending_forms.MAX_FIELDS + 1)})


def _keep(db, user, path=PATH, text="typed", days=3):
    key = pending_forms.FormKey(user_id=user.id, path=path, debrief_id=None, issued_at=NOW)
    pending_forms.keep(db, key, {"went_well": [text]}, days=days, signed_in=False)
    db.commit()


def test_one_per_person_and_page_given_back_once_to_its_owner(app, db):
    sam = make_user(["sergeant"], username="sam")
    kim = make_user(["sergeant"], username="kim")
    _keep(db, sam, text="first")
    _keep(db, sam, text="second")
    _keep(db, kim, text="kim's")
    assert len(db.scalars(select(PendingForm)).all()) == 2
    assert pending_forms.take(db, sam.id, "/debriefs/7/event", days=3) is None
    assert pending_forms.take(db, sam.id, PATH, days=3) == {"went_well": ["second"]}
    assert pending_forms.take(db, sam.id, PATH, days=3) is None
    assert pending_forms.take(db, kim.id, PATH, days=3) == {"went_well": ["kim's"]}


def test_at_most_twenty_a_person_the_newest(app, db):
    sam = make_user(["sergeant"], username="sam")
    for n in range(pending_forms.MAX_PER_PERSON + 3):
        _keep(db, sam, path=f"/debriefs/{n}/event")
        db.execute(
            PendingForm.__table__.update()
            .where(PendingForm.path == f"/debriefs/{n}/event")
            .values(kept_at=utcnow() - timedelta(minutes=100 - n))
        )
    _keep(db, sam, path="/debriefs/new")
    paths = {row.path for row in pending_forms.kept_pages(db, sam.id, days=3)}
    assert len(paths) == pending_forms.MAX_PER_PERSON
    assert "/debriefs/new" in paths and "/debriefs/0/event" not in paths


def test_nothing_is_kept_for_an_account_no_longer_active(app, db):
    gone = make_user(["sergeant"], username="gone", active=False)
    with pytest.raises(pending_forms.KeyRefused, match="no longer active"):
        _keep(db, gone)


def test_kept_forms_are_pruned_after_the_retention_period_and_the_pruning_is_audited(app, db):
    sam = make_user(["sergeant"], username="sam")
    _keep(db, sam)
    _keep(db, sam, path="/debriefs/new")
    db.execute(
        PendingForm.__table__.update()
        .where(PendingForm.path == PATH)
        .values(kept_at=utcnow() - timedelta(days=3, seconds=1))
    )
    db.commit()
    assert pending_forms.take(db, sam.id, PATH, days=3) is None  # too old to give back
    assert pending_forms.prune(db, days=3, now=utcnow() + timedelta(days=3, minutes=1)) == 1
    db.commit()
    assert db.scalars(select(PendingForm)).all() == []
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "kept_forms.pruned")).all()
    assert [a.details["count"] for a in audits] == [1, 1]


def test_retention_apply_also_deletes_old_kept_forms(app, db, runner):
    from debrief.cli import main

    sam = make_user(["sergeant"], username="sam")
    _keep(db, sam)
    db.execute(PendingForm.__table__.update().values(kept_at=utcnow() - timedelta(days=4)))
    db.commit()
    result = runner.invoke(main, ["retention", "apply", "--yes"])
    assert "Deleted 1 kept form(s) older than 3 days." in result.output
    db.expire_all()
    assert db.scalars(select(PendingForm)).all() == []
