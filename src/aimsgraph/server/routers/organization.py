"""The organization's AI systems (classification, obligations, gaps), validation and SoA."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ... import history
from ...classification import classify
from ...law import LawChoice, LawView, law_view
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


AsOf = Annotated[date | None, Query(
    description="the answer as it was at the end of this day (UTC), reconstructed from the "
                "audit trail: later changes undone")]


def past_state(store, day: date) -> history.PastState:  # type: ignore[no-untyped-def]
    """The organization's data as it was at the end of ``day``, once per store state."""
    with DERIVED_LOCK:
        return store.cached(("as-of", day), lambda: history.state_as_of(store,
                                                                        history.end_of(day)))


def as_of_resource(state: history.PastState, day: date) -> dict:
    return {"date": day.isoformat(), "changesUndone": state.undone,
            "trailStarts": state.trail_starts, "notes": list(state.notes)}


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
                   page: PageDep, as_of: AsOf = None) -> dict:
    if as_of is not None:
        chosen = request.query_params.getlist("as_amended_by") or \
            list(request.app.state.settings.as_amended_by)
        past = validation_as_of(store, LawChoice(chosen, law.as_enacted), as_of)
        return {**past, **paginate(request, response, page, past.pop("items"))}
    require_organization(store, "validation")
    found = findings(request, store, law)
    return {"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
            "conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            **freshness(store, findings_key(law)),
            **paginate(request, response, page, [vars(f) for f in found])}


def validation_as_of(store, choice: LawChoice, day: date) -> dict:  # type: ignore[no-untyped-def]
    """Validation of the data as it was on ``day``, under the law as it stood that day."""
    from ...validation import prepare

    state = past_state(store, day)
    past = state.store
    require_organization(past, "validation")
    past_law = law_view(past, day, choice)

    def compute() -> list[Finding]:
        prepare(past, law=past_law)
        return validate(past, as_of=day, law=past_law)

    with DERIVED_LOCK:
        found = past.cached(("findings", day, past_law.key), compute)
    return {"asOf": as_of_resource(state, day), "law": past_law.assumptions(),
            "mappingSets": used_mapping_sets(past),
            "conforms": not any(f.severity == "Violation" for f in found),
            "violations": sum(f.severity == "Violation" for f in found),
            "warnings": sum(f.severity == "Warning" for f in found),
            "items": [vars(f) for f in found]}


@router.get("/soa", summary="The Statement of Applicability (JSON, or CSV by Accept)",
            description="JSON answers a page of SoA lines; CSV (`Accept: text/csv`) the whole "
                        "statement, one row per line (limit and offset do not apply). With "
                        "`as_of`, the statement as it was that day (from the audit trail).",
            response_model=Soa,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                             **PAGE_HEADERS[200]},
                       **problems(406, 409, 422, 502, s409=NO_ORGANIZATION)})
def get_soa(request: Request, store: StoreDep, page: PageDep, as_of: AsOf = None) -> Response:
    state = past_state(store, as_of) if as_of is not None else None
    if state is not None:
        store = state.store
    require_organization(store, "the Statement of Applicability")
    rows = soa_rows(store)
    media, _ = choose(request.headers.get("accept"),
                      (("application/json", "json"), ("text/csv", "csv")))
    if media == "text/csv":
        return Response(soa_csv(rows), media_type="text/csv", headers={"Vary": "Accept"})
    headers = Response()  # collects the page's headers
    past = {"asOf": as_of_resource(state, as_of)} if state is not None and as_of else {}
    body = Soa.model_validate({**past, **paginate(request, headers, page, rows)}
                              ).model_dump_json(exclude_none=False)
    return Response(body, media_type="application/json",
                    headers={"Vary": "Accept", "Link": headers.headers["link"],
                             "X-Total-Count": headers.headers["x-total-count"]})
