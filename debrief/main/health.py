"""What a load balancer asks before it sends a server work (Flask-free).

Live (`/healthz`): the process answers. Ready (`/readyz`): it can also do its job, so
the database answers and is at the migration this code expects (a server started on a
newer release during an upgrade stays out of rotation until the database has been
migrated), and Redis answers where the sign-in limits are kept there. The pages say only
"ready" or "not ready"; the reason goes to the log, never to the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError


def readiness_problems(
    engine: Engine, expected_revision: str, checks: dict[str, Callable[[], bool]]
) -> list[str]:
    """Return why this server should not be sent requests (empty when it is ready).

    One small query (the migration the database is at) and one call per other check.
    """
    problems = []
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        problems.append(f"database unreachable: {type(exc).__name__}")
    else:
        if revision != expected_revision:
            problems.append(f"database at {revision}, this code needs {expected_revision}")
    for name, check in checks.items():
        try:
            ok = check()
        except Exception as exc:  # a check that fails by raising is a failed check
            problems.append(f"{name} unreachable: {type(exc).__name__}")
            continue
        if not ok:
            problems.append(f"{name} unreachable")
    return problems
