"""The risk matrix as inline SVG, laid out server-side: likelihood across (low to high), severity
up (low to high), each cell holding the ids of its risks, each a link to the risk's row in the
table view below the picture. A cell is shaded by its rating (likelihood x severity) and says the
rating in words, so colour is never the only signal. No script, no inline style: colours come
from classes in the static stylesheet."""

from __future__ import annotations

from html import escape

from ...risks import RiskMatrix

CELL_W, LINE_H, PAD, LEFT, TOP, BOTTOM = 230, 17, 10, 92, 36, 56
#: likelihood x severity score -> the rating shown in the cell, and its class
RATING = {1: "low", 2: "low", 3: "medium", 4: "medium", 6: "high", 9: "very high"}


def rating(score: int) -> str:
    return RATING.get(score, "")


def _shorten(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def risk_matrix_svg(matrix: RiskMatrix, href: dict[str, str]) -> str:
    """``href`` gives the address of each risk (by IRI)."""
    levels = matrix.levels
    heights = {sv: PAD * 2 + LINE_H * (1 + max(1, max(len(matrix.cell(lk, sv)) for lk in levels)))
               for sv in levels}
    width = LEFT + CELL_W * len(levels) + PAD
    height = TOP + sum(heights.values()) + BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" '
             f'aria-labelledby="rm-title rm-desc" class="risk-matrix">',
             '<title id="rm-title">Risk matrix: likelihood by severity</title>',
             f'<desc id="rm-desc">{escape(matrix.summary())}</desc>',
             f'<text x="{LEFT + CELL_W * len(levels) / 2}" y="{height - 10}" '
             f'text-anchor="middle" class="rm-axis">Likelihood →</text>',
             f'<text x="16" y="{TOP + sum(heights.values()) / 2}" text-anchor="middle" '
             f'class="rm-axis" transform="rotate(-90 16 {TOP + sum(heights.values()) / 2})">'
             'Severity →</text>']
    y = TOP
    for severity in reversed(levels):  # high at the top
        h = heights[severity]
        parts.append(f'<text x="{LEFT - 8}" y="{y + h / 2 + 5}" text-anchor="end" '
                     f'class="rm-level">{escape(severity)}</text>')
        for column, likelihood in enumerate(levels):
            x = LEFT + column * CELL_W
            risks = matrix.cell(likelihood, severity)
            score = (levels.index(likelihood) + 1) * (levels.index(severity) + 1)
            word = rating(score)
            parts.append(f'<g class="rm-cell"><title>{escape(likelihood)} likelihood, '
                         f'{escape(severity)} severity: {len(risks)} risk'
                         f'{"" if len(risks) == 1 else "s"} (rating {escape(word)})</title>'
                         f'<rect x="{x}" y="{y}" width="{CELL_W}" height="{h}" '
                         f'class="rm-{word.replace(" ", "-")}"/>'
                         f'<text x="{x + PAD}" y="{y + PAD + 12}" class="rm-count">'
                         f'{len(risks)} · {escape(word)}</text></g>')
            for i, risk in enumerate(risks):
                ty = y + PAD + 12 + LINE_H * (i + 1)
                label = f"{risk.id}: {risk.title}" + (f" ({risk.system_name})"
                                                      if risk.system_name else "")
                parts.append(f'<a href="{escape(href.get(risk.iri, "#"))}" class="rm-risk">'
                             f'<title>{escape(label)}</title>'
                             f'<text x="{x + PAD}" y="{ty}">{escape(_shorten(risk.id))}</text>'
                             '</a>')
        y += h
    for column, likelihood in enumerate(levels):
        parts.append(f'<text x="{LEFT + column * CELL_W + CELL_W / 2}" y="{y + 20}" '
                     f'text-anchor="middle" class="rm-level">{escape(likelihood)}</text>')
    parts.append(f'<text x="{LEFT}" y="{TOP - 14}" class="rm-axis">Severity (rows) by '
                 'likelihood (columns); each id opens the risk in the table below</text>')
    parts.append("</svg>")
    return "".join(parts)
