"""Small SVG charts drawn on the server: no JavaScript, they scale to the page width (viewBox).

Every drawn value also stands as text in the chart and as a ``data-value``
attribute, so the numbers can be read without hovering and checked by tests.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

#: Stage colours (also used by the legend); readable on white and by most colour-blind readers.
COLOURS = {
    "awareness": "#94a3b8", "consideration": "#0ea5e9", "purchase": "#6366f1",
    "retention": "#16a34a", "advocacy": "#f59e0b", "lapsed": "#dc2626",
}
DEFAULT_COLOUR = "#52525b"


@dataclass(frozen=True, slots=True)
class Bar:
    key: str  # the data key (a stage, a rating)
    label: str  # what the reader sees
    value: int


def bars(title: str, rows: Sequence[Bar], colours: dict[str, str] | None = None) -> SafeString:
    """Horizontal bars, one row each, with the value written at the end of the bar."""
    width, label_w, row_h, value_w = 440, 130, 32, 56
    height = row_h * max(len(rows), 1) + 8
    top = max((row.value for row in rows), default=0) or 1
    parts = [format_html(
        '<svg class="chart bars" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>", width, height, title, title,
    )]
    for i, row in enumerate(rows):
        y = 4 + i * row_h
        length = round((width - label_w - value_w) * row.value / top, 1)
        colour = (colours or {}).get(row.key, DEFAULT_COLOUR)
        parts.append(format_html(
            '<g class="bar" data-key="{}" data-value="{}">'
            '<text x="{}" y="{}" text-anchor="end" class="label">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"><title>{}: {}</title></rect>'
            '<text x="{}" y="{}" class="value">{}</text></g>',
            row.key, row.value, label_w - 8, y + row_h / 2 + 5, row.label, label_w, y + 4, max(length, 1),
            row_h - 8, colour, row.label, row.value, label_w + max(length, 1) + 6, y + row_h / 2 + 5, row.value,
        ))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def lines(title: str, days: Sequence[date], series: Mapping[str, tuple[str, Sequence[int]]]) -> SafeString:
    """One line per series over the days; ``series`` maps a key to (label, value per day). The legend is HTML."""
    width, height, left, right, top_pad, bottom = 480, 220, 40, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for _label, values in series.values() for v in values), default=0) or 1
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: int) -> float:
        return round(top_pad + plot_h - plot_h * v / top, 1)

    parts = [format_html(
        '<svg class="chart lines" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>", width, height, title, title,
    )]
    for v in sorted({0, top // 2, top}):  # horizontal guides with their values
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/><text x="{}" y="{}" text-anchor="end" class="axis">{}</text>',
            left, width - right, y(v), y(v), left - 6, y(v) + 4, v,
        ))
    if days:
        parts.append(format_html(
            '<text x="{}" y="{}" class="axis">{}</text><text x="{}" y="{}" text-anchor="end" class="axis">{}</text>',
            left, height - bottom + 18, days[0].isoformat(), width - right, height - bottom + 18, days[-1].isoformat(),
        ))
    for key, (label, values) in series.items():
        colour = COLOURS.get(key, DEFAULT_COLOUR)
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
        parts.append(format_html(
            '<g class="series" data-key="{}" data-total="{}"><polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>',
            key, sum(values), points, colour,
        ))
        for i, v in enumerate(values):
            if v:
                parts.append(format_html(
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}: {}</title></circle>',
                    x(i), y(v), colour, days[i].isoformat(), label, v,
                ))
        parts.append(mark_safe("</g>"))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def score_line(title: str, points: Sequence[tuple[date, float | None, int]], low: int = -100,
               high: int = 100) -> SafeString:
    """Draw a score from ``low`` to ``high`` over time (NPS per week): one point per (date, score, answers).

    A point without a score (no answers) leaves a gap rather than a zero; the zero line is drawn.
    """
    width, height, left, right, top_pad, bottom = 480, 200, 44, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: float) -> float:
        return round(top_pad + plot_h * (high - v) / (high - low), 1)

    parts = [format_html(
        '<svg class="chart lines score" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "<title>{}</title>", width, height, title, title,
    )]
    for v in (low, 0, high):
        parts.append(format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/><text x="{}" y="{}" text-anchor="end" class="axis">{}</text>',
            left, width - right, y(v), y(v), left - 6, y(v) + 4, v,
        ))
    if points:
        parts.append(format_html(
            '<text x="{}" y="{}" class="axis">{}</text><text x="{}" y="{}" text-anchor="end" class="axis">{}</text>',
            left, height - bottom + 18, points[0][0].isoformat(), width - right, height - bottom + 18,
            points[-1][0].isoformat(),
        ))
    runs: list[list[str]] = [[]]
    for i, (_day, score, _n) in enumerate(points):
        if score is None:
            runs.append([])
        else:
            runs[-1].append(f"{x(i)},{y(score)}")
    for run in runs:
        if run:
            parts.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>',
                                     " ".join(run), DEFAULT_COLOUR))
    for i, (day, score, answers) in enumerate(points):
        if score is not None:
            parts.append(format_html(
                '<circle class="point" data-week="{}" data-score="{}" data-answers="{}" cx="{}" cy="{}" r="3.5" fill="{}">'
                "<title>{}: {} ({})</title></circle>",
                day.isoformat(), score, answers, x(i), y(score), DEFAULT_COLOUR, day.isoformat(), score, answers,
            ))
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))
