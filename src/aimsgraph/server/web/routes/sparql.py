"""The SPARQL page: an editor with the named queries as examples, results as a table, downloads in
every format the /sparql endpoint serves. Queries run through the endpoint's guarded path
(execution.Runner: no SERVICE/LOAD unless allowed, the timeout, the memory cap, the row limit).

The page's CSV and TSV downloads are tables for a spreadsheet, written by ``spreadsheet.py``: one
plain value per cell (an IRI, a literal's lexical form) and no cell a spreadsheet would run (a
label ``=HYPERLINK(...)`` in loaded data gets a leading ``'``). The exact W3C SPARQL CSV/TSV
result formats, for programs, stay at ``/sparql``."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ....errors import AimsgraphError
from ....formats import RDF_FORMATS, RESULT_FORMATS, RdfFormat, ResultFormat
from ....namespaces import PREFIXES
from ....queries import NamedQuery, QueryCatalog
from ....spreadsheet import neutralize, write_csv
from ...deps import SettingsDep, StoreDep, client_of, get_runner
from ...execution import Runner
from ...negotiation import GRAPHS, RESULTS
from ...problems import ProblemError, status_of
from ..links import Links, catalog
from ..templating import render

router = APIRouter(include_in_schema=False)
SHOWN_ROWS = 1000
#: the download formats: SELECT/ASK results and graphs, as the endpoint serves them
SOLUTION_FORMATS = {f.name: f for f in RESULT_FORMATS
                    if f.media_type in dict(RESULTS) and f.engine is not None}
GRAPH_FORMATS = {f.name: f for f in RDF_FORMATS if f.media_type in dict(GRAPHS)}
EXTENSION = {"json": "srj", "xml": "srx", "csv": "csv", "tsv": "tsv", "turtle": "ttl",
             "ntriples": "nt", "jsonld": "jsonld", "rdfxml": "rdf", "trig": "trig",
             "nquads": "nq"}
DEFAULT_QUERY = """SELECT ?framework ?notation ?title WHERE {
  ?framework a aims:Framework ; skos:notation ?notation ; skos:prefLabel ?title
} ORDER BY ?notation"""


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    note: str = ""  # datatype or language of a literal
    iri: str = ""  # the full IRI of an IRI term


@dataclass
class Outcome:
    kind: str  # solutions | boolean | graph
    columns: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None


def example_of(name: str) -> NamedQuery | None:
    catalog_ = QueryCatalog()
    return catalog_.get(name) if name in catalog_.names() else None


def parameters(request: Request, example: NamedQuery | None) -> dict[str, str]:
    """The example's parameter values from the form (``param-NAME``), defaults where empty."""
    if example is None:
        return {}
    values = {}
    for p in example.parameters:
        given = request.query_params.get(f"param-{p.name}", "").strip()
        if given or p.default is not None:
            values[p.name] = given or (p.default or "")
    return values


def fixed(fmt: ResultFormat | RdfFormat):  # type: ignore[no-untyped-def]
    """A format chooser for run_query that insists on ``fmt`` (406 for the other query kind)."""
    def choose(kind: str):  # type: ignore[no-untyped-def]
        wants_graph = kind == "graph"
        if wants_graph != isinstance(fmt, RdfFormat):
            usable = GRAPH_FORMATS if wants_graph else SOLUTION_FORMATS
            raise ProblemError(406, "not-acceptable", "format does not fit the query",
                               f"a {'CONSTRUCT/DESCRIBE' if wants_graph else 'SELECT/ASK'} "
                               f"query has no {fmt.name} form; use {', '.join(usable)}")
        return fmt.media_type, fmt
    return choose


@router.get("/ui/sparql", response_class=HTMLResponse)
async def sparql_page(request: Request, store: StoreDep, settings: SettingsDep,
                      query: str = "", example: str = "") -> HTMLResponse:
    named = example_of(example)
    values = parameters(request, named)
    text = query if query.strip() else (named.text if named else DEFAULT_QUERY)
    context = {"examples": list(QueryCatalog()), "example": named, "values": values,
               "query": text, "shown": SHOWN_ROWS}
    if not query.strip():
        return render(request, "sparql.html", "sparql", "SPARQL", **context)
    links = Links(request, catalog(request))
    try:
        bindings = named.bindings(values) if named else None
        outcome = await evaluate(get_runner(request), text, bindings, links, client_of(request))
    except ProblemError as err:
        return render(request, "sparql.html", "sparql", "SPARQL", status_code=err.status,
                      error=err.detail, **context)
    except AimsgraphError as err:
        return render(request, "sparql.html", "sparql", "SPARQL", status_code=status_of(err)[0],
                      error=str(err), **context)
    formats = GRAPH_FORMATS if outcome.kind == "graph" else SOLUTION_FORMATS
    download = {name: links.url("/ui/sparql/download", query=text, example=example,
                                format=name, **{f"param-{k}": v for k, v in values.items()})
                for name in formats}
    return render(request, "sparql.html", "sparql", "SPARQL results", outcome=outcome,
                  download=download, **context)


@router.get("/ui/sparql/download")
async def sparql_download(request: Request, store: StoreDep, settings: SettingsDep, query: str,
                          format: str, example: str = "") -> Response:
    fmt = SOLUTION_FORMATS.get(format) or GRAPH_FORMATS.get(format)
    if fmt is None:
        raise ProblemError(400, "unknown-format", "unknown format",
                           f"format is one of {', '.join([*SOLUTION_FORMATS, *GRAPH_FORMATS])}")
    named = example_of(example)
    bindings = named.bindings(parameters(request, named)) if named else None
    if fmt.name in SPREADSHEET_TABLES:
        media, body = await get_runner(request).query(
            query, bindings=bindings, choose_format=fixed(SOLUTION_FORMATS["json"]),
            client=client_of(request))
        media, body = SPREADSHEET_TABLES[fmt.name], spreadsheet_table(body, fmt.name)
    else:
        media, body = await get_runner(request).query(query, bindings=bindings,
                                                      choose_format=fixed(fmt),
                                                      client=client_of(request))
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="results.{EXTENSION[fmt.name]}"'})


#: the downloads written as spreadsheet tables (media type of each)
SPREADSHEET_TABLES = {"csv": "text/csv; charset=utf-8",
                      "tsv": "text/tab-separated-values; charset=utf-8"}


def spreadsheet_table(results_json: bytes, name: str) -> bytes:
    """SPARQL JSON results as a CSV or TSV table: a header of the variables, one plain value per
    cell (unbound cells empty), every text cell neutralized for spreadsheets."""
    data = json.loads(results_json)
    if "boolean" in data:
        columns, rows = ["boolean"], [{"boolean": "true" if data["boolean"] else "false"}]
    else:
        columns = data["head"].get("vars", [])
        rows = [{c: (b[c]["value"] if b[c]["type"] != "bnode" else "_:" + b[c]["value"])
                 for c in columns if c in b} for b in data["results"]["bindings"]]
    out = io.StringIO()
    if name == "tsv":
        _write_tsv(out, rows, columns)
    else:
        write_csv(out, rows, columns)
    return out.getvalue().encode("utf-8")


def _write_tsv(out: io.StringIO, rows: list[dict[str, str]], columns: list[str]) -> None:
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralize(row.get(c, "")) for c in columns])


async def evaluate(runner: Runner, text: str, bindings, links: Links,  # type: ignore[no-untyped-def]
                   client: str = "") -> Outcome:
    """Run through the guarded path as SPARQL JSON results (or N-Triples) and tabulate."""
    def choose(kind: str):  # type: ignore[no-untyped-def]
        table = GRAPHS if kind == "graph" else RESULTS
        media = "application/n-triples" if kind == "graph" else "application/sparql-results+json"
        return media, dict(table)[media]

    media, body = await runner.query(text, bindings=bindings, choose_format=choose,
                                     client=client)
    if media == "application/n-triples":
        triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        rows = [[term_cell(t.subject, links), term_cell(t.predicate, links),
                 term_cell(t.object, links)] for t in triples]
        return Outcome("graph", ["subject", "predicate", "object"], rows)
    data = json.loads(body)
    if "boolean" in data:
        return Outcome("boolean", [], [], boolean=bool(data["boolean"]))
    columns = data["head"].get("vars", [])
    rows = [[json_cell(b.get(c), links) for c in columns] for b in data["results"]["bindings"]]
    return Outcome("solutions", columns, rows)


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def iri_cell(iri: str, links: Links) -> Cell:
    if iri in links.index.provisions:
        return Cell(str(links.index.provisions[iri]), links.provision(iri), iri=iri)
    return Cell(compact(iri), iri=iri)


def json_cell(value: dict | None, links: Links) -> Cell | None:
    if value is None:
        return None
    if value["type"] == "uri":
        return iri_cell(value["value"], links)
    if value["type"] == "bnode":
        return Cell("_:" + value["value"])
    note = f"@{value['xml:lang']}" if "xml:lang" in value else (
        compact(value["datatype"]) if value.get("datatype") else "")
    return Cell(value["value"], note="" if note == "xsd:string" else note)


def term_cell(term, links: Links) -> Cell:  # type: ignore[no-untyped-def]
    if isinstance(term, ox.NamedNode):
        return iri_cell(term.value, links)
    if isinstance(term, ox.BlankNode):
        return Cell("_:" + term.value)
    note = f"@{term.language}" if term.language else compact(term.datatype.value)
    return Cell(term.value, note="" if note == "xsd:string" else note)
