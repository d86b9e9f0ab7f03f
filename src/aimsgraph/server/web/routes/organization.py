"""The organization's pages: the AI system inventory, one system, all validation findings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from .... import history
from ....edits import list_records, people
from ....organization import (
    ASSESSMENT_STATUSES,
    KINDS,
    LEVELS,
    RISK_STATUSES,
    TREATMENTS,
    has_organization,
)
from ...auth import Principal, current_principal
from ...deps import StoreDep, default_law
from ...faults import freshness
from ...routers.organization import findings, findings_key
from ..deadlines import current_plan, owners_of_findings, system_dates
from ..links import Links, catalog
from ..routes.plan import timelines
from ..systems import finding_targets, role_label, summaries, system_pages, system_record, urgency
from ..templating import PageNotFound, render

router = APIRouter(include_in_schema=False)


@router.get("/ui/systems", response_class=HTMLResponse)
def systems_page(request: Request) -> HTMLResponse:
    systems = summaries(request)
    return render(request, "systems.html", "systems", "AI systems", systems=systems,
                  dates=system_dates(current_plan(request), systems))


@router.get("/ui/systems/{system}", response_class=HTMLResponse)
def system_page(system: str, request: Request, store: StoreDep,
                principal: Principal = Depends(current_principal)) -> HTMLResponse:  # noqa: B008
    systems = summaries(request)
    found = next((s for s in systems if s.key == system), None)
    if found is None:
        raise PageNotFound(f"No AI system {system!r}",
                           "Known systems: " + (", ".join(s.key for s in systems) or "none"))
    index = catalog(request)
    links = Links(request, index)
    risks, lines, assessments = system_record(store, found.classification.system.iri)
    keys = system_pages(systems)
    editing = principal.role in ("editor", "admin")
    forms = {"risk_records": {r.iri: r for r in list_records(store, "risks")},
             "people": people(store), "levels": [(v, v) for v in LEVELS],
             "treatments": [(v, v) for v in TREATMENTS],
             "risk_statuses": [(v, v) for v in RISK_STATUSES],
             "kinds": [(v, v) for v in KINDS],
             "assessment_statuses": [(v, v) for v in ASSESSMENT_STATUSES]} if editing else {}
    plan = current_plan(request)
    principal = getattr(request.state, "principal", None)
    changes = list(reversed(history.entries(store, record=found.classification.system.iri))) \
        if principal is not None and principal.reads_history else None
    return render(request, "system.html", "systems", found.name, s=found, risks=risks,
                  editing=editing, system_id=system, **forms,
                  changes=changes,
                  lines=lines, assessments=assessments, index=index, role_label=role_label,
                  findings=[(f, finding_targets(f, links, index, keys)) for f in found.findings],
                  dates=system_dates(plan, [found]).get(found.key),
                  owners=owners_of_findings(plan),
                  timeline=timelines(request, plan, found.key)[0][1] if plan else None)


@router.get("/ui/validation", response_class=HTMLResponse)
def validation_page(request: Request, store: StoreDep) -> HTMLResponse:
    index = catalog(request)
    links = Links(request, index)
    keys = system_pages(summaries(request))
    found = sorted(findings(request, store), key=urgency)
    status = freshness(store, findings_key(default_law(request)))
    return render(request, "validation.html", "validation", "Validation findings",
                  owners=owners_of_findings(current_plan(request)),
                  read_at=status["readAt"], notice=status.get("storeUnreachable", ""),
                  findings=[(f, finding_targets(f, links, index, keys)) for f in found],
                  violations=sum(f.severity == "Violation" for f in found),
                  organization=has_organization(store))
