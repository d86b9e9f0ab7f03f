"""The HTTP service in-process: SPARQL 1.1 Protocol, safety, named queries, REST, problems."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from fastapi.testclient import TestClient

from aimsgraph import FRAMEWORKS as KEYS
from aimsgraph import GraphStore, Source
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.server.openapi import openapi_json

from .conftest import LOCAL, ROOT, admin_users

USERS, TOKEN = admin_users()
EDITIONS = len(set(KEYS.values()))  # framework editions shipped
FRAMEWORKS = "SELECT ?f WHERE { ?f a aims:Framework } ORDER BY ?f"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(org_store) -> TestClient:
    return TestClient(create_app(ServerSettings(max_rows=5000, max_body_bytes=20_000),
                                 org_store), base_url=LOCAL)


@pytest.fixture
def writable() -> TestClient:
    store = GraphStore()
    return TestClient(create_app(ServerSettings(users_file=USERS), store), base_url=LOCAL)


def bindings(response) -> list[dict]:
    return response.json()["results"]["bindings"]


# -- SPARQL 1.1 Protocol ---------------------------------------------------------------------

def test_query_by_get_form_post_and_direct_post(client) -> None:
    by_get = client.get("/sparql", params={"query": FRAMEWORKS})
    by_form = client.post("/sparql", data={"query": FRAMEWORKS})
    direct = client.post("/sparql", content=FRAMEWORKS,
                         headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, direct):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert len(bindings(response)) == EDITIONS


def test_default_and_named_graph_uri(client) -> None:
    gdpr = "https://w3id.org/aimsgraph/graph/frameworks/gdpr-2016-679"
    query = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a aims:Framework }"
    only = client.get("/sparql", params={"query": query, "default-graph-uri": gdpr})
    assert bindings(only)[0]["n"]["value"] == "1"
    named = client.get("/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": gdpr})
    assert [b["g"]["value"] for b in bindings(named)] == [gdpr]


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("text/csv", "text/csv"),
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
])
def test_select_results_are_negotiated(client, accept, expected) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": FRAMEWORKS}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    (None, "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_results_are_negotiated(client, accept, rdflib_format) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?f a aims:Framework }"},
                          headers=headers)
    assert response.status_code == 200
    assert len(rdflib.Graph().parse(data=response.content, format=rdflib_format)) == EDITIONS


def test_not_acceptable_names_what_is(client) -> None:
    response = client.get("/sparql", params={"query": FRAMEWORKS},
                          headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"] == PROBLEM
    assert "application/sparql-results+json" in response.json()["accepted"]


def test_syntax_error_is_400_with_the_parser_message(client) -> None:
    response = client.get("/sparql", params={"query": "SELEKT ?x WHERE {}"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert "SPARQL syntax error" in response.json()["detail"]


def test_query_page_and_service_description(client) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/ui/sparql"
    assert "<form" in client.get("/sparql", headers={"Accept": "text/html"}).text
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    graph = rdflib.Graph().parse(data=description.text, format="turtle")
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in graph


# -- safe by default -------------------------------------------------------------------------

UPDATE = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
ASK = "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"


def asked(client) -> bool:
    return client.get("/sparql", params={"query": ASK}).json()["boolean"]


def test_read_only_without_a_token(client) -> None:
    response = client.post("/sparql", content=UPDATE,
                           headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    assert not asked(client)


@pytest.mark.parametrize(("authorization", "status"), [(None, 403), ("Bearer wrong", 401),
                                                       ("Basic abc", 401),
                                                       (f"Bearer {TOKEN}x", 401)])
def test_update_needs_the_right_token(writable, authorization, status) -> None:
    headers = {"Content-Type": "application/sparql-update"}
    if authorization:
        headers["Authorization"] = authorization
    assert writable.post("/sparql", content=UPDATE, headers=headers).status_code == status
    assert not asked(writable)


def test_update_with_the_token_applies_atomically(writable) -> None:
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    assert writable.post("/sparql", content=UPDATE, headers=headers).status_code == 204
    assert asked(writable)
    # a failing update (second operation is malformed) changes nothing
    broken = "DELETE DATA { <urn:x:a> <urn:x:b> <urn:x:c> } ; INSERT DATA { <urn:x:d> "
    assert writable.post("/sparql", content=broken, headers=headers).status_code == 400
    assert asked(writable)
    # the audit trail is append-only: an update that would clear it changes nothing
    form = writable.post("/sparql", data={"update": "CLEAR ALL"},
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert form.status_code == 403 and form.json()["type"].endswith("history-append-only")
    assert asked(writable)
    form = writable.post("/sparql", data={"update": "CLEAR DEFAULT"},
                         headers={"Authorization": f"Bearer {TOKEN}"})
    assert form.status_code == 204 and not asked(writable)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }",
    "select * where { service <http://example.org/x> { ?s ?p ?o } }",
])
def test_federation_is_refused(client, query) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "not allowed" in response.json()["detail"]


def test_service_inside_a_string_is_not_federation(client) -> None:
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://x/> LOAD" AS ?x) }'
    assert client.get("/sparql", params={"query": query}).status_code == 200


def test_load_is_refused_even_with_a_token(writable) -> None:
    response = writable.post("/sparql", content="LOAD <http://example.org/data.ttl>",
                             headers={"Content-Type": "application/sparql-update",
                                      "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_result_row_limit(client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert "more than 5000 rows" in response.json()["detail"]


def test_timeout_answers_503_and_other_clients_are_served() -> None:
    store = GraphStore()
    store.load_quads(Source(Path("numbers"), "urn:x:g"), [
        ox.Quad(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal(i),
                ox.NamedNode("urn:x:g")) for i in range(2000)])
    client = TestClient(create_app(ServerSettings(query_timeout=0.3), store), base_url=LOCAL)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?p ?y FILTER(?x < ?y) }"
    response = client.get("/sparql", params={"query": slow})
    assert response.status_code == 503
    assert "longer than 0.3 s" in response.json()["detail"]
    fast = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert fast.status_code == 200


def test_body_size_limit_and_media_types(client) -> None:
    big = client.post("/sparql", content="#" * 30_000,
                      headers={"Content-Type": "application/sparql-query"})
    assert big.status_code == 413
    unsupported = client.post("/sparql", content=FRAMEWORKS,
                              headers={"Content-Type": "text/plain"})
    assert unsupported.status_code == 415
    assert "application/sparql-query" in unsupported.json()["detail"]


# -- named queries ---------------------------------------------------------------------------

def test_named_queries_list_and_run(client) -> None:
    listed = {q["name"]: q for q in client.get("/queries").json()}
    assert {"name": "notation", "type": "string", "default": None, "required": True,
            "description": "The official number, written as the framework writes it"} in \
        listed["provision"]["parameters"]
    run = client.get("/queries/provision", params={"notation": "A.6.2.4"},
                     headers={"Accept": "text/csv"})
    assert run.status_code == 200 and "AI system verification and validation" in run.text


@pytest.mark.parametrize(("path", "params", "status", "text"), [
    ("/queries/nope", {}, 404, "unknown query 'nope'"),
    ("/queries/provision", {}, 400, "needs parameter 'notation'"),
    ("/queries/provision", {"notation": "A.6.2.4", "colour": "red"}, 400,
     "has no parameter 'colour'"),
    ("/queries/obligations-applicable-on", {"date": "soon"}, 400, "is not a date"),
])
def test_named_query_errors(client, path, params, status, text) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert text in response.json()["detail"]


# -- REST resources --------------------------------------------------------------------------

def test_frameworks_and_provisions_link_to_each_other(client) -> None:
    frameworks = {f["id"]: f for f in client.get("/frameworks").json()}
    assert set(frameworks) >= {"iso-iec-42001-2023", "eli-reg-2024-1689"}
    framework = client.get("/frameworks/iso-iec-42001-2023").json()
    assert framework["counts"]["Control"] == 38
    tree = client.get("/frameworks/iso42001/provisions").json()
    annex = next(n for n in tree if n["notation"] == "Annex A")
    assert [c["notation"] for c in annex["children"]][:3] == ["A.2", "A.3", "A.4"]
    provision = client.get("/frameworks/iso-iec-42001-2023/provisions/A.6.2.4").json()
    assert [p["notation"] for p in provision["parents"]] == ["A.6.2", "A.6", "Annex A"]
    assert any(m["framework"] == "Regulation (EU) 2024/1689" for m in provision["mappings"])
    followed = client.get(provision["mappings"][0]["href"])
    assert followed.status_code == 200


def test_provision_by_iri_and_errors(client) -> None:
    art = client.get("/provisions", params={
        "iri": "https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9/par_2"}).json()
    assert art["notation"] == "Article 9(2)" and art["children"]
    assert client.get("/frameworks/iso9001").status_code == 404
    missing = client.get("/frameworks/iso42001/provisions/A.99")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM


def test_mappings_coverage_systems_validation_soa(client) -> None:
    mappings = client.get("/mappings", params={"source": "iso42001", "target": "aiact",
                                               "relation": "NotRelated"}).json()
    assert mappings["total"] == 20
    assert client.get("/mappings", params={"relation": "Similar"}).status_code == 400
    cover = client.get("/coverage", params={"have": "iso42001,iso27001", "want": "aiact",
                                            "level": "partial"}).json()
    assert cover["counts"]["partial"] > 0 and all(i["path"] for i in cover["items"])
    assert cover["settings"] == {"maxHops": 2, "minConfidence": 0.6, "partialOnlyLast": True,
                                 "roles": None}
    assert all(i["counted"] for i in cover["items"])
    strict = client.get("/coverage", params={"have": "iso42001", "want": "aiact", "all": "true",
                                             "max-hops": 1, "min-confidence": "0.75",
                                             "role": "deployer"}).json()
    assert strict["settings"]["minConfidence"] == 0.75 and strict["settings"]["maxHops"] == 1
    items = {i["notation"]: i for i in strict["items"]}
    assert not items["Article 28"]["counted"] and items["Article 28"]["addressedTo"] == [
        "https://w3id.org/aimsgraph/ontology#MemberStates"]
    assert items["Article 26(5)"]["counted"] and not items["Article 16"]["counted"]
    assert client.get("/coverage", params={"have": "iso42001", "want": "aiact",
                                           "role": "regulator"}).status_code == 400
    systems = {s["id"]: s for s in client.get("/systems").json()["items"]}
    assert systems["credit-scoring"]["classes"] == ["high-risk"]
    one = client.get("/systems/cv-screening").json()
    assert any("human-oversight" in g["message"] for g in one["gaps"])
    validation = client.get("/validation").json()
    assert validation["violations"] == 10 and validation["conforms"] is False
    soa = client.get("/soa", headers={"Accept": "text/csv"})
    assert soa.text.startswith("framework,control,title")
    assert client.get("/systems/nope").status_code == 404


def _deployer_26_1(body: dict) -> dict:
    return next(o for o in body["obligations"]
                if o["provision"] == "Article 26(1)" and o["role"] == "AIDeployer")


def test_the_law_a_request_assumes(client) -> None:
    enacted = client.get("/systems/cv-screening").json()
    assert enacted["law"]["asEnacted"] is True
    assert [c["id"] for c in enacted["law"]["notApplied"]] == ["eu-ai-act-digital-omnibus-2025"]
    assert _deployer_26_1(enacted)["applicableFrom"] == "2026-08-02"
    amended = client.get("/systems/cv-screening",
                         params={"as_amended_by": "eu-ai-act-digital-omnibus-2025"}).json()
    assert [c["id"] for c in amended["law"]["appliedChangeSets"]] == [
        "eu-ai-act-digital-omnibus-2025"]
    assert amended["law"]["appliedChangeSets"][0]["publishedTextRead"] is False
    obligation = _deployer_26_1(amended)
    assert obligation["applicableFrom"] == "2027-12-02"
    assert "point (40)(b)" in obligation["amendedBy"]
    validation = client.get("/validation", params={"as_amended_by":
                                                   "eu-ai-act-digital-omnibus-2025"}).json()
    assert validation["law"]["appliedChangeSets"]
    assert client.get("/validation").json()["law"]["asEnacted"] is True
    bad = client.get("/systems", params={"as_amended_by": "no-such-act"})
    assert bad.status_code == 400 and "no-such-act" in bad.json()["detail"]
    impact = client.get("/impact", params={"changeset": "eu-ai-act-digital-omnibus-2025",
                                           "as_enacted": "true"}).json()
    assert impact["law"]["asEnacted"] and "adopted" in impact["statusEvidence"]


def test_invalid_parameters_are_problem_details(client) -> None:
    response = client.get("/mappings", params={"limit": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert "limit" in response.json()["detail"]


# -- the contract ----------------------------------------------------------------------------

def test_openapi_document_is_current() -> None:
    committed = (ROOT / "api" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(), "run: aimsgraph openapi -o api/openapi.json"


def test_every_endpoint_has_an_example() -> None:
    readme = (ROOT / "api" / "README.md").read_text(encoding="utf-8")
    for path in json.loads(openapi_json())["paths"]:
        stem = path.split("{")[0].rstrip("/")
        assert f"127.0.0.1:8000{stem}" in readme, path


def test_library_still_does_not_import_the_server() -> None:
    import subprocess
    import sys

    code = "import sys, aimsgraph; print('fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert Path(create_app.__code__.co_filename).parent.name == "server"


def test_impact_leverage_and_ims_routes(client) -> None:
    assert "iso27001-2013-to-2022" in client.get("/changes").json()
    run = client.get("/impact", params={"changeset": "iso27001-2013-to-2022"}).json()
    assert run["summary"]["items"] == 0 and run["impacts"] == [] and run["organization"]
    run = client.get("/impact", params={"changeset": "eu-ai-act-digital-omnibus-2025"}).json()
    assert run["summary"]["items"] == len(run["impacts"]) > 0
    assert {o["owner"] for o in run["owners"]} == {i["owner"] for i in run["impacts"]}
    assert all(i["reasons"] for i in run["impacts"])
    what_if = client.get("/impact", params={"provision": "aiact:Article 10(2)"})
    assert what_if.status_code == 200
    assert client.get("/impact", params={"changeset": "nope"}).status_code == 404
    assert client.get("/impact").status_code == 400
    assert client.get("/leverage").json()["mostCriticalToKeep"]
    assert client.get("/ims/backbone").json()["items"][0]["clause"] == "4"
    assert client.get("/ims/nope").status_code == 404


def test_a_request_chooses_the_mapping_sets(client) -> None:
    default = client.get("/mappings", params={"source": "nist-ai-rmf"}).json()
    assert "nistairmf-iso42001-airc.sssom.tsv" not in {m["file"] for m in default["mappingSets"]}
    published = client.get("/mappings", params={
        "source": "nist-ai-rmf", "mapping_sets": "nistairmf-iso42001-airc",
        "relation": "Unspecified"}).json()
    assert [m["file"] for m in published["mappingSets"]] == ["nistairmf-iso42001-airc.sssom.tsv"]
    assert published["total"] == 71
    systems = client.get("/systems", params={"mapping_sets": "iso42001-aiact"}).json()
    assert [m["file"] for m in systems["mappingSets"]] == ["iso42001-aiact.sssom.tsv"]
    assert {s["id"] for s in systems["items"]} == {
        s["id"] for s in client.get("/systems").json()["items"]}  # organization data kept
    bad = client.get("/coverage", params={"have": "iso42001", "want": "aiact",
                                          "mapping_sets": "nope"})
    assert bad.status_code == 400 and "no mapping set 'nope'" in bad.json()["detail"]


# -- the plain /sparql route answers as the FastAPI routes do --------------------------------

def _sparql_apps(**settings: object) -> tuple[TestClient, TestClient]:
    """The service as it runs (GET and POST /sparql on the plain route first) and the same
    service with the plain route taken out (the FastAPI routes answer)."""
    def make(direct: bool) -> TestClient:
        app = create_app(ServerSettings(users_file=USERS, isolation="thread", **settings),
                         GraphStore())
        if not direct:
            app.router.routes[:] = [r for r in app.router.routes
                                    if getattr(r, "name", "") != "sparql_direct"]
        assert (getattr(app.router.routes[0], "name", "") == "sparql_direct") is direct
        return TestClient(app, base_url=LOCAL)
    return make(True), make(False)


JSON_RESULTS = {"Accept": "application/sparql-results+json"}
SPARQL_CALLS = [
    ("GET", {"query": "ASK {}"}, None, JSON_RESULTS),
    ("GET", {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}, None, {"Accept": "text/csv"}),
    ("GET", {}, None, {"Accept": "text/turtle"}),  # the service description
    ("GET", {}, None, {"Accept": "text/html"}),  # to the query page
    ("GET", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}, None,
     JSON_RESULTS),
    ("GET", {"query": "SELEKT"}, None, JSON_RESULTS),
    ("GET", {"query": "ASK {}", "default-graph-uri": "https://w3id.org/aimsgraph/graph/history"},
     None, JSON_RESULTS),
    ("GET", {"query": "ASK {}"}, None, {"Accept": "image/png"}),
    ("POST", {}, ("application/sparql-query", "ASK {}"), JSON_RESULTS),
    ("POST", {}, ("application/x-www-form-urlencoded", "query=ASK+%7B%7D"), JSON_RESULTS),
    ("POST", {}, ("application/x-www-form-urlencoded", "nothing=here"), JSON_RESULTS),
    ("POST", {}, ("text/plain", "ASK {}"), JSON_RESULTS),
    ("POST", {"message": "x" * 2001}, ("application/sparql-update", "CLEAR ALL"), {}),
    ("POST", {"message": "why"}, ("application/sparql-update", "CLEAR ALL"), {}),
    ("POST", {}, ("application/sparql-update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
     {"Authorization": "Bearer ag_wrong"}),
]


@pytest.mark.parametrize("method, params, body, headers", SPARQL_CALLS)
def test_the_plain_sparql_route_answers_as_the_fastapi_routes(method, params, body,
                                                               headers) -> None:
    direct, fastapi = _sparql_apps()
    answers = []
    for client in (direct, fastapi):
        extra = {"content": body[1].encode(), "headers": {**headers, "Content-Type": body[0]}} \
            if body else {"headers": headers}
        response = client.request(method, "/sparql", params=params, follow_redirects=False,
                                  **extra)
        answers.append((response.status_code, response.headers.get("content-type"),
                        response.headers.get("location"),
                        re.sub(rb"_:\w+", b"_:b", response.content)))  # blank node labels
    assert answers[0] == answers[1]


def test_the_plain_sparql_route_keeps_anonymous_read_off() -> None:
    direct, fastapi = _sparql_apps(anonymous_read=False)
    for client in (direct, fastapi):
        for method in ("GET", "POST"):
            response = client.request(method, "/sparql", params={"query": "ASK {}"},
                                      headers=JSON_RESULTS)
            assert response.status_code == 401
