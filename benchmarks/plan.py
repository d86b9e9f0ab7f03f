"""The action plan's cost next to the validation it builds on, measured in the same run.

    .venv/bin/python benchmarks/plan.py --scales sample,1e4,1e5 --repeat 5

For each organization (the sample, or a seeded synthetic one of about N triples, written by
synthetic.py): the median of ``validate`` (the baseline: the plan needs the findings), of
``action_plan`` given those findings (what the plan adds: classification, reach, the records) and
of ``action_plan`` alone (both). The store's memo is cleared before each call; the derived
classification graph stays (validate builds it once per view of the law, as the service does).
Prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from aimsgraph.catalog import open_store  # noqa: E402
from aimsgraph.plan import action_plan  # noqa: E402
from aimsgraph.validation import validate  # noqa: E402

AS_OF = date(2026, 12, 4)


def median(run, repeat: int, store) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        store._memo.clear()  # nothing memoized from the run before
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="sample,1e4")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| organization | actions | validate s | plan given findings s | ratio | plan alone s"
          " | ratio |\n|---|---|---|---|---|---|---|")
    for scale in args.scales.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if scale == "sample":
                folder = ROOT / "examples" / "acme-lending"
            else:
                import synthetic

                base = open_store()
                folder = synthetic.write_organization(
                    Path(tmp) / "org", synthetic.systems_for(int(float(scale))),
                    synthetic.catalog_controls(base), defects=True)
            store = open_store([folder])
            found = validate(store, as_of=AS_OF)
            plan = action_plan(store, AS_OF, findings=found)
            v = median(lambda s=store: validate(s, as_of=AS_OF), args.repeat, store)
            p = median(lambda s=store, f=found: action_plan(s, AS_OF, findings=f), args.repeat,
                       store)
            a = median(lambda s=store: action_plan(s, AS_OF), args.repeat, store)
            print(f"| {scale} | {len(plan.actions)} | {v:.2f} | {p:.2f} | {p / v:.2f} | "
                  f"{a:.2f} | {a / v:.2f} |", flush=True)


if __name__ == "__main__":
    main()
