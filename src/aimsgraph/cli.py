"""The ``aimsgraph`` command: parses arguments, calls the library, maps results to exit codes.

Exit codes: 0 success; 1 findings (``check`` found violations); 2 usage or input error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO

from . import __version__
from .catalog import open_store
from .changes import diff_editions, load_change_set, what_if
from .checks import run_checks
from .classification import classify
from .coverage import LEVEL, MappingGraph, coverage, describe_path, resolve_framework
from .errors import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    AimsgraphError,
    UnknownFormatError,
    UsageError,
)
from .exchange import MAPPING_FORMATS, export_mappings
from .formats import RDF_FORMATS, RESULT_FORMATS, rdf_format, result_format
from .impact import ORGANIZATION_KINDS, control_leverage, impact, impacts_csv, migrate_soa
from .ims import VIEWS as IMS_VIEWS
from .namespaces import FRAMEWORKS
from .paths import data_path
from .progress import LoadProgress
from .queries import QueryCatalog
from .reports import (
    gap_report,
    implemented_controls,
    rows_csv,
    rows_markdown,
    rows_xlsx,
    soa_csv,
    soa_markdown,
    soa_rows,
    soa_xlsx,
)
from .results import format_table, render_table
from .stats import collect_stats
from .store import GraphStore, Source
from .validation import validate, validate_mapping_file, validation_report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aimsgraph",
        description="Knowledge-graph compliance mapping for AI management systems.",
        epilog="Exit codes: 0 success, 1 findings (check), 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"aimsgraph {__version__}")
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--data", metavar="PATH", type=Path, action="append", default=[],
                      help="an RDF file or folder of your own to load beside the shipped "
                           "catalogs (repeatable)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stats = sub.add_parser("stats", parents=[data], help="provisions per framework and kind, "
                           "triples per graph")
    stats.add_argument("--format", default="table", choices=["table", "csv", "json"])

    query = sub.add_parser("query", parents=[data],
                           help="run a named query (see --list) or a .rq file")
    query.add_argument("name", nargs="?",
                       help="a named query from queries/, or a path to a .rq file")
    query.add_argument("--param", "-p", metavar="NAME=VALUE", action="append", default=[],
                       help="a query parameter (repeatable); see --list for each query's")
    query.add_argument("--format", default="table",
                       help="SELECT/ASK: " + ", ".join(f.name for f in RESULT_FORMATS)
                       + "; CONSTRUCT/DESCRIBE: " + ", ".join(f.name for f in RDF_FORMATS)
                       + " (default: table, or turtle for graphs)")
    query.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")
    query.add_argument("--list", action="store_true", help="list the named queries and exit")

    check = sub.add_parser("check", parents=[data],
                           help="QC queries (queries/qc/*-violation.rq must return no rows) and "
                                "SHACL shapes (ontology/shapes/)")
    check.add_argument("--format", default="table", choices=["table", "json"])

    cover = sub.add_parser("coverage", parents=[data],
                           help="compliance transfer: which provisions of a framework what you "
                                "have already covers, with the mapping path behind each")
    cover.add_argument("--have", required=True, metavar="FRAMEWORK[,FRAMEWORK]",
                       help="frameworks you satisfy: " + ", ".join(FRAMEWORKS)
                       + "; 'implemented' for the controls your organization data marks "
                         "implemented")
    cover.add_argument("--want", required=True, metavar="FRAMEWORK",
                       help="the framework to cover")
    cover.add_argument("--max-hops", type=int, default=3,
                       help="longest chain of mappings to follow (default 3)")
    cover.add_argument("--only", metavar="LEVEL[,LEVEL]",
                       help="show only these levels: full, partial, none")
    cover.add_argument("--format", default="table", choices=["table", "csv", "json"])

    export = sub.add_parser("export", parents=[data],
                            help="write the whole loaded graph, or its crosswalks")
    export.add_argument("--format", required=True, metavar="FORMAT",
                        help="the graph: " + ", ".join(f.name for f in RDF_FORMATS)
                        + "; the crosswalks: " + ", ".join(MAPPING_FORMATS))
    export.add_argument("--output", "-o", type=Path, help="write to this file instead of stdout")

    org = argparse.ArgumentParser(add_help=False)
    org.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="the date to evaluate obligations and evidence age on (default today)")

    classify_cmd = sub.add_parser("classify", parents=[data, org],
                                  help="AI Act risk class of each AI system and the obligations "
                                       "for the organization's roles, with the reasons")
    classify_cmd.add_argument("--format", default="table", choices=["table", "json"])

    valid = sub.add_parser("validate", parents=[data, org],
                           help="SHACL coverage validation of the organization's data, grouped "
                                "by AI system and by clause")
    valid.add_argument("--evidence-months", type=int, default=12,
                       help="oldest acceptable evidence, in months (default 12)")
    valid.add_argument("--json", type=Path, metavar="FILE", help="also write the findings as JSON")
    valid.add_argument("--report", type=Path, metavar="FILE.ttl",
                       help="also write the SHACL validation report as Turtle")

    soa = sub.add_parser("soa", parents=[data], help="write the Statement of Applicability")
    soa.add_argument("--format", default="csv", choices=["csv", "xlsx", "md"])
    soa.add_argument("--output", "-o", type=Path, help="the file (required for xlsx)")

    gaps = sub.add_parser("gaps", parents=[data, org],
                          help="what is missing per AI system and per framework, and the "
                               "controls that would close the most")
    gaps.add_argument("--format", default="table", choices=["table", "json"])
    gaps.add_argument("--top", type=int, default=10, help="how many candidate controls")

    load = sub.add_parser("import", help="check an organization's data (a folder of CSV files, "
                                         "or RDF) against the catalogs and convert it to RDF")
    load.add_argument("path", type=Path, help="a folder with organization.csv, or an RDF file")
    load.add_argument("--output", "-o", type=Path, help="write the data as Turtle to this file")

    diff = sub.add_parser("diff", help="derive the change set between two editions of a "
                                       "framework (e.g. iso27001-2013 iso27001)")
    diff.add_argument("old", help="the old edition (framework key or IRI)")
    diff.add_argument("new", help="the new edition")
    diff.add_argument("--output", "-o", type=Path, help="write the YAML here (default stdout)")

    imp_cmd = sub.add_parser("impact", parents=[data, org],
                             help="what a change set (or a single provision) affects: controls, "
                                  "AI systems, evidence, risks and owners, with paths")
    imp_cmd.add_argument("changeset", nargs="?", type=Path, help="a change set (changes/*.yaml)")
    imp_cmd.add_argument("--provision", metavar="FRAMEWORK:NUMBER",
                         help="what if this provision changed (e.g. 'aiact:Article 10(2)')")
    imp_cmd.add_argument("--json", type=Path, metavar="FILE", help="also write JSON")
    imp_cmd.add_argument("--csv", type=Path, metavar="FILE", help="also write CSV")
    imp_cmd.add_argument("--all", action="store_true",
                         help="list catalog provisions too, not only organization items")

    mig = sub.add_parser("migrate", parents=[data],
                         help="propose the organization's SoA for the new edition of an edition "
                              "change set")
    mig.add_argument("changeset", type=Path, help="an edition change set (changes/*.yaml)")
    mig.add_argument("--format", default="csv", choices=["csv", "md"])
    mig.add_argument("--output", "-o", type=Path)

    lev = sub.add_parser("leverage", parents=[data],
                         help="controls ranked by how many provisions across frameworks they "
                              "serve: implement first, most critical to keep")
    lev.add_argument("--top", type=int, default=15)
    lev.add_argument("--format", default="table", choices=["table", "json"])

    ims_cmd = sub.add_parser("ims", parents=[data],
                             help="integrated management system views across ISO/IEC 42001, "
                                  "27001 and 27701")
    ims_cmd.add_argument("--view", default="backbone", choices=sorted(IMS_VIEWS))
    ims_cmd.add_argument("--format", default="md", choices=["md", "csv", "xlsx"])
    ims_cmd.add_argument("--output", "-o", type=Path, help="the file (required for xlsx)")

    serve = sub.add_parser("serve", parents=[data],
                           help="run the HTTP service (REST + SPARQL 1.1 Protocol) on uvicorn")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                                                            "loopback)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--update-token", default=os.environ.get("AIMSGRAPH_UPDATE_TOKEN"),
                       help="allow SPARQL Update with 'Authorization: Bearer TOKEN' (default: "
                            "read-only; also AIMSGRAPH_UPDATE_TOKEN)")
    serve.add_argument("--query-timeout", type=float, default=30.0, help="seconds (default 30)")
    serve.add_argument("--max-rows", type=int, default=100_000, help="(default 100000)")
    serve.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                       help="an endpoint SERVICE/LOAD may reach (repeatable; default none)")
    serve.add_argument("--no-example", action="store_true",
                       help="without --data, serve only the catalogs (default: the sample "
                            "organization too)")

    api = sub.add_parser("openapi", help="write the service's OpenAPI document (api/openapi.json)")
    api.add_argument("--output", "-o", type=Path, help="the file (default: stdout)")

    imp = sub.add_parser("import-mappings",
                         help="check your own SSSOM crosswalk against the catalogs and convert it "
                              "to RDF; load it with --data FILE.sssom.tsv")
    imp.add_argument("file", type=Path, help="an SSSOM TSV file (.sssom.tsv)")
    imp.add_argument("--output", "-o", type=Path,
                     help="write the mappings (with derived inverses) as Turtle to this file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AimsgraphError as err:
        print(f"aimsgraph: error: {err}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # e.g. piped into `head`
        return EXIT_OK


def _store(args: argparse.Namespace) -> GraphStore:
    return open_store(args.data, progress=LoadProgress())


def cmd_stats(args: argparse.Namespace) -> int:
    stats = collect_stats(_store(args))
    if args.format == "json":
        payload = {
            "provisions": [vars(p) for p in stats.provisions],
            "graphs": [vars(g) for g in stats.graphs],
            "triples": stats.triples,
        }
        print(json.dumps(payload, indent=2))
    elif args.format == "csv":
        print("framework,kind,count")
        for p in stats.provisions:
            print(f'"{p.notation}",{p.kind},{p.count}')
    else:
        print(format_table(["framework", "kind", "provisions"],
                           [(p.notation, p.kind, str(p.count)) for p in stats.provisions]))
        print(format_table(["graph", "triples"], [(g.graph, str(g.triples)) for g in stats.graphs]),
              end="")
        print(f"\n{len(stats.graphs)} graphs, {stats.triples} triples")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    catalog = QueryCatalog()
    if args.list:
        for q in catalog:
            print(f"{q.name}\n    {q.title}. {q.description}")
            for p in q.parameters:
                default = f" (default {p.default})" if p.default else " (required)"
                print(f"    --param {p.name}=<{p.type}>{default}: {p.description}")
        return EXIT_OK
    if not args.name:
        raise UsageError("name a query or a .rq file; valid names: " + ", ".join(catalog.names()))
    named = catalog.resolve(args.name)
    values = dict(_split_param(p) for p in args.param)
    bindings = named.bindings(values)  # usage errors before the (slower) load
    result = _store(args).query(named.text, bindings)
    if result.kind == "graph":
        fmt = rdf_format("turtle" if args.format == "table" else args.format)
    else:
        fmt = result_format(args.format)
    _write(result.serialize(fmt), args.output)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    store = _store(args)
    results = run_checks(store)
    failed = [r for r in results if not r.passed]
    findings = validate(store)
    violations = [f for f in findings if f.severity == "Violation"]
    if args.format == "json":
        payload = {
            "checks": [{"check": r.check.name, "title": r.check.title, "passed": r.passed,
                        "findings": list(r.result.records())} for r in results],
            "shapes": [vars(f) for f in findings],
        }
        print(json.dumps(payload, indent=2))
    else:
        for r in results:
            mark = "ok  " if r.passed else "FAIL"
            print(f"{mark} {r.check.name}: {r.check.title}"
                  + ("" if r.passed else f" ({len(r.result)} findings)"))
            if not r.passed:
                print("     " + render_table(r.result).replace("\n", "\n     ").rstrip())
        for f in findings:
            print(f"{f.severity.upper()} {f}")
        print(f"\n{len(results)} checks, {len(failed)} failed; "
              f"SHACL: {len(violations)} violations, {len(findings) - len(violations)} other")
    return EXIT_FINDINGS if failed or violations else EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    have = [h.strip() for h in args.have.split(",") if h.strip()]
    use_implemented = "implemented" in have
    have = [h for h in have if h != "implemented"]
    only = {o.strip() for o in args.only.split(",")} if args.only else set(LEVEL.values())
    if not only <= set(LEVEL.values()) or args.max_hops < 1:
        raise UsageError("--only takes full, partial, none; --max-hops at least 1")
    for name in [*have, args.want]:
        resolve_framework(name)  # usage errors before the load
    store = _store(args)
    graph = MappingGraph(store)
    implemented = implemented_controls(store) if use_implemented else []
    if use_implemented and not implemented:
        raise UsageError("--have implemented needs organization data with implemented controls "
                         "(--data DIR)")
    rows = coverage(store, have, args.want, max_hops=args.max_hops, graph=graph,
                    have_provisions=implemented)
    shown = [r for r in rows if r.level in only]
    records = [{"notation": r.target.notation, "title": r.target.title, "coverage": r.level,
                "confidence": str(r.confidence) if r.confidence is not None else "",
                "path": describe_path(r, graph), "provision": r.target.iri} for r in shown]
    if args.format == "json":
        print(json.dumps(records, indent=2))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else
                                ["notation"])
        writer.writeheader()
        writer.writerows(records)
    else:
        print(format_table(["provision", "coverage", "path"],
                           [(r["notation"], r["coverage"], r["path"]) for r in records]), end="")
        counts = {level: sum(r.level == level for r in rows) for level in LEVEL.values()}
        print(f"\n{len(rows)} provisions: {counts['full']} full, {counts['partial']} partial, "
              f"{counts['none']} none")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.format in MAPPING_FORMATS:
        data = export_mappings(_store(args), args.format)
        _write(data, args.output)
        if args.output:
            print(f"wrote the crosswalks as {args.format} to {args.output}", file=sys.stderr)
        return EXIT_OK
    try:
        fmt = rdf_format(args.format)
    except UnknownFormatError:
        raise UnknownFormatError(args.format, [f.name for f in RDF_FORMATS]
                                 + list(MAPPING_FORMATS)) from None
    store = _store(args)
    if args.output is None:
        store.dump(sys.stdout.buffer, fmt)
        return EXIT_OK
    _atomic_write(args.output, lambda out: store.dump(out, fmt))
    print(f"wrote {len(store)} quads as {fmt.name} to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_classify(args: argparse.Namespace) -> int:
    results = classify(_store(args), args.as_of)
    if args.format == "json":
        print(json.dumps([{
            "system": c.system.iri, "name": c.system.name, "classes": c.classes,
            "riskLevels": c.risk_levels, "reasons": [str(r) for r in c.reasons],
            "obligations": [{"provision": o.notation, "title": o.title, "role": _local(o.role),
                             "applicableFrom": o.applicable_from.isoformat(),
                             "inForce": o.in_force, "openQuestions": list(o.open_questions)}
                            for o in c.obligations]} for c in results], indent=2))
        return EXIT_OK
    for c in results:
        print(f"{c.system.name}: {', '.join(c.classes)}")
        for reason in c.reasons:
            print(f"  because {reason}")
        applying = [o for o in c.obligations if o.applies]
        open_ = [o for o in c.obligations if not o.applies]
        rows = [(o.notation, _local(o.role), o.applicable_from.isoformat(),
                 "in force" if o.in_force else "not yet", o.title) for o in applying]
        if rows:
            print("  " + format_table(["provision", "role", "from", "status", "obligation"], rows)
                  .replace("\n", "\n  ").rstrip())
        for o in open_:
            print(f"  if {'; '.join(o.open_questions)}: {o.notation} {o.title} "
                  f"({_local(o.role)}, from {o.applicable_from})")
        print()
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    store = _store(args)
    findings, report = validation_report(store, as_of=args.as_of,
                                         evidence_months=args.evidence_months)
    violations = [f for f in findings if f.severity == "Violation"]
    for title, key in (("By AI system", lambda f: f.system or "organization-wide"),
                       ("By clause", lambda f: f.clause or "other")):
        print(f"{title}:")
        groups: dict[str, list] = {}
        for f in findings:
            groups.setdefault(key(f), []).append(f)
        for name in sorted(groups):
            items = groups[name]
            n = sum(f.severity == "Violation" for f in items)
            print(f"  {name}: {n} violation(s), {len(items) - n} warning(s)")
        print()
    for f in findings:
        print(f"{f.severity.upper()} {f}")
    print(f"\n{len(violations)} violations, {len(findings) - len(violations)} warnings")
    if args.json:
        _atomic_write(args.json, lambda out: out.write(
            json.dumps([vars(f) for f in findings], indent=2).encode()))
    if args.report:
        _atomic_write(args.report, lambda out: out.write(report.serialize(format="turtle")
                                                          .encode()))
    return EXIT_FINDINGS if violations else EXIT_OK


def cmd_soa(args: argparse.Namespace) -> int:
    rows = soa_rows(_store(args))
    if not rows:
        raise UsageError("no Statement of Applicability loaded: give --data with controls.csv")
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("--format xlsx needs --output FILE.xlsx")
        _atomic_write(args.output, lambda out: soa_xlsx(rows, out))
    else:
        text = soa_csv(rows) if args.format == "csv" else soa_markdown(rows)
        _write(text.encode(), args.output)
    if args.output:
        print(f"wrote {len(rows)} SoA lines to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace) -> int:
    store = _store(args)
    report = gap_report(store, validate(store, as_of=args.as_of), top=args.top)
    if args.format == "json":
        print(json.dumps({
            "bySystem": {k: [vars(f) for f in v] for k, v in report.by_system.items()},
            "byFramework": [vars(g) for g in report.by_framework],
            "cheapestControls": [vars(c) for c in report.cheapest]}, indent=2))
        return EXIT_OK
    print("Per AI system:")
    for system in sorted(report.by_system):
        print(f"  {system}:")
        for f in report.by_system[system]:
            print(f"    {f.severity.lower()}: {f.message} ({f.location})")
    print("\nPer framework (leaf provisions reached from implemented controls):")
    for g in report.by_framework:
        counts = ", ".join(f"{n} {level}" for level, n in sorted(g.counts.items()))
        print(f"  {g.notation}: {counts}")
    print("\nControls that would close the most open provisions:")
    print("  " + format_table(["control", "closes", "for example"],
                              [(c.control, str(c.closes), "; ".join(c.examples))
                               for c in report.cheapest]).replace("\n", "\n  ").rstrip())
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store([args.path])
    data = [s for s in store.sources if s.kind in ("data", "organization")]
    counts = store.query(
        "SELECT ?type (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?type } "
        f"FILTER(?g IN ({', '.join(f'<{s.graph}>' for s in data)})) }} GROUP BY ?type")
    summary = ", ".join(f"{r['n']} {_local(r['type'] or '')}" for r in counts.records())
    print(f"{args.path}: valid ({summary})")
    if args.output:
        graph = store.to_rdflib([s.graph for s in data])
        _atomic_write(args.output, lambda out: out.write(graph.serialize(format="turtle")
                                                         .encode()))
        print(f"wrote {len(graph)} triples to {args.output}", file=sys.stderr)
    return EXIT_OK


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # the library itself never imports the web stack

    from .server import ServerSettings, create_app

    if not args.data and not args.no_example:
        args.data = [data_path("examples", "acme-lending")]
        print(f"aimsgraph: no --data given: serving the sample organization {args.data[0]}",
              file=sys.stderr)
    settings = ServerSettings(data=tuple(args.data), update_token=args.update_token,
                              query_timeout=args.query_timeout, max_rows=args.max_rows,
                              service_allowlist=tuple(args.allow_service))
    store = _store(args)  # load (and fail on bad data) before listening
    print(f"aimsgraph: {len(store)} quads loaded; serving http://{args.host}:{args.port}/ "
          f"(SPARQL at /sparql, API docs at /docs)", file=sys.stderr)
    uvicorn.run(create_app(settings, store), host=args.host, port=args.port, log_level="info")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    change_set = diff_editions(open_store(), args.old, args.new)
    _write(change_set.to_yaml().encode(), args.output)
    if args.output:
        counts = Counter(c.kind for c in change_set.changes)
        print(f"wrote {len(change_set.changes)} changes ("
              + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
              + f") to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_impact(args: argparse.Namespace) -> int:
    if bool(args.changeset) == bool(args.provision):
        raise UsageError("name a change set file or --provision FRAMEWORK:NUMBER (one of them)")
    store = _store(args)
    if args.changeset:
        change_set = load_change_set(args.changeset, store)
    else:
        change_set = what_if(store, args.provision)
    impacts = impact(store, change_set, args.as_of)
    organization = [i for i in impacts if i.kind in ORGANIZATION_KINDS]
    status = f" [{change_set.status}]" if change_set.status != "adopted" else ""
    print(f"{change_set.title}{status}: {len(change_set.changes)} changes")
    if not store.query("ASK { ?o a aims:Organization }").boolean:
        print("no organization data loaded (--data DIR): catalog-level impact only")
    by_kind = Counter(i.kind for i in impacts)
    print("impacted: " + ", ".join(f"{n} {k}" for k, n in sorted(by_kind.items())))
    shown = impacts if args.all else organization
    if shown:
        print(format_table(["kind", "item", "change", "owner", "path"],
                           [(i.kind, i.label, i.change, i.owner, " -> ".join(i.path))
                            for i in shown]), end="")
    if args.json:
        _atomic_write(args.json, lambda out: out.write(json.dumps(
            {"changeSet": change_set.id, "status": change_set.status,
             "impacts": [i.as_row() for i in impacts]}, indent=2).encode()))
    if args.csv:
        _atomic_write(args.csv, lambda out: out.write(impacts_csv(impacts).encode()))
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    store = _store(args)
    lines = migrate_soa(store, load_change_set(args.changeset, store))
    rows = [line.as_row() for line in lines]
    _write(_table_text(rows, args.format, "Proposed Statement of Applicability").encode(),
           args.output)
    if args.output:
        open_ = sum(line.status == "open" for line in lines)
        print(f"wrote {len(lines)} lines ({open_} open) to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_leverage(args: argparse.Namespace) -> int:
    ranked = control_leverage(_store(args))
    first = [c for c in ranked if not c.implemented][:args.top]
    keep = [c for c in ranked if c.implemented][:args.top]
    if args.format == "json":
        print(json.dumps({"implementFirst": [vars(c) for c in first],
                          "mostCriticalToKeep": [vars(c) for c in keep]}, indent=2))
        return EXIT_OK
    for title, items in (("Implement first", first), ("Most critical to keep", keep)):
        print(f"{title}:")
        print("  " + format_table(["control", "serves", "frameworks", "centrality"],
                                  [(c.control, str(c.serves), str(c.frameworks),
                                    f"{c.centrality:.4f}") for c in items])
              .replace("\n", "\n  ").rstrip())
        print()
    return EXIT_OK


def cmd_ims(args: argparse.Namespace) -> int:
    rows = IMS_VIEWS[args.view](_store(args))
    title = f"Integrated management system: {args.view}"
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("--format xlsx needs --output FILE.xlsx")
        _atomic_write(args.output, lambda out: rows_xlsx(rows, out, args.view))
    else:
        _write(_table_text(rows, args.format, title).encode(), args.output)
    if args.output:
        print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
    return EXIT_OK


def _table_text(rows: list[dict[str, str]], fmt: str, title: str) -> str:
    columns = list(rows[0]) if rows else []
    return rows_csv(rows, columns) if fmt == "csv" else rows_markdown(rows, columns, title)


def cmd_openapi(args: argparse.Namespace) -> int:
    from .server.openapi import openapi_json

    _write(openapi_json().encode(), args.output)
    return EXIT_OK


def cmd_import_mappings(args: argparse.Namespace) -> int:
    if not args.file.name.endswith(".sssom.tsv"):
        raise UsageError(f"{args.file}: expected an SSSOM TSV file named *.sssom.tsv")
    mapping_set, findings = validate_mapping_file(args.file)
    if findings:
        for f in findings:
            print(f"{args.file.parent / f.location} - {f.message}", file=sys.stderr)
        print(f"aimsgraph: error: {args.file}: {len(findings)} problem(s); nothing imported",
              file=sys.stderr)
        return EXIT_ERROR
    counts = Counter(row.relation for row in mapping_set.rows)
    summary = ", ".join(f"{n} {rel}" for rel, n in sorted(counts.items()))
    print(f"{args.file}: {len(mapping_set.rows)} mappings valid ({summary})")
    if args.output:
        store = GraphStore()
        store.load([Source(args.file, mapping_set.set_id, "mappings")])
        _atomic_write(args.output, lambda out: store.dump(out, rdf_format("turtle")))
        print(f"wrote {len(store)} triples to {args.output}", file=sys.stderr)
    return EXIT_OK


def _split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--param takes NAME=VALUE, got {text!r}")
    return name.strip(), value


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _atomic_write(output, lambda out: out.write(data))


def _atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file and rename, so a failure never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=".aimsgraph-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


COMMANDS = {"stats": cmd_stats, "query": cmd_query, "check": cmd_check,
            "coverage": cmd_coverage, "export": cmd_export,
            "import-mappings": cmd_import_mappings, "classify": cmd_classify,
            "validate": cmd_validate, "soa": cmd_soa, "gaps": cmd_gaps, "import": cmd_import,
            "serve": cmd_serve, "openapi": cmd_openapi, "diff": cmd_diff,
            "impact": cmd_impact, "migrate": cmd_migrate, "leverage": cmd_leverage,
            "ims": cmd_ims}

if __name__ == "__main__":
    raise SystemExit(main())
