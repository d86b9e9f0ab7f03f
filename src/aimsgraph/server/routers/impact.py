"""Regulatory change impact, control leverage and the integrated management system views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...changes import load_change_set, what_if
from ...impact import control_leverage, impact_report
from ...ims import VIEWS
from ...law import change_set_files
from ...mappingsets import used_mapping_sets
from ..deps import DERIVED_LOCK, LawDep, SelectedStoreDep, StoreDep
from ..problems import ProblemError

router = APIRouter(tags=["Change impact and IMS"])


def shipped_change_sets() -> dict[str, object]:
    return dict(change_set_files())


@router.get("/changes", summary="The shipped change sets")
def list_change_sets() -> list[str]:
    return list(shipped_change_sets())


@router.get("/impact", summary="What a shipped change set, or one provision, affects",
            description="Only what the change applies to (the edition the SoA is on, the AI "
                        "systems' class, route, role and dates). The answer: `summary` (items, "
                        "`byKind`, `byChange` most severe first, `owners`, `unowned`), `owners` "
                        "(each owner to notify with the IRIs of their items, most severe "
                        "first) and `impacts` (each item once: item, kind, label, severity, "
                        "change, owner, email and `reasons`, each with change, severity, "
                        "changed, why and path). Shape documented in README (Change impact).")
def get_impact(
    store: SelectedStoreDep,
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
    return {**report.as_dict(), "mappingSets": used_mapping_sets(store)}


@router.get("/leverage", summary="Controls ranked by how many provisions across frameworks they "
                                 "serve")
def get_leverage(store: StoreDep, top: Annotated[int, Query(ge=1, le=500)] = 20) -> dict:
    ranked = control_leverage(store)
    return {"implementFirst": [vars(c) for c in ranked if not c.implemented][:top],
            "mostCriticalToKeep": [vars(c) for c in ranked if c.implemented][:top]}


@router.get("/ims/{view}", summary="Integrated management system view: backbone, soa, evidence "
                                   "or checklist")
def get_ims(view: str, store: StoreDep) -> list[dict]:
    if view not in VIEWS:
        raise ProblemError(404, "unknown-view", "unknown view",
                           f"no view {view!r}; views: {', '.join(VIEWS)}")
    return VIEWS[view](store)
