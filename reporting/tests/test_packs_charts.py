"""The packs' server-drawn SVG charts (reporting/charts.py): well-formed SVG, one column per
month with a figure and none for a month without, heights in proportion, text escaped."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

import pytest

from reporting.charts import axis_label, bar_chart_svg, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[ElementTree.Element]:
    return [e for e in ElementTree.fromstring(svg).iter(f"{SVG}rect") if e.get("class") == "bar"]


def test_one_column_per_month_with_a_figure_and_heights_in_proportion():
    svg = bar_chart_svg(
        "Tickets opened",
        ["Jan", "Feb", "Mar", "Apr"],
        [Decimal(10), Decimal(20), None, Decimal(40)],
    )
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("aria-label") == "Tickets opened"
    drawn = bars(svg)
    assert len(drawn) == 3
    heights = [float(b.get("height") or 0) for b in drawn]
    assert heights[1] == pytest.approx(2 * heights[0], rel=0.02)
    assert heights[2] == pytest.approx(4 * heights[0], rel=0.02)
    assert "no figure" in svg  # March says so rather than drawing a zero
    titles = [b.find(f"{SVG}title") for b in drawn]
    assert [t.text for t in titles if t is not None] == ["Jan: 10", "Feb: 20", "Apr: 40"]


def test_percent_axis_and_text_escaped():
    svg = bar_chart_svg('SLA met <&> "x"', ["Jan"], [Decimal("87.5")], unit="percent")
    root = ElementTree.fromstring(svg)  # still well-formed
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'SLA met <&> "x"'
    assert "100%" in svg
    assert "Jan: 87.5%" in svg


def test_nothing_to_draw_and_negative_values():
    empty = bar_chart_svg("Savings", ["Jan", "Feb"], [None, None], unit="gbp")
    assert bars(empty) == []
    ElementTree.fromstring(empty)
    negative = bar_chart_svg("Variance", ["Jan", "Feb"], [Decimal(-50), Decimal(100)], unit="gbp")
    drawn = bars(negative)
    assert len(drawn) == 2
    assert float(drawn[0].get("height") or 0) == pytest.approx(
        float(drawn[1].get("height") or 0) / 2, rel=0.02
    )


def test_labels_and_values_must_match():
    with pytest.raises(ValueError, match="one label per value"):
        bar_chart_svg("x", ["Jan"], [])


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [("0", "1"), ("7", "10"), ("12", "20"), ("230", "250"), ("0.4", "0.5"), ("1000", "1000")],
)
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(Decimal(value)) == Decimal(ceiling)


def test_axis_labels():
    assert axis_label(Decimal("1250"), "gbp") == "£1,250"
    assert axis_label(Decimal("2.5"), "days") == "2.5"
    assert axis_label(Decimal("50"), "percent") == "50%"
