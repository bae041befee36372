"""Charts drawn on the server: figures in, the shapes of an SVG out (no chart library).

``templates/staff/includes/chart.svg.html`` draws a ``Chart``: its rectangles, lines and
texts in a ``viewBox`` of ``WIDTH`` user units, scaled by CSS to the page's width. Colors
come from CSS classes (the CSP allows no inline styles); each chart has a title and a
description, and the page shows the same figures in a table beside it.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 400
FONT = 12  # user units; the CSS sets the same font size
LABEL_ROOM = 124  # room on the left for a label of up to 18 characters
ROW = 26


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str  # shown on hover


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = "chart-label"


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "chart-grid"


@dataclass(frozen=True, slots=True)
class Series:
    """One set of values across the chart's categories, drawn in the color of `css`."""

    name: str
    css: str
    values: Sequence[float | None]


@dataclass(slots=True)
class Chart:
    key: str  # unique on the page: ids for the title and description
    title: str
    description: str
    height: float = 0
    width: float = WIDTH
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)


def nice_ceiling(value: float) -> float:
    """Return the smallest of 1, 2, 2.5, 5 (times a power of ten) at or above `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0") if unit == "%" else f"{value:g}"
    return f"{text}{unit}"


def bars(*, key: str, title: str, description: str, labels: Sequence[str], series: Series) -> Chart:
    """Return horizontal bars of percentages, one per label (100% is the least full scale)."""
    chart = Chart(key, title, description, legend=[])
    values = [v for v in series.values if v is not None]
    top = max(100.0, nice_ceiling(max(values, default=0)))
    left, right = LABEL_ROOM, WIDTH - 44
    scale = (right - left) / top
    y = FONT + 4
    for tick in (0, top / 2, top):
        x = left + tick * scale
        chart.lines.append(Line(x, y - 4, x, y + ROW * len(labels)))
        chart.texts.append(Text(x, y - 6, _number(tick, "%"), "middle", "chart-axis"))
    for label, value in zip(labels, series.values, strict=True):
        chart.texts.append(Text(left - 6, y + ROW / 2 + FONT / 3, _shorten(label), "end"))
        shown = "no hours" if value is None else _number(value, "%")
        if value:
            chart.rects.append(
                Rect(left, y + 4, value * scale, ROW - 8, series.css, f"{label}: {shown}")
            )
        chart.texts.append(
            Text(left + (value or 0) * scale + 4, y + ROW / 2 + FONT / 3, shown, css="chart-value")
        )
        y += ROW
    chart.height = y + 4
    return chart


def columns(
    *,
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    stacked: bool,
    unit: str = "",
) -> Chart:
    """Return columns per label: the series stacked on each other, or side by side."""
    chart = Chart(key, title, description, legend=list(series))
    heights = [
        sum(s.values[i] or 0 for s in series) if stacked else max(s.values[i] or 0 for s in series)
        for i in range(len(labels))
    ]
    top = nice_ceiling(max(heights, default=0))
    left, right, plot_top, plot_height = 40, WIDTH - 8, FONT, 160
    base = plot_top + plot_height
    scale = plot_height / top
    for n in range(5):
        tick = top * n / 4
        y = base - tick * scale
        chart.lines.append(Line(left, y, right, y, "chart-grid"))
        chart.texts.append(Text(left - 4, y + FONT / 3, _number(tick, unit), "end", "chart-axis"))
    slot = (right - left) / max(1, len(labels))
    every = math.ceil(len(labels) / 8)  # about 45 units per label
    for i, label in enumerate(labels):
        x = left + i * slot + slot * 0.15
        width = slot * 0.7
        bottom = base
        for n, each in enumerate(series):
            value = each.values[i]
            tip = f"{label}, {each.name}: {'none' if value is None else _number(value, unit)}"
            if stacked:
                height = (value or 0) * scale
                bottom -= height
                rect = Rect(x, bottom, width, height, each.css, tip)
            else:
                part = width / len(series)
                height = (value or 0) * scale
                rect = Rect(x + n * part, base - height, part, height, each.css, tip)
            if rect.height > 0:
                chart.rects.append(rect)
        if i % every == 0:
            chart.texts.append(Text(x + width / 2, base + FONT + 4, label, "middle", "chart-axis"))
    chart.lines.append(Line(left, base, right, base, "chart-base"))
    chart.height = base + FONT + 10
    return chart


def _shorten(label: str, room: int = 18) -> str:
    return label if len(label) <= room else label[: room - 1] + "\N{HORIZONTAL ELLIPSIS}"
