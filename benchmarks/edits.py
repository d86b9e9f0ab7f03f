"""Edits of the organization's data: what a checked edit costs, beside the raw write it makes.

    python benchmarks/edits.py [--scales sample,1e4] [--edits 9]

For each scale (``sample``: examples/acme-lending; a number: the synthetic organization of
benchmarks/run.py, as its CSV folder) one store is loaded, and one SoA line's owner is changed
back and forth ``--edits`` times:

- ``edit (library)``: ``plan_edit`` (the importer's checks on the changed rows, the coverage
  shapes on a copy of the store) and ``apply_edit`` (the commit and the derived classification),
  with the findings before the edit known, as the service keeps them;
- ``edit (HTTP)``: ``PATCH /soa/{line}`` in-process (FastAPI TestClient, SPARQL in worker
  processes, so each edit also publishes a snapshot for them), one GET for the version between;
- parts of the edit: copying the store, validating the copy;
- baseline, same run: the same quads written with ``GraphStore.change`` (one SPARQL Update, no
  checks).

Medians in seconds, with edits per second and the ratio to the baseline. Results:
benchmarks/out/edits.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))


def folder_for(scale: str) -> Path:
    if scale == "sample":
        return ROOT / "examples" / "acme-lending"
    from run import prepare_data

    prepare_data(int(float(scale)))
    return OUT / f"org-{int(float(scale))}"


def timed(work) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def bench(scale: str, edits: int) -> dict:
    from fastapi.testclient import TestClient

    from aimsgraph import open_store
    from aimsgraph.edits import Edit, apply_edit, list_records, people, plan_edit
    from aimsgraph.law import law_view
    from aimsgraph.server import ServerSettings, auth, create_app
    from aimsgraph.store import DERIVED_PREFIX
    from aimsgraph.validation import validate

    folder = folder_for(scale)
    store = open_store([folder])
    law = law_view(store, None)
    line = next(r for r in list_records(store, "soa") if r.row["owner"])
    owners = [line.row["owner"], next(p for p, _ in people(store) if p != line.row["owner"])]
    quads = len(store)

    findings = validate(store, law=law)
    library, raw = [], []
    for i in range(edits):
        owner = owners[(i + 1) % 2]
        current = next(r for r in list_records(store, "soa") if r.id == line.id)
        held: dict = {}

        def edit() -> None:
            change = plan_edit(store, Edit("soa", line.id, "change", {"owner": owner}),  # noqa: B023
                               if_match=current.etag, law=law, before=findings)  # noqa: B023
            apply_edit(store, change, actor="bench", message=None, address=None, law=law)
            held["change"] = change  # noqa: B023

        library.append(timed(edit))
        findings = held["change"].validation
        # the baseline writes the same quads back and forth, unchecked
        change = held["change"]
        raw.append(timed(lambda c=change: store.change(added=c.removed, removed=c.added)))
        raw.append(timed(lambda c=change: store.change(added=c.added, removed=c.removed)))

    derived = [s.graph for s in store.sources if s.graph.startswith(DERIVED_PREFIX)]
    copying = [timed(lambda: store.copy(without=derived)) for _ in range(3)]
    staging = store.copy(without=derived)
    validating = [timed(lambda: validate(staging, law=law)) for _ in range(3)]

    app = create_app(ServerSettings(workers=1), open_store([folder]))
    app.dependency_overrides[auth.current_principal] = lambda: auth.Principal("bench", "editor")
    http = []
    with TestClient(app, base_url="http://localhost") as client:
        client.get("/validation")  # findings known, as on a service that has been read
        for i in range(edits):
            etag = client.get(f"/soa/{line.id}").headers["etag"]
            body = {"owner": owners[(i + 1) % 2]}

            def patch(body=body, etag=etag) -> None:  # type: ignore[no-untyped-def]
                answer = client.patch(f"/soa/{line.id}", json=body, headers={"If-Match": etag})
                assert answer.status_code == 200, answer.text

            http.append(timed(patch))

    med = statistics.median
    return {"scale": scale, "quads": quads, "edits": edits,
            "edit_library_s": med(library), "edit_http_s": med(http),
            "copy_store_s": med(copying), "validate_copy_s": med(validating),
            "baseline_raw_update_s": med(raw)}


def report(rows: list[dict]) -> str:
    lines = ["| scale | quads | edit, library (s) | edits/s | edit, HTTP (s) | edits/s | "
             "copy store (s) | validate copy (s) | raw update (s) | edit / raw |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['scale']} | {r['quads']:,} | {r['edit_library_s']:.3f} | "
            f"{1 / r['edit_library_s']:.2f} | {r['edit_http_s']:.3f} | "
            f"{1 / r['edit_http_s']:.2f} | {r['copy_store_s']:.3f} | "
            f"{r['validate_copy_s']:.3f} | {r['baseline_raw_update_s']:.4f} | "
            f"{r['edit_library_s'] / r['baseline_raw_update_s']:.0f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="sample,1e4")
    parser.add_argument("--edits", type=int, default=9, help="edits per figure (median)")
    opts = parser.parse_args()
    rows = [bench(scale.strip(), opts.edits) for scale in opts.scales.split(",")]
    OUT.mkdir(exist_ok=True)
    (OUT / "edits.json").write_text(json.dumps(rows, indent=1))
    print(report(rows))


if __name__ == "__main__":
    main()
