"""Crosswalk mappings and compliance transfer (coverage) as JSON."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...coverage import (
    DEFAULT_RULE,
    LEVEL,
    ROLES,
    MappingGraph,
    PathRule,
    coverage,
    describe_path,
    level_counts,
    resolve_roles,
    role_names,
)
from ...exchange import authored_mappings
from ...mappingsets import used_mapping_sets
from ..deps import SelectedStoreDep
from ..models import Coverage, MappingPage, problems
from ..pagination import PAGE_HEADERS, PageDep, paginate
from ..problems import ProblemError
from .frameworks import framework_iri

router = APIRouter(tags=["Crosswalks"])
RELATIONS = ("Equal", "SubsetOf", "SupersetOf", "IntersectsWith", "NotRelated", "Unspecified")


@router.get("/mappings", summary="Authored mappings, filtered by framework and relation",
            response_model=MappingPage,
            responses={**problems(404, 409, 422, 502, s400="Unknown relation or mapping set, or "
                                  "a Host not served"), **PAGE_HEADERS})
def list_mappings(
    request: Request,
    response: Response,
    store: SelectedStoreDep,
    page: PageDep,
    source: Annotated[str | None, Query(description="source framework (id, key or IRI)")] = None,
    target: Annotated[str | None, Query(description="target framework (id, key or IRI)")] = None,
    relation: Annotated[str | None, Query(description="one of " + ", ".join(RELATIONS))] = None,
) -> dict:
    if relation is not None and relation not in RELATIONS:
        raise ProblemError(400, "bad-relation", "unknown relation",
                           f"relation must be one of {', '.join(RELATIONS)}")
    src = framework_iri(source) if source else None
    dst = framework_iri(target) if target else None
    rows = []
    for m in authored_mappings(store):
        rel = (m["relation"] or "").rsplit("#", 1)[-1]
        if relation and rel != relation:
            continue
        if (src and m["sourceFramework"] != src) or (dst and m["targetFramework"] != dst):
            continue
        rows.append({"id": m["mapping"], "source": m["source"],
                     "sourceNotation": m["sourceNotation"],
                     "target": m["target"], "targetNotation": m["targetNotation"],
                     "relation": rel, "confidence": m["confidence"], "rationale": m["rationale"],
                     "authoredIn": f"{m['file']}:{m['row']}" if m["file"] else None})
    return {"mappingSets": used_mapping_sets(store), **paginate(request, response, page, rows)}


@router.get("/coverage", summary="Which provisions of a framework what you have covers, with paths",
            response_model=Coverage,
            responses={**problems(404, 409, 422, 502, s400="Unknown level, role or mapping set, "
                                  "or a Host not served"), **PAGE_HEADERS})
def get_coverage(
    request: Request,
    response: Response,
    store: SelectedStoreDep,
    page: PageDep,
    have: Annotated[str, Query(description="frameworks you satisfy, comma-separated")],
    want: Annotated[str, Query(description="the framework to cover")],
    level: Annotated[str | None, Query(description="only full, partial or none")] = None,
    max_hops: Annotated[int, Query(alias="max-hops", ge=1, le=5,
                                   description="longest chain of mappings that counts")
                        ] = DEFAULT_RULE.max_hops,
    min_confidence: Annotated[Decimal, Query(alias="min-confidence", ge=0, le=1,
                                             description="every mapping of a path needs at "
                                                         "least this confidence")
                              ] = DEFAULT_RULE.min_confidence,
    role: Annotated[str | None, Query(description="count only provisions that require "
                                      "something of these roles, comma-separated: "
                                      + ", ".join(ROLES))] = None,
    all_provisions: Annotated[bool, Query(alias="all", description="also list provisions "
                                          "carrying no requirement for the roles (never "
                                          "counted)")] = False,
) -> dict:
    if level is not None and level not in LEVEL.values():
        raise ProblemError(400, "bad-level", "unknown level", "level is full, partial or none")
    rule = PathRule(max_hops, min_confidence)
    roles = resolve_roles(r.strip() for r in role.split(",") if r.strip()) if role else None
    graph = MappingGraph(store)
    rows = coverage(store, [framework_iri(h.strip()) for h in have.split(",") if h.strip()],
                    framework_iri(want), rule=rule, graph=graph, roles=roles)
    return {"mappingSets": used_mapping_sets(store),
            "settings": {**rule.as_dict(), "roles": role_names(roles) if roles else None},
            "counts": level_counts(rows), "notCounted": sum(not r.counted for r in rows),
            **paginate(request, response, page, [
        {"provision": r.target.iri, "notation": r.target.notation, "title": r.target.title,
         "coverage": r.level, "confidence": r.confidence,
         "path": describe_path(r, graph), "counted": r.counted,
         "addressedTo": role_names((r.requirement.addressees | r.requirement.public_bodies)
                                   if r.requirement else ())}
        for r in rows if (level is None or r.level == level) and (r.counted or all_provisions)])}
