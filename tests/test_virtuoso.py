"""The same library, CLI and service on OpenLink Virtuoso (Debian's ``virtuoso-opensource``),
started on loopback with a throwaway database and reached through its authenticated endpoints
(``/sparql-auth`` and ``/sparql-graph-crud-auth``, HTTP Digest), as tests/test_stores.py does for
Oxigraph server: every named query, the validation findings, the classification, an impact run
and the service's main endpoints answer as the embedded store does.

Without Virtuoso the tests skip, unless AIMSGRAPH_REQUIRE_VIRTUOSO=1 (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore, history, open_store
from aimsgraph.errors import StoreError
from aimsgraph.history import PROTECTED_GRAPHS
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.store import MANIFEST_GRAPH

from .conftest import LOCAL
from .test_cli import COMMAND
from .test_stores import SAMPLE, answers, assert_same_findings_classes_and_impact, trail_size
from .virtuoso import Virtuoso, require, running_virtuoso

REASON = require()
pytestmark = pytest.mark.skipif(bool(REASON), reason=REASON or "Virtuoso available")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="module")
def env(virtuoso: Virtuoso) -> Iterator[dict[str, str]]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in virtuoso.env.items():
            patch.setenv(name, value)
        yield virtuoso.env


@pytest.fixture(scope="module")
def embedded() -> GraphStore:
    return open_store([SAMPLE])


@pytest.fixture(scope="module")
def remote(virtuoso: Virtuoso, env) -> GraphStore:  # type: ignore[no-untyped-def]
    return open_store([SAMPLE], store=virtuoso.url)


def test_the_store_holds_what_the_embedded_store_holds(embedded, remote) -> None:
    assert {s.graph for s in remote.sources} == {s.graph for s in embedded.sources}
    manifest = 4 * len(embedded.sources)  # path, kind, sha256, loaded per source
    trail = trail_size(remote)  # the loads' entries (Virtuoso 7.2 once wrote none: see history)
    assert trail > 0 and history.verify(remote) == []
    # Virtuoso's own graphs are not counted
    assert len(remote) == len(embedded) + manifest + trail
    assert not any("openlinksw" in g for g in remote._engine.graphs())


def test_every_named_query_gives_the_same_rows(embedded, remote) -> None:
    local, far = answers(embedded), answers(remote)
    manifest = (MANIFEST_GRAPH, str(4 * len(embedded.sources)))
    assert manifest in far["graph-sizes"]
    far["graph-sizes"].remove(manifest)
    far["graph-sizes"] = [row for row in far["graph-sizes"] if row[0] not in PROTECTED_GRAPHS]
    assert local.keys() == far.keys()
    for name in local:
        assert far[name] == local[name], name
    assert sum(len(rows) for rows in local.values()) > 5000


def test_validation_classification_and_impact_are_identical(embedded, remote) -> None:
    assert_same_findings_classes_and_impact(remote, embedded)


def test_a_second_process_loads_nothing_again(virtuoso, remote) -> None:
    loaded: list[str] = []
    again = open_store([SAMPLE], store=virtuoso.url,
                       progress=lambda i, n, source: loaded.append(source.graph))
    assert loaded == []
    assert len(again) == len(remote)


@pytest.mark.parametrize("path", ["/systems", "/frameworks", "/soa", "/validation",
                                  "/systems/credit-scoring"])
def test_the_service_answers_as_on_the_embedded_store(embedded, remote, path) -> None:
    bodies = []
    for store in (embedded, remote):
        client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.text
        body = response.json()
        if isinstance(body, dict):
            body.pop("readAt", None)
        bodies.append(_unordered(body))
    assert bodies[0] == bodies[1]


def _unordered(value: object) -> object:
    """Lists in a canonical order: engines may order ties differently, and GROUP_CONCAT's order
    is left to the engine by SPARQL."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, str) and re.fullmatch(r"n[0-9a-f]{32}b\d+", value):
        return "(a blank node)"  # a property shape's id: new on every parse of the shapes
    if isinstance(value, str) and "; " in value:  # "; "-joined GROUP_CONCAT values
        return "; ".join(sorted(value.split("; ")))
    if isinstance(value, str) and " " in value and all(
            part.startswith("http") for part in value.split(" ")):  # space-joined IRIs
        return " ".join(sorted(value.split(" ")))
    return value


def test_the_sparql_endpoint_answers_as_on_the_embedded_store(embedded, remote) -> None:
    query = "SELECT ?s ?p WHERE { ?s a aims:AISystem ; aims:processesPersonalData ?p } ORDER BY ?s"
    bodies = []
    for store in (embedded, remote):
        client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert response.status_code == 200
        bodies.append(response.text)
    assert bodies[0] == bodies[1]
    assert "true" in bodies[0] and bodies[0].count("\n") == 7


def test_wrong_credentials_are_a_clear_error(virtuoso, env, monkeypatch) -> None:
    monkeypatch.setenv("AIMSGRAPH_STORE_PASSWORD", "wrong")
    with pytest.raises(StoreError, match="refused the credentials"):
        GraphStore.open(virtuoso.url)


def test_cli_commands_run_on_virtuoso(virtuoso, remote) -> None:
    result = subprocess.run([*COMMAND, "query", "ai-systems", "--store", virtuoso.url, "--data",
                             str(SAMPLE), "--format", "csv"], capture_output=True, text=True,
                            env={**os.environ, **virtuoso.env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 7


def test_the_service_says_the_store_is_gone_and_recovers_when_it_is_back(
        tmp_path, monkeypatch) -> None:
    """A Virtuoso of its own, stopped and started again on the same ports and database."""
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n")
    query = {"query": "SELECT ?o WHERE { ?s <https://example.org/b> ?o }"}
    with running_virtuoso(tmp_path / "db") as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        store = open_store([data], shipped=False, store=server.url)
        client = TestClient(create_app(ServerSettings(query_timeout=5.0), store),
                            base_url=LOCAL)
        assert client.get("/sparql", params=query).status_code == 200
        ports = (server.http_port, server.sql_port)
    response = client.get("/sparql", params=query)  # the server is stopped
    assert response.status_code == 502, response.text
    problem = response.json()
    assert problem["type"].endswith("/store-unavailable")
    assert f"cannot reach the store at {server.url}" in problem["detail"]
    result = subprocess.run([*COMMAND, "query", "frameworks", "--store", server.url],
                            capture_output=True, text=True, env={**os.environ, **server.env})
    assert result.returncode == 2
    assert server.url in result.stderr and "Traceback" not in result.stderr
    with running_virtuoso(tmp_path / "db", ports=ports):
        response = client.get("/sparql", params=query, headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.text
        assert "https://example.org/c" in response.text


def test_an_answer_cut_at_the_result_cap_is_an_error_naming_the_store(tmp_path,
                                                                       monkeypatch) -> None:
    """Virtuoso cuts answers at ResultSetMaxRows (10,000 by default) and says so only in a
    header: a cut answer is a store error, never taken for the whole answer."""
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\n"
                    + "".join(f"ex:s{i} ex:p {i} .\n" for i in range(30)))
    with running_virtuoso(tmp_path / "db", max_rows=20) as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        store = open_store([data], shipped=False, store=server.url)
        assert len(store.query("SELECT ?s WHERE { ?s <https://example.org/p> ?o } LIMIT 5")
                   .rows) == 5
        with pytest.raises(StoreError, match=r"cut its answer at 20 rows") as caught:
            store.query("SELECT ?s WHERE { ?s <https://example.org/p> ?o }")
        assert server.url in str(caught.value)
        client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
        response = client.get("/sparql", params={
            "query": "SELECT ?s WHERE { ?s <https://example.org/p> ?o }"})
        assert response.status_code == 502
        assert "cut its answer at 20 rows" in response.json()["detail"]


def test_backup_wipe_restore_gives_the_same_answers(tmp_path, monkeypatch) -> None:
    """docs/deploy.md's recipe: checkpoint, stop, copy virtuoso.db; wipe; put it back; start."""
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\n"
                    + "".join(f"ex:s{i} ex:p {i} .\n" for i in range(50)))
    query = "SELECT ?s ?o WHERE { ?s <https://example.org/p> ?o } ORDER BY ?o"
    database, backup = tmp_path / "db", tmp_path / "backup"
    with running_virtuoso(database) as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        store = open_store([data], shipped=False, store=server.url)
        before = (len(store), [tuple(t.value for t in row) for row in store.query(query).rows],
                  sorted(s.graph for s in store.sources))
    # stopped after a checkpoint: the database file is the backup (and the password beside it)
    backup.mkdir()
    for name in ("virtuoso.db", "dba-password"):
        shutil.copy2(database / name, backup / name)
    shutil.rmtree(database)
    database.mkdir()
    for name in ("virtuoso.db", "dba-password"):
        shutil.copy2(backup / name, database / name)
    with running_virtuoso(database) as server:
        restored = GraphStore.open(server.url)
        after = (len(restored),
                 [tuple(t.value for t in row) for row in restored.query(query).rows],
                 sorted(s.graph for s in restored.sources))
    assert after == before
    assert len(before[1]) == 50
