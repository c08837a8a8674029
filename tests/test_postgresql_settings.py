"""PostgreSQL connections run without JIT compilation (issue 22), and settings an operator
gives in the database URL's `options` are kept beside it, not replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from debrief.db import make_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres

pytestmark = pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL settings: runs in CI's PostgreSQL pass"
)


def _settings(url: str) -> tuple[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SHOW jit")), conn.scalar(text("SHOW statement_timeout"))
    finally:
        engine.dispose()


def test_connections_run_without_jit():
    assert _settings(TEST_DATABASE_URL)[0] == "off"


def test_options_in_the_url_are_kept_beside_it():
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": "-c statement_timeout=4321"})
    assert _settings(url.render_as_string(hide_password=False)) == ("off", "4321ms")
