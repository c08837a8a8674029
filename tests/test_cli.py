"""The `debrief` command: users create, demo, db upgrade."""

from __future__ import annotations

from debrief.cli import main
from debrief.models import User


def test_users_create_prints_a_one_time_password_that_signs_in(app, runner, client, db):
    result = runner.invoke(
        main,
        [
            "users",
            "create",
            "jo",
            "--role",
            "sergeant",
            "--role",
            "hub_reviewer",
            "--name",
            "Jo Bloggs",
        ],
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("One-time password: ")[1].split()[0]
    user = db.query(User).filter_by(username="jo").one()
    assert user.roles == {"sergeant", "hub_reviewer"}
    assert user.must_change_password
    response = client.post("/sign-in", data={"username": "jo", "password": password})
    assert response.headers["Location"] == "/account/password"


def test_users_create_reads_password_from_stdin(runner, db):
    result = runner.invoke(
        main,
        ["users", "create", "kim", "--role", "admin", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "One-time password" not in result.output
    assert db.query(User).filter_by(username="kim").one().roles == {"admin"}


def test_users_create_refuses_unknown_role_and_duplicates(runner):
    bad = runner.invoke(main, ["users", "create", "x", "--role", "chief"])
    assert bad.exit_code != 0 and "Unknown role 'chief'" in bad.output
    runner.invoke(main, ["users", "create", "dup", "--role", "admin"])
    again = runner.invoke(main, ["users", "create", "dup", "--role", "admin"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_demo_twice_creates_nothing_twice_and_accounts_sign_in(app, runner, client, db):
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    count = db.query(User).count()
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0, second.output
    db.expire_all()
    assert db.query(User).count() == count
    for line in second.output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].startswith("demo-"):
            response = client.post("/sign-in", data={"username": parts[0], "password": parts[1]})
            assert response.status_code == 302, parts[0]
            client.post("/sign-out")


def test_db_upgrade_says_when_nothing_to_do(runner):
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0
    assert "already at the newest schema" in result.output
