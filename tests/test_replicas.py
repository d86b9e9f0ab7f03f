"""Replicas that agree: two services over one `oxigraph serve`; a write through one is seen
through the other at once (its caches are keyed by the store's generation marker, which every
write's trail entry moves on), and the audit trail is one chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore, history, open_store
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.users import UserFile

from .conftest import LOCAL, ROOT
from .test_stores import oxigraph_server

LINE = "https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-6-2-4"
SYSTEM = "https://w3id.org/aimsgraph/org/acme-lending/system/credit-scoring"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-replicas")) as url:
        open_store([ROOT / "examples" / "acme-lending"], store=url)  # loaded once
        yield url


@pytest.fixture(scope="module")
def replicas(server: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    users = UserFile(tmp_path_factory.mktemp("users") / "users.json")  # shared, like the store
    token = users.add("ops", "admin")
    auditor = users.add("audit", "auditor")
    settings = ServerSettings(users_file=users.path)
    one = TestClient(create_app(settings, open_store([ROOT / "examples" / "acme-lending"],
                                                    store=server)), base_url=LOCAL)
    two = TestClient(create_app(settings, open_store([ROOT / "examples" / "acme-lending"],
                                                    store=server)), base_url=LOCAL)
    return one, two, token, auditor


def status(client: TestClient) -> str:
    rows = client.get("/soa").json()["items"]
    return next(r["status"] for r in rows if r["control"] == "A.6.2.4"
                and r["justification"].startswith("Models are validated independently"))


def set_status(client: TestClient, token: str, value: str) -> None:
    update = (f"DELETE {{ GRAPH ?g {{ <{LINE}> aims:status ?s }} }} INSERT {{ GRAPH ?g {{ "
              f"<{LINE}> aims:status aims:{value} }} }} WHERE {{ GRAPH ?g {{ <{LINE}> "
              "aims:status ?s } }")
    response = client.post("/sparql", content=update, params={"message": f"to {value}"},
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/sparql-update"})
    assert response.status_code == 204, response.text


def test_a_write_through_one_replica_is_seen_through_the_other_at_once(replicas) -> None:
    one, two, token, auditor = replicas
    before = two.get("/validation").json()
    assert status(one) == status(two) == "implemented"  # both have cached their answers
    set_status(one, token, "Planned")
    assert status(two) == "planned"  # no wait, no restart
    after = two.get("/validation").json()
    assert after["items"] != before["items"] or after["violations"] != before["violations"] \
        or after["warnings"] != before["warnings"] or after["readAt"] != before["readAt"]
    set_status(two, token, "Implemented")
    assert status(one) == "implemented"
    def findings(body: dict) -> list[tuple[str, str, str]]:  # shapes are blank nodes
        return [(f["severity"], f["location"], f["message"]) for f in body["items"]]

    assert findings(two.get("/validation").json()) == findings(before)
    # one chain, whichever replica wrote
    trail = one.get("/history", headers={"Authorization": f"Bearer {auditor}"}).json()
    updates = [e for e in trail["items"] if e["kind"] == "sparql-update"]
    assert [e["message"] for e in updates][-2:] == ["to Planned", "to Implemented"]
    assert two.get("/history/verify",
                   headers={"Authorization": f"Bearer {auditor}"}).json()["intact"]


def test_viewers_of_a_remote_store_do_not_see_the_history(replicas, server: str) -> None:
    one, _, _, auditor = replicas
    query = "SELECT ?a WHERE { ?a a prov:Activity }"
    anonymous = one.get("/sparql", params={"query": query}).json()
    assert anonymous["results"]["bindings"] == []
    trail = one.get("/sparql", params={"query": query},
                    headers={"Authorization": f"Bearer {auditor}"}).json()
    assert trail["results"]["bindings"]
    from_clause = one.get("/sparql", params={
        "query": f"SELECT ?a FROM <{history.HISTORY_GRAPH}> WHERE {{ ?a a prov:Activity }}"})
    assert from_clause.status_code in (200, 400)  # overridden by the dataset, or refused
    if from_clause.status_code == 200:
        assert from_clause.json()["results"]["bindings"] == []
    assert history.verify(GraphStore.open(server)) == []
