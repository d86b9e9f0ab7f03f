"""The hostile and harmless SPARQL corpus (tests/sparql_corpus/) end to end: every route client
SPARQL enters by (/sparql by GET, POST and form, updates with the token, /ui/sparql, `aimsgraph
query FILE`), with a loopback listener that must receive no connection, and a real server that
must survive the deep-nesting repro of issue 12."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore
from aimsgraph.cli import main
from aimsgraph.server import ServerSettings, create_app

from .conftest import LOCAL, admin_users, free_port, running_server
from .test_cli import COMMAND

CORPUS = Path(__file__).parent / "sparql_corpus"
HOSTILE = sorted((CORPUS / "hostile").iterdir())
HARMLESS = sorted((CORPUS / "harmless").iterdir())
USERS, TOKEN = admin_users()
QUERY, UPDATE = "application/sparql-query", "application/sparql-update"


def deep(kind: str, n: int) -> str:
    """The nesting that kills the engine's parser (issue 12), ``n`` levels of it."""
    return {
        "braces": "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
        "parens": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }",
        "brackets": "SELECT * WHERE { ?s ?p " + "[ <http://e/p> " * n + "?o" + " ]" * n + " }",
        "collections": "SELECT * WHERE { ?s ?p " + "( " * n + "?o" + " )" * n + " }",
        "subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + " }" * n,
        "exists": "SELECT * WHERE { ?s ?p ?o " + "FILTER EXISTS { " * n + "?s ?p ?o" + " }" * n
                  + " }",
        "concat": "SELECT * WHERE { ?s ?p ?o FILTER(" + "CONCAT(" * n + "?o" + ")" * n + ") }",
        "or-chain": "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o"] * n) + ") }",
        "union-chain": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
        "not-chain": "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * n + "?o) }",
        "filter-chain": "SELECT * WHERE { ?s ?p ?o " + " FILTER(?o)" * n + " }",
        "parens-in-fake-iri": "SELECT * WHERE { ?s ?p ?o FILTER(?o<" + "(" * n + "1" + ")" * n
                              + ">?s) }",
        "and-chain-in-fake-iri": "SELECT * WHERE { ?s ?p ?o FILTER(?o<?s" + "&&?s" * n + ">?p) }",
        "update-braces": "INSERT { ?s ?p ?o } WHERE " + "{" * n + " ?s ?p ?o " + "}" * n,
    }[kind]


#: (kind, levels): past the guard's limits, each at or near where the engine crashes
DEEP = [("braces", 3000), ("parens", 5000), ("braces", 65), ("parens", 65), ("brackets", 65),
        ("collections", 65), ("subqueries", 100), ("exists", 900), ("concat", 1000),
        ("or-chain", 10_000), ("union-chain", 7000), ("not-chain", 9500),
        ("filter-chain", 9500), ("parens-in-fake-iri", 5000), ("and-chain-in-fake-iri", 9500),
        ("update-braces", 3000)]


class Listener:
    """A TCP listener on loopback that counts the connections it accepts."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def text_of(path: Path, listener: Listener) -> str:
    return path.read_text(encoding="utf-8").replace("LISTENER_PORT", str(listener.port))


@pytest.fixture(scope="module")
def client(org_store) -> TestClient:
    return TestClient(create_app(ServerSettings(max_rows=5000), org_store), base_url=LOCAL)


@pytest.fixture
def writable() -> TestClient:
    return TestClient(create_app(ServerSettings(users_file=USERS), GraphStore()),
                      base_url=LOCAL)


def query_routes(client: TestClient, text: str) -> dict[str, int]:
    """The status of ``text`` sent as a query every way a client can send one (by GET only
    when it fits in a URL)."""
    statuses = {
        "POST query": client.post("/sparql", content=text.encode(),
                                  headers={"Content-Type": QUERY}).status_code,
        "POST form": client.post("/sparql", data={"query": text}).status_code,
    }
    if len(urllib.parse.quote(text)) < 60_000:
        statuses |= {
            "GET /sparql": client.get("/sparql", params={"query": text}).status_code,
            "GET /ui/sparql": client.get("/ui/sparql", params={"query": text}).status_code,
            "GET /ui/sparql/download": client.get("/ui/sparql/download", params={
                "query": text, "format": "json"}).status_code,
        }
    return statuses


def update_routes(client: TestClient, text: str) -> dict[str, int]:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    return {
        "POST update": client.post("/sparql", content=text.encode(),
                                   headers={"Content-Type": UPDATE, **auth}).status_code,
        "POST form update": client.post("/sparql", data={"update": text},
                                        headers=auth).status_code,
    }


def test_the_corpus_is_large_enough() -> None:
    assert len(HOSTILE) + len(DEEP) >= 40 and len(HARMLESS) >= 20


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: p.name)
def test_hostile_is_refused_on_every_route_and_nothing_connects(path, client, writable,
                                                                listener) -> None:
    text = text_of(path, listener)
    before = listener.accepted
    statuses = update_routes(writable, text) if path.suffix == ".ru" else \
        query_routes(client, text)
    assert set(statuses.values()) == {403}, statuses
    if path.suffix == ".rq":
        problem = client.get("/sparql", params={"query": text}).json()
        assert problem["type"].endswith("/remote-access-refused")
        assert "not allowed" in problem["detail"]
    assert listener.accepted == before


@pytest.mark.parametrize(("kind", "levels"), DEEP, ids=[f"{k}-{n}" for k, n in DEEP])
def test_too_deep_is_400_before_the_engine_parses(kind, levels, client, writable) -> None:
    text = deep(kind, levels)
    if kind.startswith("update"):
        statuses = update_routes(writable, text)
    else:
        statuses = query_routes(client, text)
        problem = client.post("/sparql", content=text.encode(),
                              headers={"Content-Type": QUERY}).json()
        assert problem["type"].rsplit("/", 1)[1] in ("query-too-deep", "query-too-large")
    assert set(statuses.values()) == {400}, statuses


@pytest.mark.parametrize("path", HARMLESS, ids=lambda p: p.name)
def test_harmless_look_alikes_run(path, client, writable) -> None:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ru":
        assert set(update_routes(writable, text).values()) == {204}
        return
    statuses = query_routes(client, text)
    assert set(statuses.values()) == {200}, statuses


def test_the_listener_would_see_an_unguarded_engine(listener) -> None:
    """Without the guard, the engine does reach the listener: the zero above means something."""
    before = listener.accepted
    reached = 0
    for path in HOSTILE:
        text = text_of(path, listener)
        store = ox.Store()
        with contextlib.suppress(SyntaxError, OSError, RuntimeError):
            if path.suffix == ".ru":
                store.update(text)
            else:
                result = store.query(text)
                if not isinstance(result, ox.QueryBoolean):
                    list(result)
        reached += listener.accepted > before
        before = listener.accepted
    assert reached >= 40  # the rest: \u-escaped keywords and unbound variable targets


# -- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [p for p in HOSTILE if p.suffix == ".rq"], ids=lambda p: p.name)
def test_cli_query_refuses_hostile_files(path, tmp_path, listener, capsys) -> None:
    file = tmp_path / path.name
    file.write_text(text_of(path, listener), encoding="utf-8")
    before = listener.accepted
    assert main(["query", str(file)]) == 2
    error = capsys.readouterr().err
    assert str(file) in error and "not allowed" in error
    assert listener.accepted == before


@pytest.mark.parametrize(("kind", "levels"), [("braces", 3000), ("parens", 5000)])
def test_cli_query_refuses_the_deep_repro_without_crashing(kind, levels, tmp_path) -> None:
    file = tmp_path / "n.rq"
    file.write_text(deep(kind, levels))
    done = subprocess.run([*COMMAND, "query", str(file)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2, done.stderr
    assert f"{file}:1:" in done.stderr and "deep" in done.stderr


def test_cli_query_runs_a_harmless_look_alike(tmp_path, capsys) -> None:
    file = tmp_path / "ok.rq"
    file.write_text((CORPUS / "harmless" / "variable-named-service.rq").read_text())
    assert main(["query", str(file), "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("service")


# -- a real server process: a crash would kill it ------------------------------------------


def test_live_server_answers_the_deep_repro_with_400_and_keeps_serving(tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([*COMMAND, "serve", "--port", str(port), "--no-example"],
                        f"{url}/queries", tmp_path / "server.log"):
        for path, text in [("/sparql", deep("braces", 3000)), ("/ui/sparql", deep("braces", 3000)),
                           ("/sparql", deep("parens", 5000))]:
            query = urllib.parse.urlencode({"query": text})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}{path}?{query}", timeout=30)
            assert refused.value.code == 400
        request = urllib.request.Request(f"{url}/sparql", data=deep("parens", 5000).encode(),
                                         headers={"Content-Type": QUERY})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        with urllib.request.urlopen(f"{url}/queries", timeout=30) as still:
            assert still.status == 200

