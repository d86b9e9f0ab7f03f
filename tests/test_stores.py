"""The same library, CLI and service on every store: in memory, in a folder, and on a real remote
SPARQL 1.1 server (Oxigraph's `oxigraph serve`, installed by the test extra, started on loopback).

Each remote test compares with the embedded store loaded from the same files: the named queries,
the validation findings, the classification and a change impact must be identical.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore, RDFSyntaxError, history, open_store
from aimsgraph.changes import load_change_set, what_if
from aimsgraph.classification import classify
from aimsgraph.errors import StoreError
from aimsgraph.history import PROTECTED_GRAPHS
from aimsgraph.impact import impact
from aimsgraph.queries import QueryCatalog
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.store import MANIFEST_GRAPH, Source
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT, admin_users, free_port, running_server
from .test_cli import COMMAND

SAMPLE = ROOT / "examples" / "acme-lending"
AS_OF = date(2026, 11, 27)
#: parameter values with answers in the sample organization
VALUES = {"notation": "A.6.2.4", "text": "impact assessment",
          "role": "https://w3id.org/dpv/legal/eu/aiact#AIDeployer"}


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.fail("the Oxigraph server is not installed: `pip install -e .[test]` installs it")
    return found


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """A real `oxigraph serve` on loopback with its data in ``folder`` (its log beside it); the
    block gets its URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([oxigraph_binary(), "serve", "--location", str(folder), "--bind",
                         f"127.0.0.1:{port}"], url + "/query?query=ASK%7B%7D",
                        folder.parent / f"{folder.name}.log"):
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server on loopback, with its data in a fresh folder."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="module")
def embedded() -> GraphStore:
    return open_store([SAMPLE])


@pytest.fixture(scope="module")
def remote(server: str) -> GraphStore:
    return open_store([SAMPLE], store=server)


@pytest.fixture(scope="module")
def remote_answers(remote: GraphStore) -> dict[str, list[tuple[str | None, ...]]]:
    return answers(remote)


def trail_size(store: GraphStore) -> int:
    """Quads of the audit trail (history and state graphs) a persistent store holds."""
    graphs = " ".join(f"<{g}>" for g in PROTECTED_GRAPHS)
    return int(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g "
                           "{ ?s ?p ?o } }").rows[0][0].value)


def answers(store: GraphStore) -> dict[str, list[tuple[str | None, ...]]]:
    """Every named query's rows as lexical values, sorted (engines may order ties differently),
    with GROUP_CONCAT values as sorted sets (SPARQL leaves their order to the engine)."""
    result = {}
    for named in QueryCatalog():
        values = {p.name: VALUES.get(p.name, p.default or "") for p in named.parameters}
        answer = named.run(store, values)
        separators = {name: sep or " " for sep, name in re.findall(
            r'GROUP_CONCAT\((?:[^;)]|\([^)]*\))*(?:;\s*separator\s*=\s*"([^"]*)")?\)\s+AS\s+'
            r"\?(\w+)", named.text)}
        for inner, outer in re.findall(r"SAMPLE\(\?(\w+)\)\s+AS\s+\?(\w+)", named.text):
            if inner in separators:
                separators[outer] = separators[inner]
        cuts = [separators.get(name) for name in answer.variables]
        result[named.name] = sorted(
            tuple(None if term is None else term.value if cut is None
                  else cut.join(sorted(term.value.split(cut)))
                  for term, cut in zip(row, cuts, strict=True))
            for row in answer.rows)
    return result


def test_remote_store_holds_what_the_embedded_store_holds(embedded, remote) -> None:
    manifest = sum(1 for _ in remote.query(
        "SELECT * WHERE { GRAPH <https://w3id.org/aimsgraph/graph/manifest> { ?s ?p ?o } }").rows)
    assert manifest == 4 * len(embedded.sources)  # path, kind, sha256, loaded per source
    trail = trail_size(remote)  # the loads' entries
    assert trail > 0 and history.verify(remote) == []
    assert len(remote) == len(embedded) + manifest + trail
    assert {s.graph for s in remote.sources} == {s.graph for s in embedded.sources}


def test_every_named_query_gives_the_same_rows(embedded, remote_answers) -> None:
    local, far = answers(embedded), dict(remote_answers)
    far["graph-sizes"] = list(far["graph-sizes"])
    # the one difference by design: a persistent store lists what it holds in a manifest graph
    # (path, kind, sha256 and load time of each source)
    manifest = (MANIFEST_GRAPH, str(4 * len(embedded.sources)))
    assert manifest in far["graph-sizes"]
    far["graph-sizes"].remove(manifest)
    # and an audit trail of its loads (history, state)
    far["graph-sizes"] = [row for row in far["graph-sizes"] if row[0] not in PROTECTED_GRAPHS]
    assert local.keys() == far.keys()
    for name in local:
        assert far[name] == local[name], name
    assert sum(len(rows) for rows in local.values()) > 5000  # the comparison compares something


def test_validation_classification_and_impact_are_identical(embedded, remote) -> None:
    assert_same_findings_classes_and_impact(remote, embedded)


def assert_same_findings_classes_and_impact(remote: GraphStore, embedded: GraphStore) -> None:
    """The sample's validation findings, AI Act classification and Omnibus impact are the same
    on ``remote`` as on the embedded store (any store: Oxigraph server, Virtuoso)."""
    found = validate(remote, as_of=AS_OF)
    expected = validate(embedded, as_of=AS_OF)
    assert [(f.severity, f.location, f.message) for f in found] == \
        [(f.severity, f.location, f.message) for f in expected]
    assert sum(f.severity == "Violation" for f in found) == 10  # the sample's deliberate gaps

    def classes(store: GraphStore) -> list[tuple[str, list[str], list[str], int]]:
        return sorted((c.system.iri, c.classes, c.risk_levels, len(c.obligations))
                      for c in classify(store, AS_OF))

    assert classes(remote) == classes(embedded)

    change_set = ROOT / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"

    def hits(store: GraphStore) -> list[tuple]:
        found = impact(store, load_change_set(change_set, store), AS_OF)
        return sorted((i.item, i.kind, i.owner, i.reasons) for i in found)

    assert hits(remote) == hits(embedded)
    assert len(hits(remote)) > 10


def test_a_second_process_loads_nothing_again(server, remote) -> None:
    loaded: list[str] = []
    again = open_store([SAMPLE], store=server,
                       progress=lambda i, n, source: loaded.append(source.graph))
    assert loaded == []
    assert len(again) == len(remote)


def test_the_portable_protocol_path_gives_the_same_answers(server, remote_answers,
                                                          monkeypatch) -> None:
    # named endpoints instead of an Oxigraph root: every graph is named in each request
    monkeypatch.setenv("AIMSGRAPH_STORE_UPDATE_URL", server + "/update")
    monkeypatch.setenv("AIMSGRAPH_STORE_GSP_URL", server + "/store")
    portable = GraphStore.open(server + "/query")
    assert portable._engine._union_mode() == "explicit"  # the server's default graph is its own
    assert answers(portable) == remote_answers


def test_malformed_turtle_never_reaches_the_server(server, remote, tmp_path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n")
    before = len(remote)
    with pytest.raises(RDFSyntaxError) as caught:
        open_store([SAMPLE, bad], store=server)
    assert caught.value.line == 3
    assert len(GraphStore.open(server)) == before


def test_the_service_runs_on_the_remote_store(embedded, remote) -> None:
    query = "SELECT ?s WHERE { ?s a aims:AISystem } ORDER BY ?s"
    bodies = []
    for store in (embedded, remote):
        client = TestClient(create_app(ServerSettings(), store), base_url=LOCAL)
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert response.status_code == 200
        bodies.append(response.text)
        assert client.get("/systems").status_code == 200
    assert bodies[0] == bodies[1]
    assert bodies[0].count("\n") == 7  # header + six AI systems


def test_updates_go_to_the_server_with_a_token(server) -> None:
    store = GraphStore.open(server)
    users, token = admin_users()
    client = TestClient(create_app(ServerSettings(users_file=users), store), base_url=LOCAL)
    graph = "https://example.org/g/scratch"
    response = client.post("/sparql", content=f"INSERT DATA {{ GRAPH <{graph}> {{ "
                                               "<urn:a> <urn:b> <urn:c> } }",
                           headers={"Content-Type": "application/sparql-update",
                                    "Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert GraphStore.open(server).query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").boolean
    store.update(f"DROP GRAPH <{graph}>")


def test_a_store_that_is_not_there_is_a_clear_error(capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match=r"cannot reach the store at http://127\.0\.0\.1:\d+/query"):
        GraphStore.open(url)
    result = subprocess.run([*COMMAND, "stats", "--store", url], capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot reach" in result.stderr and "Traceback" not in result.stderr


def test_cli_commands_run_on_the_remote_store(server) -> None:
    result = subprocess.run([*COMMAND, "query", "ai-systems", "--store", server, "--data",
                             str(SAMPLE), "--format", "csv"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 7


# -- a store in a folder ------------------------------------------------------------------------


def test_a_folder_store_keeps_the_graph_and_reloads_only_what_changed(tmp_path) -> None:
    folder = tmp_path / "store"
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n")
    loaded: list[str] = []
    first = open_store([data], store=folder, progress=lambda i, n, s: loaded.append(s.graph))
    assert len(loaded) == len(first.sources) > 20
    size = len(first) - trail_size(first)
    del first  # the folder is locked while a store has it open

    loaded.clear()
    second = open_store([data], store=folder, progress=lambda i, n, s: loaded.append(s.graph))
    assert loaded == [] and len(second) - trail_size(second) == size
    del second

    data.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c , ex:d .\n")
    third = open_store([data], store=folder, progress=lambda i, n, s: loaded.append(s.graph))
    assert loaded == ["https://w3id.org/aimsgraph/graph/data/mine"]
    entries = history.entries(third)  # the first load, then this one
    assert len(entries) == 2 and entries[-1].graphs == (
        "https://w3id.org/aimsgraph/graph/data/mine",)
    assert len(third) - trail_size(third) == size + 1
    assert answers(third)["frameworks"] == answers(open_store([data]))["frameworks"]


def test_a_folder_store_with_the_sample_organization_validates_like_memory(tmp_path) -> None:
    folder = tmp_path / "store"
    expected = [(f.severity, f.location, f.message)
                for f in validate(open_store([SAMPLE]), as_of=AS_OF)]
    store = open_store([SAMPLE], store=folder)
    assert [(f.severity, f.location, f.message) for f in validate(store, as_of=AS_OF)] == expected
    del store
    reopened = open_store([SAMPLE], store=folder)  # derived graphs are recomputed, not stale
    assert [(f.severity, f.location, f.message)
            for f in validate(reopened, as_of=AS_OF)] == expected


def test_a_folder_in_use_is_a_clear_error(tmp_path) -> None:
    holder = GraphStore.open(tmp_path / "store")
    with pytest.raises(StoreError, match="cannot open the store folder"):
        GraphStore.open(tmp_path / "store")
    del holder
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        GraphStore.open(tmp_path / "file")


def test_what_if_on_a_remote_store(embedded, remote) -> None:
    def hits(store: GraphStore) -> list[str]:
        return sorted(i.item for i in impact(store, what_if(store, "aiact:Article 10(2)"), AS_OF))

    assert hits(remote) == hits(embedded) != []


def test_derived_graphs_are_not_recorded(remote) -> None:
    remote.replace_quads(Source(Path("derived/x"), "https://w3id.org/aimsgraph/graph/derived/x",
                                "derived"), [])
    assert "https://w3id.org/aimsgraph/graph/derived/x" not in remote._digests


def test_direct_coverage_known_answers_on_a_remote_store(tmp_path) -> None:
    """The parameters are bound by a VALUES block on a remote store: the known answers, not only
    the embedded store's, which shared the error that let other frameworks' mappings count."""
    from .test_queries import KNOWN_DIRECT_COVERAGE, THREE_FRAMEWORKS, direct_coverage_rows

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([oxigraph_binary(), "serve", "--location", str(tmp_path / "db"),
                         "--bind", f"127.0.0.1:{port}"], url + "/query?query=ASK%7B%7D",
                        tmp_path / "oxigraph.log"):
        store = open_store([THREE_FRAMEWORKS], shipped=False, store=url)
        assert direct_coverage_rows(store) == KNOWN_DIRECT_COVERAGE
