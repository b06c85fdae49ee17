"""Charts drawn on the server as SVG: no JavaScript, readable without CSS, printable.

Each chart is an image for assistive technologies (role="img", a <title> and a <desc> that lists every value) and is
followed on the page by its data table, which is the reference: the chart only illustrates it (RGAA 1.3, 3.1).
Colours are those of the DSFR (blue France and its illustrative palette), with text values next to every mark so
that colour is never the only carrier of information.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cnum.core.formatting import number

BLUE = "#000091"
LIGHT_BLUE = "#6a6af4"
SERIES_COLOURS = (BLUE, LIGHT_BLUE)
#: Shares: contrasted DSFR illustrative colours, each at least 3:1 against white.
SHARE_COLOURS = ("#000091", "#c9191e", "#18753c", "#695240", "#a94645", "#6e445a")
FONT = 'font-family="Marianne, arial, sans-serif"'
LABEL_CHARS = 34


@dataclass(frozen=True)
class Item:
    label: str
    value: float
    share: int | None = None


def _f(value: float) -> str:
    """A coordinate with one decimal, as SVG reads it."""
    return f"{value:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: str) -> SafeString:
    return format_html(
        '<svg class="cnum-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-titre" aria-describedby="{id}-desc" '
        'id="{id}"><title id="{id}-titre">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=description,
        body=mark_safe(body),  # built with format_html only
    )


def _describe(items: Sequence[Item], unit: str) -> str:
    if not items:
        return "Aucune donnée sur la période."
    parts = [f"{item.label} : {number(item.value)}{unit}" for item in items]
    return " ; ".join(parts) + ". Les mêmes données figurent dans le tableau qui suit."


def bar_chart(chart_id: str, title: str, items: Sequence[Item], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per item, largest first as given, with the value written at the end of each bar."""
    label_width, bar_width, row, top = 230, 330, 26, 8
    width, height = label_width + bar_width + 70, top * 2 + row * max(len(items), 1)
    top_value = max((item.value for item in items), default=0) or 1
    rows = []
    for index, item in enumerate(items):
        y = top + index * row
        length = max(item.value / top_value * bar_width, 1 if item.value else 0)
        rows.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end" font-size="12" {font} fill="#161616">{label}</text>'
                '<rect x="{bx}" y="{y}" width="{length}" height="{h}" fill="{colour}"></rect>'
                '<text x="{vx}" y="{ty}" font-size="12" {font} fill="#161616">{value}</text>',
                lx=label_width - 8,
                ty=_f(y + row / 2 + 4),
                font=mark_safe(FONT),
                label=_short(item.label),
                bx=label_width,
                y=_f(y + 4),
                length=_f(length),
                h=row - 8,
                colour=BLUE,
                vx=_f(label_width + length + 6),
                value=number(item.value) + unit,
            )
        )
    if not items:
        rows.append(format_html('<text x="10" y="26" font-size="12" {}>Aucune donnée.</text>', mark_safe(FONT)))
    return _frame(chart_id, title, _describe(items, unit), width, height, "".join(rows))


def column_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]):
    """Grouped columns over time (one group per label, e.g. per month), one colour per series, with a legend."""
    left, bottom, top, height_plot = 56, 44, 30, 200
    group = max(24, min(60, 640 // max(len(labels), 1)))
    width = max(left + group * max(len(labels), 1) + 10, left + 180 * len(series))
    top_value = max((value for _, values in series for value in values), default=0) or 1
    column = (group - 6) / max(len(series), 1)
    parts = [_axis(left, top, height_plot, top_value, width)]
    for index, (name, values) in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(
            format_html(
                '<rect x="{x}" y="6" width="12" height="12" fill="{c}"></rect>'
                '<text x="{tx}" y="16" font-size="12" {font}>{name}</text>',
                x=left + index * 180,
                c=colour,
                tx=left + index * 180 + 16,
                font=mark_safe(FONT),
                name=name,
            )
        )
        for position, value in enumerate(values):
            bar = value / top_value * height_plot
            parts.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{c}"></rect>',
                    x=_f(left + position * group + 3 + index * column),
                    y=_f(top + height_plot - bar),
                    w=_f(max(column - 1, 1)),
                    h=_f(bar),
                    c=colour,
                )
            )
    step = label_step(labels, group)
    for position, label in enumerate(labels):
        if position % step == 0:
            parts.append(
                format_html(
                    '<text x="{x}" y="{y}" font-size="11" text-anchor="middle" {font}>{label}</text>',
                    x=_f(left + position * group + group / 2),
                    y=top + height_plot + 16,
                    font=mark_safe(FONT),
                    label=label,
                )
            )
    description = " ; ".join(
        f"{name} en {label} : {number(value)}"
        for name, values in series
        for label, value in zip(labels, values, strict=True)
    )
    description = (description + ". Les mêmes données figurent dans le tableau qui suit.") if labels else ""
    return _frame(
        chart_id,
        title,
        description or "Aucune donnée sur la période.",
        width,
        top + height_plot + bottom,
        "".join(parts),
    )


#: Width of a character of the axis labels (11 px Marianne), generous so that labels never touch.
AXIS_CHAR_WIDTH = 6.8
AXIS_LABEL_GAP = 8


def axis_label_width(label: str) -> float:
    return len(label) * AXIS_CHAR_WIDTH


def label_step(labels: Sequence[str], group: float) -> int:
    """Every how many groups an axis label is written so that no two overlap: "sept. 2025" needs about 70 px, a
    group of 24 months gets 26 px each, so one month in three is labelled (the table gives every month)."""
    widest = max((axis_label_width(label) for label in labels), default=0)
    return max(1, math.ceil((widest + AXIS_LABEL_GAP) / group))


def _axis(left: int, top: int, height: int, top_value: float, width: int) -> str:
    """The baseline and three labelled grid lines (0, half, top)."""
    lines = []
    for fraction in (0, 0.5, 1):
        y = top + height - fraction * height
        lines.append(
            format_html(
                '<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="#929292" stroke-width="{sw}"></line>'
                '<text x="{tx}" y="{ty}" font-size="11" text-anchor="end" {font}>{value}</text>',
                l=left,
                r=width - 10,
                y=_f(y),
                sw=1 if fraction == 0 else 0.5,
                tx=left - 6,
                ty=_f(y + 4),
                font=mark_safe(FONT),
                value=number(round(top_value * fraction, 1)),
            )
        )
    return "".join(lines)


def share_bar(chart_id: str, title: str, items: Sequence[Item]) -> SafeString:
    """One bar of 100 % split into shares (largest remainder shares, adding up to 100), with a legend below."""
    width, bar_height, left = 640, 32, 10
    parts, x = [], float(left)
    plot = width - 2 * left
    for index, item in enumerate(items):
        share = item.share or 0
        colour = SHARE_COLOURS[index % len(SHARE_COLOURS)]
        length = plot * share / 100
        if length:
            parts.append(
                format_html(
                    '<rect x="{x}" y="8" width="{w}" height="{h}" fill="{c}"></rect>',
                    x=_f(x),
                    w=_f(length),
                    h=bar_height,
                    c=colour,
                )
            )
        parts.append(
            format_html(
                '<rect x="{lx}" y="{ly}" width="12" height="12" fill="{c}"></rect>'
                '<text x="{tx}" y="{ty}" font-size="12" {font}>{label} : {share} % ({value})</text>',
                lx=left,
                ly=bar_height + 20 + index * 20,
                c=colour,
                tx=left + 18,
                ty=bar_height + 30 + index * 20,
                font=mark_safe(FONT),
                label=item.label,
                share=share,
                value=number(item.value),
            )
        )
        x += length
    if not any(item.value for item in items):
        parts.insert(
            0, format_html('<rect x="{}" y="8" width="{}" height="{}" fill="#eeeeee"></rect>', left, plot, 32)
        )
    description = " ; ".join(f"{item.label} : {item.share or 0} % ({number(item.value)})" for item in items)
    description = (description + ". Les mêmes données figurent dans le tableau qui suit.") if items else ""
    height = bar_height + 24 + 20 * len(items)
    return _frame(chart_id, title, description or "Aucune donnée.", width, height, "".join(parts))
