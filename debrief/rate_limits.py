"""Rate-limit counters kept in the app's own database (Flask-free).

The `limits` library (under Flask-Limiter) keeps counters in memory by default, so
each gunicorn worker counted on its own and an address could try the sign-in limit
times the number of workers. Kept in the database, every worker and every server
counts together, with nothing more to run; Redis (`redis://`) remains for those who
prefer it. A counter holds a network address, so it is personal data: it is deleted
once its window has passed (at the next count taken), a minute or an hour later.
"""

from __future__ import annotations

import random
import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .models import RateLimitCounter

SCHEME = "database"
# One count in this many also deletes the counters whose window has passed.
SWEEP_EVERY = 50


class DatabaseStorage(Storage):
    """A fixed-window counter store on the app's database (`database://`)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, *, engine: Engine, **options: Any) -> None:
        super().__init__(uri, **options)
        self.engine = engine

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count `amount` more for `key`, starting a new window if the last one has passed."""
        now = time.time()
        insert = (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert
        counter = RateLimitCounter
        statement = insert(counter).values(key=key, count=amount, expires_at=now + expiry)
        passed = counter.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[counter.key],
            set_={
                "count": case((passed, amount), else_=counter.count + amount),
                "expires_at": case((passed, now + expiry), else_=counter.expires_at),
            },
        ).returning(counter.count)
        with self.engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if random.randrange(SWEEP_EVERY) == 0:
                connection.execute(delete(counter).where(counter.expires_at <= now))
        return int(count)

    def _current(self, key: str) -> tuple[int, float]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(
                    RateLimitCounter.key == key
                )
            ).first()
        if row is None or row[1] <= time.time():
            return 0, time.time()
        return row[0], row[1]

    def get(self, key: str) -> int:
        return self._current(key)[0]

    def get_expiry(self, key: str) -> float:
        return self._current(key)[1]

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
