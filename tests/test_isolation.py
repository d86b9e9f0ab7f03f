"""Client SPARQL that can be stopped: a real `aimsgraph serve` on loopback with small limits,
watched from outside (CPU and memory of its process tree), and the settings that set the limits.

Every loop here is bounded; no test asserts a wall-clock time."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore
from aimsgraph.errors import StoreError, UsageError
from aimsgraph.isolation import proctree
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.store import Source

from .conftest import LOCAL, ROOT, admin_users, free_port, running_server
from .test_cli import COMMAND

#: CPU only, constant memory: runs for minutes on the sample organization
SPINNER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
#: grows by hundreds of MB a second (the issue's memory hog)
HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f LIMIT 1"
#: the issue's runaway query
RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?f"
#: as long as RUNAWAY, in constant memory (counts the three-way product instead of sorting it)
COUNTER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ORDINARY = ("PREFIX aims: <https://w3id.org/aimsgraph/ontology#> "
            "SELECT ?s WHERE { ?s a aims:AISystem } ORDER BY ?s")
USERS, TOKEN = admin_users()
MEMORY_MB = 250
WORKERS = 2


class Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url, self.pid = url, process.pid

    def get(self, path: str, timeout: float = 120, **params: str) -> tuple[int, bytes]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        request = urllib.request.Request(self.url + path + query,
                                         headers={"Accept": "application/sparql-results+json"})
        return self._send(request, timeout)

    def update(self, text: str, timeout: float = 120) -> tuple[int, bytes]:
        request = urllib.request.Request(
            f"{self.url}/sparql", data=text.encode(), method="POST",
            headers={"Content-Type": "application/sparql-update",
                     "Authorization": f"Bearer {TOKEN}"})
        return self._send(request, timeout)

    @staticmethod
    def _send(request: urllib.request.Request, timeout: float) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def sparql(self, text: str, timeout: float = 120) -> tuple[int, bytes]:
        return self.get("/sparql", timeout, query=text)

    def sparql_from(self, source: str, text: str, timeout: float = 120) -> tuple[int, bytes]:
        """``text`` sent from the loopback address ``source`` (another client)."""
        import http.client

        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                timeout=timeout, source_address=(source, 0))
        try:
            connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def settle(self, bound: int = 8) -> float:
        """The tree's CPU share, once it is under a tenth of a core or after ``bound`` looks
        of a second."""
        share = 1.0
        for _ in range(bound):
            share = proctree.cpu_share(self.pid, 1.0)
            if share < 0.1:
                break
        return share


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*COMMAND, "serve", "--port", str(port), "--data",
               str(ROOT / "examples" / "acme-lending"), "--query-timeout", "4",
               "--workers", str(WORKERS), "--query-memory", str(MEMORY_MB), "--queue-wait", "120",
               "--users", str(USERS)]
    with running_server(command, f"{url}/queries",
                        tmp_path_factory.mktemp("isolation") / "server.log") as process:
        yield Server(url, process)


def problem_type(body: bytes) -> str:
    return json.loads(body)["type"].rsplit("/", 1)[-1]


def test_a_timed_out_query_stops_using_the_cpu(server: Server) -> None:
    status, body = server.sparql(SPINNER)
    assert (status, problem_type(body)) == (503, "query-timeout")
    assert server.settle() < 0.1  # the evaluation was stopped, not abandoned


def test_the_memory_hog_is_stopped_and_the_service_stays_bounded(server: Server) -> None:
    status, body = server.sparql(HOG)
    assert (status, problem_type(body)) == (503, "query-memory-exceeded")
    assert f"{MEMORY_MB} MB" in json.loads(body)["detail"]
    server.settle()
    # the service, its forkserver and its workers: far below what the hog would have taken
    assert proctree.resident_bytes(server.pid) < (1000 + WORKERS * MEMORY_MB) * 2**20
    assert server.sparql(ORDINARY)[0] == 200


def test_twenty_runaway_queries_leave_an_ordinary_query_answered(server: Server) -> None:
    """20 runaways from one client (127.0.0.1), then an ordinary query from another
    (127.0.0.2): it is answered while the runaways are still queued (first come, first served
    answered it after 18 of them had timed out), and every runaway is stopped in the end."""
    outcomes: list[tuple[int, bytes]] = []
    runaways = [threading.Thread(target=lambda: outcomes.append(server.sparql(RUNAWAY)))
                for _ in range(20)]
    for thread in runaways:
        thread.start()
    time.sleep(0.5)  # ordering only: let the runaways reach the queue first
    status, body = server.sparql_from("127.0.0.2", ORDINARY)
    answered_before = len(outcomes)
    assert status == 200
    assert json.loads(body)["results"]["bindings"]
    # first come, first served starts it only after 20 - WORKERS runaways are answered; fair
    # sharing starts it at the first preemption. How many time out while it runs depends on
    # the machine's load (the bound of the queue itself is pinned without timing in
    # test_a_flood_of_runaways_from_one_client_does_not_queue_another_client)
    assert answered_before < len(runaways) - WORKERS
    for thread in runaways:
        thread.join(300)
    assert len(outcomes) == 20
    assert {problem_type(body) for status, body in outcomes} <= {
        "query-timeout", "query-memory-exceeded", "query-preempted"}
    assert server.settle() < 0.1


def test_an_update_past_the_timeout_changes_nothing_and_blocks_no_reads(server: Server) -> None:
    status, body = server.get("/systems")
    assert status == 200
    system = json.loads(body)["items"][0]["id"]
    assert server.get(f"/systems/{system}")[0] == 200
    slow = ("INSERT DATA { GRAPH <urn:x:isolation> { <urn:x:a> <urn:x:b> <urn:x:c> } } ;\n"
            "INSERT { GRAPH <urn:x:isolation> { <urn:x:count> <urn:x:is> ?n } } WHERE { "
            "{ SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } } } }")
    outcome: list[tuple[int, bytes]] = []
    writer = threading.Thread(target=lambda: outcome.append(server.update(slow)))
    writer.start()
    time.sleep(0.5)  # the update is running now (it runs for minutes if not stopped)
    reads = [server.get(f"/systems/{system}", timeout=30)[0] for _ in range(3)]
    writer.join(120)
    assert reads == [200, 200, 200]
    assert outcome and outcome[0][0] == 503
    assert problem_type(outcome[0][1]) == "query-timeout"
    status, body = server.sparql("ASK { GRAPH <urn:x:isolation> { ?s ?p ?o } }")
    assert (status, json.loads(body)["boolean"]) == (200, False)
    assert server.settle() < 0.1


def test_an_update_that_finishes_is_seen_by_queries_and_by_the_rest(server: Server) -> None:
    status, _ = server.update("INSERT DATA { GRAPH <urn:x:seen> { <urn:x:s> <urn:x:p> 7 } }")
    assert status == 204
    status, body = server.sparql("SELECT ?o WHERE { GRAPH <urn:x:seen> { <urn:x:s> ?p ?o } }")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["o"]["value"] == "7"
    assert server.update("INSERT DATA { oops")[0] == 400


def test_a_query_that_crashes_the_engine_leaves_the_service_running(server: Server) -> None:
    nested = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000  # the parser overflows
    status, body = server.sparql(nested)
    assert status in (400, 500)  # 400 once a guard refuses it before the engine parses
    assert json.loads(body)["type"].rsplit("/", 1)[-1] in ("query-crashed", "bad-query",
                                                            "query-too-deep")
    assert server.sparql(ORDINARY)[0] == 200


# -- in-process: settings, the route timeout -------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("query_timeout", -1), ("query_timeout", 0), ("query_timeout", float("nan")),
    ("workers", 0), ("query_memory", -5), ("queue_wait", -1), ("route_timeout", 0),
    ("preempt_after", 0), ("isolation", "fork"), ("answer_cache", -1)])
def test_settings_refuse_unsafe_limits(field: str, value: object) -> None:
    with pytest.raises(UsageError, match=field.replace("_", "-") if field != "isolation"
                       else "isolation"):
        ServerSettings(**{field: value})


@pytest.mark.parametrize("flag, value", [("--query-timeout", "-1"), ("--query-timeout", "inf"),
                                          ("--workers", "0"), ("--query-memory", "-1"),
                                          ("--preempt-after", "0"), ("--answer-cache", "-1")])
def test_serve_refuses_unsafe_limits(flag: str, value: str) -> None:
    result = subprocess.run([*COMMAND, "serve", flag, value], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert flag in result.stderr and "Traceback" not in result.stderr


def test_a_slow_route_answers_504_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    from aimsgraph.server.routers import organization

    release = threading.Event()

    def slow_classify(store, *args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(10)
        return []

    monkeypatch.setattr(organization, "classify", slow_classify)
    client = TestClient(create_app(ServerSettings(route_timeout=0.3), GraphStore()),
                        base_url=LOCAL)
    try:
        response = client.get("/systems")
    finally:
        release.set()
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/route-timeout")


@pytest.mark.parametrize("where", ["memory", "folder"])
def test_workers_see_each_update_through_the_service(where: str, tmp_path: Path) -> None:
    store = GraphStore.open(tmp_path / "store" if where == "folder" else None)
    store.load_quads(Source(Path("numbers"), "urn:x:g"), [
        ox.Quad(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal(i),
                ox.NamedNode("urn:x:g")) for i in range(10)])
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }"
    with TestClient(create_app(ServerSettings(users_file=USERS), store),
                    base_url=LOCAL) as client:
        def counted() -> str:
            response = client.get("/sparql", params={"query": count},
                                  headers={"Accept": "application/sparql-results+json"})
            return response.json()["results"]["bindings"][0]["n"]["value"]

        assert counted() == "10"
        response = client.post("/sparql", content="INSERT DATA { <urn:x:new> <urn:x:p> 1 }",
                               headers={"Content-Type": "application/sparql-update",
                                        "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 204
        assert counted() == "11"  # the workers read the new snapshot
        assert store.query(count).rows[0][0].value == "11"  # and so does the service itself


def test_a_hung_remote_store_is_given_up_after_the_query_timeout() -> None:
    import http.server

    from aimsgraph.store import GraphStore as Store

    hang = threading.Event()
    release = threading.Event()

    class Sparql(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.answer(urllib.parse.urlsplit(self.path).query)

        def do_POST(self) -> None:
            self.answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())

        def answer(self, form: str) -> None:
            if hang.is_set():
                release.wait(15)  # bounded: the old client waited its full 300 s
            query = urllib.parse.parse_qs(form).get("query", [""])[0]
            body = {"head": {}, "boolean": False} if "ASK" in query.upper() else \
                {"head": {"vars": []}, "results": {"bindings": []}}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sparql)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    try:
        store = Store.open(f"http://127.0.0.1:{listener.server_address[1]}/sparql")
        client = TestClient(create_app(ServerSettings(query_timeout=0.5), store),
                            base_url=LOCAL)
        hang.set()
        response = client.get("/frameworks")
        assert response.status_code == 504
        assert response.json()["type"].endswith("/store-timeout")
    finally:
        release.set()
        listener.shutdown()


# -- fairness: the workers are shared between clients -----------------------------------------


def small_store(count: int = 300) -> GraphStore:
    """A few hundred triples: a three-way cross product of them runs for hours."""
    store = GraphStore()
    store.load_quads(Source(Path("numbers"), "urn:x:g"), [
        ox.Quad(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal(i),
                ox.NamedNode("urn:x:g")) for i in range(count)])
    return store


def results_json(kind: str):  # type: ignore[no-untyped-def]
    from aimsgraph.server.negotiation import GRAPHS, RESULTS, choose

    return choose("application/sparql-results+json", GRAPHS if kind == "graph" else RESULTS)


@pytest.mark.parametrize("runaways", [6, 20])
def test_a_flood_of_runaways_from_one_client_does_not_queue_another_client(
        runaways: int) -> None:
    """One client sends ``runaways`` queries that never finish, then another client sends an
    ordinary one. First come, first served would answer it only after ``runaways - workers``
    runaways had timed out (``timeout x runaways / workers`` seconds); shared fairly, it runs as
    soon as one runaway is preempted, whatever their number, and the next one at once."""
    import anyio

    from aimsgraph.server.execution import Runner
    from aimsgraph.server.problems import ProblemError

    workers = 2
    runner = Runner(small_store(), ServerSettings(workers=workers, query_timeout=60,
                                                  queue_wait=120, preempt_after=0.3))
    finished: list[tuple[str, str]] = []  # (client, outcome) in the order they were answered
    seen: dict[str, object] = {}

    async def send(client: str, text: str) -> None:
        try:
            await runner.query(text, choose_format=results_json, client=client)
            finished.append((client, "ok"))
        except ProblemError as err:
            finished.append((client, err.kind))

    async def main() -> None:
        await runner.start()
        assert runner.pool is not None
        async with anyio.create_task_group() as group:
            for _ in range(runaways):
                group.start_soon(send, "192.0.2.1", COUNTER)  # constant memory
            with anyio.fail_after(60):  # bounded: every runaway has been admitted or queued
                while len(runner.pool.state()["waiting"]) < runaways - workers:
                    await anyio.sleep(0.05)
            await send("192.0.2.2", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            seen.update(runner.pool.state())
            # the worker it used is kept for it (another client is active), not given to the
            # next runaway: its next query needs no preemption
            await send("192.0.2.2", "ASK { ?s ?p ?o }")
            group.cancel_scope.cancel()  # the runaways' workers are killed

    try:
        anyio.run(main)
    finally:
        runner.close()
    first = finished.index(("192.0.2.2", "ok"))
    answered_before = finished[:first]
    assert finished[first + 1] == ("192.0.2.2", "ok")  # nothing preempted in between
    # at most one runaway per worker gave way (preempted), none timed out: the bound does not
    # grow with the number of runaways, and the other runaways were still queued
    assert len(answered_before) <= workers
    assert {outcome for _, outcome in answered_before} <= {"query-preempted"}
    assert seen["waiting"].count("192.0.2.1") >= runaways - 2 * workers  # type: ignore[union-attr]


def test_one_client_alone_may_use_every_worker_and_is_not_preempted() -> None:
    """Fairness takes nothing from a client when nobody else waits: its queries, more than the
    workers, run to the end (here: to the timeout), none preempted."""
    import anyio

    from aimsgraph.server.execution import Runner
    from aimsgraph.server.problems import ProblemError

    runner = Runner(small_store(), ServerSettings(workers=2, query_timeout=1, queue_wait=120,
                                                  preempt_after=0.2))
    outcomes: list[str] = []
    peak = [0]

    async def send() -> None:
        try:
            # COUNTER (constant memory) runs to the timeout; RUNAWAY sorts, and on a fast
            # machine can reach the memory cap first, which is a stop too but not the one pinned
            await runner.query(COUNTER, choose_format=results_json, client="192.0.2.1")
            outcomes.append("ok")
        except ProblemError as err:
            outcomes.append(err.kind)

    async def main() -> None:
        await runner.start()
        assert runner.pool is not None
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(send)
            while len(outcomes) < 3:
                peak[0] = max(peak[0], len(runner.pool.state()["running"]))
                await anyio.sleep(0.05)

    try:
        anyio.run(main)
    finally:
        runner.close()
    assert outcomes == ["query-timeout"] * 3
    assert peak[0] == 2  # both workers were used by the one client


# -- a folder store (--store DIR): an update runs once, in a worker -----------------------------

SLOW_UPDATE = ("INSERT DATA { GRAPH <urn:x:slow> { <urn:x:a> <urn:x:b> <urn:x:c> } } ;\n"
               "INSERT { GRAPH <urn:x:slow> { <urn:x:n> <urn:x:is> ?n } } WHERE { "
               "{ SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?w { ?a ?b ?c } GRAPH ?x { ?d ?e ?f } "
               "GRAPH ?y { ?g ?h ?i } GRAPH ?z { ?j ?k ?l } } } }")


def folder_store(path: Path) -> GraphStore:
    store = GraphStore.open(path)
    store.load_quads(Source(Path("numbers"), "urn:x:g"), [
        ox.Quad(ox.NamedNode(f"urn:x:{i}"), ox.NamedNode("urn:x:p"), ox.Literal(i),
                ox.NamedNode("urn:x:g")) for i in range(300)])
    return store


def post_update(client: TestClient, text: str):  # type: ignore[no-untyped-def]
    return client.post("/sparql", content=text,
                       headers={"Content-Type": "application/sparql-update",
                                "Authorization": f"Bearer {TOKEN}"})


def test_a_folder_store_update_runs_once_in_a_worker(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The service never evaluates the update itself (before, it ran it a second time in its
    own thread after the trial in a worker, where it could not be stopped); the folder holds
    the change, and the service and the workers read it."""
    store = folder_store(tmp_path / "store")

    def evaluated_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the update was evaluated in the service's process")

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }"
    with TestClient(create_app(ServerSettings(users_file=USERS), store),
                    base_url=LOCAL) as client:
        monkeypatch.setattr(GraphStore, "update", evaluated_here)
        response = post_update(client, "INSERT DATA { GRAPH <urn:x:g> { <urn:x:new> <urn:x:p> "
                                       "1 } }")
        assert response.status_code == 204
        answer = client.get("/sparql", params={"query": count},
                            headers={"Accept": "application/sparql-results+json"})
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "301"  # the workers
        assert store.query(count).rows[0][0].value == "301"  # the service's own reads
        monkeypatch.undo()
        # RocksDB's lock is let go meanwhile, the service's own is not: no other process (or
        # store object) opens the folder while the service runs
        with pytest.raises(StoreError, match="another aimsgraph process"):
            GraphStore.open(tmp_path / "store")
    assert not store.detached  # the folder is the service's again once it stops
    assert store.query(count).rows[0][0].value == "301"


def test_a_folder_store_update_past_the_timeout_changes_nothing(tmp_path: Path) -> None:
    store = folder_store(tmp_path / "store")
    with TestClient(create_app(ServerSettings(users_file=USERS, query_timeout=1), store),
                    base_url=LOCAL) as client:
        response = post_update(client, SLOW_UPDATE)
        assert response.status_code == 503
        assert response.json()["type"].endswith("/query-timeout")
        # the folder was let go by the killed worker: the next update opens it and applies
        assert post_update(client, "INSERT DATA { GRAPH <urn:x:ok> { <urn:x:s> <urn:x:p> 2 } }"
                           ).status_code == 204
        assert post_update(client, "INSERT DATA { oops").status_code == 400
    assert store.query("ASK { GRAPH <urn:x:slow> { ?s ?p ?o } }").boolean is False
    assert store.query("ASK { GRAPH <urn:x:ok> { ?s ?p ?o } }").boolean is True


def test_the_service_answers_while_the_first_snapshot_is_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers' first snapshot (tens of seconds at 10^6 quads) no longer holds up the
    start: REST answers meanwhile, and client SPARQL waits for the snapshot."""
    from aimsgraph.isolation.pool import Snapshots

    release = threading.Event()
    publish = Snapshots.publish

    def slow_publish(self: Snapshots) -> Path:
        assert release.wait(60)  # bounded
        return publish(self)

    monkeypatch.setattr(Snapshots, "publish", slow_publish)
    with TestClient(create_app(ServerSettings(), small_store()), base_url=LOCAL) as client:
        assert client.get("/frameworks").status_code == 200  # the snapshot is still held up
        release.set()
        response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"})
        assert (response.status_code, response.json()["boolean"]) == (200, True)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_large_answer_crosses_from_the_worker_whole(loop: str) -> None:
    """uvloop (what `aimsgraph serve` runs on) leaves the pipe it watches non-blocking; an
    answer larger than the pipe's buffer must still arrive whole, not stop half-way."""
    import anyio

    from aimsgraph.server.execution import Runner

    store = GraphStore()
    padding = "x" * 300
    store.update("INSERT DATA { " + " ".join(
        f'<urn:x:s{i}> <urn:x:p> "{i} {padding}" .' for i in range(6000)) + " }")
    runner = Runner(store, ServerSettings(workers=2, max_rows=10_000))
    answers: list[tuple[str, bytes]] = []

    async def main() -> None:
        await runner.start()
        for _ in range(3):
            answers.append(await runner.query("SELECT ?s ?o WHERE { ?s <urn:x:p> ?o }",
                                              choose_format=results_json, client="a"))

    try:
        anyio.run(main, backend_options={"use_uvloop": loop == "uvloop"})
    finally:
        runner.close()
    for media, body in answers:
        assert media == "application/sparql-results+json"
        assert len(body) > 2_000_000  # far beyond a pipe's 64 KiB buffer
        assert len(json.loads(body)["results"]["bindings"]) == 6000


# -- answers remembered per snapshot ---------------------------------------------------------

def test_an_answer_is_sent_again_until_the_data_changes() -> None:
    """The same query on the same snapshot is answered from memory (no worker); a write makes a
    new snapshot, and the next answer is the new data's, never the remembered one."""
    import anyio

    from aimsgraph.history import Change
    from aimsgraph.server.execution import Runner

    runner = Runner(small_store(3), ServerSettings(workers=2))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }"
    seen: list[int] = []
    calls: list[str] = []

    async def ask() -> None:
        _, body = await runner.query(count, choose_format=results_json, client="a")
        seen.append(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))

    async def main() -> None:
        await runner.start()
        assert runner.pool is not None and runner.answers is not None
        original = runner.pool.call

        async def counted(task, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(task["op"])
            return await original(task, *args, **kwargs)

        runner.pool.call = counted  # type: ignore[method-assign]
        await ask()
        await ask()
        assert calls == ["query"] and runner.answers.hits == 1
        await runner.update('INSERT DATA { GRAPH <urn:x:g> { <urn:x:new> <urn:x:p> "4" } }',
                            Change("sparql-update", "admin", "a test", None), "a")
        await ask()
        await ask()

    try:
        anyio.run(main)
    finally:
        runner.close()
    assert seen == [3, 3, 4, 4]
    assert calls.count("query") == 2  # once per snapshot


@pytest.mark.parametrize("text, remembered", [
    ("SELECT ?s WHERE { ?s ?p ?o }", True),
    ("SELECT (NOW() AS ?t) WHERE {}", False),
    ("SELECT (rand() AS ?r) WHERE {}", False),
    ("SELECT (UUID() AS ?u) (STRUUID() AS ?v) WHERE {}", False),
    ("SELECT ?b WHERE { BIND(BNODE() AS ?b) }", False),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", False),
    ("SELECT (\\u004EOW() AS ?t) WHERE {}", False),  # NOW() written with an escape
    # the words inside a string, an IRI, a variable or a comment are not calls
    ('SELECT ?now WHERE { ?s <urn:x:rand> "NOW()" } # UUID()', True),
    ("SELECT ?s WHERE { ?s ?p ?o } # " + "x" * 9000, False),  # too long to remember
])
def test_only_answers_that_are_the_same_each_time_are_remembered(text: str,
                                                                 remembered: bool) -> None:
    from aimsgraph.server.answers import repeatable

    assert repeatable(text) is remembered


def test_remembered_answers_stay_within_their_memory() -> None:
    from aimsgraph.server.answers import OVERHEAD, AnswerCache

    cache = AnswerCache(16 * (1000 + OVERHEAD + 1))
    for i in range(40):
        cache.put("snap-1", i, "", "text/csv", b"x" * 1000)
    assert cache.size <= cache.max_bytes and len(cache) == 16
    assert cache.get("snap-1", 39) == ("text/csv", b"x" * 1000)  # the latest are kept
    assert cache.get("snap-1", 0) is None  # the oldest went first
    cache.put("snap-1", "big", "", "text/csv", b"x" * (cache.max_bytes // 16 + 1))
    assert cache.get("snap-1", "big") is None  # one answer may not take more than 1/16
    # a generation's two snapshots (whole, and without the trail) are kept side by side; a
    # third folder (the next generation) drops the oldest one's answers
    cache.put("reader-2", "q", "", "text/csv", b"y")
    assert cache.get("snap-1", 39) == ("text/csv", b"x" * 1000)
    assert cache.get("reader-2", "q") == ("text/csv", b"y")
    cache.put("snap-3", "q", "", "text/csv", b"z")  # snap-1 was used before reader-2: it goes
    assert len(cache) == 2 and cache.size == sum(len(b) + OVERHEAD for b in (b"y", b"z"))
    assert cache.get("reader-2", "q") == ("text/csv", b"y")
    assert cache.get("snap-3", "q") == ("text/csv", b"z")


def test_the_answer_cache_can_be_turned_off() -> None:
    from aimsgraph.server.execution import Runner

    assert Runner(small_store(3), ServerSettings(answer_cache=0)).answers is None
    assert Runner(small_store(3), ServerSettings(isolation="thread")).answers is None
