"""The SPARQL 1.1 Protocol endpoint at /sparql (query, update, service description)."""

from __future__ import annotations

import functools
from typing import Annotated
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.routing import Route

from ...history import Change
from ..auth import Principal, ReaderDep, current_principal, read_access, require_role
from ..deps import SettingsDep, client_of, get_runner
from ..execution import negotiated
from ..generation import refresh_derived
from ..models import SparqlForm, problems
from ..negotiation import GRAPHS, RESULTS, choose, wants_html
from ..problems import ProblemError
from ..settings import ServerSettings

router = APIRouter(tags=["SPARQL"])
#: characters an update's ``message`` may have
MESSAGE_LIMIT = 2000

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"


#: what client SPARQL may answer beside its result (the query guard's refusals are 400 and 403)
SPARQL_PROBLEMS = problems(403, 406, 500, 502, 503, s400="The query (or update) does not parse, "
                           "is too deep or too large, returns too many rows, or a Host not "
                           "served", s403="SERVICE or LOAD of an address not allowed; for "
                           "updates also: a token without the admin role")
RESULT_CONTENT = {m: {"schema": {"type": "string"} if not m.endswith("json") else {}}
                  for m, _ in RESULTS + GRAPHS}
POST_BODY = {"required": True, "content": {
    FORM_TYPE: {"schema": SparqlForm.model_json_schema(by_alias=True),
                "encoding": {"default-graph-uri": {"explode": True},
                             "named-graph-uri": {"explode": True}}},
    QUERY_TYPE: {"schema": {"type": "string", "description": "a SPARQL 1.1 query"}},
    UPDATE_TYPE: {"schema": {"type": "string", "description": "a SPARQL 1.1 update; needs an "
                                                           "admin's Authorization: Bearer TOKEN"}},
}}


@functools.lru_cache(maxsize=64)  # one per Accept header seen lately
def negotiator(accept: str | None):  # type: ignore[no-untyped-def]
    def choose_format(kind: str):  # type: ignore[no-untyped-def]
        return choose(accept, GRAPHS if kind == "graph" else RESULTS)

    choose_format.formats = negotiated(choose_format)  # type: ignore[attr-defined]
    return choose_format


async def answer(request: Request, principal: Principal, text: str,
                 default_graphs: list[str], named_graphs: list[str]) -> Response:
    media, body = await get_runner(request).query(
        text, default_graphs=tuple(default_graphs), named_graphs=tuple(named_graphs),
        choose_format=negotiator(request.headers.get("accept")), client=client_of(request),
        history=principal.reads_history)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.get("/sparql", summary="SPARQL query by GET, the query page, or the service description",
            responses={200: {"content": RESULT_CONTENT,
                             "description": "query results, or without a query the SPARQL 1.1 "
                                            "Service Description"},
                       303: {"description": "without a query, to a browser: the query page"},
                       **SPARQL_PROBLEMS})
async def sparql_get(
    request: Request,
    principal: ReaderDep,
    query: Annotated[str | None, Query(description="a SPARQL 1.1 query")] = None,
    default_graph_uri: Annotated[list[str], Query(alias="default-graph-uri")] = [],  # noqa: B006
    named_graph_uri: Annotated[list[str], Query(alias="named-graph-uri")] = [],  # noqa: B006
) -> Response:
    if query is None:
        if wants_html(request.headers.get("accept")):
            return RedirectResponse("/ui/sparql", status_code=303)  # the web view's editor
        return service_description(str(request.url_for("sparql_get")),
                                   request.headers.get("accept"))
    return await answer(request, principal, query, default_graph_uri, named_graph_uri)


async def sparql_direct(request: Request) -> Response:
    """``GET`` and ``POST /sparql`` as a plain Starlette route, matched before the FastAPI ones
    (which stay for the OpenAPI document and say the same): FastAPI's dependency solving and
    parameter parsing cost each query about a quarter of a millisecond, as much as a small
    query's evaluation (benchmarks/isolation.py). Same checks, same answers: who is asking and
    whether they may read (:func:`read_access`); the parameters read as FastAPI reads them (the
    last ``query`` and ``message``, every ``default-graph-uri`` and ``named-graph-uri``; a
    ``message`` over 2,000 characters is the same 422); errors go through the application's
    problem handlers as from any route."""
    principal = await read_access(request, await current_principal(request), None)
    params = request.query_params
    if request.method == "POST":
        message = params.get("message")
        if message is not None:
            check_message(message)
        return await sparql_post(request, principal, request.app.state.settings, message)
    return await sparql_get(request, principal, params.get("query"),
                            params.getlist("default-graph-uri"),
                            params.getlist("named-graph-uri"))


#: the ``message`` parameter's check, as FastAPI makes it
_MESSAGE = TypeAdapter(Annotated[str, StringConstraints(max_length=MESSAGE_LIMIT)])


def check_message(value: str) -> None:
    """The same 422 problem as FastAPI's for a ``message`` too long."""
    try:
        _MESSAGE.validate_python(value)
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("query", "message")}
                                      for e in err.errors()]) from None


def install_direct(app: FastAPI) -> None:
    """Put :func:`sparql_direct` first in ``app``'s routes."""
    app.router.routes.insert(0, Route("/sparql", sparql_direct, methods=["GET", "POST"],
                                      name="sparql_direct"))


@router.post("/sparql", summary="SPARQL query or update by POST",
             description="A query as `application/sparql-query`, an update as "
                         "`application/sparql-update` (an admin's bearer token), or either as "
                         "a form field. `default-graph-uri` and `named-graph-uri` may also be "
                         "query parameters.",
             responses={200: {"content": RESULT_CONTENT, "description": "query results"},
                        204: {"description": "update applied (admins only); the Location "
                                             "header names its audit trail entry"},
                        **problems(401, 413, 415, 422),
                        **SPARQL_PROBLEMS},
             openapi_extra={"requestBody": POST_BODY})
async def sparql_post(
    request: Request, principal: ReaderDep, settings: SettingsDep,
    message: Annotated[str | None, Query(
        description="an update only: why, recorded in its audit trail entry",
        max_length=MESSAGE_LIMIT)] = None,
) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, settings)
    default_graphs = request.query_params.getlist("default-graph-uri")
    named_graphs = request.query_params.getlist("named-graph-uri")
    if media == FORM_TYPE:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        default_graphs += form.get("default-graph-uri", [])
        named_graphs += form.get("named-graph-uri", [])
        if "update" in form:
            return await update(request, principal, form["update"][0], message)
        if "query" not in form:
            raise ProblemError(400, "missing-query", "missing query",
                               "a form POST needs a 'query' (or 'update') field")
        return await answer(request, principal, form["query"][0], default_graphs,
                            named_graphs)
    if media == QUERY_TYPE:
        return await answer(request, principal, decode(body), default_graphs, named_graphs)
    if media == UPDATE_TYPE:
        return await update(request, principal, decode(body), message)
    raise ProblemError(415, "unsupported-media-type", "unsupported media type",
                       f"send the query as {QUERY_TYPE}, an update as {UPDATE_TYPE}, or either "
                       f"as {FORM_TYPE} (got {media or 'no Content-Type'})")


ADMIN = require_role("admin")


async def update(request: Request, principal: Principal, text: str,
                 message: str | None) -> Response:
    """SPARQL Update: admins only; applied with its audit trail entry, in one transaction."""
    ADMIN(principal)
    change = Change("sparql-update", principal.name, message,
                    request.client.host if request.client else None)
    activity = await get_runner(request).update(text, change, client_of(request))
    request.app.state.updated = True  # stores built for other mapping set choices are now stale
    request.app.state.__dict__.pop("selection_stores", None)
    await anyio.to_thread.run_sync(refresh_derived, request.app.state)  # the classification
    return Response(status_code=204, headers={"Location": activity})


async def read_body(request: Request, settings: ServerSettings) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise too_large(settings)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise too_large(settings)
    return body


def too_large(settings: ServerSettings) -> ProblemError:
    return ProblemError(413, "body-too-large", "request body too large",
                        f"the request body exceeds {settings.max_body_bytes} bytes")


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ProblemError(400, "bad-encoding", "not UTF-8",
                           f"the request body is not UTF-8 (byte {err.start})") from None


def service_description(endpoint: str, accept: str | None) -> Response:
    """A SPARQL 1.1 Service Description of this endpoint, in Turtle (or another RDF format)."""
    import pyoxigraph as ox

    media, fmt = choose(accept, GRAPHS)
    formats = " ".join(
        f"<http://www.w3.org/ns/formats/{name}>" for name in
        ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
         "Turtle", "N-Triples", "JSON-LD", "RDF_XML"))
    turtle = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update ;
  sd:resultFormat {formats.replace(' ', ', ')} ;
  sd:feature sd:UnionDefaultGraph ;
  sd:defaultDataset [ a sd:Dataset ] .
"""
    graph = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
    return Response(ox.serialize(graph, format=fmt.engine), media_type=media)
