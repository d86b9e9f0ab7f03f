"""The overview at /: frameworks, coverage, validation status, the most urgent gaps."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ....coverage import DEFAULT_RULE
from ....organization import has_organization
from ...deps import StoreDep, default_law
from ...faults import freshness
from ...routers.organization import findings, findings_key
from ..coverage_view import implemented, per_framework
from ..deadlines import current_plan, owners_of_findings, system_dates
from ..links import Links, catalog
from ..systems import finding_targets, summaries, system_pages, urgency
from ..templating import render

router = APIRouter(include_in_schema=False)
URGENT = 12


@router.get("/", response_class=HTMLResponse, name="web_overview")
def overview(request: Request, store: StoreDep) -> HTMLResponse:
    index = catalog(request)
    links = Links(request, index)
    found = sorted(findings(request, store), key=urgency)
    systems = summaries(request)
    keys = system_pages(systems)
    provisions = Counter(p.framework for p in index.provisions.values())
    severity = Counter(f.severity for f in found)
    urgent = [(f, finding_targets(f, links, index, keys)) for f in found[:URGENT]]
    lacking = sorted((s for s in systems if s.gaps or s.violations),
                     key=lambda s: (-len(s.gaps) - s.violations, s.name))
    status = freshness(store, findings_key(default_law(request)))
    plan = current_plan(request)
    return render(request, "overview.html", "overview", "Overview", plan=plan,
                  dates=system_dates(plan, systems), owners=owners_of_findings(plan),
                  soonest=[a for a in plan.actions if a.deadline][:URGENT] if plan else [],
                  read_at=status["readAt"], notice=status.get("storeUnreachable", ""),
                  frameworks=index.ordered_frameworks(), provisions=provisions,
                  coverage=per_framework(request) if implemented(request) else [],
                  coverage_rule=DEFAULT_RULE,
                  severity=severity, total=len(found), urgent=urgent, systems=systems,
                  lacking=lacking, organization=has_organization(store))
