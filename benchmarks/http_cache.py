"""What conditional GET and gzip save on the REST resources (issue 17), measured in one run.

For each resource: the median time of a full GET (200, the body rendered and validated against
its model) next to a revalidation with the ETag (304), and the body's size as sent plain next
to gzip. In-process (Starlette's TestClient, no network), the sample organization by default.

    .venv/bin/python benchmarks/http_cache.py [--data examples/acme-lending] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from fastapi.testclient import TestClient

from aimsgraph import open_store
from aimsgraph.paths import data_root
from aimsgraph.server import ServerSettings, create_app

RESOURCES = ["/frameworks", "/frameworks/iso-iec-42001-2023/provisions", "/mappings",
             "/mappings?limit=5000", "/coverage?have=iso42001&want=aiact", "/systems",
             "/systems/credit-scoring", "/validation", "/soa",
             "/impact?changeset=eu-ai-act-digital-omnibus-2025", "/ims/soa", "/"]


def median_seconds(call, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_root() / "examples" / "acme-lending")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    client = TestClient(create_app(ServerSettings(), open_store([args.data])),
                        base_url="http://localhost")
    print("| resource | 200 GET ms | 304 ms | ratio | plain bytes | gzip bytes | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in RESOURCES:
        first = client.get(path)  # warm: what the store caches is computed once per state
        assert first.status_code == 200, (path, first.text[:200])
        tag = first.headers["etag"]
        full = median_seconds(lambda p=path: client.get(p, headers={
            "Accept-Encoding": "identity"}), args.repeat)
        cached = median_seconds(lambda p=path, t=tag: client.get(p, headers={
            "If-None-Match": t}), args.repeat)
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as zipped:
            sent = len(b"".join(zipped.iter_raw()))
        print(f"| `{path}` | {full * 1000:.1f} | {cached * 1000:.2f} | {full / cached:.0f}x "
              f"| {len(plain.content):,} | {sent:,} | {len(plain.content) / sent:.1f}x |")


if __name__ == "__main__":
    main()
