"""Regulatory change impact, control leverage and the integrated management system views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ...changes import load_change_set, what_if
from ...impact import control_leverage, impact_report
from ...ims import VIEWS
from ...law import change_set_files
from ...mappingsets import used_mapping_sets
from ..deps import DERIVED_LOCK, LawDep, SelectedStoreDep, StoreDep
from ..models import Backbone, Checklist, EvidenceList, Impact, ImsSoa, Leverage, problems
from ..pagination import PAGE_HEADERS, PageDep, paginate
from ..problems import ProblemError

router = APIRouter(tags=["Change impact and IMS"])


def shipped_change_sets() -> dict[str, object]:
    return dict(change_set_files())


@router.get("/changes", summary="The shipped change sets", response_model=list[str],
            responses=problems())
def list_change_sets() -> list[str]:
    return list(shipped_change_sets())


@router.get("/impact", summary="What a shipped change set, or one provision, affects",
            description="Only what the change applies to (the edition the SoA is on, the AI "
                        "systems' class, route, role and dates). The answer: `summary` (items, "
                        "`byKind`, `byChange` most severe first, `owners`, `unowned`), `owners` "
                        "(each owner to notify with the IRIs of their items, most severe "
                        "first) and `impacts` (each item once: item, kind, label, severity, "
                        "change, owner, email and `reasons`, each with change, severity, "
                        "changed, why and path). Shape documented in README (Change impact). "
                        "`impacts` is paged (limit, offset); summary and owners cover all.",
            response_model=Impact,
            responses={**problems(404, 409, 422, 502, s400="Neither or both of changeset and "
                                  "provision, an unknown provision, view of the law or mapping "
                                  "set, or a Host not served",
                                  s404="No such change set (the detail lists them)"),
                       **PAGE_HEADERS})
def get_impact(
    request: Request,
    response: Response,
    store: SelectedStoreDep,
    page: PageDep,
    law: LawDep,
    changeset: Annotated[str | None, Query(description="a shipped change set id")] = None,
    provision: Annotated[str | None, Query(
        description="what if this provision changed: FRAMEWORK:NUMBER")] = None,
) -> dict:
    if bool(changeset) == bool(provision):
        raise ProblemError(400, "bad-request", "one of changeset or provision",
                           "give either changeset=<id> (see /changes) or "
                           "provision=FRAMEWORK:NUMBER")
    if changeset:
        known = shipped_change_sets()
        if changeset not in known:
            raise ProblemError(404, "unknown-change-set", "unknown change set",
                               f"no change set {changeset!r}; known: {', '.join(known)}")
        change_set = load_change_set(known[changeset], store)  # type: ignore[arg-type]
    else:
        change_set = what_if(store, provision or "")
    with DERIVED_LOCK:
        report = impact_report(store, change_set, law.as_of, law)
    body = report.as_dict()
    return {**body, "mappingSets": used_mapping_sets(store),
            **paginate(request, response, page, body["impacts"], key="impacts")}


@router.get("/leverage", summary="Controls ranked by how many provisions across frameworks they "
                                 "serve", response_model=Leverage, responses=problems(422, 502))
def get_leverage(store: StoreDep, top: Annotated[int, Query(ge=1, le=500)] = 20) -> dict:
    ranked = control_leverage(store)
    return {"implementFirst": [vars(c) for c in ranked if not c.implemented][:top],
            "mostCriticalToKeep": [vars(c) for c in ranked if c.implemented][:top]}


IMS = problems(422, 502)


def ims_page(view: str, request: Request, response: Response, store, page) -> dict:  # type: ignore[no-untyped-def]
    return paginate(request, response, page, VIEWS[view](store))


@router.get("/ims/backbone", summary="Integrated management system: the harmonized clauses "
                                     "each standard requires", response_model=Backbone,
            responses={**IMS, **PAGE_HEADERS})
def get_ims_backbone(request: Request, response: Response, store: StoreDep,
                     page: PageDep) -> dict:
    return ims_page("backbone", request, response, store, page)


@router.get("/ims/soa", summary="Integrated management system: one SoA over every standard",
            response_model=ImsSoa, responses={**IMS, **PAGE_HEADERS})
def get_ims_soa(request: Request, response: Response, store: StoreDep, page: PageDep) -> dict:
    return ims_page("soa", request, response, store, page)


@router.get("/ims/evidence", summary="Integrated management system: evidence and the "
                                     "frameworks it serves", response_model=EvidenceList,
            responses={**IMS, **PAGE_HEADERS})
def get_ims_evidence(request: Request, response: Response, store: StoreDep,
                     page: PageDep) -> dict:
    return ims_page("evidence", request, response, store, page)


@router.get("/ims/checklist", summary="Integrated management system: the audit checklist",
            response_model=Checklist, responses={**IMS, **PAGE_HEADERS})
def get_ims_checklist(request: Request, response: Response, store: StoreDep,
                      page: PageDep) -> dict:
    return ims_page("checklist", request, response, store, page)
