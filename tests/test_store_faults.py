"""A remote store that hangs, fails, answers nonsense or goes away, and a SERVICE endpoint that
answers nonsense: the service says so with the store's address (502/504), within its own
timeout, and pages served from data read earlier say when it was read.

The store is a real Oxigraph server behind a loopback proxy the test switches between modes.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore, open_store
from aimsgraph.errors import StoreError
from aimsgraph.server import ServerSettings, create_app

from .conftest import LOCAL, ROOT
from .test_stores import oxigraph_server

SAMPLE = ROOT / "examples" / "acme-lending"
HANG_AT_MOST = 10.0  # seconds a hanging answer lasts at most (the test never waits that long)


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = upstream
        self.mode = "pass"  # pass | hang | garbage | fail
        self.url = f"http://127.0.0.1:{self.server_port}"


class Handler(http.server.BaseHTTPRequestHandler):
    server: Proxy

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def do_PUT(self) -> None:
        self.answer()

    def do_DELETE(self) -> None:
        self.answer()

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        mode = self.server.mode
        if mode == "hang":
            deadline = time.monotonic() + HANG_AT_MOST
            while self.server.mode == "hang" and time.monotonic() < deadline:
                time.sleep(0.05)
            self.close_connection = True
            return
        if mode == "garbage":
            self.reply(200, "application/sparql-results+json", b"<html>garbage{")
            return
        if mode == "fail":
            self.reply(500, "text/plain", b"internal error\n")
            return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() in ("content-type", "accept", "authorization")}
        request = urllib.request.Request(self.server.upstream + self.path, data=body,
                                         headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.reply(response.status, response.headers.get("content-type", ""),
                           response.read())
        except urllib.error.HTTPError as err:
            self.reply(err.code, err.headers.get("content-type", ""), err.read())

    def reply(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        if media:
            self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-faults")) as upstream:
        server = Proxy(upstream)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.mode = "pass"
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def client(proxy: Proxy) -> TestClient:
    store = open_store([SAMPLE], store=proxy.url)
    client = TestClient(create_app(ServerSettings(query_timeout=1.0), store), base_url=LOCAL)
    assert client.get("/validation").status_code == 200  # read while the store answers
    assert client.get("/").status_code == 200
    return client


@pytest.fixture
def mode(proxy: Proxy) -> Iterator[callable]:
    def switch(name: str) -> None:
        proxy.mode = name

    yield switch
    proxy.mode = "pass"


def problem_of(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_a_hung_store_is_a_504_naming_it_within_the_query_timeout(client, proxy, mode) -> None:
    mode("hang")
    for path in ("/systems", "/soa", "/systems/credit-scoring"):
        response = client.get(path)
        assert response.status_code == 504, response.text
        body = problem_of(response)
        assert proxy.url in body["detail"] and body["store"].startswith(proxy.url)
        assert body["type"].endswith("/store-timeout")


def test_a_hung_store_is_not_a_query_to_narrow(client, proxy, mode) -> None:
    mode("hang")
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 504
    detail = problem_of(response)["detail"]
    assert proxy.url in detail and "narrow" not in detail


@pytest.mark.parametrize("fault", ["fail", "garbage"])
def test_a_failing_store_is_a_502_naming_it(client, proxy, mode, fault) -> None:
    mode(fault)
    for response in (client.get("/systems"),
                     client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})):
        assert response.status_code == 502, response.text
        body = problem_of(response)
        assert proxy.url in body["detail"]
        assert body["type"].endswith("/store-unavailable")


def test_cached_answers_say_when_they_were_read_and_that_the_store_is_unreachable(
        client, proxy, mode) -> None:
    fresh = client.get("/validation").json()
    assert fresh["readAt"] and fresh["storeUnreachable"] is None
    assert "Data read from the store at" in client.get("/").text
    mode("fail")
    stale = client.get("/validation")
    assert stale.status_code == 200
    body = stale.json()
    assert body["readAt"] == fresh["readAt"] and body["items"] == fresh["items"]
    assert proxy.url in body["storeUnreachable"] and "out of date" in body["storeUnreachable"]
    page = client.get("/").text
    assert "The store cannot be reached." in page and proxy.url in page


def test_a_store_that_went_away_is_a_502_naming_it(tmp_path_factory) -> None:
    # a proxy of its own, shut down after loading: nothing listens at its address any more
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-gone")) as upstream:
        server = Proxy(upstream)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        store = open_store([], store=server.url)
        client = TestClient(create_app(ServerSettings(query_timeout=2.0), store),
                            base_url=LOCAL)
        server.shutdown()
        server.server_close()
        response = client.get("/frameworks")
        assert response.status_code == 502, response.text
        body = problem_of(response)
        assert f"cannot reach the store at {server.url}" in body["detail"]


class Garbage(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b"garbage{{")


def test_a_service_answering_garbage_is_a_clear_problem(org_store) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}/sparql"
    try:
        client = TestClient(create_app(ServerSettings(service_allowlist=(endpoint,)),
                                       org_store), base_url=LOCAL)
        response = client.get("/sparql", params={
            "query": f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"})
        assert response.status_code == 502, response.text
        body = problem_of(response)
        assert body["type"].endswith("/evaluation-failed")
        assert "SERVICE" in body["detail"]
    finally:
        server.shutdown()
        server.server_close()


class BasicOnly(http.server.BaseHTTPRequestHandler):
    """A SPARQL endpoint that takes HTTP Basic credentials ``aims:s3cret`` and records what each
    request carried."""

    seen: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        asked = self.rfile.read(int(self.headers.get("content-length") or 0))
        given = self.headers.get("authorization")
        BasicOnly.seen.append(given)
        if given != "Basic YWltczpzM2NyZXQ=":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head": {}, "boolean": true}' if b"ASK" in asked else \
            b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize("password", ["s3cret", "wrong"])
def test_credentials_go_as_the_store_asks_and_only_when_asked(password, monkeypatch) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BasicOnly)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/sparql"
    monkeypatch.setenv("AIMSGRAPH_STORE_USER", "aims")
    monkeypatch.setenv("AIMSGRAPH_STORE_PASSWORD", password)
    BasicOnly.seen.clear()
    try:
        if password == "wrong":
            with pytest.raises(StoreError, match=r"refused the credentials \(HTTP 401\)"):
                GraphStore.open(url)
        else:
            assert GraphStore.open(url).query("ASK { ?s ?p ?o }").boolean
        assert BasicOnly.seen[0] is None  # nothing sent before the server asked
        assert BasicOnly.seen[1] is not None and BasicOnly.seen[1].startswith("Basic ")
    finally:
        server.shutdown()
        server.server_close()
