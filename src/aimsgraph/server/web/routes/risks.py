"""The risk matrix page: likelihood x severity as a picture, in words, and as a table."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ....risks import risk_matrix, risk_register
from ...deps import StoreDep
from ..cache import per_store
from ..riskmatrix import rating, risk_matrix_svg
from ..systems import summaries
from ..templating import render

router = APIRouter(include_in_schema=False)


@router.get("/ui/risks", response_class=HTMLResponse)
def risks_page(request: Request, store: StoreDep) -> HTMLResponse:
    risks = per_store(request, "risk-register", lambda: risk_register(store))
    matrix = risk_matrix(risks)
    pages = {s.classification.system.iri: s.key for s in summaries(request)}
    root = request.scope.get("root_path", "").rstrip("/")
    href = {r.iri: f"{root}/ui/risks#risk-{r.id}" for r in risks}
    # the SVG escapes every value it writes (riskmatrix.py); the template takes it as it is
    svg = risk_matrix_svg(matrix, href) if risks else ""
    ordered = sorted(risks, key=lambda r: (-r.score, r.system_name, r.id))
    return render(request, "risks.html", "risks", "Risk matrix", matrix=matrix, svg=svg,
                  risks=ordered, system_key=pages, rating=rating)
