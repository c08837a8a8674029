"""The digest's bulk read and the chase's narrow read give what the per-person and the
full reads give (issue 20: `debrief notify` in seconds, the header's count in
milliseconds), on a force with every way a referral can match, or not, an event."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from debrief.compliance import chasing, reconcile
from debrief.compliance.reconcile import Referral
from debrief.models import Debrief, Event, IntelDocChase, NccuReferral, User
from debrief.notifications import items
from tests.factories import make_debrief, make_event, make_user
from tests.notify_helpers import at, build

THURSDAY = date(2026, 12, 3)
WINDOW = 48


def _old_put_to(session, user: User, window_hours: int) -> list[chasing.Item]:
    """The chase's read before it was narrowed: every event the team debriefed, matched in
    Python (kept here as the reference the narrow read must agree with)."""
    team = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.supervisor_id == user.id))
    }
    team[user.id] = user.display_name
    events = reconcile.load_events(session, host_ids=team)
    if not events:
        return []
    references = {r for e in events.values() for r in e.references}
    incidents = {e.incident_ref.strip().upper() for e in events.values()}
    candidates = [
        Referral(**row._asdict())
        for row in session.execute(
            select(*reconcile.REFERRAL_COLUMNS).where(
                NccuReferral.intel_doc_received.is_(False),
                NccuReferral.nccu_reference.in_(references)
                | NccuReferral.force_reference.in_(incidents)
                | NccuReferral.event_id.in_(list(events)),
            )
        )
    ]
    candidates = [
        r for r in candidates if not (r.match_status == "confirmed" and r.event_id not in events)
    ]
    others = set(
        session.scalars(
            select(Event.nccu_reference).where(
                Event.nccu_reference.in_([r.nccu_reference for r in candidates]),
                Event.id.not_in(list(events)),
            )
        )
    )
    chases = chasing.chases_of(session, [r.id for r in candidates])
    result = []
    for match in reconcile.match_all(candidates, events, window_hours):
        debrief = match.debrief
        if match.event is None or debrief is None or debrief.host_id not in team:
            continue
        if match.how == "force_reference" and match.referral.nccu_reference in others:
            continue
        result.append(
            chasing.Item(
                match.referral.id,
                match.referral.nccu_reference,
                match.referral.referred_at,
                match.event.incident_ref,
                debrief.id,
                team[debrief.host_id],
                debrief.host_id == user.id,
                chasing.view_of(False, chases.get(match.referral.id)),
            )
        )
    return sorted(result, key=lambda i: (i.referred_at, i.referral_id))


def _referral(db, reference, reported: datetime, received=False, **fields) -> NccuReferral:
    row = NccuReferral(
        nccu_reference=reference,
        referred_at=reported + timedelta(minutes=20),
        district="North",
        intel_doc_received=received,
        rejected_event_ids=[],
        **fields,
    )
    db.add(row)
    db.commit()
    return row


def _tangled_force(db) -> dict[str, User]:
    """Referrals matched every way the chase knows, and some that must not be put to anyone."""
    boss = make_user(["sergeant"], username="insp-fox", full_name="Insp Fox")
    ash = make_user(["sergeant"], username="sgt-ash2", full_name="Sgt Ash")
    cole = make_user(["sergeant"], username="sgt-cole2", full_name="Sgt Cole")
    hub = make_user(["hub_reviewer"], username="hub-gee", full_name="Hub Gee")
    db.get(User, ash.id).supervisor_id = boss.id
    db.commit()
    day = datetime(2026, 10, 1, 8, 0)

    def debriefed(host, state="submitted", days=0, **event):
        made = make_event(reported_at=day + timedelta(days=days), **event)
        make_debrief(host, state=state, event=made, answers=event.pop("answers", None) or {})
        return made

    # By the event's record, typed loosely; the same reference held by Cole's earlier event.
    debriefed(cole, days=-3, nccu_reference="NCCU-2026100101")
    debriefed(ash, nccu_reference=" nccu-2026100101 ")
    _referral(db, "NCCU-2026100101", day)
    # By a reference the sergeant typed in the debrief (the record has none).
    typed = make_event(reported_at=day + timedelta(days=1), nccu_reference=None)
    make_debrief(
        ash, state="submitted", event=typed, answers={"nccu_reference": "nccu-2026100202 "}
    )
    _referral(db, "NCCU-2026100202", day)
    # By force reference.
    debriefed(ash, days=2, incident_ref="INC-20261003-0001", nccu_reference=None)
    _referral(db, "NCCU-2026100303", day, force_reference="INC-20261003-0001")
    # By force reference, but Cole's event holds the NCCU reference: not Ash's.
    debriefed(ash, days=3, incident_ref="INC-20261004-0001", nccu_reference=None)
    debriefed(cole, days=3, nccu_reference="NCCU-2026100404")
    _referral(db, "NCCU-2026100404", day, force_reference="INC-20261004-0001")
    # Confirmed by a reviewer to Cole's event, though Ash's event holds the reference.
    debriefed(ash, days=4, nccu_reference="NCCU-2026100505")
    coles = debriefed(cole, days=4, nccu_reference=None)
    _referral(db, "NCCU-2026100505", day, event_id=coles.id, match_status="confirmed")
    # Confirmed to an event of Ash's that holds no reference.
    confirmed = debriefed(ash, days=5, nccu_reference=None)
    _referral(db, "NCCU-2026100606", day, event_id=confirmed.id, match_status="confirmed")
    # Two of Ash's events hold one reference: the earlier is matched; one was chased.
    debriefed(ash, days=7, nccu_reference="NCCU-2026100707")
    debriefed(ash, state="draft", days=6, nccu_reference="NCCU-2026100707")
    chased = _referral(db, "NCCU-2026100707", day)
    db.add(
        IntelDocChase(
            referral_id=chased.id,
            debrief_id=db.scalars(select(Debrief.id).order_by(Debrief.id.desc())).first(),
            state=chasing.FLAGGED,
            route="later",
            submitted_at=day,
            submitted_by="PC 1",
            recorded_by_id=hub.id,
            recorded_at=day,
        )
    )
    db.commit()
    # The supervisor's own, and one received (never chased), and one matching nothing.
    debriefed(boss, days=8, nccu_reference="NCCU-2026100808")
    _referral(db, "NCCU-2026100808", day)
    debriefed(ash, days=9, nccu_reference="NCCU-2026100909")
    _referral(db, "NCCU-2026100909", day, received=True)
    _referral(db, "NCCU-2026101010", day, force_reference="INC-NOWHERE")
    db.commit()
    return {"boss": boss, "ash": ash, "cole": cole, "hub": hub}


def test_the_narrow_chase_read_finds_what_the_full_read_finds(app, db):
    people = _tangled_force(db)
    found = {}
    for name, person in people.items():
        user = db.get(User, person.id)
        new = chasing.put_to(db, user, WINDOW)
        assert new == _old_put_to(db, user, WINDOW), name
        found[name] = sorted(i.nccu_reference for i in new)
    # What a sergeant and their supervisor would notice.
    assert found["ash"] == [
        "NCCU-2026100101",
        "NCCU-2026100202",
        "NCCU-2026100303",
        "NCCU-2026100606",
        "NCCU-2026100707",
    ]
    assert found["boss"] == sorted([*found["ash"], "NCCU-2026100808"])
    assert found["cole"] == ["NCCU-2026100101", "NCCU-2026100404", "NCCU-2026100505"]
    assert found["hub"] == []


def test_the_digests_read_for_everyone_is_each_persons_read(app, db):
    build(db, THURSDAY)
    _tangled_force(db)
    # More of each kind, for more people: a second reviewer, team member and sergeant.
    make_user(["hub_reviewer"], username="hub-two")
    make_user(["sergeant", "hub_reviewer"], username="both")
    make_debrief(
        db.scalars(select(User).where(User.username == "sgt-cole2")).one(),
        state="returned",
        event=make_event(reported_at=at(THURSDAY) - timedelta(days=4)),
    )
    # Both reads below see what the factory committed (what is put to a sergeant is kept
    # with the lists' counts, and keeping it ends this session's read).
    db.rollback()
    rules = items.Rules.from_config(app.config)
    people = list(db.scalars(select(User).order_by(User.id)))
    every = items.ids_for_everyone(db, people, rules, now=at(THURSDAY), today=THURSDAY)
    told = 0
    for person in people:
        one = items.ids_for(db, person, rules, now=at(THURSDAY), today=THURSDAY)
        assert {k: sorted(v) for k, v in every[person.id].items()} == {
            k: sorted(v) for k, v in one.items()
        }, person.username
        told += bool(one)
    assert told >= 8  # most people have something: the comparison is not of empty lists
    assert {kind for person in people for kind in every[person.id]} == set(items.KINDS)
