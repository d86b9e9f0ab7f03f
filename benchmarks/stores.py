"""The same work on each store, in one run: embedded Oxigraph, Oxigraph server and Virtuoso.

    python benchmarks/stores.py [--scale 1e5] [--repeat 3]

A seeded synthetic organization (benchmarks/synthetic.py) of about ``scale`` triples with the
shipped catalogs is loaded into each store (Oxigraph server and Virtuoso started on loopback
with a fresh database: `oxigraph` from the test extra, Debian's `virtuoso-opensource`, the
throwaway set-up of tests/virtuoso.py); then every named query, validation and an impact run
(the AI Act Digital Omnibus change set) are timed, medians of ``--repeat`` runs, with the ratio
to the embedded store. Answers are compared too: a row marked "differs" is a bug. The load
average is printed with the table: the figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import catalog_controls, systems_for, write_organization  # noqa: E402

from aimsgraph import open_store  # noqa: E402
from aimsgraph.changes import load_change_set  # noqa: E402
from aimsgraph.errors import StoreError  # noqa: E402
from aimsgraph.history import PROTECTED_GRAPHS  # noqa: E402
from aimsgraph.impact import impact  # noqa: E402
from aimsgraph.queries import QueryCatalog  # noqa: E402
from aimsgraph.store import MANIFEST_GRAPH  # noqa: E402
from aimsgraph.validation import validate  # noqa: E402

AS_OF = date(2026, 11, 27)
#: values for the parameters without a default, with answers in the catalogs
EXAMPLE_VALUES = {"notation": "A.6.2.4", "text": "impact assessment",
                  "role": "https://w3id.org/dpv/legal/eu/aiact#AIDeployer"}
CHANGE_SET = ROOT / "changes" / "eu-ai-act-digital-omnibus-2025.yaml"
#: graphs only a persistent store holds (see measure)
OWN_GRAPHS = {MANIFEST_GRAPH, *PROTECTED_GRAPHS}


def timed(work, repeat: int, label: str = ""):  # type: ignore[no-untyped-def]
    """(median seconds, the answer); a store that fails the work gives (None, what it said), so
    the table names the work a store cannot do and the run goes on with the rest. Each step's
    time goes to stderr as it ends (a 10^6 run takes long; this shows where)."""
    runs, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            value = work()
        except StoreError as err:
            print(f"  {label}: failed after {time.perf_counter() - start:.1f} s: {err}",
                  file=sys.stderr, flush=True)
            return None, f"failed: {err}"
        runs.append(time.perf_counter() - start)
    print(f"  {label}: {statistics.median(runs):.3f} s", file=sys.stderr, flush=True)
    return statistics.median(runs), value


def measure(store_arg, data: Path, repeat: int) -> dict:  # type: ignore[no-untyped-def]
    results: dict[str, tuple[float, object]] = {}
    start = time.perf_counter()
    store = open_store([data], store=store_arg)
    results["load"] = (time.perf_counter() - start, len(store))
    print(f"{store_arg or 'embedded'}: loaded {results['load'][1]} quads in "
          f"{results['load'][0]:.1f} s", file=sys.stderr, flush=True)
    for named in QueryCatalog():
        values = {p.name: p.default or EXAMPLE_VALUES.get(p.name, "") for p in named.parameters}

        def rows(named=named, values=values):  # type: ignore[no-untyped-def]
            # GROUP_CONCAT order is the engine's; the manifest and the audit trail (history and
            # state graphs: graph-sizes) are a persistent store's own, the embedded store here is
            # in memory and keeps neither (tests/test_stores.py leaves them out the same way)
            return sorted(tuple(sorted(re.split(r"[;,]? ", t.value)) if t is not None else None
                                for t in row) for row in named.run(store, values).rows
                          if not any(t is not None and t.value in OWN_GRAPHS for t in row))

        results["query " + named.name] = timed(rows, repeat, named.name)
    results["validation"] = timed(lambda: sorted(
        (f.location, f.message) for f in validate(store, as_of=AS_OF)), 1, "validation")
    results["impact"] = timed(lambda: sorted(
        (i.item, i.kind) for i in impact(store, load_change_set(CHANGE_SET, store), AS_OF)),
        1, "impact")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1e5)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.test_stores import oxigraph_server
    from tests.virtuoso import running_virtuoso, unavailable

    work = Path(tempfile.mkdtemp(prefix="aims-stores-"))
    try:
        catalogs = open_store()
        data = write_organization(work / "org", systems_for(int(opts.scale)),
                                  catalog_controls(catalogs))
        table = {"embedded": measure(None, data, opts.repeat)}
        with oxigraph_server(work / "ox") as url:
            table["oxigraph server"] = measure(url, data, opts.repeat)
        if not unavailable():
            with running_virtuoso(work / "virtuoso", max_seconds=0,
                                  buffers=50_000) as server:
                os.environ.update(server.env)
                table["virtuoso"] = measure(server.url, data, opts.repeat)
        print_table(table, opts)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(table: dict, opts: argparse.Namespace) -> None:
    engines = list(table)
    base = table["embedded"]
    print(f"scale {opts.scale:g}: {base['load'][1]} quads in the embedded store; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; medians of {opts.repeat}")
    print("| work | " + " | ".join(engines) + " | " +
          " | ".join(f"{e} / embedded" for e in engines[1:]) + " |")
    print("|---" * (2 * len(engines)) + "|")
    for key in base:
        cells = [f"{table[e][key][0]:.3f} s" if table[e][key][0] is not None
                 else str(table[e][key][1]) for e in engines]
        ratios = []
        for e in engines[1:]:
            seconds, answer = table[e][key]
            if seconds is None or base[key][0] is None:
                ratios.append("-")
                continue
            same = key == "load" or answer == base[key][1]
            ratios.append(f"{seconds / max(base[key][0], 1e-6):.1f}x"
                          + ("" if same else " (differs)"))
        print(f"| {key} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")


if __name__ == "__main__":
    main()
