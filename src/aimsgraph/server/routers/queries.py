"""Named queries over REST: GET /queries and GET /queries/{name}?param=value."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...queries import QueryCatalog
from ..deps import RunnerDep, client_of
from ..models import NamedQuery, problems
from ..negotiation import GRAPHS, RESULTS
from .sparql import negotiator

router = APIRouter(tags=["Named queries"])
#: what running client or named SPARQL may answer beside its result
QUERY_PROBLEMS = problems(406, 500, 502, 503)


@router.get("/queries", summary="The named queries, with their parameters",
            response_model=list[NamedQuery], responses=problems())
def list_queries(request: Request) -> list[dict]:
    return [{
        "name": q.name, "title": q.title, "description": q.description,
        "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                        "required": p.required, "description": p.description}
                       for p in q.parameters],
        "href": str(request.url_for("run_named_query", name=q.name)),
    } for q in QueryCatalog()]


@router.get("/queries/{name}", summary="Run a named query; parameters as query parameters",
            responses={200: {"content": {m: {} for m, _ in RESULTS + GRAPHS}},
                       **QUERY_PROBLEMS,
                       **problems(404, s400="A parameter value of the wrong type or a missing "
                                  "required one, or a Host not served",
                                  s404="No such named query (see /queries)")})
async def run_named_query(name: str, request: Request, runner: RunnerDep) -> Response:
    named = QueryCatalog().get(name)
    bindings = named.bindings(dict(request.query_params.items()))
    media, body = await runner.query(named.text, bindings=bindings,
                                     choose_format=negotiator(request.headers.get("accept")),
                                     client=client_of(request))
    return Response(body, media_type=media, headers={"Vary": "Accept"})
