"""The action plan page: every open item with owner and deadline, filters, downloads, and a
deadline timeline per AI system."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ....errors import UsageError
from ....organization import has_organization
from ....plan import KIND_LABEL, Plan, PlanFilter, next_deadline
from ...deps import StoreDep
from ..deadlines import current_plan
from ..links import catalog
from ..systems import summaries
from ..templating import render
from ..timeline import Timeline, build

router = APIRouter(include_in_schema=False)
DOWNLOADS = (("csv", "CSV"), ("xlsx", "XLSX"), ("md", "Markdown"), ("ics", "iCalendar (.ics)"))


def timelines(request: Request, plan: Plan, only: str | None = None) -> list[tuple[str, Timeline]]:
    """One timeline per AI system (or only the one asked for), from its classification and
    its open actions."""
    by_system = plan.by_system()
    out = []
    for s in summaries(request):
        if only and s.key != only:
            continue
        iri = s.classification.system.iri
        serving = [a for a in by_system.get("", []) if iri in a.serves]  # organization-wide
        out.append((s.key, build(s.name, s.classification, by_system.get(s.key, []) + serving,
                                 plan.as_of)))
    return out


@router.get("/ui/plan", response_class=HTMLResponse)
def plan_page(request: Request, store: StoreDep, owner: str = "", system: str = "",
              before: str = "") -> HTMLResponse:
    chosen = {"owner": owner.strip(), "system": system.strip(), "before": before.strip()}
    if not has_organization(store):
        return render(request, "plan.html", "plan", "Action plan", organization=False,
                      chosen=chosen)
    plan = current_plan(request)
    assert plan is not None  # an organization is loaded
    error = ""
    try:
        day = date.fromisoformat(chosen["before"]) if chosen["before"] else None
    except ValueError:
        day, error = None, f"{chosen['before']!r} is not a date (YYYY-MM-DD); showing all dates"
        chosen["before"] = ""
    try:
        shown = plan.filtered(PlanFilter(chosen["owner"] or None, chosen["system"] or None, day))
    except UsageError as err:
        shown = plan.filtered(PlanFilter(None, None, day))
        error = (error + ". " if error else "") + f"{err}; showing every owner and system"
        chosen = {"owner": "", "system": "", "before": chosen["before"]}
    query = {k: v for k, v in chosen.items() if v}
    return render(request, "plan.html", "plan", "Action plan", organization=True, plan=plan,
                  shown=shown, chosen=chosen, error=error, query=query, downloads=DOWNLOADS,
                  next=next_deadline(shown.actions), kinds=KIND_LABEL, index=catalog(request),
                  people=sorted(plan.people.values(), key=lambda p: p.name),
                  systems=sorted(plan.systems.items(), key=lambda kv: kv[1]),
                  timelines=timelines(request, shown, chosen["system"] or None))
