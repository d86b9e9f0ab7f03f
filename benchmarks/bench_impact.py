"""Impact analysis run time on the sample organization and on a synthetic organization graph.

    python benchmarks/bench_impact.py [--scale 1e5] [--repeat 3]

Times the library call (graph projection + traversal) for the shipped change sets, medians over
fresh stores; the synthetic graph is written by benchmarks/synthetic.py as for bench_store.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def timed(data: Path, change: Path, repeat: int) -> tuple[float, int, int]:
    from aimsgraph import open_store
    from aimsgraph.changes import load_change_set
    from aimsgraph.impact import impact

    runs, hits = [], 0
    for _ in range(repeat):
        store = open_store([data])
        change_set = load_change_set(change, store)
        start = time.perf_counter()
        hits = len(impact(store, change_set))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), hits, len(store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1e5")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from synthetic import catalog_controls, generate

    from aimsgraph.catalog import shipped_sources

    scale = int(float(args.scale))
    synthetic = HERE / "out" / f"org-{scale}.nt"
    synthetic.parent.mkdir(exist_ok=True)
    if not synthetic.exists():
        controls = catalog_controls([s.path for s in shipped_sources() if s.kind == "framework"])
        synthetic.write_text(generate(scale, controls))
    print("| graph | change set | quads | impacted items | median s |\n|---|---|---|---|---|")
    for label, data in (("sample organization", ROOT / "examples" / "acme-lending"),
                        (f"synthetic, {scale:,} organization triples", synthetic)):
        for change in sorted((ROOT / "changes").glob("*.yaml")):
            seconds, hits, quads = timed(data, change, args.repeat)
            print(f"| {label} | {change.stem} | {quads:,} | {hits:,} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
