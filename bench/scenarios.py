"""What the benchmark clients do: sign in, and one measured request per step.

Shared by run.py (the timed benchmark), load.py (writers for a minute) and
fault.py (a worker killed during a submit).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import create_engine, select

from debrief.config import DEFAULTS
from debrief.models import Debrief, User
from debrief.workflow import State

from .client import Client, RequestFailed, csrf_token, forms_on, timed
from .generate import BENCH_CLIENTS, BENCH_PASSWORD

SAVE_SECTION = "learning"  # long text and yes/no only: what a browser re-posts is valid as is
SAVE_FIELD = "went_well"


class BenchClient(Client):
    """A signed-in client with what its steps need."""

    def __init__(self, port: int, username: str):
        super().__init__(port)
        self.username = username
        self.token = ""
        self.drafts: list[int] = []
        self.prepared: dict[int, tuple] = {}  # debrief id -> (path, form) to POST

    def start(self) -> BenchClient:
        """Sign in and keep a CSRF token for trivial POSTs."""
        self.sign_in(self.username, BENCH_PASSWORD)
        self.token = csrf_token(self.get("/account").body)
        return self


def sign_in_all(port: int, prefix: str, count: int = BENCH_CLIENTS) -> list[BenchClient]:
    """Sign in bench-<prefix>-01.. one after the other (sign-in is not what is measured)."""
    return [BenchClient(port, f"bench-{prefix}-{i:02d}").start() for i in range(1, count + 1)]


def attach_drafts(url: str, clients: list[BenchClient]) -> None:
    """Give each sergeant client the ids of its own drafts, from the database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(User.username, Debrief.id)
            .join(Debrief, Debrief.host_id == User.id)
            .where(User.username.like("bench-sgt-%"), Debrief.state == State.DRAFT)
            .order_by(Debrief.id)
        ).all()
    engine.dispose()
    by_user: dict[str, list[int]] = {}
    for username, debrief_id in rows:
        by_user.setdefault(username, []).append(debrief_id)
    for client in clients:
        client.drafts = by_user.get(client.username, [])
        if not client.drafts:
            raise RuntimeError(f"{client.username} has no drafts: regenerate the database")


def queue_filters(today: date | None = None) -> list[str]:
    """Queue pages a reviewer works from: the queue narrowed by each kind of filter.

    On a big database each fills a 50-row page; one also searches closed debriefs.
    """
    today = today or date.today()
    quarter_ago = (today - timedelta(days=91)).isoformat()
    district = DEFAULTS["DISTRICTS"]
    pairs = [
        [("district", district[0])],
        [("intel_doc", "not_submitted")],
        [("theme", "children"), ("sort", "event_date"), ("direction", "desc")],
        [("state", "submitted"), ("state", "in_review"), ("assigned", "unassigned"), ("page", "2")],
        [
            ("state", "closed"),
            ("district", district[1]),
            ("from", quarter_ago),
            ("to", today.isoformat()),
            ("sort", "submitted"),
            ("direction", "desc"),
        ],
    ]
    return ["/review/?" + urlencode(p) for p in pairs]


def step_trivial_get(client: BenchClient, _i: int) -> float:
    """The floor for pages: the signed-in account page."""
    return timed(lambda: client.get("/account"), (200,))[0]


def step_trivial_post(client: BenchClient, _i: int) -> float:
    """The floor for saves: a CSRF-checked POST that redirects (sign-in while signed in)."""
    return timed(lambda: client.post("/sign-in", [("csrf_token", client.token)]), (302,))[0]


def step_prepare_sign_in(client: BenchClient, _i: int) -> float:
    """Sign out and open the sign-in page, ready for a measured sign-in (not measured)."""
    response = client.post("/sign-out", [("csrf_token", client.token)])
    if response.status != 302:
        raise RequestFailed(f"sign-out: status {response.status}")
    client.token = csrf_token(client.get("/sign-in").body)
    return 0.0


def step_trivial_write_post(client: BenchClient, _i: int) -> float:
    """The floor for saves that write: sign in (one account read, one audit row, a commit).

    The benchmark accounts' hashes are cheap (t=1, 1 MiB), so this is the POST
    path with a committed write and little else.
    """
    data = [("username", client.username), ("password", BENCH_PASSWORD),
            ("csrf_token", client.token)]  # fmt: skip
    seconds, response = timed(lambda: client.post("/sign-in", data), (302,))
    if "/sign-in" in response.location:
        raise RequestFailed("sign-in refused")
    client.token = csrf_token(client.get("/account").body)  # the session is new
    return seconds


def make_queue_step(urls: list[str]):
    """Return a step that fetches queue pages, cycling through the filters."""
    cycle = itertools.cycle(urls)

    def step(client: BenchClient, _i: int) -> float:
        url = next(cycle)
        seconds, response = timed(lambda: client.get(url), (200,))
        if 'id="results"' not in response.body:  # the heading over the rows, or "no match"
            raise RequestFailed(f"no queue on {url}")
        return seconds

    return step


def section_form(client: BenchClient, debrief_id: int, section: str = SAVE_SECTION):
    """GET a section (not timed) and return its post form as a browser would send it."""
    path = f"/debriefs/{debrief_id}/sections/{section}"
    page = client.get(path)
    if page.status != 200:
        raise RequestFailed(f"GET {path}: status {page.status}")
    for form in forms_on(page.body):
        if form.method == "post" and any(name == "version" for name, _ in form.fields):
            return path, form
    raise RequestFailed(f"no section form on {path}")


def save(client: BenchClient, debrief_id: int, text: str) -> float:
    """Change the 'what went well' answer and save the section; return the POST's seconds."""
    path, form = section_form(client, debrief_id)
    return post_save(client, path, form, text)


def post_save(client: BenchClient, path: str, form, text: str) -> float:
    """POST a section form with 'what went well' changed; return the seconds it took."""
    data = [(k, text if k == SAVE_FIELD else v) for k, v in form.fields]
    if not any(k == SAVE_FIELD for k, _ in data):
        data.append((SAVE_FIELD, text))
    seconds, response = timed(lambda: client.post(form.action or path, data), (302,))
    if "check=1" in response.location:
        raise RequestFailed("the save was refused as incomplete")
    return seconds


def step_prepare_save(client: BenchClient, i: int) -> float:
    """Fetch the form of one draft, as the sergeant's browser shows it (not measured)."""
    debrief_id = client.drafts[i % len(client.drafts)]
    client.prepared[debrief_id] = section_form(client, debrief_id)
    return 0.0


def step_save(client: BenchClient, i: int) -> float:
    """A debrief section save: POST a form fetched beforehand, with one answer changed."""
    debrief_id = client.drafts[i % len(client.drafts)]
    if debrief_id not in client.prepared:  # its GET failed or timed out (an overloaded run)
        raise RuntimeError(f"the form of draft {debrief_id} could not be fetched beforehand")
    path, form = client.prepared.pop(debrief_id)
    return post_save(client, path, form, f"Saved by {client.username} ({i}). Scene was safe.")
