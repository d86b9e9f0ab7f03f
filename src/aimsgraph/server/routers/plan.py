"""The action plan: every open item with owner, deadline and why, as JSON or an export."""

from __future__ import annotations

import io
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...errors import AimsgraphError
from ...law import LawChoice, LawView, law_view
from ...mappingsets import used_mapping_sets
from ...plan import Plan, PlanFilter, action_plan
from ...plan_export import MEDIA, plan_csv, plan_ics, plan_markdown, plan_xlsx
from ...store import GraphStore
from ..deps import DERIVED_LOCK, SelectedStoreDep, choose_law
from ..models import ActionPlan, problems
from ..pagination import PAGE_HEADERS, PageDep, paginate
from ..problems import ProblemError
from .organization import NO_ORGANIZATION, as_of_resource, findings, past_state

router = APIRouter(tags=["Organization"])


class PlanFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    md = "md"
    ics = "ics"


def plan_for(request: Request, store: GraphStore, as_of: date | None = None,
             as_amended_by: list[str] | None = None, as_enacted: bool | None = None) -> Plan:
    """The whole plan (unfiltered) for the view of the law asked for; computed once per store
    state, date and view (the web page and the REST resource share it)."""
    settings = request.app.state.settings
    if as_of is None or as_of == date.today():
        law = choose_law(store, settings, as_amended_by, as_enacted)
    else:
        choice = (LawChoice(list(settings.as_amended_by), settings.as_enacted)
                  if not as_amended_by and as_enacted is None
                  else LawChoice(list(as_amended_by or []), bool(as_enacted)))
        try:
            law = law_view(store, as_of, choice)
        except AimsgraphError as err:
            raise ProblemError(400, "bad-law-view", "unknown view of the law", str(err)) from None
    return compute_plan(request, store, law)


def compute_plan(request: Request, store: GraphStore, law: LawView) -> Plan:
    months = request.app.state.settings.evidence_months
    with DERIVED_LOCK:
        def build() -> Plan:
            found = findings(request, store, law) if law.as_of == date.today() else None
            return action_plan(store, law.as_of, law=law, evidence_months=months,
                               findings=found)
        return store.cached(("plan", law.as_of, law.key, months), build)


@router.get("/plan", summary="The action plan: every open item (validation finding, unreached "
                               "obligation, planned control, stale evidence, review) with its "
                               "owner, deadline and why, by deadline then severity",
            description="JSON answers a page of actions (limit, offset); the exports (format "
                        "csv, xlsx, md, ics) the whole plan.",
            response_model=ActionPlan,
            responses={200: {"content": {m: {"schema": {"type": "string"}}
                                         for k, m in MEDIA.items() if k != "json"},
                             **PAGE_HEADERS[200]},
                       **problems(409, 422, 502, s400="Unknown owner, system or view of the "
                                  "law", s409=NO_ORGANIZATION)})
def get_plan(
    request: Request, store: SelectedStoreDep, page: PageDep,
    owner: Annotated[str | None, Query(description="only this person's actions (an id in "
                                                   "people.csv)", max_length=200)] = None,
    system: Annotated[str | None, Query(description="only this AI system's actions (an id in "
                                                    "ai_systems.csv)", max_length=200)] = None,
    before: Annotated[date | None, Query(description="only actions due before this date "
                                                     "(YYYY-MM-DD)")] = None,
    as_of: Annotated[date | None, Query(alias="as-of", description="the evaluation date "
                                        "(YYYY-MM-DD; default today): what is overdue, which "
                                        "obligations are in force, how old evidence may be. "
                                        "A past date answers with the data as it was at the "
                                        "end of that day, reconstructed from the audit trail "
                                        "(`asOfState` says how)")]
    = None,
    as_amended_by: Annotated[list[str] | None, Query(
        description="rely on this amendment change set (see /changes) beside those in force "
                    "(repeatable)")] = None,
    as_enacted: Annotated[bool | None, Query(
        description="the law as enacted: apply no amendment change set")] = None,
    format: Annotated[PlanFormat, Query(description="json (default), csv, xlsx, md (Markdown) "
                                                    "or ics (iCalendar)")] = PlanFormat.json,
) -> Response:
    state = past_state(store, as_of) if as_of is not None and as_of < date.today() else None
    plan = plan_for(request, state.store if state else store, as_of, as_amended_by, as_enacted)
    plan = plan.filtered(PlanFilter(owner or None, system or None, before))
    name = "action-plan"
    if format is PlanFormat.json:
        whole = plan.as_dict()
        headers = Response()  # collects the page's headers
        body = ActionPlan.model_validate({
            **{k: v for k, v in whole.items() if k not in ("total", "items")},
            "asOfState": as_of_resource(state, as_of) if state and as_of else None,
            "mappingSets": used_mapping_sets(store),
            **paginate(request, headers, page, whole["items"])}).model_dump_json()
        return Response(body, media_type="application/json",
                        headers={"Link": headers.headers["link"],
                                 "X-Total-Count": headers.headers["x-total-count"]})
    if format is PlanFormat.xlsx:
        out = io.BytesIO()
        plan_xlsx(plan, out)
        body = out.getvalue()
    elif format is PlanFormat.ics:
        body = plan_ics(plan)
    else:
        body = (plan_csv(plan) if format is PlanFormat.csv else plan_markdown(plan)).encode()
    media = MEDIA[format.value] + ("; charset=utf-8" if format.value in ("csv", "md", "ics")
                                   else "")
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}.{format.value}"'})
