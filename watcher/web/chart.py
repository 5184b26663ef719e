"""The dashboard's chart of new and resolved findings per week, drawn on the server as SVG.

A pure function of plain data: grouped bars (new, resolved) per week, a y axis with round ticks,
week labels every few weeks, a legend, and a ``<title>`` on every bar for its hover text. Colours are
presentation attributes (``fill="…"``), never ``style``: the Content-Security-Policy allows no inline
style, and the chart needs no script and nothing from another origin. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 960, 320
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 40, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
COLOURS = {"new": "#1f5fa8", "resolved": "#2d7a3a"}
INK, MUTED, LINE = "#1d2733", "#5b6675", "#d5dbe3"
LABEL_EVERY = 4  # weeks between labels on the x axis


def nice_ticks(top: int, most: int = 5) -> list[int]:
    """Round y-axis ticks from 0 covering ``top``: steps of 1, 2 or 5 times a power of ten, at most
    ``most`` steps."""
    if top <= 0:
        return [0, 1]
    step = 1
    while True:
        for size in (step, 2 * step, 5 * step):
            if top <= size * most:
                return list(range(0, top + size, size))
        step *= 10


def weekly_chart(
    weeks: Sequence[tuple[str, int, int]],
    *,
    chart_id: str = "weekly-chart",
    title: str = "New and resolved findings per week",
) -> Markup:
    """An ``<svg class="chart">`` of (week label, new, resolved) per week, oldest first."""
    ticks = nice_ticks(max([max(new, resolved) for _, new, resolved in weeks] or [0]))
    ymax = ticks[-1]
    group = PLOT_W / max(len(weeks), 1)
    bar = max(group * 0.38, 1.0)

    def y(value: int) -> float:
        return TOP + PLOT_H - _height(value, ymax)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    total_new = sum(n for _, n, _ in weeks)
    total_resolved = sum(r for _, _, r in weeks)
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(title_id)} {escape(desc_id)}"'
        f' xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{len(weeks)} weeks: {total_new} new, {total_resolved} resolved</desc>',
    ]
    for tick in ticks:  # y axis: grid lines and their numbers
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"'
            f' stroke="{LINE}" stroke-width="1"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">{tick}</text>'
        )
    for i, (label, new, resolved) in enumerate(weeks):
        x = LEFT + i * group + (group - 2 * bar) / 2
        parts.append(f'<g class="week" data-week="{escape(label)}">')
        for offset, (kind, value) in enumerate((("new", new), ("resolved", resolved))):
            parts.append(
                f'<rect class="{kind}" x="{x + offset * bar:.1f}" y="{y(value):.1f}" width="{bar:.1f}"'
                f' height="{_height(value, ymax):.1f}" fill="{COLOURS[kind]}">'
                f"<title>{escape(label)}: {value} {kind}</title></rect>"
            )
        if (len(weeks) - 1 - i) % LABEL_EVERY == 0:  # counted back from the latest week, always labelled
            parts.append(
                f'<text class="label" x="{LEFT + (i + 0.5) * group:.1f}" y="{HEIGHT - BOTTOM + 16}"'
                f' text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
            )
        parts.append("</g>")
    parts.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    for n, kind in enumerate(COLOURS):  # the legend, top left
        x = LEFT + n * 110
        parts.append(
            f'<g class="legend"><rect x="{x}" y="12" width="12" height="12" fill="{COLOURS[kind]}"/>'
            f'<text x="{x + 18}" y="22" fill="{INK}">{kind}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _height(value: int, ymax: int) -> float:
    """A bar's height in the plot: proportional to its value, the top tick at the plot's top."""
    return PLOT_H * value / ymax if ymax else 0.0
