"""The audit trail's and the replicas' costs, each beside its baseline in the same run.

1. Writes per second with the trail on and off: the same edit (one SoA line's status flipped:
   one quad removed, one added), as ``history.commit`` (the edit and its trail entry in one
   transaction) and as a plain ``DELETE DATA ; INSERT DATA`` update, alternating, on the sample
   organization in memory and on an ``oxigraph serve`` store.
2. The per-request generation check of a replica over ``oxigraph serve``: a cached read
   (``GET /soa``, ``GET /frameworks``) through the service in this process, with the check and
   with it switched off, alternating in the same run; and the check alone.

    .venv/bin/python benchmarks/audit.py --edits 200 --reads 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "src"))

LINE = "https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-6-2-4"
AIMS = "https://w3id.org/aimsgraph/ontology#"
STATUS = AIMS + "status"


def org_graph(store) -> ox.NamedNode:  # type: ignore[no-untyped-def]
    return next(ox.NamedNode(s.graph) for s in store.sources if s.kind == "organization")


def flip(store, graph: ox.NamedNode, index: int) -> tuple[list[ox.Quad], list[ox.Quad]]:  # type: ignore[no-untyped-def]
    values = [AIMS + "Planned", AIMS + "Implemented"]
    old = ox.Quad(ox.NamedNode(LINE), ox.NamedNode(STATUS), ox.NamedNode(values[index % 2 - 1]),
                  graph)
    new = ox.Quad(ox.NamedNode(LINE), ox.NamedNode(STATUS), ox.NamedNode(values[index % 2]),
                  graph)
    return [new], [old]


def plain_update(store, added: list[ox.Quad], removed: list[ox.Quad]) -> None:  # type: ignore[no-untyped-def]
    from aimsgraph.history import _data_operations

    store.update(" ;\n".join(_data_operations(added, removed)))


def writes(store, count: int) -> dict:  # type: ignore[no-untyped-def]
    from aimsgraph import history

    graph = org_graph(store)
    # start from Implemented
    plain_update(store, *flip(store, graph, 1))
    on, off = [], []
    for index in range(count):
        added, removed = flip(store, graph, index)
        start = time.perf_counter()
        if index % 2 == 0:
            history.commit(store, added=added, removed=removed, actor="bench", message="bench",
                           address="127.0.0.1", kind="edit")
            on.append(time.perf_counter() - start)
        else:
            plain_update(store, added, removed)
            off.append(time.perf_counter() - start)
    assert history.verify(store) == []
    m_on, m_off = statistics.median(on), statistics.median(off)
    return {"edits": count, "trail_on_ms": m_on * 1e3, "trail_off_ms": m_off * 1e3,
            "trail_on_per_s": 1 / m_on, "trail_off_per_s": 1 / m_off, "ratio": m_on / m_off,
            "entries": len(history.entries(store))}


def reads(url: str, count: int) -> dict:
    from fastapi.testclient import TestClient

    from aimsgraph import open_store
    from aimsgraph.server import ServerSettings, create_app
    from aimsgraph.server.generation import GenerationCheck
    from aimsgraph.users import UserFile
    from tests.conftest import LOCAL, ROOT

    users = UserFile(Path(tempfile.mkdtemp()) / "users.json")
    viewer = users.add("bench", "viewer")
    auditor = users.add("bench-auditor", "auditor")
    store = open_store([ROOT / "examples" / "acme-lending"], store=url)
    client = TestClient(create_app(ServerSettings(users_file=users.path), store), base_url=LOCAL)
    real = GenerationCheck._refresh
    out: dict = {}
    for path in ("/frameworks", "/soa"):
        client.get(path)  # warm: the answer is cached
        timings: dict[str, list[float]] = {"on": [], "off": []}
        for index in range(count * 2):
            mode = "on" if index % 2 == 0 else "off"
            GenerationCheck._refresh = real if mode == "on" else (lambda self, state: None)  # type: ignore[method-assign]
            start = time.perf_counter()
            assert client.get(path).status_code == 200
            timings[mode].append(time.perf_counter() - start)
        GenerationCheck._refresh = real  # type: ignore[method-assign]
        m_on, m_off = statistics.median(timings["on"]), statistics.median(timings["off"])
        out[path] = {"requests": count, "check_ms": m_on * 1e3, "no_check_ms": m_off * 1e3,
                     "check_per_s": 1 / m_on, "no_check_per_s": 1 / m_off, "ratio": m_on / m_off}
    # the history kept out of a viewer's SPARQL dataset: every visible graph named in the request
    # (an auditor's query runs over the union of all graphs)
    query = {"query": "SELECT ?s ?t WHERE { ?s a aims:AISystem ; aims:name ?t }"}
    sparql: dict[str, list[float]] = {"viewer": [], "auditor": []}
    for index in range(count * 2):
        who = "viewer" if index % 2 == 0 else "auditor"
        token = viewer if who == "viewer" else auditor
        start = time.perf_counter()
        assert client.get("/sparql", params=query,
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
        sparql[who].append(time.perf_counter() - start)
    m_v, m_a = statistics.median(sparql["viewer"]), statistics.median(sparql["auditor"])
    out["sparql_dataset"] = {"requests": count, "viewer_ms": m_v * 1e3, "auditor_ms": m_a * 1e3,
                             "ratio": m_v / m_a}
    alone = []
    for _ in range(count):
        start = time.perf_counter()
        store.refresh()
        alone.append(time.perf_counter() - start)
    out["check_alone_ms"] = statistics.median(alone) * 1e3
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=200, help="edits per store (half each way)")
    parser.add_argument("--reads", type=int, default=300, help="requests per figure and mode")
    opts = parser.parse_args(argv)

    from aimsgraph import open_store
    from tests.conftest import ROOT, free_port, running_server
    from tests.test_stores import oxigraph_binary

    results: dict = {}
    memory = open_store([ROOT / "examples" / "acme-lending"])
    results["writes_memory"] = writes(memory, opts.edits)
    print("memory", json.dumps(results["writes_memory"]), flush=True)
    folder = Path(tempfile.mkdtemp(prefix="aimsgraph-bench-oxigraph-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server([oxigraph_binary(), "serve", "--location", str(folder), "--bind",
                         f"127.0.0.1:{port}"], url + "/query?query=ASK%7B%7D",
                        folder.parent / "bench-oxigraph.log"):
        remote = open_store([ROOT / "examples" / "acme-lending"], store=url)
        results["writes_remote"] = writes(remote, opts.edits)
        print("remote", json.dumps(results["writes_remote"]), flush=True)
        results["reads_remote"] = reads(url, opts.reads)
        print("reads", json.dumps(results["reads_remote"]), flush=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "audit.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
