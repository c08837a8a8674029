"""Every form, sent with everything empty, lists its errors in the order of its fields on
the page (issue 21: the first field's error was listed fourth)."""

from __future__ import annotations

import html
import re

import pytest

from tests.factories import make_debrief, make_user

# Forms that change something with nothing typed (they have no fields to get wrong), and
# the sign-out buttons, are not sent.
NOT_SENT = re.compile(r"/sign-out|/assign$|/decide$|/themes$|/reply$|/session")
SKIPPED_ENDPOINTS = {"auth.sign_out", "static", "main.health", "auth.session_status"}


def _forms(page: str) -> list[tuple[str, dict[str, str]]]:
    """Return each POST form's action and hidden inputs."""
    found = []
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S):
        attrs, body = match.groups()
        if 'method="post"' not in attrs:
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        hidden = dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', body))
        found.append((html.unescape(action.group(1)) if action else "", hidden))
    return found


def _summary_targets(page: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    if not summary:
        return []
    return [html.unescape(h) for h in re.findall(r'<a href="#([^"]+)"', summary.group(1))]


def _position(page: str, target: str) -> int:
    """Where the element a summary link points at sits on the page (after the summary)."""
    after = page.index("govuk-error-summary__list")
    found = page.find(f'id="{target}"', page.index("</ul>", after))
    assert found >= 0, f"the summary links to #{target}, which is not on the page"
    return found


@pytest.fixture
def everyone(app, client, login_as, db):
    """One person with every role, signed in, a draft of their own and another sergeant's
    submission."""
    person = login_as("sergeant", "hub_reviewer", "partnership_lead", "admin", username="all")
    other = make_user(["sergeant"], username="other-sgt")
    draft = make_debrief(person, state="draft", answers={})
    submitted = make_debrief(other, state="submitted", answers={"intel_doc_submitted": "no"})
    return person, draft.id, submitted.id


def _pages(app, draft_id: int, submitted_id: int) -> list[str]:
    """Every GET page of the app that can be drawn with the debriefs given."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            args = {}
            for name in rule.arguments:
                if name == "debrief_id":
                    args[name] = draft_id if rule.endpoint.startswith("debriefs.") else submitted_id
                elif name == "section_id":
                    args[name] = "debrief"
                else:
                    args = None
                    break
            if args is None:
                continue
            urls.append(url_for(rule.endpoint, **args))
    return sorted(set(urls))


def test_every_form_lists_its_errors_in_page_order(app, client, everyone, db):
    _, draft_id, submitted_id = everyone
    checked, out_of_order, unsummarised = 0, [], []
    for url in _pages(app, draft_id, submitted_id):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            response.close()  # a download: its file is not read
            continue
        for action, hidden in _forms(response.get_data(as_text=True)):
            target = action or url
            if NOT_SENT.search(target):
                continue
            sent = client.post(target, data=hidden)
            page = sent.get_data(as_text=True)
            targets = _summary_targets(page)
            if not targets:
                if "govuk-error-message" in page:  # an error beside a field, none at the top
                    unsummarised.append(target)
                continue
            checked += 1
            positions = [_position(page, t) for t in targets]
            if positions != sorted(positions):
                out_of_order.append((target, targets))
    # 11 in December 2026: account, teams, groups, new user, event (new and edit), export,
    # new action, close, return, the review page's note.
    assert checked >= 11, "fewer forms than expected answered with an error summary"
    assert out_of_order == []
    assert unsummarised == [], "errors shown beside fields with no summary at the top"
