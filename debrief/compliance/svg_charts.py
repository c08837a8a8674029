"""Accessible charts drawn on the server as SVG: no script, nothing from the internet.

Each chart is an `<svg role="img">` named by its `<title>` and summed up by its
`<desc>`; the page puts the same figures in a table straight after it, so
nobody depends on the picture. Colours and shapes come from presentation
attributes (fill, stroke), never `style=`, which the content security policy
blocks. Lines differ by dash and marker as well as colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 520
HEIGHT = 260
LEFT = 44
RIGHT = 12
TOP = 16
BOTTOM = 52
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
# GOV.UK blue, orange, green, purple: each line also has its own dash and marker.
SERIES_STYLES = (
    ("#1d70b8", "", "circle"),
    ("#d4351c", "7 4", "square"),
    ("#00703c", "2 3", "diamond"),
    ("#4c2c92", "10 3 2 3", "triangle"),
)


@dataclass(frozen=True)
class Series:
    """One line on a line chart: its name and a value (or None, no data) per category."""

    name: str
    values: Sequence[float | None]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _scale_max(values: Sequence[float | None], fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    top = max((v for v in values if v is not None), default=0)
    if top <= 5:
        return 5
    step = 10 ** (len(str(int(top))) - 1)
    return float(-(-top // step) * step)


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    cid = escape(chart_id)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" focusable="false" '
        f'aria-labelledby="{cid}-title {cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _axes(top_value: float, unit: str, labels: Sequence[str], plot_bottom: int) -> list[str]:
    """Draw the value gridlines with their labels and the category labels underneath."""
    parts = []
    plot_height = plot_bottom - TOP
    for step in range(5):
        value = top_value * step / 4
        y = plot_bottom - plot_height * step / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{TEXT}">{escape(_number(value))}{escape(unit)}</text>'
        )
    every = max(1, -(-len(labels) // 12))  # at most 12 labels along the bottom
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = LEFT + slot * (index + 0.5)
        lines = "".join(
            f'<tspan x="{x:.1f}" dy="{0 if number == 0 else 14}">{escape(line)}</tspan>'
            for number, line in enumerate(label.split("\n"))
        )
        parts.append(
            f'<text y="{plot_bottom + 16}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT}">{lines}</text>'
        )
    return parts


def bar_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    max_value: float | None = None,
) -> Markup:
    """Return a bar chart; a category with no data gets no bar and a dash."""
    top_value = _scale_max(values, max_value)
    plot_bottom = HEIGHT - BOTTOM
    plot_height = plot_bottom - TOP
    body = _axes(top_value, unit, labels, plot_bottom)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar = slot * 0.7
    for index, value in enumerate(values):
        x = LEFT + slot * index + (slot - bar) / 2
        centre = x + bar / 2
        if value is None:
            body.append(
                f'<text x="{centre:.1f}" y="{plot_bottom - 4}" text-anchor="middle" '
                f'font-size="12" fill="{TEXT}">–</text>'
            )
            continue
        height = plot_height * min(value, top_value) / top_value if top_value else 0
        body.append(
            f'<rect x="{x:.1f}" y="{plot_bottom - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" fill="{SERIES_STYLES[0][0]}"/>'
        )
        if len(values) <= 12:
            body.append(
                f'<text x="{centre:.1f}" y="{plot_bottom - height - 4:.1f}" '
                f'text-anchor="middle" font-size="11" fill="{TEXT}">'
                f"{escape(_number(value))}</text>"
            )
    return _frame(chart_id, title, desc, HEIGHT, body)


def line_chart(
    chart_id: str,
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    max_value: float | None = None,
) -> Markup:
    """Return a line chart with a legend; a month with no data breaks the line."""
    series = list(series)[: len(SERIES_STYLES)]
    every_value = [v for s in series for v in s.values]
    top_value = _scale_max(every_value, max_value)
    legend_rows = -(-len(series) // 2)
    height = HEIGHT + 20 * legend_rows
    plot_bottom = HEIGHT - BOTTOM
    plot_height = plot_bottom - TOP
    body = _axes(top_value, unit, labels, plot_bottom)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for number, line in enumerate(series):
        colour, dash, marker = SERIES_STYLES[number]
        points = []
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(line.values):
            if value is None:
                segments.append([])
                continue
            x = LEFT + slot * (index + 0.5)
            y = plot_bottom - plot_height * min(value, top_value) / top_value
            segments[-1].append((x, y))
            points.append((x, y))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in segments:
            if len(segment) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                body.append(
                    f'<polyline points="{path}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
        body.extend(_marker(marker, x, y, colour) for x, y in points)
        lx = LEFT + (number % 2) * (WIDTH - LEFT) / 2
        ly = HEIGHT - 6 + 20 * (number // 2)
        body.append(
            f'<line x1="{lx:.1f}" y1="{ly - 4}" x2="{lx + 28:.1f}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            + _marker(marker, lx + 14, ly - 4, colour)
            + f'<text x="{lx + 34:.1f}" y="{ly}" font-size="12" fill="{TEXT}">'
            f"{escape(line.name)}</text>"
        )
    return _frame(chart_id, title, desc, height, body)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    if shape == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} '
            f'{x - 5:.1f},{y + 4:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
