"""Charts drawn on the server as SVG, for the monthly packs' PDFs (docs/reporting.md,
"Monthly packs"; decision 0038).

WeasyPrint renders inline SVG, so a pack's charts are drawn here in Python from the same
figures as its tables: no browser, no image library, nothing fetched. A chart is a column per
month; a month with nothing to measure (a value of None) has no column and says "no figure"
under its label, never a zero. Text is escaped (a KPI's label is ours, a council's name is
typed by people).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

WIDTH = 520
HEIGHT = 180
LEFT = 52  # room for the axis' figures
RIGHT = 8
TOP = 22  # room for the title
BOTTOM = 28  # room for the months' labels
BAR = "#1d70b8"
INK = "#0b0c0c"
GRID = "#b1b4b6"
QUIET = "#505a5f"


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten at or above `value` (the axis' top),
    1 for nothing above zero."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at ten times the power


def axis_label(value: Decimal, unit: str) -> str:
    """An axis figure: whole numbers where they are whole, a percent sign for percentages."""
    text = f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"
    if unit == "percent":
        return f"{text}%"
    if unit == "gbp":
        return f"£{text}"
    return text


def bar_chart_svg(
    title: str, labels: Sequence[str], values: Sequence[Decimal | None], unit: str = "count"
) -> str:
    """An SVG column chart of `values` (one per label; None for no figure), titled `title`.

    The axis runs from zero (or from the lowest value, when one is below zero) to a round
    figure at or above the highest value.
    """
    if len(labels) != len(values):
        raise ValueError("A chart needs one label per value")
    known = [v for v in values if v is not None]
    top = nice_ceiling(max([Decimal(0), *known]))
    bottom = min([Decimal(0), *known])
    if bottom < 0:
        bottom = -nice_ceiling(-bottom)
    span = top - bottom
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    count = max(len(values), 1)
    slot = plot_w / count
    bar_w = slot * 0.7

    def y_of(value: Decimal) -> float:
        return TOP + float((top - value) / span) * plot_h

    name = escape(title, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{name}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="14" font-size="11" font-family="sans-serif" fill="{INK}" '
        f'font-weight="bold">{escape(title)}</text>',
    ]
    for tick in (bottom, (top + bottom) / 2, top) if bottom < 0 else (bottom, top / 2, top):
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" font-size="8" font-family="sans-serif" '
            f'fill="{QUIET}" text-anchor="end">{escape(axis_label(tick, unit))}</text>'
        )
    zero = y_of(Decimal(0))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = LEFT + slot * index + slot / 2
        if value is not None:
            y = y_of(value)
            y1, y2 = min(y, zero), max(y, zero)
            parts.append(
                f'<rect class="bar" x="{centre - bar_w / 2:.1f}" y="{y1:.1f}" '
                f'width="{bar_w:.1f}" height="{max(y2 - y1, 0.5):.1f}" fill="{BAR}">'
                f"<title>{escape(label)}: {escape(axis_label(value, unit))}</title></rect>"
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 11}" font-size="8" '
            f'font-family="sans-serif" fill="{INK}" text-anchor="middle">{escape(label)}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 21}" font-size="6" '
                f'font-family="sans-serif" fill="{QUIET}" text-anchor="middle">no figure</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{zero:.1f}" x2="{WIDTH - RIGHT}" y2="{zero:.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
