"""No page or command updates or deletes audit records: scan the code for any path."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import debrief

PACKAGE = Path(debrief.__file__).parent
_SQL = re.compile(r"\b(update|delete\s+from|truncate)\b[^;]*\baudit_entries\b", re.I)


def _offences(source: str, name: str) -> list[str]:
    """Return each place in one module that could change or remove audit rows."""
    found = []
    tree = ast.parse(source)
    audit_names = {"AuditEntry"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if node.args else None
            if called in {"update", "delete"} and isinstance(first, ast.Name):
                if first.id in audit_names:
                    found.append(f"{name}:{node.lineno} {called}({first.id})")
            if called in {"query"} and isinstance(first, ast.Name) and first.id in audit_names:
                parent_calls = [
                    n
                    for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute)
                    and n.attr in {"update", "delete"}
                    and isinstance(n.value, ast.Call)
                    and n.value is node
                ]
                found += [f"{name}:{node.lineno} query(AuditEntry).{p.attr}" for p in parent_calls]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _SQL.search(node.value):
                found.append(f"{name}:{node.lineno} SQL on audit_entries")
    return found


def test_the_scanner_finds_each_kind_of_offence():
    sample = (
        "session.execute(delete(AuditEntry))\n"
        "session.execute(update(AuditEntry).values(action='x'))\n"
        "session.query(AuditEntry).delete()\n"
        "conn.execute(text('DELETE FROM audit_entries'))\n"
        "conn.execute(text('UPDATE audit_entries SET action = 1'))\n"
        "conn.execute(text('TRUNCATE audit_entries'))\n"
        "session.execute(delete(Answer))\n"
    )
    assert len(_offences(sample, "sample")) == 6


def test_no_module_updates_or_deletes_audit_records():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        offences += _offences(path.read_text("utf-8"), str(path.relative_to(PACKAGE)))
    assert offences == []


def test_no_route_or_command_is_named_for_changing_the_audit_trail(app):
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    from debrief.cli import main

    assert not any("audit" in name for name in main.commands)
