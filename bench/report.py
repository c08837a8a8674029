"""The benchmark's table: each figure, its floor, the ratio and the target."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from .client import Outcome

QUEUE_TARGET = 3.0  # queue p95 / trivial page p95
SAVE_TARGET = 2.0  # save p95 / trivial POST p95
EXPORT_TARGET = 1.5  # export seconds / raw openpyxl seconds
EXPORT_MEMORY_MB = 300


@dataclass
class Measurement:
    """Everything one run measured."""

    database: str
    n: int
    workers: int
    threads: int
    clients: int
    generation_seconds: float | None
    outcomes: dict[str, Outcome]
    problems: dict[str, int]
    statements: dict[int, tuple[int, int]]
    export: dict | None
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def _http_row(outcome: Outcome, floor: Outcome | None, target: float | None) -> str:
    p95 = outcome.percentile(95)
    ratio = p95 / floor.percentile(95) if floor else None
    ratio_text = f"{ratio:5.2f}x" if ratio is not None and not math.isnan(ratio) else "floor"
    target_text = f"<= {target:g}x" if target else ""
    met = ""
    if target:
        met = _verdict(ratio is not None and ratio <= target and not outcome.errors)
    return (
        f"| {outcome.name:<22} | {outcome.percentile(50):8.1f} | {p95:8.1f} | "
        f"{outcome.per_second:7.1f} | {len(outcome.errors):6d} | {ratio_text:>6} | "
        f"{target_text:<7} | {met:<3} |"
    )


def format_table(m: Measurement) -> str:
    """Return the table as Markdown-ish text that reads well in a terminal and a note."""
    o = m.outcomes
    generated = f"{m.generation_seconds:.1f} s" if m.generation_seconds is not None else "reused"
    lines = [
        f"## {m.database}, {m.n:,} debriefs ({datetime.now():%Y-%m-%d %H:%M})",
        "",
        f"gunicorn {m.workers} workers x {m.threads} threads; {m.clients} concurrent clients; "
        f"database generated in {generated}; load average before "
        f"{' '.join(f'{x:.2f}' for x in m.load_before)}, after "
        f"{' '.join(f'{x:.2f}' for x in m.load_after)} (2 cores)",
        "",
        "| measure                | p50 ms   | p95 ms   | req/s   | errors | ratio  | target  | met |",
        "|------------------------|----------|----------|---------|--------|--------|---------|-----|",
        _http_row(o["trivial page"], None, None),
        _http_row(o["queue page"], o["trivial page"], QUEUE_TARGET),
        _http_row(o["trivial POST"], None, None),
        _http_row(o["section save"], o["trivial POST"], SAVE_TARGET),
    ]
    if m.export:
        e = m.export
        ratio = e["seconds"] / e["floor_seconds"]
        ok = ratio <= EXPORT_TARGET and e["peak_mb"] <= EXPORT_MEMORY_MB
        lines += [
            "",
            "| export (whole period)  | seconds | peak MB | raw openpyxl s | ratio  | target           | met |",
            "|------------------------|---------|---------|----------------|--------|------------------|-----|",
            f"| thematic workbook      | {e['seconds']:7.1f} | {e['peak_mb']:7.0f} | "
            f"{e['floor_seconds']:14.1f} | {ratio:5.2f}x | <= 1.5x, <= 300 MB | {_verdict(ok):<3} |",
            f"({e['cells']:,} cells, {e['bytes'] / 1e6:.1f} MB file)",
        ]
    (s10, r10), (s50, r50) = m.statements[10], m.statements[50]
    lines += [
        "",
        f"SQL statements per queue page: {s10} at {r10} rows shown, {s50} at {r50} rows shown "
        f"(equal: {_verdict(s10 == s50)})",
    ]
    errors = Counter(e for outcome in o.values() for e in outcome.errors)
    problem_text = ", ".join(f"{k} {v}" for k, v in m.problems.items())
    lines.append(f"Server log: {problem_text}")
    if errors:
        lines.append("Client errors: " + "; ".join(f"{k} x{v}" for k, v in errors.most_common(5)))
    return "\n".join(lines)
