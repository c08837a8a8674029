"""Steps a person takes in the browser, and the accessibility and layout check of a page."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

WIDE = {"width": 1024, "height": 768}
NARROW = {"width": 390, "height": 844}
# axe-core impact levels that fail a page; "minor" and "moderate" are reported, not failed.
BLOCKING_IMPACTS = ("serious", "critical")
# GOV.UK Frontend's conditional reveal puts aria-expanded on radios and checkboxes on
# purpose: screen readers announce it, and the Design System keeps it after research
# (alphagov/govuk-frontend#979, listed as a known axe finding in #1280). Only that is let
# through; any other attribute axe disallows still fails.
KNOWN_GOVUK_FINDING = re.compile(
    r'^<input class="govuk-(radios|checkboxes)__input"[^>]* aria-controls="conditional-'
)


def _known_govuk_finding(violation: dict, node: dict) -> bool:
    return (
        violation["id"] == "aria-allowed-attr"
        and KNOWN_GOVUK_FINDING.match(node["html"]) is not None
        and re.findall(r"aria-[a-z]+(?==)", node["summary"]) == ["aria-expanded"]
    )


@dataclass
class Account:
    """Someone who can sign in; the password changes after the one-time password."""

    username: str
    password: str
    full_name: str


@dataclass
class ScanLog:
    """Every page checked in this run, as role and page name, for the report."""

    axe_source: str
    scanned: list[str] = field(default_factory=list)
    moderate: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        """Return one line per page scanned, then the non-blocking findings."""
        lines = [
            f"{len(self.scanned)} page scans (axe-core + 1024x768 and 390px widths), "
            f"{self.seconds:.1f} s in all"
        ]
        lines += sorted(set(self.scanned))
        if self.moderate:
            lines.append("\nminor or moderate findings (not failures):")
            lines += [f"{rule}: {count}" for rule, count in sorted(self.moderate.items())]
        return "\n".join(lines) + "\n"


def _describe(violations: list[dict]) -> str:
    parts = []
    for violation in violations:
        parts.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation['helpUrl']}"
        )
        for node in violation["nodes"][:5]:
            parts.append(f"    at {json.dumps(node['target'])}: {node['html'][:300]}")
            parts.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(parts)


def _horizontal_overflow(page: Page) -> dict | None:
    sizes = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    return sizes if sizes["scroll"] > sizes["client"] else None


# Short timers run as microtasks; long ones (time limits) never fire, as without the shim.
NO_TIMERS_SHIM = """() => {
  let id = 0;
  window.setTimeout = (fn, ms, ...args) => {
    if (!(ms >= 1000)) Promise.resolve().then(() => fn(...args));
    return ++id;
  };
  window.clearTimeout = () => {};
}"""
RUN_AXE = """() => Promise.race([
  axe.run(document, {resultTypes: ['violations']}),
  new Promise((_, fail) => setTimeout(() => fail(new Error('axe-core took over 60 s')), 60000)),
]).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
})))"""


def check_page(page: Page, log: ScanLog, name: str) -> None:
    """Fail on serious or critical axe-core violations, or sideways scrolling at either width."""
    started = time.monotonic()
    try:
        _check_page(page, log, name)
    finally:
        log.seconds += time.monotonic() - started


def _check_page(page: Page, log: ScanLog, name: str) -> None:
    page.wait_for_load_state()
    log.scanned.append(f"{name}: {re.sub(r'^https?://[^/]+', '', page.url)}")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if not page.evaluate("() => document.body.classList.contains('js-enabled')"):
            # With JavaScript switched off only our own scripts run, and timers never
            # fire; axe-core waits on setTimeout, so run its callbacks as microtasks.
            page.evaluate(NO_TIMERS_SHIM)
        # page.evaluate is not subject to the page's CSP, unlike add_script_tag.
        page.evaluate(log.axe_source)
    result = page.evaluate(RUN_AXE)
    for violation in result:
        violation["nodes"] = [
            n for n in violation["nodes"] if not _known_govuk_finding(violation, n)
        ]
    blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS and v["nodes"]]
    for violation in result:
        if violation["nodes"] and violation["impact"] not in BLOCKING_IMPACTS:
            log.moderate[violation["id"]] = log.moderate.get(violation["id"], 0) + 1
    assert not blocking, f"accessibility violations on {name} ({page.url}):\n{_describe(blocking)}"
    original = page.viewport_size or WIDE
    overflow = {}
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        too_wide = _horizontal_overflow(page)
        if too_wide:
            overflow[size["width"]] = too_wide
    page.set_viewport_size(original)
    assert not overflow, f"{name} ({page.url}) scrolls sideways: {overflow}"


def sign_in(page: Page, account: Account) -> None:
    """Sign in through the form from the sign-in page."""
    page.goto("/sign-in")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    """Press Sign out in the header and see the sign-in page say so."""
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def set_first_password(page: Page, account: Account, new_password: str) -> Account:
    """Sign in with the one-time password and choose a new one; return the updated account."""
    sign_in(page, account)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    page.get_by_label("One-time password").fill(account.password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Confirm new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    return Account(account.username, new_password, account.full_name)
