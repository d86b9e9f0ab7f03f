"""Load and query figures for the embedded store: rdflib's in-memory Dataset vs Oxigraph.

    python benchmarks/bench_store.py [--scales 1e4,1e5] [--repeat 3]

For each scale, a seeded synthetic organization graph (benchmarks/synthetic.py) is written beside
the shipped catalogs; each engine then loads everything (one named graph per file) and runs the
same queries, in a fresh process per repetition so that peak memory is its own. Figures are
medians over the repetitions; ratios are rdflib / Oxigraph, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUERIES = {
    "provisions of ISO/IEC 42001 (named query)": "provisions",
    "provisions per framework and kind (named query)": "provision-counts",
    "gap: applicable SoA lines without evidence (FILTER NOT EXISTS)": """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        SELECT ?line WHERE { ?line a aims:ControlImplementation ; aims:applicable true .
          FILTER NOT EXISTS { ?e aims:supports ?line } }""",
    "gap: applicable SoA lines without evidence (MINUS)": """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        SELECT ?line WHERE { ?line a aims:ControlImplementation ; aims:applicable true .
          MINUS { ?e aims:supports ?line } }""",
    "AI systems with their owners and risk count": """
        PREFIX aims: <https://w3id.org/aimsgraph/ontology#>
        SELECT ?s ?owner (COUNT(?r) AS ?risks) WHERE { ?s a aims:AISystem ; aims:owner ?owner .
          ?r aims:concernsSystem ?s ; a aims:Risk } GROUP BY ?s ?owner""",
}


def rdf_inputs(out_dir: Path) -> list[Path]:
    """The shipped sources as RDF files both engines parse: Turtle as is, crosswalks converted."""
    from aimsgraph.catalog import shipped_sources
    from aimsgraph.store import parse_file

    files = []
    for source in shipped_sources():
        if source.path.suffix == ".ttl":
            files.append(source.path)
            continue
        converted = out_dir / f"{source.path.name}.nt"
        quads = parse_file(source.path, source.graph)
        converted.write_text("".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads))
        files.append(converted)
    return files


def worker(engine: str, data: Path) -> dict:
    from aimsgraph.namespaces import PREFIXES
    from aimsgraph.queries import QueryCatalog
    from aimsgraph.store import GraphStore, Source

    named = QueryCatalog()
    files = [*rdf_inputs(data.parent), data]
    start = time.perf_counter()
    if engine == "oxigraph":
        store = GraphStore()
        store.load([Source(f, f"urn:x-bench:{f.parent.name}/{f.name}") for f in files])
        triples = len(store)

        def run(text: str, bindings: dict) -> int:
            return len(store.query(text, bindings))
    else:
        import rdflib
        dataset = rdflib.Dataset(default_union=True)
        for f in files:
            fmt = "turtle" if f.suffix == ".ttl" else "nt"
            graph = rdflib.URIRef(f"urn:x-bench:{f.parent.name}/{f.name}")
            dataset.graph(graph).parse(f, format=fmt)
        triples = len(list(dataset.quads()))

        def run(text: str, bindings: dict) -> int:
            init = {k: rdflib.term.URIRef(v.value) for k, v in bindings.items()}
            return len(list(dataset.query(text, initNs=PREFIXES, initBindings=init)))
    load = time.perf_counter() - start
    timings, rows = {}, {}
    for label, query in QUERIES.items():
        text, bindings = query, {}
        if query in named.names():
            q = named.get(query)
            text, bindings = q.text, q.bindings({})
        t0 = time.perf_counter()
        rows[label] = run(text, bindings)
        timings[label] = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load": load, "peak_mb": peak_mb, "triples": triples, "queries": timings, "rows": rows}


def measure(engine: str, data: Path, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--worker", engine, str(data)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    return {
        "load": statistics.median(r["load"] for r in runs),
        "peak_mb": statistics.median(r["peak_mb"] for r in runs),
        "triples": runs[0]["triples"],
        "rows": runs[0]["rows"],
        "queries": {q: statistics.median(r["queries"][q] for r in runs) for q in QUERIES},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1e4,1e5",
                        help="organization triples per scale, comma-separated (default 1e4,1e5)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--worker", nargs=2, metavar=("ENGINE", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return

    from synthetic import catalog_controls, generate

    from aimsgraph.catalog import shipped_sources

    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    controls = catalog_controls([s.path for s in shipped_sources() if s.kind == "framework"])
    print(f"median of {args.repeat} fresh processes per figure; ratio = rdflib / Oxigraph\n")
    for scale in (int(float(s)) for s in args.scales.split(",")):
        data = out_dir / f"org-{scale}.nt"
        data.write_text(generate(scale, controls))
        results = {e: measure(e, data, args.repeat) for e in ("rdflib", "oxigraph")}
        rd, ox = results["rdflib"], results["oxigraph"]
        assert rd["rows"] == ox["rows"], f"engines disagree: {rd['rows']} vs {ox['rows']}"
        print(f"## {ox['triples']:,} quads ({scale:,} organization triples + shipped catalogs)")
        print("| work | rdflib | Oxigraph | ratio |\n|---|---|---|---|")
        print(f"| load, s | {rd['load']:.3f} | {ox['load']:.3f} | {rd['load'] / ox['load']:.1f}x |")
        print(f"| peak memory, MB | {rd['peak_mb']:.0f} | {ox['peak_mb']:.0f} | "
              f"{rd['peak_mb'] / ox['peak_mb']:.1f}x |")
        for q in QUERIES:
            a, b = rd["queries"][q], ox["queries"][q]
            print(f"| {q} ({ox['rows'][q]} rows), s | {a:.4f} | {b:.4f} | {a / b:.1f}x |")
        print()


if __name__ == "__main__":
    main()
