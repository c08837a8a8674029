"""`debrief demo` writes an NCCU list and an events extract that match the demo data."""

from __future__ import annotations

from pathlib import Path

from debrief.audit import Actor
from debrief.cli import main
from debrief.compliance import imports, reconcile
from debrief.demo.nccu import EVENTS_FILE, NCCU_FILE


def _apply(app, db, kind: str, path: Path):
    data = path.read_bytes()
    preview = imports.preview_file(db, kind, path.name, data, app.config)
    imports.confirm(db, imports.stage(db, preview, data, Actor()), app.config, Actor())
    db.commit()
    return preview


def test_the_demo_lists_import_and_give_every_reconciliation_list_something(app, runner, db):
    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    nccu_path = Path(app.instance_path) / NCCU_FILE
    events_path = Path(app.instance_path) / EVENTS_FILE
    assert f"Demo NCCU referral list: {nccu_path}" in result.output

    nccu = _apply(app, db, "nccu", nccu_path)
    summary = nccu.summary()
    assert summary["add"] > 20 and summary["rejected"] == 3
    events = _apply(app, db, "events", events_path)
    assert events.summary()["add"] == 6 and events.summary()["rejected"] == 1

    matches, found = reconcile.all_matches(db, app.config)
    assert reconcile.outstanding(matches)
    assert reconcile.disagreements(matches)
    assert any(m.event is None and m.suggestions for m in matches)
    assert any(m.event is None and not m.suggestions for m in matches)
    late = [e.incident_ref for e in reconcile.undebriefed_events(found, 7)]
    assert sum(ref.endswith(("-9001", "-9002", "-9003", "-9004", "-9005", "-9006")) for ref in late)

    runner.invoke(main, ["demo"])  # the same database gives the same list
    assert (
        imports.preview_file(db, "nccu", NCCU_FILE, nccu_path.read_bytes(), app.config).summary()[
            "add"
        ]
        == 0
    )
