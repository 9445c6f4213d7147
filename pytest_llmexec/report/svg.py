"""Small hand-written SVG charts for the HTML report: grouped bars and lines.

Hand-written so the report needs no charting dependency and no script: every
chart is static markup that any browser (or an image viewer) shows offline.
Every text that reaches the markup goes through `esc`; callers pass plain
strings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

#: Okabe & Ito's colour-blind safe palette (yellow left out: too light on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#999999")

WIDTH = 960
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 16
PLOT_HEIGHT = 240
LEGEND_ROW = 20
CHAR_WIDTH = 6.6  # of the 12px sans-serif labels, for a layout without a font engine

Formatter = Callable[[float], str]


def esc(text: object) -> str:
    """Text or attribute value, safe inside SVG or HTML."""
    return escape(str(text), quote=True)


def percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def percent1(value: float) -> str:
    return f"{100 * value:.1f}%"


def number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 0.01:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _pick(colors: Mapping[str, str] | None, name: str, index: int) -> str:
    """The caller's colour for a series (the same run looks the same in every chart)."""
    return (colors or {}).get(name) or color(index)


@dataclass(frozen=True)
class Point:
    """One bar or one point: a value, an optional interval and a tooltip."""

    value: float
    low: float | None = None
    high: float | None = None
    tip: str = ""


@dataclass(frozen=True)
class Scale:
    """The y axis: its range, where the ticks go and how values read."""

    low: float
    high: float
    ticks: tuple[float, ...]
    fmt: Formatter = number


PERCENT = Scale(0.0, 1.0, (0.0, 0.25, 0.5, 0.75, 1.0), percent)


def nice_scale(values: Sequence[float], fmt: Formatter = number, *, integer: bool = False) -> Scale:
    """A scale from 0 (or the lowest negative value) up to a round number above the data.

    With *integer* (counts), ticks are whole numbers.
    """
    high = max([0.0, *values])
    low = min([0.0, *values])
    span = max(high - low, 1e-12)
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    if stop == start:
        stop = start + step
    count = round((stop - start) / step)
    ticks = tuple(start + i * step for i in range(count + 1))
    return Scale(start, stop, ticks, fmt)


def _legend(
    series: Sequence[str], y: float, colors: Mapping[str, str] | None, width: int
) -> tuple[list[str], float]:
    """Legend swatches laid out in rows from the left; returns markup and its height."""
    parts: list[str] = []
    x = float(MARGIN_LEFT)
    row = 0
    for index, name in enumerate(series):
        item = 18 + CHAR_WIDTH * len(name) + 16
        if x + item > width - MARGIN_RIGHT and x > MARGIN_LEFT:
            row += 1
            x = float(MARGIN_LEFT)
        top = y + row * LEGEND_ROW
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="12" height="12" '
            f'fill="{_pick(colors, name, index)}"/>'
            f'<text x="{x + 17:.1f}" y="{top + 10:.1f}">{esc(name)}</text>'
        )
        x += item
    return parts, (row + 1) * LEGEND_ROW if series else 0


def _x_labels(
    labels: Sequence[str], centres: Sequence[float], step: float, top: float
) -> tuple[list[str], float]:
    """Category labels under the plot, turned 30 degrees when they would collide."""
    longest = max((len(label) for label in labels), default=0)
    turned = longest * CHAR_WIDTH > step - 4
    parts = []
    for label, x in zip(labels, centres, strict=True):
        shown = label if len(label) <= 28 else label[:27] + "…"
        if turned:
            parts.append(
                f'<text x="{x:.1f}" y="{top + 14:.1f}" text-anchor="end" '
                f'transform="rotate(-30 {x:.1f} {top + 14:.1f})">{esc(shown)}'
                f"<title>{esc(label)}</title></text>"
            )
        else:
            parts.append(
                f'<text x="{x:.1f}" y="{top + 16:.1f}" text-anchor="middle">{esc(shown)}</text>'
            )
    height = (min(longest, 28) * CHAR_WIDTH * 0.5 + 24) if turned else 26
    return parts, height


def _left(scale: Scale) -> float:
    """Room left of the plot for the tick labels and the axis title."""
    longest = max((len(scale.fmt(tick)) for tick in scale.ticks), default=0)
    return max(float(MARGIN_LEFT), 34 + CHAR_WIDTH * longest)


def _axes(
    scale: Scale,
    top: float,
    y_of: Callable[[float], float],
    y_label: str,
    width: int,
    left: float,
) -> list[str]:
    parts = []
    for tick in scale.ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{left:.1f}" x2="{width - MARGIN_RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end">'
            f"{esc(scale.fmt(tick))}</text>"
        )
    if scale.low < 0 < scale.high:
        y = y_of(0.0)
        parts.append(
            f'<line class="zero" x1="{left:.1f}" x2="{width - MARGIN_RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
        )
    if y_label:
        middle = top + PLOT_HEIGHT / 2
        parts.append(
            f'<text x="14" y="{middle:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {middle:.1f})">{esc(y_label)}</text>'
        )
    return parts


def _whisker(x: float, y_low: float, y_high: float, half: float) -> str:
    return (
        f'<path class="ci" d="M{x:.1f} {y_low:.1f}V{y_high:.1f}'
        f"M{x - half:.1f} {y_low:.1f}H{x + half:.1f}M{x - half:.1f} {y_high:.1f}"
        f'H{x + half:.1f}"/>'
    )


def _svg(title: str, width: int, height: float, parts: Sequence[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{esc(title)}">'
        f"<title>{esc(title)}</title>{''.join(parts)}</svg>"
    )


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[str],
    values: Mapping[tuple[str, str], Point],
    *,
    scale: Scale | None = None,
    y_label: str = "",
    colors: Mapping[str, str] | None = None,
    width: int = WIDTH,
) -> str:
    """Grouped bars: one group per category, one bar per series, whiskers for intervals.

    ``values`` maps (category, series) to a point; a missing pair leaves a gap.
    """
    if scale is None:
        scale = nice_scale(
            [v for p in values.values() for v in (p.value, p.low, p.high) if v is not None]
        )
    legend, legend_height = _legend(series, MARGIN_TOP, colors, width)
    top = MARGIN_TOP + legend_height + 6
    left = _left(scale)
    plot_width = width - left - MARGIN_RIGHT
    step = plot_width / max(len(categories), 1)
    bar = min(step * 0.8 / max(len(series), 1), 48.0)

    def y_of(value: float) -> float:
        clamped = min(max(value, scale.low), scale.high)
        return top + PLOT_HEIGHT * (scale.high - clamped) / (scale.high - scale.low)

    parts = [*legend, *_axes(scale, top, y_of, y_label, width, left)]
    centres = [left + step * (i + 0.5) for i in range(len(categories))]
    base = y_of(0.0) if scale.low <= 0 <= scale.high else y_of(scale.low)
    for category, centre in zip(categories, centres, strict=True):
        first = centre - bar * len(series) / 2
        for index, name in enumerate(series):
            point = values.get((category, name))
            if point is None:
                continue
            x = first + bar * index
            y = y_of(point.value)
            fill = _pick(colors, name, index)
            tip = point.tip or f"{category} · {name}: {scale.fmt(point.value)}"
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{min(y, base):.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{max(abs(base - y), 0.5):.1f}" fill="{fill}">'
                f"<title>{esc(tip)}</title></rect>"
            )
            if point.low is not None and point.high is not None:
                parts.append(
                    _whisker(x + bar / 2, y_of(point.low), y_of(point.high), min(bar / 4, 5))
                )
            elif bar >= 26:
                label_y = y - 4 if point.value >= 0 else y + 12
                parts.append(
                    f'<text class="value" x="{x + bar / 2:.1f}" y="{label_y:.1f}" '
                    f'text-anchor="middle">{esc(scale.fmt(point.value))}</text>'
                )
    labels, label_height = _x_labels(categories, centres, step, top + PLOT_HEIGHT)
    parts.extend(labels)
    return _svg(title, width, top + PLOT_HEIGHT + label_height, parts)


def line_chart(
    title: str,
    xs: Sequence[str],
    series: Mapping[str, Mapping[str, Point]],
    *,
    scale: Scale = PERCENT,
    y_label: str = "",
    colors: Mapping[str, str] | None = None,
    width: int = WIDTH,
) -> str:
    """One line per series over ordered categories, with interval whiskers.

    Whiskers of different series are nudged apart so that they stay readable.
    """
    names = list(series)
    legend, legend_height = _legend(names, MARGIN_TOP, colors, width)
    top = MARGIN_TOP + legend_height + 6
    left = _left(scale)
    plot_width = width - left - MARGIN_RIGHT
    step = plot_width / max(len(xs), 1)

    def y_of(value: float) -> float:
        clamped = min(max(value, scale.low), scale.high)
        return top + PLOT_HEIGHT * (scale.high - clamped) / (scale.high - scale.low)

    parts = [*legend, *_axes(scale, top, y_of, y_label, width, left)]
    centres = [left + step * (i + 0.5) for i in range(len(xs))]
    nudge = min(step / (len(names) + 1), 8.0)
    for index, name in enumerate(names):
        points = series[name]
        offset = (index - (len(names) - 1) / 2) * nudge
        stroke = _pick(colors, name, index)
        path: list[str] = []
        dots: list[str] = []
        for x_label, centre in zip(xs, centres, strict=True):
            point = points.get(x_label)
            if point is None:
                continue
            x = centre + offset
            y = y_of(point.value)
            path.append(f"{'L' if path else 'M'}{x:.1f} {y:.1f}")
            if point.low is not None and point.high is not None:
                dots.append(_whisker(x, y_of(point.low), y_of(point.high), 3))
            tip = point.tip or f"{x_label} · {name}: {scale.fmt(point.value)}"
            dots.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{stroke}">'
                f"<title>{esc(tip)}</title></circle>"
            )
        if len(path) > 1:
            parts.append(f'<path class="line" d="{"".join(path)}" stroke="{stroke}" fill="none"/>')
        parts.extend(dots)
    labels, label_height = _x_labels(xs, centres, step, top + PLOT_HEIGHT)
    parts.extend(labels)
    return _svg(title, width, top + PLOT_HEIGHT + label_height, parts)


def stacked_rows(
    title: str,
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    colors: Mapping[str, str],
    *,
    width: int = WIDTH,
) -> str:
    """One horizontal bar per row, cut into coloured segments (e.g. verdict counts).

    Every row spans the full width: the segments show shares, their counts are
    written inside when they fit and are always in the tooltip.
    """
    keys = list(dict.fromkeys(key for _, segments in rows for key, _ in segments))
    legend, legend_height = _legend(keys, MARGIN_TOP, colors, width)
    label_width = min(max((len(label) for label, _ in rows), default=0) * CHAR_WIDTH + 12, 260)
    left = max(float(MARGIN_LEFT), label_width)
    plot_width = width - left - MARGIN_RIGHT
    top = MARGIN_TOP + legend_height + 6
    row_height = 26
    parts = list(legend)
    for index, (label, segments) in enumerate(rows):
        y = top + index * row_height
        total = sum(value for _, value in segments) or 1.0
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y + 15:.1f}" text-anchor="end">{esc(label)}</text>'
        )
        x = left
        for key, value in segments:
            if value <= 0:
                continue
            span = plot_width * value / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{span:.1f}" height="{row_height - 6}" '
                f'fill="{_pick(colors, key, keys.index(key))}">'
                f"<title>{esc(f'{label}: {number(value)} {key} ({100 * value / total:.1f}%)')}"
                "</title></rect>"
            )
            text = number(value)
            if span >= len(text) * CHAR_WIDTH + 6:
                parts.append(
                    f'<text class="inside" x="{x + span / 2:.1f}" y="{y + 14:.1f}" '
                    f'text-anchor="middle">{esc(text)}</text>'
                )
            x += span
    return _svg(title, width, top + len(rows) * row_height + 4, parts)
