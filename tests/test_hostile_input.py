"""Hostile input found by probing the running service: each case failed before its fix."""

from __future__ import annotations

import pytest

from debrief.compliance.files import ImportRefused, read_table
from debrief.models import AuditEntry, ReviewNote
from debrief.text_input import clean_text
from tests.factories import make_debrief, make_user

# What a form can carry (a lone surrogate cannot be sent as UTF-8; clean_text drops it too).
CONTROL = "\x00\x01\x07\x1b\x7f\x85\uffff"


def test_control_characters_are_removed_and_line_breaks_kept():
    text = f"Line one\x00\r\nline\ttwo{CONTROL}\ud800."
    assert clean_text(text) == "Line one\r\nline\ttwo."


def test_a_nul_in_the_sign_in_username_is_an_ordinary_failure(client, db):
    """Anonymous: on PostgreSQL a NUL in the username was a 500."""
    response = client.post("/sign-in", data={"username": "ad\x00min", "password": "x" * 12})
    assert response.status_code == 200
    assert "Sign-in failed" in response.get_data(as_text=True)
    failure = db.query(AuditEntry).filter_by(action="sign_in.failed").one()
    assert failure.username == "admin"


def test_a_review_note_with_control_characters_is_stored_without_them(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sgt")
    debrief = make_debrief(sergeant, state="submitted")
    login_as("hub_reviewer")
    response = client.post(
        f"/review/{debrief.id}/notes",
        data={"version": debrief.version, "seen": 0, "text": f"Called\x00 the{CONTROL} PC"},
    )
    assert response.status_code == 302
    assert db.query(ReviewNote).one().text == "Called the PC"


@pytest.mark.parametrize("field", ["username", "action", "object_id"])
def test_a_nul_in_an_audit_filter_is_not_a_500(client, login_as, field):
    login_as("admin")
    assert client.get(f"/admin/audit?{field}=a%00b").status_code == 200


def test_a_csv_with_a_nul_anywhere_is_refused():
    """Only the first 64 KB were looked at: a NUL further on reached the database."""
    data = b"NCCU reference,Referral date and time\n" + b"NCCU-1,01/06/2025 10:15\n" * 4000
    data += b"NCCU-2\x00,01/06/2025 10:15\n"
    assert len(data) > 65536
    with pytest.raises(ImportRefused, match="not a CSV text file"):
        read_table("list.csv", data, max_bytes=10_000_000, max_rows=50_000)
