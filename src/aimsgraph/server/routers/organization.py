"""The organization's AI systems (classification, obligations, gaps), validation and SoA."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...classification import classify
from ...law import LawView
from ...mappingsets import used_mapping_sets
from ...organization import require_organization
from ...reports import soa_csv, soa_rows
from ...validation import Finding, validate
from ..deps import DERIVED_LOCK, LawDep, SelectedStoreDep, StoreDep, default_law
from ..faults import freshness
from ..negotiation import choose
from ..problems import ProblemError

router = APIRouter(tags=["Organization"])


def findings_key(law: LawView) -> tuple[str, date, object]:
    return ("findings", date.today(), law.key)


def findings(request: Request, store, law: LawView | None = None) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Computed once per store state, day and view of the law (an update through the service
    recomputes it); default: the service's view of the law."""
    law = law or default_law(request)
    with DERIVED_LOCK:
        return store.cached(findings_key(law),
                            lambda: validate(store, as_of=law.as_of, law=law,
                                             evidence_months=request.app.state.settings
                                             .evidence_months))


def system_resource(request: Request, c, gaps: list[Finding] | None = None) -> dict:  # type: ignore[no-untyped-def]
    key = c.system.iri.rsplit("/", 1)[-1]
    body = {"id": key, "iri": c.system.iri, "name": c.system.name, "classes": c.classes,
            "riskLevels": c.risk_levels, "reasons": [str(r) for r in c.reasons],
            "verdict": c.verdict or None, "questions": c.questions,
            "href": str(request.url_for("get_system", system=key))}
    if gaps is not None:
        body["obligations"] = [
            {"provision": o.notation, "title": o.title, "role": o.role.rsplit("#", 1)[-1],
             "applicableFrom": o.applicable_from.isoformat(), "amendedBy": o.amended_by,
             "inForce": o.in_force,
             "applies": o.applies, "openQuestions": list(o.open_questions)}
            for o in c.obligations]
        body["gaps"] = [vars(f) for f in gaps]
    return body


@router.get("/systems", summary="The AI system inventory with each system's classification, "
                                  "and the view of the law it assumes")
def list_systems(request: Request, store: SelectedStoreDep, law: LawDep) -> dict:
    return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store), "items": [
        system_resource(request, c) for c in classify(store, law.as_of, law=law)]}


@router.get("/systems/{system}", summary="One AI system: classification, obligations and gaps")
def get_system(system: str, request: Request, store: SelectedStoreDep, law: LawDep) -> dict:
    for c in classify(store, law.as_of, law=law):
        if c.system.iri.rsplit("/", 1)[-1] == system:
            gaps = [f for f in findings(request, store, law) if c.system.iri in f.systems]
            return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
                    **system_resource(request, c, gaps)}
    raise ProblemError(404, "unknown-system", "unknown AI system", f"no AI system {system!r}")


NO_ORGANIZATION = {409: {"description": "No organization is loaded (problem detail "
                               "`no-organization`): there is nothing to answer about"}}


@router.get("/validation", summary="SHACL validation findings (violations and warnings)",
            responses=NO_ORGANIZATION)
def get_validation(request: Request, store: SelectedStoreDep, law: LawDep) -> dict:
    require_organization(store, "validation")
    found = findings(request, store, law)
    return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
            "conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            **freshness(store, findings_key(law)),
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
