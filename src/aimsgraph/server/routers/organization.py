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
from ..models import Soa, System, SystemList, Validation, problems
from ..negotiation import choose
from ..pagination import PAGE_HEADERS, PageDep, paginate
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


#: what the routes answering with the view of the law and the mapping sets chosen may refuse
CHOICES = problems(409, 422, 502, s400="Unknown view of the law (as_amended_by) or mapping "
                                       "set, or a Host not served")


@router.get("/systems", summary="The AI system inventory with each system's classification, "
                                  "and the view of the law it assumes",
            response_model=SystemList, responses={**CHOICES, **PAGE_HEADERS})
def list_systems(request: Request, response: Response, store: SelectedStoreDep, law: LawDep,
                 page: PageDep) -> dict:
    return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
            **paginate(request, response, page, [
                system_resource(request, c) for c in classify(store, law.as_of, law=law)])}


@router.get("/systems/{system}", summary="One AI system: classification, obligations and gaps",
            response_model=System, responses={**CHOICES, **problems(404)})
def get_system(system: str, request: Request, store: SelectedStoreDep, law: LawDep) -> dict:
    for c in classify(store, law.as_of, law=law):
        if c.system.iri.rsplit("/", 1)[-1] == system:
            gaps = [f for f in findings(request, store, law) if c.system.iri in f.systems]
            return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
                    **system_resource(request, c, gaps)}
    raise ProblemError(404, "unknown-system", "unknown AI system", f"no AI system {system!r}")


NO_ORGANIZATION = "No organization is loaded (`no-organization`): there is nothing to answer " \
    "about (or, with mapping_sets, `store-updated`)"


@router.get("/validation", summary="SHACL validation findings (violations and warnings)",
            response_model=Validation,
            responses={**CHOICES, **problems(409, s409=NO_ORGANIZATION), **PAGE_HEADERS})
def get_validation(request: Request, response: Response, store: SelectedStoreDep, law: LawDep,
                   page: PageDep) -> dict:
    require_organization(store, "validation")
    found = findings(request, store, law)
    return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
            "conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            **freshness(store, findings_key(law)),
            **paginate(request, response, page, [vars(f) for f in found])}


@router.get("/soa", summary="The Statement of Applicability (JSON, or CSV by Accept)",
            description="JSON answers a page of SoA lines; CSV (`Accept: text/csv`) the whole "
                        "statement, one row per line (limit and offset do not apply).",
            response_model=Soa,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             **PAGE_HEADERS[200]},
                       **problems(406, 409, 422, 502, s409=NO_ORGANIZATION)})
def get_soa(request: Request, store: StoreDep, page: PageDep) -> Response:
    require_organization(store, "the Statement of Applicability")
    rows = soa_rows(store)
    media, _ = choose(request.headers.get("accept"),
                      (("application/json", "json"), ("text/csv", "csv")))
    if media == "text/csv":
        return Response(soa_csv(rows), media_type="text/csv", headers={"Vary": "Accept"})
    headers = Response()  # collects the page's headers
    body = Soa.model_validate(paginate(request, headers, page, rows)).model_dump_json()
    return Response(body, media_type="application/json",
                    headers={"Vary": "Accept", "Link": headers.headers["link"],
                             "X-Total-Count": headers.headers["x-total-count"]})
