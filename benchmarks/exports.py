"""Exports: size and time of the compacted JSON-LD export against the expanded JSON-LD the
engine writes (what the export was before), and of the OSCAL and CISO Assistant exports, in the
same run. Medians over --repeat runs in this process; nothing is asserted.

    .venv/bin/python benchmarks/exports.py --repeat 5
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from aimsgraph import open_store
from aimsgraph.exchange import export_folder
from aimsgraph.formats import rdf_format

ROOT = Path(__file__).resolve().parents[1]


def timed(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    print("| data | export | bytes | median s | vs expanded JSON-LD |")
    print("|---|---|---|---|---|")
    for label, data in (("shipped graph", []),
                        ("shipped + acme-lending", [ROOT / "examples" / "acme-lending"])):
        store = open_store(data)

        def expanded(store=store) -> int:
            out = io.BytesIO()
            store._engine.dump(out, rdf_format("jsonld"), None)  # the engine's expanded form
            return len(out.getvalue())

        def compacted(store=store) -> int:
            out = io.BytesIO()
            store.dump(out, rdf_format("jsonld"))
            return len(out.getvalue())

        def folder(fmt: str, store=store) -> Callable[[], int]:
            return lambda: sum(len(b) for b in export_folder(store, fmt).values())

        base_time, base_size = timed(expanded, opts.repeat)
        print(f"| {label} | JSON-LD expanded (before) | {base_size:,} | {base_time:.3f} | 1 |")
        for name, run in (("JSON-LD compacted", compacted),
                          ("OSCAL catalogs", folder("oscal-catalog")),
                          ("CISO Assistant libraries", folder("ciso-assistant"))):
            seconds, size = timed(run, opts.repeat)
            print(f"| {label} | {name} | {size:,} | {seconds:.3f} | "
                  f"size {base_size / size:.2f}x smaller, time {seconds / base_time:.2f}x |")


if __name__ == "__main__":
    main()
