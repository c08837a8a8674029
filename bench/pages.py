"""The compliance and everyday pages the benchmark drives (issue 22), and their SQL counts.

Each page is fetched by 20 signed-in clients at once, like the queue page; its p95 is
set against the trivial page's: the median of its p95 measured just before each page
(`paired_name`) and at the start of the run (`report.pages_floor`).
Statements are counted for each page in-process twice, with two different numbers of
rows shown (a smaller page size, or a shorter period), and must be equal.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import event

from .client import RequestFailed, timed
from .generate import BENCH_PASSWORD

PAGE_TARGET = 3.0  # p95 / trivial page p95
DASHBOARD_YEARS_TARGET = 10.0  # the dashboard over three years


@dataclass(frozen=True)
class Page:
    """A page measured under load: who opens it, the URLs cycled, and its target."""

    name: str
    who: str  # hub, sgt or adm (the bench-<who>-NN accounts)
    paths: list[str]
    target: float = PAGE_TARGET
    # Two ways to show a different number of rows, for the statement count:
    # (module, attribute, value) patches, or a second path.
    small: tuple = ()
    large: tuple = ()
    paths_small: list[str] = field(default_factory=list)


def _month(today: date, back: int) -> str:
    index = today.year * 12 + today.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _day(field_name: str, day: date) -> list[tuple[str, str]]:
    return [(field_name, str(day.day)), (field_name, str(day.month)), (field_name, str(day.year))]


def paired_name(name: str) -> str:
    """Name the trivial page's run measured just before a page's (its floor)."""
    return f"trivial page, before {name}"


def own_role_name(name: str) -> str:
    """Name the trivial page's run, by the page's own users, measured just before a page
    that is not the hub's: a sergeant's header (what is put to them, kept forms) costs
    more than the hub's on every page they open, the trivial one too."""
    return f"trivial page as its users, before {name}"


def pages(today: date | None = None) -> list[Page]:
    """The pages of issue 22, each with the filters people use."""
    today = today or date.today()
    now_month = _month(today, 0)
    year = "/compliance/?" + urlencode({"start": _month(today, 11), "end": now_month})
    years = "/compliance/?" + urlencode({"start": _month(today, 35), "end": now_month})
    recent = "/compliance/?" + urlencode({"start": _month(today, 2), "end": now_month})
    month_end = date.fromordinal(today.replace(day=1).toordinal() - 1)  # last month
    month_start = month_end.replace(day=1)
    reconcile = "debrief.compliance.routes"
    return [
        Page("dashboard, 1 year", "hub", [year], paths_small=[recent]),
        Page("dashboard, 3 years", "hub", [years], DASHBOARD_YEARS_TARGET, paths_small=[year]),
        *[
            Page(
                f"reconciliation: {slug}",
                "hub",
                [f"/compliance/reconciliation/{slug}"],
                small=((reconcile, "LIST_PAGE_SIZE", 10),),
                large=((reconcile, "LIST_PAGE_SIZE", 100),),
            )
            for slug in ("outstanding", "disagreements", "unmatched", "undebriefed")
        ],
        Page(
            "Actions page",
            "hub",
            ["/review/actions"],
            small=(("config", "QUEUE_PAGE_SIZE", 10),),
            large=(("config", "QUEUE_PAGE_SIZE", 50),),
        ),
        Page(
            "audit trail, a user",
            "adm",
            ["/admin/audit?" + urlencode({"username": f"sgt-{i:04d}"}) for i in range(5)],
            small=(("debrief.admin.audit_trail", "PAGE_SIZE", 10),),
            large=(("debrief.admin.audit_trail", "PAGE_SIZE", 50),),
        ),
        Page(
            "audit trail, a month",
            "adm",
            [
                "/admin/audit?"
                + urlencode(_day("date_from", month_start) + _day("date_to", month_end))
            ],
            small=(("debrief.admin.audit_trail", "PAGE_SIZE", 10),),
            large=(("debrief.admin.audit_trail", "PAGE_SIZE", 50),),
        ),
        Page(
            "My debriefs (300)",
            "sgt",
            ["/debriefs/"],
            small=(("debrief.debriefs.my_debriefs", "CLOSED_SHOWN", 10),),
            large=(("debrief.debriefs.my_debriefs", "CLOSED_SHOWN", 25),),
        ),
        Page("export page", "hub", ["/exports/"]),
    ]


def make_step(page: Page):
    """Return a step that GETs the page's URLs in turn and checks it is the page."""
    cycle = itertools.cycle(page.paths)

    def step(client, _i: int) -> float:
        path = next(cycle)
        seconds, response = timed(lambda: client.get(path), (200,))
        if "<main" not in response.body:
            raise RequestFailed(f"no page at {path}")
        return seconds

    return step


@contextlib.contextmanager
def _patched(app, patches: tuple) -> Iterator[None]:
    saved = []
    for module_name, name, value in patches:
        target = app.config if module_name == "config" else importlib.import_module(module_name)
        if module_name == "config":
            saved.append((target, name, target[name], True))
            target[name] = value
        else:
            saved.append((target, name, getattr(target, name), False))
            setattr(target, name, value)
    try:
        yield
    finally:
        for target, name, value, is_config in saved:
            if is_config:
                target[name] = value
            else:
                setattr(target, name, value)


def rows_shown(body: str) -> int:
    """Count table rows in every table body on the page."""
    return sum(part.split("</tbody>", 1)[0].count("<tr") for part in body.split("<tbody")[1:])


def statements(url: str, secret: str, page_list: list[Page]) -> dict[str, tuple]:
    """Count SQL statements for each page with two numbers of rows shown:
    {name: ((statements, rows), (statements, rows))}."""
    from debrief.app import create_app
    from debrief.questions import active

    counts: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": secret,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": instance,
            }
        )
        engine = app.extensions["debrief.engine"]
        clients = {}
        for who in ("hub", "sgt", "adm"):
            client = app.test_client()
            client.post(
                "/sign-in", data={"username": f"bench-{who}-01", "password": BENCH_PASSWORD}
            )
            clients[who] = client
        for page in page_list:
            client = clients[page.who]
            result = []
            variants = [
                (page.paths_small[0] if page.paths_small else page.paths[0], page.small),
                (page.paths[0], page.large),
            ]
            for path, patches in variants:
                with _patched(app, patches):
                    client.get(path)  # caches warm, as on a running server
                    seen: list[str] = []

                    def note(_conn, _cursor, statement, *_args, seen=seen):
                        seen.append(statement)

                    # The active question set's id is read at most once a second
                    # (questions/active.py): held still, so the count is the page's own.
                    every, active.CHECK_SECONDS = active.CHECK_SECONDS, float("inf")
                    event.listen(engine, "before_cursor_execute", note)
                    body = client.get(path).get_data(as_text=True)
                    event.remove(engine, "before_cursor_execute", note)
                    active.CHECK_SECONDS = every
                result.append((len(seen), rows_shown(body)))
            counts[page.name] = tuple(result)
        engine.dispose()
    return counts
