"""The Statement of Applicability over time as a line chart, drawn on the server as SVG: the share
of applicable control lines implemented at the end of each day the audit trail changed the data
(and before the first change). Points carry their figures in a tooltip and the same figures are
in the table view under the chart; no script, no inline style (classes in charts.css)."""

from __future__ import annotations

from html import escape

from ...history import Progress

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 240, 48, 16, 20, 44


def summary(points: list[Progress]) -> str:
    first, last = points[0], points[-1]
    return (f"Implemented share of the applicable control lines from {first.day.isoformat()} "
            f"({first.implemented} of {first.applicable}, {first.share:.0%}) to "
            f"{last.day.isoformat()} ({last.implemented} of {last.applicable}, "
            f"{last.share:.0%}), over {len(points)} points.")


def progress_svg(points: list[Progress]) -> str:
    """The chart; ``points`` in date order (at least one)."""
    span = max(1, points[-1].day.toordinal() - points[0].day.toordinal())
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(p: Progress) -> float:
        return LEFT + inner_w * (p.day.toordinal() - points[0].day.toordinal()) / span

    def y(share: float) -> float:
        return TOP + inner_h * (1 - share)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" '
             'aria-labelledby="trend-title trend-desc" class="trend">',
             '<title id="trend-title">Statement of Applicability over time</title>',
             f'<desc id="trend-desc">{escape(summary(points))}</desc>']
    for share in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(share):.1f}" '
                     f'y2="{y(share):.1f}" class="trend-grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(share) + 4:.1f}" text-anchor="end" '
                     f'class="trend-label">{share:.0%}</text>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(p):.1f},{y(p.share):.1f}"
                    for i, p in enumerate(points))
    parts.append(f'<path d="{path}" class="trend-line"/>')
    for p in points:
        label = f"{p.day.isoformat()}{' (' + p.label + ')' if p.label else ''}"
        parts.append(f'<circle cx="{x(p):.1f}" cy="{y(p.share):.1f}" r="4" class="trend-point">'
                     f'<title>{escape(label)}: {p.implemented} of {p.applicable} '
                     f'implemented ({p.share:.0%})</title></circle>')
    ends = [(points[0], "start")] + ([(points[-1], "end")] if len(points) > 1 else [])
    for p, anchor in ends:  # the first and last dates, kept inside the picture
        parts.append(f'<text x="{x(p):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" '
                     f'class="trend-label">{escape(p.day.isoformat())}</text>')
    parts.append("</svg>")
    return "".join(parts)
