"""Frameworks and their provisions, as linked JSON resources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ...coverage import natural_key
from ...namespaces import BASE, FRAMEWORKS
from ...queries import QueryCatalog
from ..deps import StoreDep
from ..models import Framework, FrameworkSummary, Provision, ProvisionNode, problems
from ..problems import ProblemError

router = APIRouter(tags=["Frameworks"])


def slug(iri: str) -> str:
    """``https://w3id.org/aimsgraph/std/iso-iec-42001/2023`` -> ``iso-iec-42001-2023``."""
    return iri.removeprefix(BASE).removeprefix("std/").replace("/", "-")


def framework_iri(key: str) -> str:
    """A framework slug, short key (``iso42001``) or IRI, to its IRI; 404 otherwise."""
    if key in FRAMEWORKS:
        return FRAMEWORKS[key]
    for iri in FRAMEWORKS.values():
        if key in (iri, slug(iri)):
            return iri
    raise ProblemError(404, "unknown-framework", "unknown framework",
                       f"no framework {key!r}; known: "
                       + ", ".join(slug(i) for i in FRAMEWORKS.values()))


def records(store, name: str, **values: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(QueryCatalog().get(name).run(store, values).records())


@router.get("/frameworks", summary="Every framework edition in the graph",
            response_model=list[FrameworkSummary], responses=problems(502))
def list_frameworks(request: Request, store: StoreDep) -> list[dict]:
    return [{
        "id": slug(r["framework"] or ""), "iri": r["framework"], "notation": r["notation"],
        "title": r["title"], "version": r["version"], "issued": r["issued"],
        "supersedes": r["supersedes"], "sources": (r["sources"] or "").split(),
        "href": str(request.url_for("get_framework", framework=slug(r["framework"] or ""))),
        "provisions": str(request.url_for("provision_tree",
                                          framework=slug(r["framework"] or ""))),
    } for r in records(store, "frameworks")]


@router.get("/frameworks/{framework}", summary="One framework edition with its counts",
            response_model=Framework, responses=problems(404, 502))
def get_framework(framework: str, request: Request, store: StoreDep) -> dict:
    iri = framework_iri(framework)
    found = [f for f in list_frameworks(request, store) if f["iri"] == iri]
    if not found:
        raise ProblemError(404, "unknown-framework", "framework not loaded", f"{iri} is not loaded")
    counts = {r["kind"]: int(r["provisions"] or 0) for r in records(store, "provision-counts")
              if r["framework"] == iri}
    return {**found[0], "counts": counts}


@router.get("/frameworks/{framework}/provisions", summary="A framework's provisions as a tree",
            response_model=list[ProvisionNode], responses=problems(404, 502))
def provision_tree(framework: str, request: Request, store: StoreDep) -> list[dict]:
    iri = framework_iri(framework)
    rows = records(store, "provisions", framework=iri)
    nodes = {r["provision"]: {"iri": r["provision"], "notation": r["notation"],
                              "title": r["title"], "kind": r["kind"], "children": [],
                              "href": str(request.url_for("get_provision", framework=slug(iri),
                                                          notation=r["notation"]))}
             for r in rows}
    index = {r["provision"]: r for r in records(store, "provision-index")
             if r["framework"] == iri}
    roots = []
    for r in sorted(rows, key=lambda r: natural_key(r["notation"] or "")):
        parent = (index.get(r["provision"]) or {}).get("parent")
        (nodes[parent]["children"] if parent in nodes else roots).append(nodes[r["provision"]])
    return roots


@router.get("/frameworks/{framework}/provisions/{notation:path}",
            summary="One provision by its number: parents, children and mappings",
            response_model=Provision, responses=problems(404, 502))
def get_provision(framework: str, notation: str, request: Request, store: StoreDep) -> dict:
    iri = framework_iri(framework)
    found = records(store, "provision", framework=iri, notation=notation)
    if not found:
        raise ProblemError(404, "unknown-provision", "unknown provision",
                           f"{slug(iri)} has no provision numbered {notation!r}")
    return provision_resource(request, store, found[0]["provision"] or "")


@router.get("/provisions", summary="One provision by IRI: parents, children and mappings",
            response_model=Provision, responses=problems(404, 422, 502))
def provision_by_iri(request: Request, store: StoreDep,
                     iri: Annotated[str, Query(description="the provision IRI")]) -> dict:
    return provision_resource(request, store, iri)


def provision_resource(request: Request, store, iri: str) -> dict:  # type: ignore[no-untyped-def]
    index = {r["provision"]: r for r in records(store, "provision-index")}
    if iri not in index:
        raise ProblemError(404, "unknown-provision", "unknown provision", f"no provision {iri}")

    def brief(p: str) -> dict:
        r = index[p]
        return {"iri": p, "notation": r["notation"], "title": r["title"],
                "framework": r["frameworkNotation"],
                "href": str(request.url_for("get_provision", framework=slug(r["framework"] or ""),
                                            notation=r["notation"]))}

    parents, up = [], index[iri]["parent"]
    while up and up in index:
        parents.append(brief(up))
        up = index[up]["parent"]
    children = sorted((p for p, r in index.items() if r["parent"] == iri),
                      key=lambda p: natural_key(index[p]["notation"] or ""))
    mappings = [{**brief(m["other"] or ""), "relation": m["relation"],
                 "confidence": m["confidence"], "rationale": m["rationale"]}
                for m in records(store, "mapped-provisions", provision=iri) if m["other"] in index]
    return {**brief(iri), "parents": parents, "children": [brief(c) for c in children],
            "mappings": mappings}
