"""Small inline-SVG charts, drawn by our own code: a sparkline, a line chart of a metric over nights (with its
confidence band and threshold lines), a horizontal bar chart (drift by feature, impact ratio by group) and
paired bars (a feature's distribution, reference vs tonight: a histogram on its side).

Why hand-made: matplotlib's SVG backend takes about 30 ms and 13 KB for one simple line chart; these take well
under a millisecond and a few KB, so every page of a 26-model night stays cheap. The charts are plain data
(frozen dataclasses) built by ``govern.reports.views``; the functions here turn them into ``Markup`` that a
template inserts as is. Every piece of text (names, labels, titles) is escaped here and stripped of characters
XML forbids, so a feature called ``<script>alert(1)</script>`` is drawn as text. The SVG carries no ``xmlns``:
inline in HTML5 the parser puts it in the SVG namespace by itself, and the page then holds no URL at all.
Each chart has a ``<title>`` (the tooltip and what a screen reader says) and needs no JavaScript.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# colours: readable on white and in greyscale print
INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
ESTIMATED = "#2f6fb0"
REALIZED = "#1d8a5a"
BAND = "#2f6fb0"
ALERT = "#c0392b"
NEUTRAL = "#52606d"
REFERENCE = "#9aa5b1"

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def text(value: object, *, limit: int | None = None) -> Markup:
    """``value`` as escaped SVG/HTML text, without the control characters XML 1.0 forbids, cut to ``limit``
    characters (with an ellipsis) when given."""
    s = _FORBIDDEN.sub("", str(value))
    if limit is not None and len(s) > limit:
        s = s[: max(1, limit - 1)] + "\u2026"
    return escape(s)


def _n(x: float) -> str:
    """A coordinate, short: one decimal, no trailing zero."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value per x label (None: nothing measured that night), and optionally a
    band (lower, upper per x label) drawn behind it."""

    name: str
    values: tuple[float | None, ...]
    lower: tuple[float | None, ...] | None = None
    upper: tuple[float | None, ...] | None = None
    colour: str = ESTIMATED
    dashed: bool = False


@dataclass(frozen=True)
class Limit:
    """A horizontal (line chart) or vertical (bar chart) threshold line, with its label."""

    label: str
    value: float


@dataclass(frozen=True)
class LineChart:
    title: str
    x_labels: tuple[str, ...]
    """One per point, oldest first (ISO nights: the axis shows them as MM-DD)."""
    series: tuple[Series, ...]
    limits: tuple[Limit, ...] = ()
    highlight: str | None = None
    """The x label to mark with a vertical line (tonight)."""
    digits: int | None = None
    """Decimals of the value axis; None: from the span of the values."""


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    """None: not shown (a suppressed group, a column that was not measured); ``note`` says why."""
    flagged: bool = False
    note: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    limit: Limit | None = None
    domain_max: float | None = None
    """The right end of the value axis (e.g. 1 for a ratio); default: the largest value or limit, plus 10 %."""
    digits: int = 2


@dataclass(frozen=True)
class PairedBars:
    """Two shares per bin, the reference's and tonight's, drawn as a pair of bars: a histogram on its side
    (bins top to bottom, so a label of any length stays readable)."""

    title: str
    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]
    flagged: bool = False
    """Tonight's bars in the alert colour (the feature drifted)."""
    names: tuple[str, str] = ("reference", "tonight")


# ---------------------------------------------------------------------------------------------- sparkline


def sparkline(
    values: Sequence[float | None],
    *,
    label: str,
    threshold: float | None = None,
    alert: bool = False,
    width: int = 120,
    height: int = 28,
) -> Markup:
    """A word-sized line of ``values`` (None: a gap), its last point marked (red when ``alert``), and a dashed
    ``threshold`` line; ``label`` is its title."""
    pad = 3.0
    finite = [v for v in values if v is not None and math.isfinite(v)]
    head = (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{text(label)}</title>"
    )
    if not finite:
        return Markup(
            f'{head}<line x1="0" y1="{_n(height / 2)}" x2="{width}" y2="{_n(height / 2)}" '
            f'stroke="{GRID}" stroke-width="1"/></svg>'
        )
    lo, hi = _domain([*finite, *([threshold] if threshold is not None else [])])
    xs = _xs(len(values), pad, width - pad)

    def y(v: float) -> float:
        return height - pad - (v - lo) / (hi - lo) * (height - 2 * pad)

    parts = [head]
    if threshold is not None:
        ty = _n(y(threshold))
        parts.append(
            f'<line x1="0" y1="{ty}" x2="{width}" y2="{ty}" stroke="{ALERT}" stroke-width="0.8" '
            f'stroke-dasharray="3 2"/>'
        )
    for segment in _segments(values):
        points = " ".join(f"{_n(xs[i])},{_n(y(v))}" for i, v in segment)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{ESTIMATED}" stroke-width="1.5"/>')
    last, last_value = _segments(values)[-1][-1]
    parts.append(
        f'<circle cx="{_n(xs[last])}" cy="{_n(y(last_value))}" r="2.5" fill="{ALERT if alert else ESTIMATED}"/></svg>'
    )
    return Markup("".join(parts))


# ---------------------------------------------------------------------------------------------- line chart


def line_chart(chart: LineChart, *, width: int = 640, height: int = 230) -> Markup:
    """The series over the x labels, each band behind its line, the limits as dashed lines, a legend; every
    point has a tooltip (its ``<title>``) with the night and the value."""
    left, right, top, bottom = 52.0, 16.0, 14.0, 46.0
    n = len(chart.x_labels)
    numbers: list[float] = [lim.value for lim in chart.limits]
    for s in chart.series:
        for seq in (s.values, s.lower or (), s.upper or ()):
            numbers += [v for v in seq if v is not None and math.isfinite(v)]
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{text(chart.title)}</title>",
    ]
    if not numbers or n == 0:
        parts.append(
            f'<text x="{_n(width / 2)}" y="{_n(height / 2)}" text-anchor="middle" fill="{MUTED}">'
            f"no figures in this window</text></svg>"
        )
        return Markup("".join(parts))
    lo, hi = _domain(numbers)
    digits = chart.digits if chart.digits is not None else _digits(hi - lo)
    xs = _xs(n, left + 6, width - right - 6)
    plot_bottom = height - bottom

    def y(v: float) -> float:
        return plot_bottom - (v - lo) / (hi - lo) * (plot_bottom - top)

    # grid and value axis
    for tick in _ticks(lo, hi):
        ty = _n(y(tick))
        parts.append(f'<line x1="{_n(left)}" y1="{ty}" x2="{_n(width - right)}" y2="{ty}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{_n(left - 6)}" y="{ty}" dy="0.32em" text-anchor="end" fill="{MUTED}">'
            f"{_fmt(tick, digits)}</text>"
        )
    # night axis: about seven labels
    step = max(1, math.ceil(n / 7))
    for i, label in enumerate(chart.x_labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{_n(xs[i])}" y="{_n(plot_bottom + 14)}" text-anchor="middle" fill="{MUTED}">'
                f"{text(_short_night(label))}</text>"
            )
    if chart.highlight in chart.x_labels:
        hx = _n(xs[chart.x_labels.index(chart.highlight)])
        parts.append(
            f'<line x1="{hx}" y1="{_n(top)}" x2="{hx}" y2="{_n(plot_bottom)}" stroke="{MUTED}" '
            f'stroke-width="1" stroke-dasharray="2 3"/>'
        )
    # bands first, so lines draw over them
    for s in chart.series:
        if s.lower is None or s.upper is None:
            continue
        pairs = [
            (lo_v, up_v) if lo_v is not None and up_v is not None else None
            for lo_v, up_v in zip(s.lower, s.upper, strict=True)
        ]
        for run in _runs(pairs):
            upper = " ".join(f"{_n(xs[i])},{_n(y(pair[1]))}" for i, pair in run)
            lower = " ".join(f"{_n(xs[i])},{_n(y(pair[0]))}" for i, pair in reversed(run))
            parts.append(f'<polygon points="{upper} {lower}" fill="{BAND}" fill-opacity="0.14" stroke="none"/>')
    for lim in chart.limits:
        ly = _n(y(lim.value))
        parts.append(
            f'<line x1="{_n(left)}" y1="{ly}" x2="{_n(width - right)}" y2="{ly}" stroke="{ALERT}" '
            f'stroke-width="1.2" stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{_n(left + 4)}" y="{ly}" dy="-4" fill="{ALERT}">{text(lim.label)} {lim.value:g}</text>')
    for s in chart.series:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        for segment in _segments(s.values):
            if len(segment) > 1:
                points = " ".join(f"{_n(xs[i])},{_n(y(v))}" for i, v in segment)
                parts.append(f'<polyline points="{points}" fill="none" stroke="{s.colour}" stroke-width="1.8"{dash}/>')
        for i, v in enumerate(s.values):
            if v is None or not math.isfinite(v):
                continue
            tip = f"{s.name}, {chart.x_labels[i]}: {_fmt(v, 3)}"
            parts.append(
                f'<circle cx="{_n(xs[i])}" cy="{_n(y(v))}" r="2.6" fill="{s.colour}">'
                f"<title>{text(tip)}</title></circle>"
            )
    # legend
    legend_x = left
    legend_y = height - 12
    for s in chart.series:
        dash = ' stroke-dasharray="4 3"' if s.dashed else ""
        x, y_ = _n(legend_x), _n(legend_y)
        parts.append(
            f'<line x1="{x}" y1="{y_}" x2="{_n(legend_x + 18)}" y2="{y_}" stroke="{s.colour}" stroke-width="2"{dash}/>'
        )
        label = f"{s.name}" + (" (band: confidence)" if s.lower is not None else "")
        parts.append(f'<text x="{_n(legend_x + 22)}" y="{y_}" dy="0.32em" fill="{INK}">{text(label)}</text>')
        legend_x += 30 + 6.2 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))


# ---------------------------------------------------------------------------------------------- bar chart


def bar_chart(chart: BarChart, *, width: int = 640, row: int = 20, label_chars: int = 28) -> Markup:
    """One horizontal bar per item, its value at its end, flagged bars in red, a bar without a value replaced
    by its note (e.g. "suppressed: fewer than 100 rows"), and the limit as a dashed vertical line."""
    label_width, right, top = 8.0 + 6.4 * label_chars, 56.0, 22.0
    height = int(top + row * max(1, len(chart.bars)) + 10)
    values = [b.value for b in chart.bars if b.value is not None and math.isfinite(b.value)]
    if chart.limit is not None:
        values.append(chart.limit.value)
    top_value = chart.domain_max if chart.domain_max is not None else (max(values) * 1.1 if values else 1.0)
    top_value = top_value if top_value > 0 else 1.0
    x0, x1 = label_width, width - right

    def x(v: float) -> float:
        return x0 + max(0.0, min(v, top_value)) / top_value * (x1 - x0)

    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{text(chart.title)}</title>",
        f'<line x1="{_n(x0)}" y1="{_n(top - 4)}" x2="{_n(x0)}" y2="{_n(height - 6)}" stroke="{GRID}"/>',
    ]
    for k, bar in enumerate(chart.bars):
        y = top + k * row
        parts.append(
            f'<text x="{_n(x0 - 6)}" y="{_n(y + row / 2)}" dy="0.32em" text-anchor="end" fill="{INK}">'
            f"<title>{text(bar.label)}</title>{text(bar.label, limit=label_chars)}</text>"
        )
        if bar.value is None or not math.isfinite(bar.value):
            parts.append(
                f'<text x="{_n(x0 + 6)}" y="{_n(y + row / 2)}" dy="0.32em" fill="{MUTED}" '
                f'font-style="italic">{text(bar.note or "not measured")}</text>'
            )
            continue
        colour = ALERT if bar.flagged else NEUTRAL
        w = max(1.0, x(bar.value) - x0)
        tip = f"{bar.label}: {_fmt(bar.value, 3)}" + (f" ({bar.note})" if bar.note else "")
        parts.append(
            f'<rect x="{_n(x0)}" y="{_n(y + 3)}" width="{_n(w)}" height="{_n(row - 6)}" fill="{colour}">'
            f"<title>{text(tip)}</title></rect>"
        )
        parts.append(
            f'<text x="{_n(x0 + w + 4)}" y="{_n(y + row / 2)}" dy="0.32em" fill="{INK}">'
            f"{_fmt(bar.value, chart.digits)}</text>"
        )
    if chart.limit is not None:
        lx = _n(x(chart.limit.value))
        parts.append(
            f'<line x1="{lx}" y1="{_n(top - 6)}" x2="{lx}" y2="{_n(height - 4)}" stroke="{ALERT}" '
            f'stroke-width="1.2" stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<text x="{lx}" y="{_n(top - 10)}" text-anchor="middle" fill="{ALERT}">'
            f"{text(chart.limit.label)} {chart.limit.value:g}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# ---------------------------------------------------------------------------------------------- paired bars


def paired_bars(chart: PairedBars, *, width: int = 300, row: int = 22, label_chars: int = 18) -> Markup:
    """One row per bin: its label, the reference's share (grey) above tonight's (blue, red when flagged), each
    with its percentage; the longest bar spans the plot, and a legend on top names the two. Every bar has a
    tooltip with the bin and both shares."""
    if not len(chart.labels) == len(chart.reference) == len(chart.current):
        raise ValueError(
            f"paired bars need one reference and one current share per label; got {len(chart.labels)} labels, "
            f"{len(chart.reference)} and {len(chart.current)} shares instead"
        )
    label_width, right, top = 8.0 + 6.2 * label_chars, 44.0, 26.0
    height = int(top + row * max(1, len(chart.labels)) + 6)
    shares = [v for v in (*chart.reference, *chart.current) if math.isfinite(v)]
    top_value = max(shares, default=0.0) or 1.0
    x0, x1 = label_width, width - right
    colour = ALERT if chart.flagged else ESTIMATED
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="system-ui, sans-serif" font-size="11">',
        f"<title>{text(chart.title)}</title>",
    ]
    legend_x = x0
    for name, fill in zip(chart.names, (REFERENCE, colour), strict=True):
        parts.append(f'<rect x="{_n(legend_x)}" y="6" width="10" height="10" fill="{fill}"/>')
        parts.append(f'<text x="{_n(legend_x + 14)}" y="11" dy="0.32em" fill="{INK}">{text(name)}</text>')
        legend_x += 24 + 6.2 * len(name)
    parts.append(f'<line x1="{_n(x0)}" y1="{_n(top - 2)}" x2="{_n(x0)}" y2="{_n(height - 4)}" stroke="{GRID}"/>')
    bar = (row - 6) / 2
    for k, (label, ref, cur) in enumerate(zip(chart.labels, chart.reference, chart.current, strict=True)):
        y = top + k * row
        tip = f"{label}: {chart.names[0]} {_pct(ref)}, {chart.names[1]} {_pct(cur)}"
        parts.append(
            f'<text x="{_n(x0 - 6)}" y="{_n(y + row / 2)}" dy="0.32em" text-anchor="end" fill="{INK}">'
            f"<title>{text(label)}</title>{text(label, limit=label_chars)}</text>"
        )
        for offset, value, fill in ((2.0, ref, REFERENCE), (2.0 + bar, cur, colour)):
            if not math.isfinite(value):
                continue
            w = max(0.0, min(value, top_value)) / top_value * (x1 - x0)
            by = y + offset
            if value > 0:  # a share of 0 draws no bar, only its "0 %"
                parts.append(
                    f'<rect x="{_n(x0)}" y="{_n(by)}" width="{_n(max(w, 1.0))}" height="{_n(bar)}" fill="{fill}">'
                    f"<title>{text(tip)}</title></rect>"
                )
            parts.append(
                f'<text x="{_n(x0 + w + 3)}" y="{_n(by + bar / 2)}" dy="0.32em" fill="{MUTED}" font-size="9">'
                f"{_pct(value)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _pct(share: float) -> str:
    """A share as a short percentage: 12 %, 3.4 %, <0.1 %, 0 % (only nothing reads 0)."""
    if not math.isfinite(share):
        return "\u2013"
    percent = share * 100
    if percent <= 0:
        return "0\u00a0%"
    if percent < 0.05:
        return "<0.1\u00a0%"
    return f"{percent:.0f}\u00a0%" if percent >= 9.95 else f"{percent:.1f}\u00a0%"


# ---------------------------------------------------------------------------------------------- geometry


def _domain(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.05 or 0.05
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.08
    return lo - pad, hi + pad


def _digits(span: float) -> int:
    """Decimals that tell ticks ``span / 4`` apart: 2 for a span of 0.1, 3 for 0.02, 0 for 50."""
    return max(0, min(4, 1 - math.floor(math.log10(span)))) if span > 0 else 2


def _xs(n: int, start: float, end: float) -> list[float]:
    if n <= 1:
        return [(start + end) / 2] * max(n, 1)
    return [start + i * (end - start) / (n - 1) for i in range(n)]


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """About ``count`` round ticks inside [lo, hi]."""
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(count + 2) if first + k * step <= hi + 1e-12]


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive finite values, with their positions: a line breaks where a night has no figure."""
    out: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if current:
                out.append(current)
            current = []
        else:
            current.append((i, v))
    if current:
        out.append(current)
    return out


def _runs(pairs: Sequence[tuple[float, float] | None]) -> list[list[tuple[int, tuple[float, float]]]]:
    out: list[list[tuple[int, tuple[float, float]]]] = []
    current: list[tuple[int, tuple[float, float]]] = []
    for i, pair in enumerate(pairs):
        if pair is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append((i, pair))
    if current:
        out.append(current)
    return out


def _short_night(label: str) -> str:
    """2026-10-18 -> 10-18; any other label as is."""
    return label[5:] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", label) else label
