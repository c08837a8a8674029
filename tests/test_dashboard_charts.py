"""Server-drawn SVG charts: accessible names, escaped text, gaps for missing data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from debrief.compliance.svg_charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_a_named_image_with_one_bar_per_value():
    svg = bar_chart(
        "c1", title="Cover <b>&", desc="Desc", labels=["Jan", "Feb", "Mar"],
        values=[50, None, 100], unit="%", max_value=100,
    )  # fmt: skip
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Cover <b>&"  # escaped in the markup, intact here
    assert root.find(f"{SVG}desc").text == "Desc"
    bars = root.findall(f"{SVG}rect")
    assert len(bars) == 2  # no bar where there is no data
    assert float(bars[1].get("height")) == 2 * float(bars[0].get("height"))
    assert "style" not in str(svg)


def test_a_line_chart_breaks_where_data_is_missing_and_has_a_legend():
    svg = line_chart(
        "c2", title="T", desc="D", labels=["a", "b", "c", "d"],
        series=[Series("One", [1, 2, None, 4]), Series("Two <x>", [0, 0, 0, 0])],
    )  # fmt: skip
    root = ET.fromstring(str(svg))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2  # "One" has one segment of two points (the lone 4 is a marker only)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "One" in texts and "Two <x>" in texts
    assert lines[1].get("stroke-dasharray")  # told apart by dash as well as colour


def test_axis_scale_rounds_up_to_a_readable_maximum():
    svg = bar_chart("c3", title="T", desc="D", labels=["a"], values=[37])
    texts = [t.text for t in ET.fromstring(str(svg)).iter(f"{SVG}text")]
    texts = ["".join(t.itertext()) for t in ET.fromstring(str(svg)).iter(f"{SVG}text")]
    assert "40" in texts and "0" in texts
