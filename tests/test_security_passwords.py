"""The password rule: 12 or more characters, long ones kept whole, no composition rules,
common passwords refused; stored with argon2id."""

from __future__ import annotations

from importlib import resources

import pytest

from debrief.auth.common_passwords import is_common
from debrief.auth.passwords import Hasher, PasswordRejected, check_new_password
from debrief.models import User
from tests.factories import DEFAULT_PASSWORD, make_user


def _shipped_list() -> list[str]:
    text = resources.files("debrief").joinpath("data/common-passwords.txt").read_text("utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_the_shipped_list_is_real_and_only_holds_passwords_the_length_rule_lets_through():
    entries = _shipped_list()
    assert len(entries) >= 5000
    assert all(len(entry) >= 12 for entry in entries)
    for known in ("password1234", "qwertyuiop12", "123456789012", "iloveyou1234", "football1234"):
        assert known in entries


@pytest.mark.parametrize(
    "password", ["Password1234", "QWERTY123456", "  liverpool123  ", "1qaz2wsx3edc"]
)
def test_common_passwords_are_refused_whatever_the_case(password):
    assert is_common(password)
    with pytest.raises(PasswordRejected, match="commonly used"):
        check_new_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "all lower case words",  # no capitals, digits or symbols needed
        "abcdefghijkx",  # exactly 12, nothing else asked for
        "ünïcödé pässwörd ✓ ok",
    ],
)
def test_no_composition_rules(password):
    check_new_password(password)


def test_eleven_characters_are_too_few():
    with pytest.raises(PasswordRejected, match="12 characters or more"):
        check_new_password("elevenchars")


def test_a_64_character_password_is_accepted_and_never_truncated(app, client, db):
    long_password = "a long sentence that someone might use as a passphrase, 64 chars"
    assert len(long_password) == 64
    check_new_password(long_password)
    make_user(["sergeant"], username="sam", password=long_password)
    cut = client.post("/sign-in", data={"username": "sam", "password": long_password[:-1]})
    assert "Sign-in failed" in cut.get_data(as_text=True)
    whole = client.post("/sign-in", data={"username": "sam", "password": long_password})
    assert whole.status_code == 302
    longer = "x" * 128
    check_new_password(longer)


def test_passwords_are_stored_with_argon2id(app, db):
    make_user(["sergeant"], username="sam")
    stored = db.query(User).filter_by(username="sam").one().password_hash
    assert stored.startswith("$argon2id$")
    assert DEFAULT_PASSWORD not in stored
    assert Hasher(time_cost=1, memory_kib=8).verify(stored, DEFAULT_PASSWORD)


def test_production_argon2_settings_meet_the_owasp_minimum():
    from debrief.config import DEFAULTS

    assert DEFAULTS["ARGON2_MEMORY_KIB"] >= 19 * 1024 and DEFAULTS["ARGON2_TIME_COST"] >= 2


def test_changing_to_a_common_password_is_refused_on_the_page(client, login_as):
    login_as("sergeant")
    page = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "password1234",
            "confirm_password": "password1234",
        },
    ).get_data(as_text=True)
    assert "That password is on a list of commonly used passwords" in page


def test_an_unknown_or_locked_account_costs_the_same_hashing_as_a_real_one():
    """The dummy hash had far cheaper costs than the real ones, so an unknown username
    answered in 8 ms and a wrong password in 176 ms: existing accounts could be told apart."""
    from argon2 import extract_parameters

    from debrief.auth.passwords import Hasher

    hasher = Hasher(time_cost=2, memory_kib=4096, parallelism=1)
    real = extract_parameters(hasher.hash("a real password"))
    dummy = extract_parameters(hasher.dummy_hash)
    assert (dummy.time_cost, dummy.memory_cost, dummy.parallelism) == (
        real.time_cost,
        real.memory_cost,
        real.parallelism,
    )
