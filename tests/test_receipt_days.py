"""The dashboard's days to confirmed receipt, read by the database (issue 22), are what
reading every received referral gives: by month and overall, odd and even counts, the
list's own date or the time first listed, receipt before referral counted as 0."""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from debrief.compliance import chasing
from debrief.models import NccuReferral
from debrief.periods import Period
from debrief.timeutil import local_month


def _read_every_referral(db, start, stop, months) -> chasing.ReceiptFigures:
    """The definition, as it was computed before: every received referral read."""
    days: dict[date, list[float]] = defaultdict(list)
    for referred_at, received_at, listed_at in db.execute(
        select(
            NccuReferral.referred_at,
            NccuReferral.intel_doc_received_at,
            NccuReferral.receipt_listed_at,
        ).where(
            NccuReferral.intel_doc_received.is_(True),
            NccuReferral.referred_at >= start,
            NccuReferral.referred_at < stop,
        )
    ):
        confirmed = chasing.confirmed_at(received_at, listed_at)
        if confirmed is not None:
            elapsed = (confirmed - referred_at).total_seconds() / 86400
            days[local_month(referred_at)].append(max(0.0, elapsed))

    def median(values):
        return round(statistics.median(values), 1) if values else None

    rows = [chasing.ReceiptDays(m, len(days.get(m, [])), median(days.get(m, []))) for m in months]
    every = [v for row in rows for v in days.get(row.month, [])]
    return chasing.ReceiptFigures(rows, len(every), median(every))


def test_receipt_days_read_by_the_database_are_the_definition(app, db):
    rng = random.Random(22)
    first = datetime(2025, 1, 1, 0, 30)
    for n in range(301):
        referred = first + timedelta(hours=rng.randint(0, 24 * 400), minutes=rng.randint(0, 59))
        received = rng.random() < 0.8
        dated = rng.random() < 0.6
        db.add(
            NccuReferral(
                nccu_reference=f"NCCU-{9000000 + n}",
                referred_at=referred,
                intel_doc_received=received,
                # Some dated before the referral (0 days), some at local midnight.
                intel_doc_received_at=(
                    referred.replace(hour=23, minute=0) + timedelta(days=rng.randint(-2, 40))
                    if received and dated
                    else None
                ),
                receipt_listed_at=(
                    referred + timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 999))
                    if received and rng.random() < 0.9
                    else None
                ),
                rejected_event_ids=[],
            )
        )
    db.commit()
    periods = [
        Period(date(2025, 1, 1), date(2026, 3, 31), "all", "all"),
        Period(date(2025, 3, 1), date(2025, 3, 31), "one month", "one month"),
        Period(date(2025, 4, 1), date(2025, 9, 30), "half", "half"),  # summer time
        Period(date(2027, 1, 1), date(2027, 3, 31), "none", "none"),
    ]
    for period in periods:
        start, stop = period.utc_bounds()
        months = period.months()
        expected = _read_every_referral(db, start, stop, months)
        assert chasing.receipt_days(db, start, stop, months) == expected, period.label
    whole = _read_every_referral(db, *periods[0].utc_bounds(), periods[0].months())
    assert whole.received > 150 and whole.median_days is not None
    assert {m.received % 2 for m in whole.months if m.received} == {0, 1}  # odd and even
