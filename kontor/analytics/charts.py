"""Charts drawn on the server as inline SVG: no script, nothing loaded from
elsewhere, so the Content-Security-Policy stays as it is. One chart per
unit (counts, an amount in one currency, per cents, days): bars for a few
labels, lines for a long row of weeks or months."""

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kontor.analytics.dashboards import Dashboard, Series

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 16, 64
# Colours that stay apart for the colour-blind (Okabe & Ito).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
LINES_FROM = 13


@dataclass
class Chart:
    unit: str
    title: str
    series: list[Series]
    labels: list[str]
    svg: SafeString


def _nice_step(value: float) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten; whole numbers
    below ten) so that four steps reach ``value``."""
    if value <= 0:
        return 1.0
    target = value / 4
    magnitude = 10 ** math.floor(math.log10(target))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= target and (step * magnitude >= 1 or magnitude < 1):
            if step == 2.5 and magnitude < 1:
                continue
            return step * magnitude
    return 10 * magnitude


def _short(text: str, size: int = 14) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _number(value: float) -> str:
    return number_format(round(value, 2), decimal_pos=None, use_l10n=True, force_grouping=True)


def _tick(value: float) -> str:
    """An axis label short enough for the margin: 1.5 M, 250 k, 12."""
    for least, size, suffix in ((1_000_000, 1_000_000, " M"), (10_000, 1_000, " k")):
        if abs(value) >= least:
            scaled = round(value / size, 2)
            return number_format(int(scaled) if scaled == int(scaled) else scaled) + suffix
    if value == int(value):
        return number_format(int(value), use_l10n=True, force_grouping=True)
    return number_format(round(value, 1), use_l10n=True)


def draw(title: str, series: list[Series], labels: list[str], names: dict[str, str]) -> str:
    values = [p.value or 0 for s in series for p in s.points]
    top = 4 * _nice_step(max([abs(v) for v in values] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 24 * _legend_rows(series)}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d4da" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a5563">{escape(_tick(value))}</text>'
        )
    slot = plot_w / max(1, len(labels))
    every = max(1, math.ceil(len(labels) / 16))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = LEFT + slot * (index + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" font-size="11" fill="#4a5563" '
            f'text-anchor="end" transform="rotate(-30 {x:.1f} {TOP + plot_h + 14})">'
            f"{escape(_short(names.get(label, label)))}</text>"
        )
    lines = len(labels) >= LINES_FROM
    for number, one in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        by_label = {p.label: p.value for p in one.points}
        if lines:
            points = [
                (LEFT + slot * (i + 0.5), TOP + plot_h - plot_h * (by_label.get(lb) or 0) / top)
                for i, lb in enumerate(labels)
            ]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            for (x, y), label in zip(points, labels, strict=True):
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
                    f"{escape(one.name)} · {escape(names.get(label, label))}: "
                    f"{escape(_number(by_label.get(label) or 0))}</title></circle>"
                )
            continue
        width = slot * 0.8 / max(1, len(series))
        for i, label in enumerate(labels):
            value = by_label.get(label) or 0
            height = plot_h * max(0, value) / top
            x = LEFT + slot * i + slot * 0.1 + width * number
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{max(width - 1, 1):.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(one.name)} · '
                f"{escape(names.get(label, label))}: {escape(_number(value))}</title></rect>"
            )
    parts.append(_legend(series))
    parts.append("</svg>")
    return "".join(parts)


def _legend_rows(series: list[Series]) -> int:
    return math.ceil(len(series) / 4)


def _legend(series: list[Series]) -> str:
    parts = []
    for number, one in enumerate(series):
        row, column = divmod(number, 4)
        x = LEFT + column * 170
        y = HEIGHT + 8 + row * 24
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" '
            f'fill="{PALETTE[number % len(PALETTE)]}"/>'
            f'<text x="{x + 18}" y="{y + 11}" font-size="12" fill="#1f2933">'
            f"{escape(_short(one.name, 24))}</text>"
        )
    return "".join(parts)


def charts(board: Dashboard) -> list[Chart]:
    """A chart per unit, in the order the series come."""
    groups: dict[tuple[str, tuple[str, ...]], list[Series]] = {}
    for one in board.series:
        labels = tuple(p.label for p in one.points)
        groups.setdefault((one.unit, labels), []).append(one)
    result = []
    for (unit, labels), series in groups.items():
        title = " · ".join(s.name for s in series)
        svg = draw(title, series, list(labels), board.label_names)
        result.append(Chart(unit, title, series, list(labels), mark_safe(svg)))  # noqa: S308
    return result
