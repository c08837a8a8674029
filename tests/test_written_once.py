"""Rules written once, each in one place that everything else calls: so a second copy
that drifts from the first fails here rather than in production."""

from __future__ import annotations

import ast

from tests.test_structure import MODULES, is_web


def _calls_to(name: str) -> list[str]:
    """Return `module:line` of every call of `name(...)` or `x.name(...)` in the package."""
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            if (isinstance(called, ast.Name) and called.id == name) or (
                isinstance(called, ast.Attribute) and called.attr == name
            ):
                found.append(f"{module}:{node.lineno}")
    return found


def test_history_entries_are_made_by_one_helper():
    made = [
        where for where in _calls_to("HistoryEntry") if not where.startswith("debrief.workflow:")
    ]
    assert not made, f"use workflow.add_history, not HistoryEntry(...): {made}"
    assert len(_calls_to("HistoryEntry")) == 1


def test_workbooks_are_sent_by_one_helper():
    sent = [where for where in _calls_to("send_file") if not where.startswith("debrief.web:")]
    assert not sent, f"send a workbook with web.send_workbook: {sent}"
    spelled = [m for m, path in MODULES.items() if "spreadsheetml" in path.read_text()]
    assert spelled == ["debrief.web"], f"the xlsx type is web.XLSX_TYPE: {spelled}"


def test_audit_records_are_written_by_one_helper():
    made = [where for where in _calls_to("AuditEntry") if not where.startswith("debrief.audit:")]
    assert not made, f"write audit records with audit.record: {made}"


# What a view or command may record itself; every change (alteration, collection,
# combination, erasure) is recorded by the domain function that makes it.
VIEW_CATEGORIES = {"CONSULTATION", "DISCLOSURE", "SECURITY"}


def test_views_record_only_what_they_show_send_or_refuse():
    recorded_in_views = []
    for module, path in MODULES.items():
        if not is_web(module):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "audit.record":
                category = ast.unparse(node.args[2]).rsplit(".", 1)[-1]
                if category not in VIEW_CATEGORIES:
                    recorded_in_views.append(f"{module}:{node.lineno} {category}")
    assert not recorded_in_views, f"record changes in the domain function: {recorded_in_views}"
