"""Isolated query execution over HTTP: worker processes vs the old in-thread execution vs
`oxigraph serve`, in the same run; then what runaway queries leave behind.

    python benchmarks/isolation.py [--scales sample,1e5] [--clients 1,4,8] [--requests 200]
    python benchmarks/run.py --only isolation ...       # the same, from the suite

For each scale (``sample``: the sample organization; a number: the synthetic organization of
benchmarks/run.py) three servers hold the same quads: ``aimsgraph serve --isolation process``
(the default), ``aimsgraph serve --isolation thread`` (the old way) and ``oxigraph serve``
(loaded over the Graph Store Protocol). Each ordinary query is sent by 1/4/8 client threads;
requests per second, median and p95 latency, and the ratio to oxigraph. Twice: "repeated", the
same text every time (as a dashboard sends it: the process mode answers it again from its
answer cache), and "distinct", each request its own text (the query plus a comment naming the
request: never answered before, so every one is evaluated by a worker). The servers take turns
(``--rounds`` slices of the requests each, figures the medians of the slices), so that load
from other work on the machine falls on all of them alike. Then the runaway test,
loopback only and bounded: N CPU-bound runaway queries at once against each aimsgraph mode, then
the CPU share and resident memory of the service's whole process tree once they have answered;
and, for the process mode only, N memory-hog queries (in the thread mode they would grow the
service without bound, so they are not sent there).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from run import free_port, hammer, post_files, prepare_data, wait_until_up  # noqa: E402

SAMPLE_QUERIES = {
    # (until 2026-12-05 this read aims:name, which no AI system has: it answered no rows)
    "AI systems with their risk class (sample)": """
PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?system ?name ?risk WHERE { ?system a aims:AISystem ; rdfs:label ?name .
  OPTIONAL { ?system aims:riskClass ?risk } } ORDER BY ?name""",
    "frameworks (catalog)": """
PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?f ?notation WHERE { ?f a aims:Framework ; skos:notation ?notation } ORDER BY ?notation""",
}
SPINNER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f LIMIT 1"


def sample_files() -> list[dict]:
    """The sample organization with the catalogs, as one N-Quads file (for oxigraph)."""
    from aimsgraph import open_store
    from aimsgraph.formats import RDF_FORMATS
    from aimsgraph.paths import data_path

    OUT.mkdir(exist_ok=True)
    path = OUT / "sample.nq"
    if not path.exists():
        store = open_store([data_path("examples", "acme-lending")])
        with path.open("wb") as out:
            store.dump(out, next(f for f in RDF_FORMATS if f.name == "nquads"))
    return [{"path": str(path), "graph": None}]


def post_dataset(store_url: str, path: Path) -> float:
    import httpx

    start = time.perf_counter()
    with httpx.Client(timeout=900) as http:
        response = http.post(store_url, content=path.read_bytes(),
                             headers={"Content-Type": "application/n-quads"})
        response.raise_for_status()
    return time.perf_counter() - start


def start_servers(scale: str, timeout: float) -> dict:
    from aimsgraph.paths import data_path

    bin_dir = Path(sys.executable).parent
    if scale == "sample":
        data, queries = str(data_path("examples", "acme-lending")), SAMPLE_QUERIES
    else:
        manifest = prepare_data(int(float(scale)))
        from run import HTTP_QUERIES

        data = manifest["org"]
        queries = {k: v for k, v in HTTP_QUERIES.items() if v}
        queries["frameworks (catalog)"] = SAMPLE_QUERIES["frameworks (catalog)"]
    servers, sparql_ready = {}, {}
    for mode in ("process", "thread"):
        port = free_port()
        command = [str(bin_dir / "aimsgraph"), "serve", "--port", str(port), "--no-example",
                   "--data", data, "--isolation", mode, "--query-timeout", str(timeout)]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ready = wait_until_up(f"http://127.0.0.1:{port}/queries", proc)
        if mode == "process":  # the first snapshot and worker are made after the REST is up
            sparql_ready[f"aimsgraph-{mode} SPARQL"] = ready + wait_until_up(
                f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", proc)
        servers[f"aimsgraph-{mode}"] = (proc, f"http://127.0.0.1:{port}/sparql", ready)
    port = free_port()
    proc = subprocess.Popen([str(bin_dir / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = wait_until_up(f"http://127.0.0.1:{port}/", proc)
    if scale == "sample":
        ready += post_dataset(f"http://127.0.0.1:{port}/store", Path(sample_files()[0]["path"]))
    else:
        ready += post_files(f"http://127.0.0.1:{port}/store", manifest["files"])
    servers["oxigraph"] = (proc, f"http://127.0.0.1:{port}/query", ready)
    return {"servers": servers, "queries": queries, "sparql_ready": sparql_ready}


def scale_store(scale: str):  # type: ignore[no-untyped-def]
    """The engine's in-memory store holding the quads a service of this scale holds."""
    import pyoxigraph as ox

    files = sample_files() if scale == "sample" else prepare_data(int(float(scale)))["files"]
    store = ox.Store()
    for f in files:
        path = f["path"]
        fmt = ox.RdfFormat.N_QUADS if path.endswith(".nq") else \
            ox.RdfFormat.TURTLE if path.endswith(".ttl") else ox.RdfFormat.N_TRIPLES
        graph = ox.NamedNode(f["graph"]) if f["graph"] else None
        store.bulk_load(path=path, format=fmt, **({"to_graph": graph} if graph else {}))
    return store


def snapshot_costs(scale: str, repeat: int) -> dict:
    """Seconds (median of ``repeat``, alternating) to make a worker's snapshot of an in-memory
    store the old way (its whole N-Quads dump, then a bulk load of that text) and the way the
    service makes it now (:meth:`EmbeddedEngine.snapshot`: the quads straight across); the same
    for taking an updated copy back into memory; then what a full scan costs a worker on the
    snapshot (RocksDB, read-only) against the service's memory."""
    import os
    import shutil
    import tempfile

    import pyoxigraph as ox

    from aimsgraph.engines import EmbeddedEngine

    engine = EmbeddedEngine()
    engine._store = scale_store(scale)
    nq = ox.RdfFormat.N_QUADS
    root = Path(tempfile.mkdtemp(prefix="aimsgraph-bench-"))

    def old_snapshot(target: Path) -> None:
        copy = ox.Store(str(target))
        copy.bulk_load(engine._store.dump(format=nq), format=nq)
        copy.flush()

    def old_take(folder: Path) -> None:
        fresh = ox.Store()
        fresh.bulk_load(ox.Store.read_only(str(folder)).dump(format=nq), format=nq)

    def new_take(folder: Path) -> None:
        EmbeddedEngine().take_contents(folder)

    times: dict[str, list[float]] = {"snapshot old": [], "snapshot now": [], "take old": [],
                                     "take now": []}
    try:
        engine.snapshot(root / "reference")
        for i in range(repeat):
            for name, make in (("snapshot old", old_snapshot),
                               ("snapshot now", engine.snapshot)):
                target = root / f"{name.replace(' ', '-')}-{i}"
                start = time.perf_counter()
                make(target)
                times[name].append(time.perf_counter() - start)
                shutil.rmtree(target)
            for name, take in (("take old", old_take), ("take now", new_take)):
                start = time.perf_counter()
                take(root / "reference")
                times[name].append(time.perf_counter() - start)
        scan = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        for name, store in (("scan memory", engine._store),
                            ("scan snapshot", ox.Store.read_only(str(root / "reference")))):
            times[name] = []
            for _ in range(max(3, repeat)):
                start = time.perf_counter()
                list(store.query(scan))
                times[name].append(time.perf_counter() - start)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"quads": len(engine._store), "repeat": repeat, "loadavg": os.getloadavg(),
            "median_s": {k: statistics.median(v) for k, v in times.items()},
            "all_s": times}


def step_costs(scale: str, repeat: int) -> dict:
    """Microseconds (median of ``repeat``) of each step of one small query that the service
    changed in December 2026, the old way and the new way in the same run, in one process (no
    network, no client):

    - a worker's evaluation on the snapshot: the dataset naming every graph but the audit trail
      (old) against the reader snapshot's own union (new);
    - the guard: tokenizing the text (old) against the remembered verdict (new);
    - ``GET /sparql`` through the whole application (middleware, routing, auth, negotiation, the
      round trip to a worker): through the FastAPI route (old) and the plain route (new), the
      answer cache off; then with the answer cache on, the same query a second time.
    """
    import asyncio
    import os

    from aimsgraph import open_store
    from aimsgraph.engines import EmbeddedEngine
    from aimsgraph.isolation import worker
    from aimsgraph.paths import data_path
    from aimsgraph.server import ServerSettings, create_app
    from aimsgraph.server.execution import Runner, negotiated
    from aimsgraph.server.routers.sparql import negotiator
    from aimsgraph.sparqlguard import guard
    from aimsgraph.store import GraphStore

    if scale == "sample":
        store, text = open_store([data_path("examples", "acme-lending")]), \
            SAMPLE_QUERIES["frameworks (catalog)"]
    else:
        from run import HTTP_QUERIES

        store = open_store([prepare_data(int(float(scale)))["org"]])
        text = next(v for v in HTTP_QUERIES.values() if v)
    formats = negotiated(negotiator("application/sparql-results+json"))

    def median_us(work, count: int = repeat) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(count):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e6

    result: dict = {"quads": len(store), "repeat": repeat}
    from aimsgraph.isolation.pool import Snapshots

    snapshots = Snapshots(store, ("https://w3id.org/aimsgraph/graph/history",
                                  "https://w3id.org/aimsgraph/graph/state"))
    snapshots.publish()
    full = GraphStore(EmbeddedEngine.read_only(snapshots.current))
    reader = GraphStore(EmbeddedEngine.read_only(snapshots.reader))
    visible = Runner(store, ServerSettings(isolation="thread"))._visible((), ())
    task = {"text": text, "bindings": None, "formats": formats, "max_rows": 100_000,
            "timeout": 60}
    result["worker: dataset naming the graphs"] = median_us(lambda: worker.run(
        full, {**task, "default_graphs": visible[0], "named_graphs": visible[1]}))
    result["worker: the reader snapshot"] = median_us(lambda: worker.run(
        reader, {**task, "default_graphs": (), "named_graphs": ()}))
    result["guard: tokenized"] = median_us(lambda: guard(text, ()))
    from aimsgraph.server.execution import check_remote

    result["guard: remembered"] = median_us(lambda: check_remote(text, ()))
    snapshots.close()

    for label, cache, direct in (("GET /sparql: FastAPI route, no answer cache", 0, False),
                                 ("GET /sparql: plain route, no answer cache", 0, True),
                                 ("GET /sparql: plain route, answer remembered", 64, True)):
        app = create_app(ServerSettings(answer_cache=cache), store)
        if not direct:
            app.router.routes[:] = [r for r in app.router.routes
                                    if getattr(r, "name", "") != "sparql_direct"]
        result[label] = asyncio.run(_asgi_median(app, text, repeat))
        app.state.runner.close()
    result["loadavg"] = os.getloadavg()
    return result


async def _asgi_median(app, text: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median microseconds of ``GET /sparql?query=text`` sent to ``app`` in this process."""

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/sparql", "raw_path": b"/sparql", "root_path": "",
             "query_string": urllib.parse.urlencode({"query": text}).encode(),
             "headers": [(b"host", b"127.0.0.1:8000"),
                         (b"accept", b"application/sparql-results+json")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    statuses: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app.state.runner.start()
    times = []
    for i in range(repeat + 10):
        start = time.perf_counter()
        await app(dict(scope, state={}), receive, send)
        if i >= 10:  # the first ones start workers
            times.append(time.perf_counter() - start)
    if set(statuses) != {200}:
        raise RuntimeError(f"GET /sparql answered {sorted(set(statuses))}")
    return statistics.median(times) * 1e6


def runaway(endpoint: str, pid: int, text: str, count: int) -> dict:
    """``count`` copies of ``text`` at once; then the tree's CPU share and resident MB."""
    import httpx

    from aimsgraph.isolation import proctree

    statuses: list[int] = []

    def send() -> None:
        try:
            statuses.append(httpx.get(endpoint, params={"query": text}, timeout=300).status_code)
        except httpx.HTTPError:
            statuses.append(0)

    before = proctree.resident_bytes(pid) / 2**20
    threads = [threading.Thread(target=send) for _ in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    peak = before
    while any(t.is_alive() for t in threads) and time.perf_counter() - start < 300:
        peak = max(peak, proctree.resident_bytes(pid) / 2**20)
        time.sleep(0.1)
    answered = time.perf_counter() - start
    shares = [proctree.cpu_share(pid, 1.0) for _ in range(3)]
    return {"count": count, "statuses": sorted(set(statuses)), "answered_s": answered,
            "rss_before_mb": before, "rss_peak_mb": peak,
            "rss_after_mb": proctree.resident_bytes(pid) / 2**20,
            "cpu_after_1s": shares[0], "cpu_after_3s": shares[2]}


def fairness(endpoint: str, ordinary: str, count: int, samples: int = 10) -> dict:
    """Latency of an ordinary query from another client address (127.0.0.2) alone, then while
    ``count`` runaway queries from 127.0.0.1 hold or wait for every worker (same server)."""

    import httpx

    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=300)

    def latencies() -> list[float]:
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            other.get(endpoint, params={"query": ordinary}).raise_for_status()
            times.append(time.perf_counter() - start)
        return times

    alone = latencies()
    threads = [threading.Thread(target=lambda: httpx.get(endpoint, params={"query": SPINNER},
                                                         timeout=600))
               for _ in range(count)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the runaways are in: running or queued
    loaded = latencies()
    for thread in threads:
        thread.join(600)
    other.close()
    return {"count": count, "alone_median_ms": statistics.median(alone) * 1000,
            "runaways_median_ms": statistics.median(loaded) * 1000,
            "runaways_max_ms": max(loaded) * 1000}


#: numbers each hammer run, so that no two runs send the same "distinct" texts
RUNS = itertools.count()


def address(endpoint: str, text: str, distinct: bool, run: int) -> str | Callable[[int], str]:
    """The query's URL; ``distinct``: each request's own text (the query and a comment naming
    the request), which no server can have answered before: the answer cache never helps."""
    if not distinct:
        return f"{endpoint}?query={urllib.parse.quote(text)}"
    return lambda n: f"{endpoint}?query=" + urllib.parse.quote(text + f"\n# run {run} request {n}")


def bench(scale: str, opts: argparse.Namespace) -> dict:
    steps = step_costs(scale, opts.step_repeat)
    print(f"  {scale}: step costs: done", file=sys.stderr, flush=True)
    if opts.only_steps:
        return {"steps": steps}
    costs = snapshot_costs(scale, opts.snapshot_repeat)
    print(f"  {scale}: snapshot costs: done", file=sys.stderr, flush=True)
    if opts.only_snapshot:
        return {"snapshot": costs, "steps": steps}
    started = start_servers(scale, opts.timeout)
    if opts.only_fairness:
        servers = started["servers"]
        ordinary = next(iter(started["queries"].values()))
        result = {"snapshot": costs, "steps": steps, "fairness": {}}
        try:
            for name in ("aimsgraph-process", "aimsgraph-thread"):
                result["fairness"][name] = fairness(servers[name][1], ordinary, opts.fairness)
        finally:
            for proc, _, _ in servers.values():
                proc.kill()
                proc.wait(timeout=20)
        return result
    servers, queries = started["servers"], started["queries"]
    result: dict = {"snapshot": costs, "steps": steps,
                    "ready_s": {k: v[2] for k, v in servers.items()},
                    "queries": {}, "runaway": {}}
    result["ready_s"].update(started["sparql_ready"])
    try:
        for label, text in queries.items():
            for texts in ("repeated", "distinct"):
                rows: dict = {}
                endpoints = {name: endpoint for name, (_, endpoint, _) in servers.items()}

                def url(name: str, endpoints: dict = endpoints, text: str = text,
                        distinct: bool = texts == "distinct") -> object:
                    # "distinct": each hammer run its own texts, never sent before
                    return address(endpoints[name], text, distinct, next(RUNS))

                for name in endpoints:
                    hammer(url(name), 1, 20)  # warm up
                for clients in opts.clients:
                    # the servers take turns, a slice of the requests each, so that the load
                    # other work puts on the machine falls on all of them alike; the figures
                    # are the medians of the slices' figures
                    runs: dict[str, list[dict]] = {name: [] for name in endpoints}
                    for _ in range(opts.rounds):
                        for name in endpoints:
                            runs[name].append(hammer(url(name), clients,
                                                     max(clients, opts.requests // opts.rounds)))
                    rows[str(clients)] = {name: {k: statistics.median(r[k] for r in done)
                                                 for k in ("rps", "median_ms", "p95_ms")}
                                          for name, done in runs.items()}
                result["queries"][f"{label}, {texts}"] = rows
                print(f"  {scale}: {label}, {texts}: done", file=sys.stderr, flush=True)
        for name in ("aimsgraph-process", "aimsgraph-thread"):
            proc, endpoint, _ = servers[name]
            result["runaway"][f"{name} cpu"] = runaway(endpoint, proc.pid, SPINNER,
                                                       opts.runaways)
            print(f"  {scale}: runaway {name}: done", file=sys.stderr, flush=True)
        proc, endpoint, _ = servers["aimsgraph-process"]
        result["runaway"]["aimsgraph-process memory"] = runaway(endpoint, proc.pid, HOG,
                                                                opts.runaways)
    finally:
        for proc, _, _ in servers.values():
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # the thread mode's abandoned queries still run
                proc.kill()
                proc.wait(timeout=20)
    return result


def report(results: dict) -> str:
    out = []
    for scale, r in results["scales"].items():
        st = r["steps"]
        out += [f"#### {scale}: steps of one small query ({st['quads']:,} quads, median of "
                f"{st['repeat']}, in one process, load average {st['loadavg'][0]:.1f})", "",
                "| step | old way us | now us | old / now |", "|---|---|---|---|"]
        for old, new, what in (("worker: dataset naming the graphs",
                                "worker: the reader snapshot", "a worker's evaluation"),
                               ("guard: tokenized", "guard: remembered", "the SPARQL guard"),
                               ("GET /sparql: FastAPI route, no answer cache",
                                "GET /sparql: plain route, no answer cache",
                                "GET /sparql through the application, evaluated"),
                               ("GET /sparql: FastAPI route, no answer cache",
                                "GET /sparql: plain route, answer remembered",
                                "GET /sparql through the application, remembered")):
            out.append(f"| {what} | {st[old]:.1f} | {st[new]:.1f} | {st[old] / st[new]:.1f}x |")
        out.append("")
        if "snapshot" not in r:
            continue
        c = r["snapshot"]
        m = c["median_s"]
        out += [f"#### {scale}: snapshots ({c['quads']:,} quads, median of {c['repeat']}, load "
                f"average {c['loadavg'][0]:.1f})", "",
                "| step | old way s | now s | old / now |", "|---|---|---|---|",
                f"| snapshot of the in-memory store (worker's RocksDB copy) | "
                f"{m['snapshot old']:.2f} | {m['snapshot now']:.2f} | "
                f"{m['snapshot old'] / m['snapshot now']:.2f}x |",
                f"| an updated copy taken back into memory | {m['take old']:.2f} | "
                f"{m['take now']:.2f} | {m['take old'] / m['take now']:.2f}x |", "",
                f"Full scan: memory {m['scan memory'] * 1000:.0f} ms, worker's snapshot "
                f"{m['scan snapshot'] * 1000:.0f} ms "
                f"({m['scan snapshot'] / m['scan memory']:.1f}x).", ""]
        if "fairness" in r:
            out += ["| an ordinary query from another client | runaways | alone median ms | "
                    "with the runaways median ms | max ms |", "|---|---|---|---|---|"]
            for name, f in r["fairness"].items():
                out.append(f"| {name} | {f['count']} | {f['alone_median_ms']:.1f} | "
                           f"{f['runaways_median_ms']:.1f} | {f['runaways_max_ms']:.1f} |")
            out.append("")
        if "queries" not in r:
            continue
        out += [f"#### {scale}", "",
                "| query | clients | process req/s | median ms | p95 ms | thread req/s | "
                "median ms | p95 ms | oxigraph req/s | median ms | p95 ms | "
                "process / oxigraph (median) | process / thread (median) |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for label, per in r["queries"].items():
            for clients, e in per.items():
                p, t, o = e["aimsgraph-process"], e["aimsgraph-thread"], e["oxigraph"]
                out.append(
                    f"| {label} | {clients} | {p['rps']:.0f} | {p['median_ms']:.1f} | "
                    f"{p['p95_ms']:.1f} | {t['rps']:.0f} | {t['median_ms']:.1f} | "
                    f"{t['p95_ms']:.1f} | {o['rps']:.0f} | {o['median_ms']:.1f} | "
                    f"{o['p95_ms']:.1f} | {p['median_ms'] / o['median_ms']:.2f}x | "
                    f"{p['median_ms'] / t['median_ms']:.2f}x |")
        out += ["", "Ready (s): " + ", ".join(f"{k} {v:.1f}" for k, v in r["ready_s"].items()),
                "", "| runaway test | queries | statuses | all answered s | RSS before MB | "
                "peak MB | after MB | CPU cores 1 s after | 3 s after |",
                "|---|---|---|---|---|---|---|---|---|"]
        for label, w in r["runaway"].items():
            out.append(f"| {label} | {w['count']} | {w['statuses']} | {w['answered_s']:.1f} | "
                       f"{w['rss_before_mb']:.0f} | {w['rss_peak_mb']:.0f} | "
                       f"{w['rss_after_mb']:.0f} | {w['cpu_after_1s']:.2f} | "
                       f"{w['cpu_after_3s']:.2f} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="sample,1e5")
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--requests", type=int, default=200, help="requests per figure")
    parser.add_argument("--rounds", type=int, default=5,
                        help="the servers take turns this many times per figure, each with "
                             "requests/rounds requests (medians of the rounds)")
    parser.add_argument("--runaways", type=int, default=6, help="runaway queries at once")
    parser.add_argument("--timeout", type=float, default=3.0, help="the services' query timeout")
    parser.add_argument("--snapshot-repeat", type=int, default=3,
                        help="repetitions of each snapshot step (medians)")
    parser.add_argument("--step-repeat", type=int, default=300,
                        help="repetitions of each per-request step (medians)")
    parser.add_argument("--only-steps", action="store_true",
                        help="measure the per-request steps only, no servers")
    parser.add_argument("--only-snapshot", action="store_true",
                        help="measure the snapshot steps only, no servers")
    parser.add_argument("--only-fairness", action="store_true",
                        help="measure only an ordinary query's latency from another client "
                             "while --fairness runaway queries are in")
    parser.add_argument("--fairness", type=int, default=20,
                        help="runaway queries for --only-fairness")
    opts = parser.parse_args(argv)
    opts.clients = [int(c) for c in opts.clients.split(",")]
    results: dict = {"command": "python benchmarks/isolation.py " + " ".join(argv or sys.argv[1:]),
                     "scales": {}}
    for scale in opts.scales.split(","):
        print(f"isolation: {scale}", file=sys.stderr, flush=True)
        results["scales"][scale] = bench(scale, opts)
        OUT.mkdir(exist_ok=True)
        (OUT / "isolation.json").write_text(json.dumps(results, indent=1))
    text = report(results)
    (OUT / "isolation.md").write_text(text + "\n")
    print(text)
    return results


if __name__ == "__main__":
    main()
