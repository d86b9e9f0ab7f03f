"""A real `aimsgraph serve` on loopback, driven by the clients people use with SPARQL endpoints
(SPARQLWrapper, rdflib's SPARQLStore) and by schemathesis over the OpenAPI document."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
import rdflib
import schemathesis
from hypothesis import HealthCheck, settings
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from aimsgraph import FRAMEWORKS as KEYS

from .conftest import ROOT, free_port, running_server
from .test_cli import COMMAND

EDITIONS = len(set(KEYS.values()))  # framework editions shipped

SELECT = """PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?f ?notation WHERE { ?f a aims:Framework ; skos:notation ?notation } ORDER BY ?notation"""
CONSTRUCT = """PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
CONSTRUCT WHERE { ?f a aims:Framework }"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([*COMMAND, "serve", "--port", str(port), "--data",
                         str(ROOT / "examples" / "acme-lending")], f"{url}/queries",
                        tmp_path_factory.mktemp("serve") / "server.log"):
        yield url


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_results_format(base_url, fmt) -> None:
    client = SPARQLWrapper(f"{base_url}/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if fmt == JSON:
        assert len(result["results"]["bindings"]) == EDITIONS
    elif fmt == XML:
        assert len(result.getElementsByTagName("result")) == EDITIONS
    else:
        text = result.decode() if isinstance(result, bytes) else result
        assert len(text.strip().splitlines()) == EDITIONS + 1  # header + one row per edition


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML])
def test_sparqlwrapper_construct_in_every_graph_format(base_url, fmt) -> None:
    client = SPARQLWrapper(f"{base_url}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if isinstance(result, rdflib.Graph):
        graph = result
    else:
        graph = rdflib.Graph().parse(data=result, format={TURTLE: "turtle", N3: "n3",
                                                          JSONLD: "json-ld"}[fmt])
    assert len(graph) == EDITIONS


def test_sparqlwrapper_post(base_url) -> None:
    client = SPARQLWrapper(f"{base_url}/sparql")
    client.setMethod("POST")
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == EDITIONS


def test_rdflib_sparqlstore(base_url) -> None:
    graph = rdflib.Graph(store=SPARQLStore(f"{base_url}/sparql"))
    rows = list(graph.query(SELECT))
    assert len(rows) == EDITIONS
    assert any(str(r.notation) == "ISO/IEC 42001:2023" for r in rows)
    ask = graph.query("ASK { ?s a <https://w3id.org/aimsgraph/ontology#AISystem> }")
    assert ask.askAnswer is True


def test_update_is_refused_on_the_default_server(base_url) -> None:
    request = urllib.request.Request(f"{base_url}/sparql", method="POST",
                                     data=b"CLEAR ALL",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 403


SCHEMA = schemathesis.openapi.from_path(ROOT / "api" / "openapi.json")


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def sparql_text(ctx, value) -> bytes:  # type: ignore[no-untyped-def]
    """A query or update body is the text itself (the contract types it as a string)."""
    return value.encode("utf-8") if isinstance(value, str) else str(value).encode("utf-8")


@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_the_documented_one(case, base_url) -> None:
    """No request makes a server error, and every answer has a documented status, media type,
    headers and (for JSON) the documented schema: the typed contract is what is sent."""
    case.call_and_validate(base_url=base_url, timeout=60, checks=[
        not_a_server_error, status_code_conformance, content_type_conformance,
        response_schema_conformance, response_headers_conformance])
