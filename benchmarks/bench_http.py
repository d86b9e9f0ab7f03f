"""Throughput of a typical named query over HTTP with concurrent clients, next to the same query
run in-process, measured in the same run.

    python benchmarks/bench_http.py [--clients 1,4,8] [--requests 400]

Starts `aimsgraph serve` with the sample organization on a free loopback port; each client is a
thread with its own HTTP connection. Prints requests per second and median / 95th percentile
latency, and the ratio to the in-process rate.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PATH = "/queries/obligations-by-role?role=https://w3id.org/dpv/legal/eu/aiact%23AIDeployer"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_process(requests: int) -> float:
    from aimsgraph import QueryCatalog, open_store
    from aimsgraph.formats import result_format

    store = open_store([ROOT / "examples" / "acme-lending"])
    query = QueryCatalog().get("obligations-by-role")
    values = {"role": "https://w3id.org/dpv/legal/eu/aiact#AIDeployer"}
    fmt = result_format("json")
    start = time.perf_counter()
    for _ in range(requests):
        query.run(store, values).serialize(fmt)
    return requests / (time.perf_counter() - start)


def over_http(url: str, clients: int, requests: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for _ in range(per_client):
                t0 = time.perf_counter()
                response = http.get(PATH, headers={"Accept": "application/sparql-results+json"})
                response.raise_for_status()
                with lock:
                    latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,8")
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    port = free_port()
    aimsgraph = Path(sys.executable).with_name("aimsgraph")
    server = subprocess.Popen([str(aimsgraph), "serve", "--port", str(port), "--data",
                               str(ROOT / "examples" / "acme-lending")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{url}/queries", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        over_http(url, 1, 20)  # warm up
        baseline = in_process(args.requests)
        print(f"query: GET {PATH}\n")
        print("| clients | requests/s | median ms | p95 ms | in-process requests/s | ratio |")
        print("|---|---|---|---|---|---|")
        for clients in (int(c) for c in args.clients.split(",")):
            rate, latencies = over_http(url, clients, args.requests)
            ordered = sorted(latencies)
            p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
            print(f"| {clients} | {rate:.0f} | {statistics.median(latencies) * 1000:.1f} | "
                  f"{p95:.1f} | {baseline:.0f} | {baseline / rate:.1f}x |")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
