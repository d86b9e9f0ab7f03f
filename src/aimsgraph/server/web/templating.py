"""Jinja2 templates, the page context every template gets, and HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ... import __version__
from ...mappingsets import describe_mapping_sets
from ..auth import csrf_token
from ..deps import default_law
from .links import Links, catalog

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.autoescape = True  # every template, whatever its name; nothing is marked |safe
templates.env.trim_blocks = True  # but the crosswalk SVG, which escapes each value itself
templates.env.lstrip_blocks = True

#: the navigation bar: (label, path, the page ids it is "current" for)
NAV = (("Overview", "/", "overview"), ("Heatmap", "/ui/heatmap", "heatmap"),
       ("Crosswalks", "/ui/provisions", "provisions"), ("AI systems", "/ui/systems", "systems"),
       ("Action plan", "/ui/plan", "plan"),
       ("Findings", "/ui/validation", "validation"), ("Impact", "/ui/impact", "impact"),
       ("SPARQL", "/ui/sparql", "sparql"), ("SoA", "/ui/soa", "soa"),
       ("History", "/ui/history", "history"))


class PageNotFound(Exception):
    """An unknown system, provision or framework asked for by a page address."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what, self.hint = what, hint


def render(request: Request, template: str, page: str, title: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    links = Links(request, catalog(request))
    return templates.TemplateResponse(request, template, {
        "page": page, "title": title, "nav": NAV, "links": links, "version": __version__,
        "law": context.pop("law", None) or default_law(request),
        "mapping_sets": describe_mapping_sets(request.app.state.store),
        "principal": getattr(request.state, "principal", None),
        "csrf": csrf_token(request), **context},
        status_code=status_code)


def not_found_page(request: Request, what: str, hint: str = "") -> HTMLResponse:
    return render(request, "error.html", "", "Not found", status_code=404, what=what, hint=hint)
