"""The benchmark's table: each figure, its floor, the ratio and the target."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from .client import Outcome
from .pages import own_role_name, paired_name

QUEUE_TARGET = 3.0  # queue p95 / trivial page p95
SAVE_TARGET = 2.0  # save p95 / trivial POST p95
EXPORT_TARGET = 1.5  # export seconds / raw openpyxl seconds
EXPORT_MEMORY_MB = 300
IMPORT_TARGET = 3.0  # (preview + apply) / (read the file + one bulk insert)
IMPORT_MEMORY_MB = 300


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
    pages: list[tuple[str, float]] = field(default_factory=list)  # (name, target ratio)
    page_statements: dict[str, tuple] = field(default_factory=dict)
    imported: dict | None = None


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    """Return a Markdown table with aligned columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(f"{c!s:<{w}}" for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [line(header), rule] + [line(r) for r in rows]


def _http_row(outcome: Outcome, floor: Outcome | None, target: float | None) -> list[str]:
    p95 = outcome.percentile(95)
    ratio = p95 / floor.percentile(95) if floor else None
    ok = ratio is not None and not math.isnan(ratio) and ratio <= (target or 0)
    return [
        outcome.name,
        f"{outcome.percentile(50):.1f}",
        f"{p95:.1f}",
        f"{outcome.per_second:.1f}",
        str(len(outcome.errors)),
        f"{ratio:.2f}x" if ratio is not None else "floor",
        f"<= {target:g}x" if target else "",
        _verdict(ok and not outcome.errors) if target else "",
    ]


def trivial_runs(outcomes: dict[str, Outcome], page_names: list[str]) -> list[Outcome]:
    """Return every run of the trivial page by the hub: the first, and one just before
    each page."""
    names = ["trivial page", *map(paired_name, page_names)]
    return [outcomes[name] for name in names if name in outcomes]


def pages_floor(outcomes: dict[str, Outcome], page_names: list[str]) -> Outcome:
    """Return the trivial page's run whose p95 is the median of all its runs (the lower
    middle one of an even number): within one run its p95 was seen to range from 81 to
    183 ms, so no single run of it is the floor."""
    runs = trivial_runs(outcomes, page_names)
    return sorted(runs, key=lambda run: run.percentile(95))[(len(runs) - 1) // 2]


def format_table(m: Measurement) -> str:
    """Return the table as Markdown that reads well in a terminal and in a note."""
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
    ]
    page_names = [name for name, _ in m.pages]
    floor = pages_floor(o, page_names)
    lines += markdown(
        ["measure", "p50 ms", "p95 ms", "req/s", "errors", "p95 ratio", "target", "met"],
        [
            _http_row(o["trivial page"], None, None),
            _http_row(o["queue page"], o["trivial page"], QUEUE_TARGET),
            _http_row(o["trivial POST"], None, None),
            _http_row(o["trivial write POST"], None, None),
            _http_row(o["section save"], o["trivial write POST"], SAVE_TARGET),
            *[_http_row(o[name], floor, target) for name, target in m.pages],
        ],
    )
    floors = trivial_runs(o, page_names)
    if len(floors) > 1:
        lines.append(
            f"(the pages' floor: the median of the trivial page's p95 measured {len(floors)} "
            f"times through the run, once before each page: {floor.percentile(95):.0f} ms; "
            f"they ranged {min(f.percentile(95) for f in floors):.0f} to "
            f"{max(f.percentile(95) for f in floors):.0f} ms. Each page against the one "
            "just before it: "
            + ", ".join(
                f"{name} {o[name].percentile(95) / o[paired_name(name)].percentile(95):.2f}x"
                for name, _ in m.pages
                if paired_name(name) in o
            )
            + ")"
        )
    own = [(name, o[own_role_name(name)]) for name, _ in m.pages if own_role_name(name) in o]
    if own:
        lines.append(
            "(pages of other roles against the trivial page as their own users see it, "
            "measured just before: "
            + ", ".join(
                f"{name} {o[name].percentile(95) / run.percentile(95):.2f}x "
                f"({run.percentile(95):.0f} ms)"
                for name, run in own
            )
            + ")"
        )
    save_vs_bare = o["section save"].percentile(95) / o["trivial POST"].percentile(95)
    lines.append(f"(section save p95 against the POST that writes nothing: {save_vs_bare:.2f}x)")
    if m.export:
        e = m.export
        ratio = e["seconds"] / e["floor_seconds"]
        ok = ratio <= EXPORT_TARGET and e["peak_mb"] <= EXPORT_MEMORY_MB
        lines.append("")
        lines += markdown(
            [
                "export, whole period",
                "seconds",
                "peak MB",
                "raw openpyxl s",
                "ratio",
                "target",
                "met",
            ],
            [
                [
                    "thematic workbook",
                    f"{e['seconds']:.1f}",
                    f"{e['peak_mb']:.0f}",
                    f"{e['floor_seconds']:.1f}",
                    f"{ratio:.2f}x",
                    "<= 1.5x and <= 300 MB",
                    _verdict(ok),
                ]
            ],
        )
        lines.append(f"({e['cells']:,} cells; {e['bytes'] / 1e6:.1f} MB file)")
    if m.imported:
        i = m.imported
        ok = i["ratio"] <= IMPORT_TARGET and i["peak_mb"] <= IMPORT_MEMORY_MB
        lines.append("")
        lines += markdown(
            ["NCCU list import", "preview s", "apply s", "floor s", "peak MB", "ratio",
             "target", "met"],
            [[f"{i['rows']:,} rows", f"{i['preview_s']:.1f}", f"{i['apply_s']:.1f}",
              f"{i['floor_s']:.1f}", f"{i['peak_mb']}", f"{i['ratio']:.2f}x",
              "<= 3x and <= 300 MB", _verdict(ok)]],
        )  # fmt: skip
        lines.append(
            f"(floor: read the same file and insert the same rows with one bulk insert; "
            f"longest write lock {i['longest_write_lock_s']} s)"
        )
    if m.page_statements:
        lines.append("")
        lines += markdown(
            ["SQL statements per page", "fewer rows", "more rows", "equal"],
            [[name, f"{a} ({ra} rows)", f"{b} ({rb} rows)", _verdict(a == b)]
             for name, ((a, ra), (b, rb)) in m.page_statements.items()],
        )  # fmt: skip
    (s10, r10), (s50, r50) = m.statements[10], m.statements[50]
    lines += [
        "",
        f"SQL statements per queue page: {s10} with {r10} rows shown, {s50} with {r50} rows "
        f"shown (equal: {_verdict(s10 == s50)})",
    ]
    errors = Counter(e for outcome in o.values() for e in outcome.errors)
    problem_text = ", ".join(f"{k} {v}" for k, v in m.problems.items())
    lines.append(f"Server log: {problem_text}")
    if errors:
        lines.append("Client errors: " + "; ".join(f"{k} x{v}" for k, v in errors.most_common(5)))
    return "\n".join(lines)
