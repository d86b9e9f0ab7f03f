"""The impact page: a shipped change set, or one provision, traced to what it affects."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ....changes import load_change_set, what_if
from ....errors import AimsgraphError
from ....impact import impact_report
from ...deps import DERIVED_LOCK, StoreDep, default_law
from ...routers.impact import shipped_change_sets
from ..cache import per_store
from ..links import Links, catalog
from ..systems import system_key
from ..templating import PageNotFound, render

router = APIRouter(include_in_schema=False)
KIND_LABEL = {"AISystem": "AI system", "ControlImplementation": "Control (SoA line)",
              "Evidence": "Evidence", "Risk": "Risk", "Provision": "Provision",
              "Obligation": "Obligation"}


@router.get("/ui/impact", response_class=HTMLResponse)
def impact_page(request: Request, store: StoreDep, changeset: str = "",
                provision: str = "") -> HTMLResponse:
    known = shipped_change_sets()
    titles = per_store(request, "change-set-titles", lambda: {
        key: load_change_set(path, store).title for key, path in known.items()})  # type: ignore[arg-type]
    context = {"changesets": titles, "changeset": changeset, "provision": provision,
               "kind_label": KIND_LABEL}
    if not changeset and not provision:
        return render(request, "impact.html", "impact", "Change impact", **context)
    if changeset and changeset not in known:
        raise PageNotFound(f"No change set {changeset!r}", "Shipped: " + ", ".join(known))
    try:
        change_set = (load_change_set(known[changeset], store) if changeset  # type: ignore[arg-type]
                      else what_if(store, provision))
    except AimsgraphError as err:
        return render(request, "impact.html", "impact", "Change impact", status_code=400,
                      error=str(err), **context)
    law = default_law(request)
    with DERIVED_LOCK:
        result = impact_report(store, change_set, law.as_of, law)
    links = Links(request, catalog(request))
    return render(request, "impact.html", "impact", f"Impact: {change_set.title}",
                  change_set=change_set, report=result, summary=result.summary(),
                  groups=result.owners(), href=lambda i: item_href(links, i), **context)


def item_href(links: Links, i) -> str:  # type: ignore[no-untyped-def]
    if i.kind == "AISystem":
        return links.system(system_key(i.item))
    if i.kind == "Provision":
        return links.provision(i.item)
    if i.kind == "ControlImplementation":
        return links.soa_line(i.item)
    return ""
