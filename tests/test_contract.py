"""The typed REST contract (server/models.py, pagination.py, caching.py, openapi.py): what a
client integrating the service relies on beyond each resource's content."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from aimsgraph import GraphStore
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.server.caching import ConditionalGet, HeadAsGet
from aimsgraph.server.openapi import openapi_json

from .conftest import LOCAL, admin_users

USERS, TOKEN = admin_users()
PROBLEM = "application/problem+json"
#: one request per JSON resource of the contract
RESOURCES = ["/frameworks", "/frameworks/iso-iec-42001-2023",
             "/frameworks/nist-ai-rmf-1.0/provisions",
             "/frameworks/nist-ai-rmf-1.0/provisions/GOVERN%204.3",
             "/provisions?iri=https://w3id.org/aimsgraph/eli/reg/2016/679/art_35",
             "/mappings", "/coverage?have=iso42001&want=aiact&all=true", "/systems",
             "/systems/credit-scoring", "/validation", "/soa", "/changes",
             "/impact?changeset=eu-ai-act-digital-omnibus-2025", "/leverage", "/ims/backbone",
             "/ims/soa", "/ims/evidence", "/ims/checklist", "/queries"]


@pytest.fixture(scope="module")
def client(org_store) -> TestClient:
    return TestClient(create_app(ServerSettings(), org_store), base_url=LOCAL)


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(openapi_json())


def values(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from values(value)
    elif isinstance(node, list):
        for item in node:
            yield from values(item)


# -- typed values ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", RESOURCES)
def test_absent_is_null_never_blank_and_links_are_encoded(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    for key, value in values(response.json()):
        assert value != "", (path, key)
        if key in ("href", "provisions") and isinstance(value, str):
            assert not re.search(r"[\s<>\"]", value), (path, value)


def test_numbers_are_numbers(client) -> None:
    provision = client.get("/frameworks/iso42001/provisions/A.6.2.4").json()
    assert all(isinstance(m["confidence"], float) for m in provision["mappings"])
    mappings = client.get("/mappings", params={"limit": 50}).json()["items"]
    assert all(isinstance(m["confidence"], float) for m in mappings if m["confidence"])
    evidence = client.get("/ims/evidence").json()["items"]
    assert all(isinstance(e["frameworks"], int) for e in evidence)
    settings = client.get("/coverage", params={"have": "iso42001", "want": "aiact"}).json()
    assert settings["settings"]["minConfidence"] == 0.6
    assert client.get("/soa").json()["items"][0]["applicable"] is True


def test_a_link_with_a_space_is_percent_encoded(client) -> None:
    govern = client.get("/frameworks/nist-ai-rmf-1.0/provisions/GOVERN%204").json()
    hrefs = [c["href"] for c in govern["children"]]
    assert hrefs and all("GOVERN%204." in h for h in hrefs)
    assert client.get(hrefs[0].removeprefix("http://localhost")).status_code == 200


# -- pages ---------------------------------------------------------------------------------------

def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


@pytest.mark.parametrize("path", ["/mappings", "/systems", "/validation", "/soa", "/impact",
                                  "/ims/soa", "/ims/evidence", "/coverage"])
def test_lists_that_grow_are_paged_with_link_headers(client, path) -> None:
    params = {"impact": {"changeset": "eu-ai-act-digital-omnibus-2025"},
              "coverage": {"have": "iso42001", "want": "aiact"}}.get(path.strip("/"), {})
    key = "impacts" if path == "/impact" else "items"
    whole = client.get(path, params={**params, "limit": 5000}).json()
    total = whole["total"]
    assert total == len(whole[key]) > 1
    first = client.get(path, params={**params, "limit": 1})
    assert first.headers["x-total-count"] == str(total)
    assert first.json()["total"] == total and len(first.json()[key]) == 1
    links = _links(first.headers["link"])
    assert set(links) == {"first", "next", "last"}
    second = client.get(links["next"].removeprefix("http://localhost"))
    assert second.json()["offset"] == 1 and second.json()[key][0] == whole[key][1]
    last = client.get(links["last"].removeprefix("http://localhost"))
    assert last.json()[key] == whole[key][-1:]
    assert set(_links(last.headers["link"])) == {"first", "prev", "last"}
    assert client.get(path, params={**params, "limit": 0}).status_code == 422


# -- problems ------------------------------------------------------------------------------------

def test_the_documented_422_is_the_one_sent(client, document) -> None:
    response = client.get("/validation", params={"limit": "many", "offset": -1})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"limit", "offset"}
    documented = document["paths"]["/validation"]["get"]["responses"]["422"]
    assert documented["content"][PROBLEM]["schema"]["$ref"] == "#/components/schemas/Problem"
    assert set(body) <= set(document["components"]["schemas"]["Problem"]["properties"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_operation_documents_its_problems(document) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = {s for s in operation["responses"] if s[0] in "45"}
            assert {"400", "504"} <= statuses, (method, path)
            for status in statuses:
                content = operation["responses"][status]["content"]
                assert list(content) == [PROBLEM], (method, path, status)
    responses = document["paths"]["/sparql"]["post"]["responses"]
    assert {"401", "403", "413", "415", "503"} <= set(responses)
    assert "404" in document["paths"]["/systems/{system}"]["get"]["responses"]
    assert "409" in document["paths"]["/validation"]["get"]["responses"]


def test_operation_ids_are_the_route_names_and_unique(document) -> None:
    ids = [operation["operationId"] for operations in document["paths"].values()
           for operation in operations.values()]
    assert len(ids) == len(set(ids))
    assert {"get_system", "list_mappings", "sparql_post"} <= set(ids)


def test_sparql_request_bodies_and_the_bearer_scheme(document) -> None:
    post = document["paths"]["/sparql"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "application/sparql-query",
        "application/sparql-update"}
    assert post["security"] == [{}, {"bearer": []}]  # a query may be anonymous, an update not
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"],
        "type": "http", "scheme": "bearer"}
    assert document["paths"]["/history"]["get"]["security"] == [{"bearer": []}]


def test_every_json_answer_and_body_names_its_model(document) -> None:
    """New routes follow the convention: a model per JSON answer and JSON request body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if status[0] != "2" or schema is None or path.startswith(("/sparql",
                                                                          "/queries/")):
                    continue
                assert schema.get("$ref") or schema.get("items", {}).get("$ref") \
                    or schema.get("items", {}).get("type") == "string", (method, path)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                assert "$ref" in body["schema"], (method, path)


# -- HTTP caching, HEAD, compression -------------------------------------------------------

@pytest.mark.parametrize("path", ["/frameworks", "/systems/credit-scoring", "/soa",
                                  "/queries/frameworks", "/"])
def test_conditional_get_answers_304(client, path) -> None:
    client.get(path)  # a page's first visit opens the session (its forms' CSRF token)
    first = client.get(path)
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_the_tag_follows_the_representation_and_the_data() -> None:
    store = GraphStore()
    writable = TestClient(create_app(ServerSettings(users_file=USERS), store), base_url=LOCAL)
    tag = writable.get("/frameworks").headers["etag"]
    csv = writable.get("/queries/frameworks", headers={"Accept": "text/csv"}).headers["etag"]
    json_tag = writable.get("/queries/frameworks").headers["etag"]
    assert csv != json_tag
    assert writable.post("/sparql", content="INSERT DATA { <urn:x:a> <urn:x:b> 1 }", headers={
        "Content-Type": "application/sparql-update",
        "Authorization": f"Bearer {TOKEN}"}).status_code == 204
    after = writable.get("/frameworks", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert "etag" not in writable.get("/sparql", params={"query": "ASK {}"}).headers


def test_a_remote_store_is_tagged_by_content() -> None:
    class Remote:
        remote = True
        generation = 0

    body = {"text": "one"}
    app = FastAPI()
    app.state.store = Remote()
    app.add_api_route("/x", lambda: PlainTextResponse(body["text"]))
    client = TestClient(ConditionalGet(app))
    tag = client.get("/x").headers["etag"]
    assert client.get("/x", headers={"If-None-Match": tag}).status_code == 304
    body["text"] = "two"  # the store changed behind the service's back
    changed = client.get("/x", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.text == "two"


@pytest.mark.parametrize("path", ["/frameworks", "/validation", "/soa", "/ui/systems",
                                  "/sparql"])
def test_head_wherever_get(client, path) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_middleware_sends_no_body() -> None:
    app = FastAPI()
    app.add_api_route("/x", lambda: PlainTextResponse("body"))
    head = TestClient(HeadAsGet(app)).head("/x")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] \
        == "4"


def test_large_answers_are_gzipped(client) -> None:
    raw = client.get("/mappings", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    plain = client.get("/mappings", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert raw.json() == plain.json()
    small = client.get("/changes", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"
    with client.stream("GET", "/sparql", params={"query": query},
                       headers={"Accept": "text/csv", "Accept-Encoding": "gzip"}) as sparql:
        assert sparql.headers["content-encoding"] == "gzip"
        body = gzip.decompress(b"".join(sparql.iter_raw()))
    assert len(body.decode().strip().splitlines()) == 2001


def test_an_answer_outside_its_model_is_a_problem_not_a_traceback() -> None:
    from aimsgraph.server import problems
    from aimsgraph.server.models import Framework

    app = FastAPI()
    problems.install(app)
    app.add_api_route("/x", lambda: {"id": "x"}, response_model=Framework)
    response = TestClient(app, raise_server_exceptions=False).get("/x")
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("contract-violation")
    assert "iri" in response.json()["detail"]


def _operation(document: dict, path: str) -> dict:
    """The GET operation serving ``path`` (templated segments match any value)."""
    bare = path.split("?")[0].replace("%20", " ")
    for template, operations in document["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template.replace("{notation}", ".+"))
        if re.fullmatch(pattern, bare) and "get" in operations:
            return operations["get"]
    raise AssertionError(f"no operation for {path}")


@pytest.mark.parametrize("path", RESOURCES)
def test_each_answer_validates_against_its_documented_schema(client, document, path) -> None:
    """Schemathesis mostly reaches the 404s of made-up ids; this checks the real answers about
    the sample organization against the committed contract."""
    from jsonschema import Draft202012Validator

    operation = _operation(document, path)
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(client.get(path).json())]
    assert not errors, errors[:5]


def test_page_links_use_the_public_address(org_store) -> None:
    behind = TestClient(create_app(ServerSettings(base_url="https://aims.example.org/graph"),
                                   org_store), base_url=LOCAL)
    response = behind.get("/systems", params={"limit": 1, "as_enacted": "true"})
    links = _links(response.headers["link"])
    assert links["next"] == ("https://aims.example.org/graph/systems?as_enacted=true&offset=1"
                             "&limit=1")
    assert response.json()["items"][0]["href"].startswith("https://aims.example.org/graph/")
