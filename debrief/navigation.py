"""The header navigation: one list, filtered by the permission table.

Areas may register a count for their link (for example "Review queue (12)")
with `register_count`, so the header never needs to know how they count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from .extensions import db_session
from .roles import Permission, can


@dataclass(frozen=True)
class NavItem:
    """One link in the header, shown to people with its permission."""

    label: str
    endpoint: str
    permission: Permission
    # Other pages that belong under this link rather than its area's first link.
    also_for: tuple[str, ...] = ()


NAV_ITEMS: list[NavItem] = [
    NavItem("My debriefs", "debriefs.index", Permission.DEBRIEF_HOST),
    NavItem("Review queue", "review.queue", Permission.REVIEW),
    NavItem(
        "Follow-up actions",
        "review.actions",
        Permission.REVIEW,
        also_for=("review.edit_action",),
    ),
    NavItem("Exports", "exports.index", Permission.EXPORT_THEMES),
    NavItem("Compliance", "compliance.dashboard", Permission.DASHBOARD),
    NavItem("Users", "admin.users", Permission.MANAGE_USERS),
    NavItem(
        "Question set",
        "admin.question_set",
        Permission.QUESTION_SET,
        also_for=("admin.question_version", "admin.preview_tasks", "admin.preview_section"),
    ),
    NavItem("Notifications", "notifications.index", Permission.SIGNED_IN),
]

_COUNTS: dict[str, Callable] = {}


def register_count(endpoint: str, counter: Callable) -> None:
    """Show `counter(session, user)` beside the link to `endpoint` (None shows nothing)."""
    _COUNTS[endpoint] = counter


def nav_links() -> list[dict]:
    """Return the links the signed-in person may follow, as govukServiceNavigation items."""
    if not current_user.is_authenticated or current_user.must_change_password:
        return []
    links = []
    current = _current_item(request.endpoint or "")
    for item in NAV_ITEMS:
        if not can(current_user, item.permission):
            continue
        text = item.label
        counter = _COUNTS.get(item.endpoint)
        count = counter(db_session(), current_user) if counter is not None else None
        if count not in (None, ""):  # a counter returns None when there is nothing to say
            text = f"{text} ({count})"
        links.append(
            {
                "text": text,
                "href": url_for(item.endpoint),
                "active": item is current,
            }
        )
    return links


def page_numbers(page: int, pages: int) -> list[int | None]:
    """Return the page links a pager shows: the first, the last, the current page and its
    neighbours, with None for an ellipsis where pages are left out.

    Only the pages near the current one are looked at, not every page (a filter on
    a big queue fills dozens of pages, and the queue is drawn hundreds of times an
    hour).
    """
    near = range(max(1, page - 2), min(pages, page + 2) + 1)
    return [n if n in (1, pages) or abs(n - page) <= 1 else None for n in sorted({1, pages, *near})]


def _current_item(endpoint: str) -> NavItem | None:
    """Return the one link the current page sits under: its own, else its area's first."""
    for item in NAV_ITEMS:
        if endpoint == item.endpoint or endpoint in item.also_for:
            return item
    area = endpoint.split(".")[0]
    return next((i for i in NAV_ITEMS if i.endpoint.split(".")[0] == area), None)


def init_app(app: Flask) -> None:
    """Make `nav_links()` available to every template."""
    app.add_template_global(nav_links)
    app.add_template_global(page_numbers)
