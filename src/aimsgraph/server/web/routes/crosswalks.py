"""Crosswalk pages: the ISO/IEC 42001 heatmap, provision search, a provision with everything
mapped to it, and a framework's coverage by the implemented controls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ....coverage import (
    DEFAULT_RULE,
    LEVEL,
    Provision,
    describe_path,
    level_counts,
    natural_key,
    role_names,
)
from ....exchange import authored_mappings
from ....organization import has_organization
from ....queries import QueryCatalog
from ...deps import StoreDep
from ..cache import per_store
from ..coverage_view import implemented, mapping_graph, roles, rows_for
from ..heatmap import ORG_STATUS, STATUS, SYMBOL, heatmap, summary
from ..links import KEY_OF, SHORT, Catalog, Links, catalog
from ..neighbourhood import EDGE, Neighbour, neighbourhood_svg
from ..templating import PageNotFound, render

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 200


@router.get("/ui/heatmap", response_class=HTMLResponse)
def heatmap_page(request: Request, store: StoreDep) -> HTMLResponse:
    index = catalog(request)
    columns, rows, unmapped = per_store(request, "heatmap", lambda: heatmap(
        store, index, lambda f: {r.target.iri: r.strength for r in rows_for(request, f)}))
    organization = has_organization(store)
    return render(request, "heatmap.html", "heatmap", "Coverage heatmap", columns=columns,
                  rows=rows, unmapped=unmapped, status=STATUS, symbol=SYMBOL,
                  org_status=ORG_STATUS, organization=organization,
                  summary=summary(columns, rows, organization))


@router.get("/ui/provisions", response_class=HTMLResponse)
def search_page(request: Request, store: StoreDep,
                q: Annotated[str, Query(max_length=200)] = "",
                framework: str = "") -> HTMLResponse:
    index = catalog(request)
    chosen = index.framework(framework) if framework else None
    if framework and chosen is None:
        raise PageNotFound(f"No framework {framework!r}",
                           "Choose a framework from the list on the search page.")
    results = search(store, index, q.strip(), chosen.iri if chosen else None) if q.strip() else []
    return render(request, "search.html", "provisions", "Crosswalk explorer", q=q.strip(),
                  framework=framework, frameworks=index.ordered_frameworks(),
                  results=results[:SEARCH_LIMIT], total=len(results), limit=SEARCH_LIMIT)


def search(store, index: Catalog, text: str, framework: str | None) -> list[Provision]:  # type: ignore[no-untyped-def]
    """Number matches first (exact, then prefix, then contained), then title matches."""
    wanted = text.lower()
    numbered = []
    for p in index.provisions.values():
        number = p.notation.lower()
        if wanted == number or number.startswith(wanted) or wanted in number:
            rank = 0 if wanted == number else 1 if number.startswith(wanted) else 2
            numbered.append((rank, p))
    titled = [index.provisions[r["provision"] or ""] for r in QueryCatalog().get(
        "search-provisions").run(store, {"text": text}).records()
        if r["provision"] in index.provisions]
    found = [p for _, p in sorted(numbered, key=lambda rp: (rp[0], rp[1].framework_notation,
                                                              natural_key(rp[1].notation)))]
    found += sorted(titled, key=lambda p: (p.framework_notation, natural_key(p.notation)))
    unique = list({p.iri: p for p in found}.values())
    return [p for p in unique if framework is None or p.framework == framework]


@router.get("/ui/provisions/{framework}/{notation:path}", response_class=HTMLResponse)
def provision_page(framework: str, notation: str, request: Request,
                   store: StoreDep) -> HTMLResponse:
    index = catalog(request)
    if index.framework(framework) is None:
        raise PageNotFound(f"No framework {framework!r}",
                           "Known frameworks: " + ", ".join(f.key for f in
                                                            index.ordered_frameworks()))
    found = index.find(framework, notation)
    if found is None:
        raise PageNotFound(f"{SHORT.get(framework, framework)} has no provision numbered "
                           f"{notation!r}", "Search by number or title on the Crosswalks page.")
    return provision_view(request, store, index, found)


@router.get("/ui/provision", response_class=HTMLResponse)
def provision_by_iri(request: Request, store: StoreDep, iri: str = "") -> HTMLResponse:
    index = catalog(request)
    if iri not in index.provisions:
        raise PageNotFound(f"No provision {iri!r}")
    return provision_view(request, store, index, index.provisions[iri])


def provision_view(request: Request, store, index: Catalog, p: Provision) -> HTMLResponse:  # type: ignore[no-untyped-def]
    links = Links(request, index)
    authored = per_store(request, "authored-pairs", lambda: {
        (m["source"], m["target"]): f"{m['file']}:{m['row']}" if m["file"] else ""
        for m in authored_mappings(store)})
    groups: dict[str, list[dict]] = {}
    for m in QueryCatalog().get("mapped-provisions").run(store, {"provision": p.iri}).records():
        other = index.provisions.get(m["other"] or "")
        if other is None:
            continue
        derived = (p.iri, other.iri) not in authored
        source = authored.get((other.iri, p.iri) if derived else (p.iri, other.iri), "")
        groups.setdefault(other.framework, []).append({
            "provision": other, "relation": m["relation"] or "", "confidence": m["confidence"],
            "rationale": m["rationale"] or "", "derived": derived, "source": source})
    ordered = [f for f in index.ordered_frameworks() if f.iri in groups]
    for f in ordered:
        groups[f.iri].sort(key=lambda m: natural_key(m["provision"].notation))
    neighbours = [Neighbour(links.provision(m["provision"].iri), m["provision"].notation,
                            m["provision"].title, f.short, m["relation"], m["derived"])
                  for f in ordered for m in groups[f.iri]]
    svg = neighbourhood_svg(str(p), p.notation, p.title, neighbours) if neighbours else ""
    framework = index.frameworks.get(p.framework)
    return render(request, "provision.html", "provisions", str(p), provision=p,
                  framework=framework, ancestors=index.ancestors(p.iri),
                  children=index.children.get(p.iri, []), groups=groups, ordered=ordered,
                  svg=svg, edge=EDGE, key_of=KEY_OF, total=len(neighbours))


@router.get("/ui/coverage/{framework}", response_class=HTMLResponse)
def coverage_page(framework: str, request: Request, level: str = "") -> HTMLResponse:
    index = catalog(request)
    chosen = index.framework(framework)
    if chosen is None or chosen.key not in KEY_OF.values():
        raise PageNotFound(f"No framework {framework!r}")
    if level and level not in LEVEL.values():
        raise PageNotFound(f"No coverage level {level!r}", "Levels: full, partial, none.")
    rows = rows_for(request, chosen)
    graph = mapping_graph(request)
    counted = [r for r in rows if r.counted]
    shown = [(r, describe_path(r, graph)) for r in counted if not level or r.level == level]
    return render(request, "coverage.html", "overview", f"{chosen.short} coverage",
                  framework=chosen, rows=shown, counts=level_counts(rows), level=level,
                  total=len(counted), others=len(rows) - len(counted), rule=DEFAULT_RULE,
                  roles=", ".join(role_names(roles(request))),
                  has_controls=bool(implemented(request)))
