"""The sign-in limit kept in Redis is one count for every server (issue 25).

Two app instances in two processes, as two servers behind a proxy, share one Redis:
attempts on either count together. Runs where Redis answers on 127.0.0.1:6379
(database 6, under a key prefix of its own); skipped with the reason where it does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/6"

# The other server: its own process, so its own limiter; `attempts` sign-ins, statuses out.
_OTHER_SERVER = """
import json, sys
from debrief.app import create_app
config = json.loads(sys.argv[1])
client = create_app(config).test_client()
data = {"username": "nobody", "password": "wrong-password"}
print(json.dumps([client.post("/sign-in", data=data).status_code for _ in range(int(sys.argv[2]))]))
"""


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis", reason="the redis package is not installed")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as exc:
        message = f"no Redis at {REDIS_URL} ({type(exc).__name__}): the shared store is untested"
        if os.environ.get("DEBRIEF_REQUIRE_REDIS"):  # CI starts Redis: there it must run
            pytest.fail(message)
        pytest.skip(message)
    yield connection
    connection.close()


def test_the_sign_in_limit_is_shared_by_two_app_instances(make_test_config, build_app, redis_db):
    prefix = f"debrief-test-{uuid.uuid4().hex}"
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "SIGN_IN_RATE_LIMIT": "4 per minute",
    }
    here = build_app(**settings).test_client()
    other = {k: str(v) if k == "INSTANCE_PATH" else v
             for k, v in make_test_config(**settings).items()}  # fmt: skip

    def there(attempts: int) -> list[int]:
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_SERVER, json.dumps(other), str(attempts)],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])

    def here_once() -> int:
        data = {"username": "nobody", "password": "wrong-password"}
        return here.post("/sign-in", data=data).status_code

    try:
        statuses = [here_once(), here_once(), *there(2), here_once(), *there(1)]
        # Four allowed in all, then refused on both: each alone would have allowed four.
        assert statuses == [200, 200, 200, 200, 429, 429]
        assert list(redis_db.scan_iter(f"*{prefix}*")), "the counts were not kept in Redis"
        assert here.get("/readyz").status_code == 200  # the probe finds Redis answering
    finally:
        for key in redis_db.scan_iter(f"*{prefix}*"):
            redis_db.delete(key)
