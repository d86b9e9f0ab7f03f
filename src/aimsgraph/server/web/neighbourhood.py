"""A provision's crosswalk neighbourhood as inline SVG, laid out server-side: the provision in
the middle, the mapped provisions on a circle, one sector per framework, each edge drawn in the
style of its relation (colour and dash pattern, so colour is not the only signal)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

#: relation -> (stroke colour, dash pattern, width); colours keep 3:1 contrast on white
EDGE = {"Equal": ("#0b4f8a", "", 3.5), "SubsetOf": ("#1f6f3f", "", 2.5),
        "SupersetOf": ("#1f6f3f", "", 2.5), "IntersectsWith": ("#7a4f00", "7 4", 2),
        "NotRelated": ("#6b6b6b", "2 4", 1.5)}
#: one fill per framework sector, in the order frameworks come
PALETTE = ("#dbe9f6", "#fde2cf", "#dff0d8", "#efe0f5", "#fff2bf", "#dcefef", "#f6dede",
           "#e6e6e6")
WIDTH, HEIGHT, RADIUS = 760, 520, 185
MAX_NODES = 40


@dataclass(frozen=True)
class Neighbour:
    href: str
    notation: str
    title: str
    framework: str  # short name
    relation: str
    derived: bool


def _shorten(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def neighbourhood_svg(centre: str, notation: str, centre_title: str,
                      neighbours: list[Neighbour]) -> str:
    """The picture of ``centre`` (its full name; ``notation`` labels the hub); ``neighbours``
    are grouped by framework in the order given."""
    shown = neighbours[:MAX_NODES]
    frameworks = list(dict.fromkeys(n.framework for n in shown))
    cx, cy = WIDTH / 2, HEIGHT / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="nb-title nb-desc" class="neighbourhood">',
             f'<title id="nb-title">Crosswalk neighbourhood of {escape(centre)}</title>',
             f'<desc id="nb-desc">{len(neighbours)} mapped provisions in {len(frameworks)} '
             f'frameworks around {escape(centre)} {escape(centre_title)}'
             + (f"; the first {MAX_NODES} are drawn" if len(neighbours) > MAX_NODES else "")
             + ".</desc>"]
    positions: list[tuple[float, float]] = []
    count = max(len(shown), 1)
    for i in range(len(shown)):
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / count
        positions.append((cx + RADIUS * math.cos(angle), cy + RADIUS * math.sin(angle)))
    # sectors: a pale wedge behind each framework's nodes, labelled outside the circle
    start = 0
    for f_index, framework in enumerate(frameworks):
        size = sum(1 for n in shown if n.framework == framework)
        a0 = -math.pi / 2 + 2 * math.pi * start / count
        a1 = -math.pi / 2 + 2 * math.pi * (start + size) / count
        outer = RADIUS + 48
        fill = PALETTE[f_index % len(PALETTE)]
        if size == count:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{outer}" fill="{fill}"/>')
        else:
            large = 1 if a1 - a0 > math.pi else 0
            x0, y0 = cx + outer * math.cos(a0), cy + outer * math.sin(a0)
            x1, y1 = cx + outer * math.cos(a1), cy + outer * math.sin(a1)
            parts.append(f'<path d="M{cx:.1f},{cy:.1f} L{x0:.1f},{y0:.1f} A{outer},{outer} 0 '
                         f'{large} 1 {x1:.1f},{y1:.1f} Z" fill="{fill}" stroke="#fff"/>')
        mid = (a0 + a1) / 2
        lx, ly = cx + (outer + 14) * math.cos(mid), cy + (outer + 14) * math.sin(mid)
        anchor = "start" if math.cos(mid) > 0.2 else "end" if math.cos(mid) < -0.2 else "middle"
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
                     f'class="nb-framework">{escape(framework)} ({size})</text>')
        start += size
    for n, (x, y) in zip(shown, positions, strict=True):
        colour, dash, width = EDGE.get(n.relation, EDGE["NotRelated"])
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="{colour}" '
                     f'stroke-width="{width}"{dash_attr}/>')
    for n, (x, y) in zip(shown, positions, strict=True):
        label = f"{n.framework} {n.notation}: {n.title} ({n.relation}" + (
            ", derived inverse)" if n.derived else ")")
        parts.append(f'<a href="{escape(n.href)}" class="nb-node"><title>{escape(label)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#fff" stroke="#1a1a1a" '
                     f'stroke-width="1.5"/>'
                     f'<text x="{x:.1f}" y="{y - 11:.1f}" text-anchor="middle">'
                     f'{escape(_shorten(n.notation))}</text></a>')
    parts.append(f'<circle cx="{cx}" cy="{cy}" r="34" fill="#1a1a1a"/>'
                 f'<text x="{cx}" y="{cy + 5}" text-anchor="middle" class="nb-centre">'
                 f'{escape(_shorten(notation, 10))}</text>')
    parts.append("</svg>")
    return "".join(parts)
