"""The organization's AI systems (classification, obligations, gaps), validation and SoA."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...classification import classify
from ...reports import soa_csv, soa_rows
from ...validation import Finding, validate
from ..deps import StoreDep
from ..negotiation import choose
from ..problems import ProblemError

router = APIRouter(tags=["Organization"])


def findings(request: Request, store) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Computed once per store state and day (an update through the service recomputes it)."""
    return store.cached(("findings", date.today()), lambda: validate(store))


def system_resource(request: Request, c, gaps: list[Finding] | None = None) -> dict:  # type: ignore[no-untyped-def]
    key = c.system.iri.rsplit("/", 1)[-1]
    body = {"id": key, "iri": c.system.iri, "name": c.system.name, "classes": c.classes,
            "riskLevels": c.risk_levels, "reasons": [str(r) for r in c.reasons],
            "verdict": c.verdict or None, "questions": c.questions,
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
            gaps = [f for f in findings(request, store) if c.system.name in f.system]
            return system_resource(request, c, gaps)
    raise ProblemError(404, "unknown-system", "unknown AI system", f"no AI system {system!r}")


@router.get("/validation", summary="SHACL validation findings (violations and warnings)")
def get_validation(request: Request, store: StoreDep) -> dict:
    found = findings(request, store)
    return {"conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            "items": [vars(f) for f in found]}


@router.get("/soa", summary="The Statement of Applicability (JSON, or CSV by Accept)",
            responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def get_soa(request: Request, store: StoreDep) -> Response:
    rows = soa_rows(store)
    media, _ = choose(request.headers.get("accept"),
                      (("application/json", "json"), ("text/csv", "csv")))
    if media == "text/csv":
        return Response(soa_csv(rows), media_type="text/csv")
    import json

    return Response(json.dumps(rows), media_type="application/json")
