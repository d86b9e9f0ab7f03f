"""The organization's AI systems (classification, obligations, gaps), validation and SoA."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...classification import classify
from ...organization import require_organization
from ...reports import soa_csv, soa_rows
from ...validation import Finding, validate
from ..deps import StoreDep
from ..faults import freshness
from ..negotiation import choose
from ..problems import ProblemError

router = APIRouter(tags=["Organization"])


def findings_key() -> tuple[str, date]:
    return ("findings", date.today())


def findings(request: Request, store) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Computed once per store state and day (an update through the service recomputes it)."""
    return store.cached(findings_key(), lambda: validate(store))


def system_resource(request: Request, c, gaps: list[Finding] | None = None) -> dict:  # type: ignore[no-untyped-def]
    key = c.system.iri.rsplit("/", 1)[-1]
    body = {"id": key, "iri": c.system.iri, "name": c.system.name, "classes": c.classes,
            "riskLevels": c.risk_levels, "reasons": [str(r) for r in c.reasons],
            "href": str(request.url_for("get_system", system=key))}
    if gaps is not None:
        body["obligations"] = [
            {"provision": o.notation, "title": o.title, "role": o.role.rsplit("#", 1)[-1],
             "applicableFrom": o.applicable_from.isoformat(), "inForce": o.in_force,
             "applies": o.applies, "openQuestions": list(o.open_questions)}
            for o in c.obligations]
        body["gaps"] = [vars(f) for f in gaps]
    return body


@router.get("/systems", summary="The AI system inventory with each system's classification")
def list_systems(request: Request, store: StoreDep) -> list[dict]:
    return [system_resource(request, c) for c in classify(store)]


@router.get("/systems/{system}", summary="One AI system: classification, obligations and gaps")
def get_system(system: str, request: Request, store: StoreDep) -> dict:
    for c in classify(store):
        if c.system.iri.rsplit("/", 1)[-1] == system:
            gaps = [f for f in findings(request, store) if c.system.iri in f.systems]
            return system_resource(request, c, gaps)
    raise ProblemError(404, "unknown-system", "unknown AI system", f"no AI system {system!r}")


NO_ORGANIZATION = {409: {"description": "No organization is loaded (problem detail "
                               "`no-organization`): there is nothing to answer about"}}


@router.get("/validation", summary="SHACL validation findings (violations and warnings)",
            responses=NO_ORGANIZATION)
def get_validation(request: Request, store: StoreDep) -> dict:
    require_organization(store, "validation")
    found = findings(request, store)
    return {"conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            **freshness(store, findings_key()),
            "items": [vars(f) for f in found]}


@router.get("/soa", summary="The Statement of Applicability (JSON, or CSV by Accept)",
            responses={200: {"content": {"application/json": {}, "text/csv": {}}},
                       **NO_ORGANIZATION})
def get_soa(request: Request, store: StoreDep) -> Response:
    require_organization(store, "the Statement of Applicability")
    rows = soa_rows(store)
    media, _ = choose(request.headers.get("accept"),
                      (("application/json", "json"), ("text/csv", "csv")))
    if media == "text/csv":
        return Response(soa_csv(rows), media_type="text/csv")
    import json

    return Response(json.dumps(rows), media_type="application/json")
