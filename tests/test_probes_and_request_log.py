"""The load balancer's probes, the request id and the JSON request log (issue 25)."""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy import func, select, text

from debrief.models import AuditEntry, RefusalTally
from debrief.request_log import HEADER, JsonFormatter
from tests.conftest import SECRET
from tests.factories import DEFAULT_PASSWORD, make_user


def _records(db) -> tuple[int, int]:
    db.commit()
    return (
        db.scalar(select(func.count()).select_from(AuditEntry)),
        db.scalar(select(func.count()).select_from(RefusalTally)),
    )


def test_probes_answer_anyone_say_nothing_more_and_leave_no_trace(client, db):
    before = _records(db)
    for path, body in (("/healthz", {"status": "ok"}), ("/readyz", {"status": "ready"})):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json() == body
        assert "Set-Cookie" not in response.headers
    assert _records(db) == before  # no audit entry, no refusal tallied


def test_readyz_is_503_when_the_database_is_not_at_this_code_s_migration(app, client, db):
    current = db.scalar(text("SELECT version_num FROM alembic_version"))
    db.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready"}  # the reason is only logged
        assert client.get("/healthz").status_code == 200  # alive, just not ready
    finally:
        db.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.commit()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_when_the_configured_redis_does_not_answer(build_app, caplog):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/6")
    with caplog.at_level(logging.WARNING, logger="debrief.main.routes"):
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "not ready"}
    assert "redis unreachable" in caplog.text


def test_the_request_id_is_made_or_taken_from_the_proxy_and_returned(client):
    made = client.get("/sign-in").headers[HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/sign-in").headers[HEADER] != made
    proxy_id = "3fcbe4bdd67fb75a66bae1fc3471ed51"
    assert client.get("/sign-in", headers={HEADER: proxy_id}).headers[HEADER] == proxy_id
    for hostile in ("a b c d e f g h", "x" * 65, "<script>alert(1)</script>", "short"):
        returned = client.get("/sign-in", headers={HEADER: hostile}).headers[HEADER]
        assert returned != hostile and re.fullmatch(r"[0-9a-f]{32}", returned)


def test_error_pages_show_the_reference_to_quote(client, login_as):
    login_as("sergeant")
    proxy_id = "0123456789abcdef0123456789abcdef"
    for path in ("/no-such-page", "/admin/users"):
        page = client.get(path, headers={HEADER: proxy_id})
        assert page.status_code in (403, 404)
        assert f"quote the reference <span class=\"app-reference\">{proxy_id}</span>" in page.text
    assert proxy_id not in client.get("/account", headers={HEADER: proxy_id}).text


def _request_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(r)) for r in caplog.records if r.name == "debrief.requests"
    ]


def test_one_json_line_per_request_with_the_route_never_the_path_query_form_or_cookie(
    app, client, db, caplog
):
    user = make_user(["sergeant"], username="sam")
    user_id = user.id
    with caplog.at_level(logging.INFO, logger="debrief.requests"):
        client.post(
            "/sign-in",
            data={"username": "sam", "password": DEFAULT_PASSWORD},
            headers={HEADER: "feedfacefeedfacefeedfacefeedface"},
        )
        client.get("/debriefs/424242?incident=INC-20250614-0123")
        client.get("/healthz")
    lines = _request_lines(caplog)
    assert [(x["method"], x["route"], x["status"]) for x in lines] == [
        ("POST", "/sign-in", 302),
        ("GET", "/debriefs/<int:debrief_id>", 404),
        ("GET", "/healthz", 200),
    ]
    assert lines[0]["request_id"] == "feedfacefeedfacefeedfacefeedface"
    assert lines[1]["user_id"] == user_id and lines[2]["user_id"] is None
    assert all(
        set(x) == {"time", "level", "logger", "event", "request_id", "method", "route",
                   "status", "duration_ms", "user_id"}
        for x in lines
    )  # fmt: skip
    written = "\n".join(json.dumps(x) for x in lines)
    cookie = client.get_cookie("session")
    assert cookie is not None
    for secret in ("424242", "INC-20250614", DEFAULT_PASSWORD, "sam", cookie.value, SECRET):
        assert secret not in written


def test_an_application_event_is_a_json_line_with_its_request_id(app):
    formatter = JsonFormatter()
    with app.test_request_context("/", headers={HEADER: "cafebabecafebabecafebabecafebabe"}):
        record = logging.LogRecord("debrief.x", logging.WARNING, __file__, 1, "Not ready: %s",
                                   ("database",), None)  # fmt: skip
        line = json.loads(formatter.format(record))
    assert line["message"] == "Not ready: database"
    assert line["request_id"] == "cafebabecafebabecafebabecafebabe"
    assert line["level"] == "warning" and line["event"] == "log"


def test_forms_post_over_https_without_a_referrer(build_app):
    """Browsers send no Referer under our `Referrer-Policy: no-referrer`; Flask-WTF's HTTPS
    referrer check refused every form behind the TLS proxy until it was turned off."""
    from tests.factories import make_user as make

    app = build_app(WTF_CSRF_ENABLED=True, PREFER_HTTPS=True, PROXY_FIX_HOPS=1)
    with app.app_context():
        make(["sergeant"], username="sam")
    client = app.test_client()
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    page = client.get("/sign-in", headers=https)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/sign-in",
        data={"username": "sam", "password": DEFAULT_PASSWORD, "csrf_token": token},
        headers=https,
    )
    assert response.status_code == 302
    assert "/sign-in" not in response.headers["Location"]
    # Without the form token it is still refused.
    client.post("/sign-out", data={}, headers=https)
    refused = app.test_client().post(
        "/sign-in", data={"username": "sam", "password": DEFAULT_PASSWORD}, headers=https
    )
    assert "/sign-in" in refused.headers.get("Location", "/sign-in")
