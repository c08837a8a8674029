"""A known data set matching tests/data/nccu_sample.csv, for reconciliation tests.

What the sample list should do against it (UK summer time is UTC+1):
- NCCU-2025060101: event INC-20250601-0001, debrief yes, NCCU received: all well.
- NCCU-2025060202: INC-20250602-0002, debrief says yes, NCCU not received: disagreement.
- NCCU-2025060303: INC-20250603-0003, debrief says no, NCCU not received: outstanding.
- NCCU-2025060404: INC-20250604-0004 has no NCCU reference; its debrief's answer has it.
- NCCU-2025060505: matched by force reference to INC-20250605-0005, which has no debrief.
- NCCU-2025060606: no reference matches; INC-20250606-0006 (South, 40 minutes earlier,
  draft debrief) is suggested; INC-20250606-0007 (West) is not.
- NCCU-2025060707: no event at all.
- Six rows rejected: bad date, unknown district, bad reference, a duplicate (two rows),
  not yes or no.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from debrief.config import PROJECT_ROOT
from debrief.timeutil import utcnow
from tests.factories import make_debrief, make_event, make_user

SAMPLE = PROJECT_ROOT / "tests" / "data" / "nccu_sample.csv"
OUTSTANDING = ["NCCU-2025060202", "NCCU-2025060303", "NCCU-2025060505", "NCCU-2025060707"]
DISAGREEMENTS = ["NCCU-2025060202"]
WITHOUT_DEBRIEF = ["NCCU-2025060505", "NCCU-2025060606", "NCCU-2025060707"]
UNDEBRIEFED = ["INC-20250605-0005", "INC-20250606-0006"]


def _event(number: int, at: datetime, nccu: str | None, district: str = "North", suffix=None):
    return make_event(
        incident_ref=f"INC-202506{number:02d}-{suffix or number:04d}",
        reported_at=at,
        district=district,
        nccu_reference=nccu,
    )


def make_known_data() -> dict:
    """Create the events and debriefs the sample NCCU list is checked against."""
    host = make_user(["sergeant"], username="known-sergeant")
    e1 = _event(1, datetime(2025, 6, 1, 9, 0), "NCCU-2025060101")
    e2 = _event(2, datetime(2025, 6, 2, 9, 45), "NCCU-2025060202")
    e3 = _event(3, datetime(2025, 6, 3, 10, 45), "NCCU-2025060303")
    e4 = _event(4, datetime(2025, 6, 4, 11, 45), None)
    e5 = _event(5, datetime(2025, 6, 5, 8, 15), None)
    e6 = _event(6, datetime(2025, 6, 6, 14, 0), None, district="South")
    e7 = _event(6, datetime(2025, 6, 6, 14, 10), "NCCU-2025069999", district="West", suffix=7)
    recent = make_event(
        incident_ref="INC-20250614-0999",
        reported_at=utcnow() - timedelta(days=2),
        nccu_reference=None,
    )
    yes = {"intel_doc_submitted": "yes", "intel_doc_submitted_at": "2025-06-02T11:30"}
    make_debrief(host, state="closed", event=e1, answers={"intel_doc_submitted": "yes"})
    d2 = make_debrief(host, state="submitted", event=e2, answers=yes)
    make_debrief(host, state="in_review", event=e3, answers={"intel_doc_submitted": "no"})
    make_debrief(
        host,
        state="closed",
        event=e4,
        answers={"intel_doc_submitted": "yes", "nccu_reference": "NCCU-2025060404"},
    )
    make_debrief(host, state="draft", event=e6, answers={"intel_doc_submitted": "yes"})
    make_debrief(host, state="submitted", event=e7, answers={"intel_doc_submitted": "no"})
    return {
        "host": host,
        "events": [e1, e2, e3, e4, e5, e6, e7],
        "recent": recent,
        "disagreeing_debrief": d2,
    }
