"""Commands over the catalogs and crosswalks: stats, query, check, coverage, export,
import-mappings, import-catalog, openapi."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..checks import run_checks
from ..coverage import (
    DEFAULT_RULE,
    LEVEL,
    ROLES,
    MappingGraph,
    PathRule,
    coverage,
    describe_path,
    level_counts,
    organization_roles,
    resolve_framework,
    resolve_roles,
    role_names,
)
from ..errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UnknownFormatError, UsageError
from ..exchange import FOLDER_FORMATS, MAPPING_FORMATS, export_folder, export_mappings
from ..formats import RDF_FORMATS, RESULT_FORMATS, rdf_format, result_format
from ..imports import describe, read_framework
from ..mappingsets import describe_mapping_sets, used_mapping_sets
from ..namespaces import FRAMEWORKS, PREFIXES
from ..organization import require_organization
from ..outline import outline_turtle
from ..queries import QueryCatalog
from ..reports import implemented_controls
from ..results import format_table, render_table
from ..sparqlguard import guard
from ..spreadsheet import rows_csv
from ..stats import collect_stats
from ..store import GraphStore, Source
from ..validation import validate, validate_mapping_file
from .common import (
    atomic_write,
    prepare_folder,
    split_param,
    store_for,
    write_folder,
    write_output,
)


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
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
    query.add_argument("--allow-service", action="append", default=[], metavar="IRI",
                       help="an endpoint SERVICE may reach (repeatable; default none)")

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
    cover.add_argument("--max-hops", type=int, default=DEFAULT_RULE.max_hops,
                       help="longest chain of mappings that counts (default "
                            f"{DEFAULT_RULE.max_hops})")
    cover.add_argument("--min-confidence", type=confidence, default=DEFAULT_RULE.min_confidence,
                       metavar="0..1", help="every mapping of a path needs at least this "
                       f"confidence (default {DEFAULT_RULE.min_confidence})")
    cover.add_argument("--role", metavar="ROLE[,ROLE]",
                       help="count only provisions that require something of these roles: "
                       + ", ".join(ROLES) + " (default: any party that can comply; with "
                       "--have implemented, the roles the organization data gives)")
    cover.add_argument("--only", metavar="LEVEL[,LEVEL]",
                       help="show only these levels: full, partial, none")
    cover.add_argument("--all", action="store_true",
                       help="also list the provisions that carry no requirement for the roles "
                            "(headings, definitions, annex lists, provisions for public "
                            "bodies); they are never counted")
    cover.add_argument("--format", default="table", choices=["table", "csv", "json"])

    export = sub.add_parser("export", parents=[data],
                            help="write the whole loaded graph, or its crosswalks")
    export.add_argument("--format", required=True, metavar="FORMAT",
                        help="the graph: " + ", ".join(f.name for f in RDF_FORMATS)
                        + " (JSON-LD compacted with ontology/context.jsonld); the crosswalks: "
                        + "sssom, oscal-mapping; the organization's implemented controls "
                        "(with --data DIR): oscal-component; a folder of files (--output DIR): "
                        + ", ".join(FOLDER_FORMATS) + " (one OSCAL catalog per framework; "
                        "CISO Assistant libraries: the frameworks and the crosswalks)")
    export.add_argument("--output", "-o", type=Path,
                        help="write to this file (a folder for " + ", ".join(FOLDER_FORMATS)
                        + ") instead of stdout")

    api = sub.add_parser("openapi", help="write the service's OpenAPI document (api/openapi.json)")
    api.add_argument("--output", "-o", type=Path, help="the file (default: stdout)")

    imp = sub.add_parser("import-mappings",
                         help="check your own SSSOM crosswalk against the catalogs and convert it "
                              "to RDF; load it with --data FILE.sssom.tsv")
    imp.add_argument("file", type=Path, help="an SSSOM TSV file (.sssom.tsv)")
    imp.add_argument("--output", "-o", type=Path,
                     help="write the mappings (with derived inverses) as Turtle to this file")
    imp.add_argument("--catalog", type=Path, action="append", default=[], metavar="FILE",
                     help="a framework the crosswalk maps that aimsgraph does not ship: an "
                          "OSCAL catalog or CISO Assistant library (as import-catalog reads "
                          "it) or its Turtle (repeatable)")

    cat = sub.add_parser("import-catalog",
                         help="read a framework aimsgraph does not ship (an OSCAL catalog or a "
                              "CISO Assistant framework library: numbers, titles, structure) "
                              "and write it as a Turtle catalog to load with --data")
    cat.add_argument("file", type=Path, help="an OSCAL catalog (.json, .yaml) or a CISO "
                                             "Assistant library (.yaml)")
    cat.add_argument("--id", metavar="SLUG",
                     help="the framework's name in its IRI (https://w3id.org/aimsgraph/ext/"
                          "SLUG) and CURIE prefix; default: from the file or the library URN")
    cat.add_argument("--output", "-o", type=Path, help="write the Turtle catalog to this file")
    cat.set_defaults(handler=cmd_import_catalog)
    stats.set_defaults(handler=cmd_stats)
    query.set_defaults(handler=cmd_query)
    check.set_defaults(handler=cmd_check)
    cover.set_defaults(handler=cmd_coverage)
    export.set_defaults(handler=cmd_export)
    imp.set_defaults(handler=cmd_import_mappings)
    api.set_defaults(handler=cmd_openapi)


def confidence(text: str) -> Decimal:
    """A confidence in [0, 1] from the command line (argparse reports the ValueError)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError(text)
    return value


def cmd_stats(args: argparse.Namespace) -> int:
    stats = collect_stats(store_for(args))
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
    # the same guard as the HTTP endpoint: no SERVICE unless allowed, no crashing depth
    guard(named.text, args.allow_service, prefixes=PREFIXES, source=named.path)
    values = dict(split_param(p) for p in args.param)
    bindings = named.bindings(values)  # usage errors before the (slower) load
    result = store_for(args).query(named.text, bindings)
    if result.kind == "graph":
        fmt = rdf_format("turtle" if args.format == "table" else args.format)
    else:
        fmt = result_format(args.format)
    write_output(result.serialize(fmt), args.output)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    store = store_for(args)
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
    if not only <= set(LEVEL.values()):
        raise UsageError("--only takes full, partial, none")
    rule = PathRule(args.max_hops, args.min_confidence)
    roles = resolve_roles(r.strip() for r in args.role.split(",") if r.strip()) \
        if args.role else None
    for name in [*have, args.want]:
        resolve_framework(name)  # usage errors before the load
    store = store_for(args)
    graph = MappingGraph(store)
    if use_implemented:
        require_organization(store, "coverage by implemented controls (--have implemented)")
    implemented = implemented_controls(store) if use_implemented else []
    if use_implemented and not implemented:
        raise UsageError("--have implemented needs organization data with implemented controls "
                         "(--data DIR)")
    if use_implemented and roles is None:
        roles = organization_roles(store)
    rows = coverage(store, have, args.want, rule=rule, graph=graph,
                    have_provisions=implemented, roles=roles)
    shown = [r for r in rows if r.level in only and (r.counted or args.all)]
    records = [{"notation": r.target.notation, "title": r.target.title, "coverage": r.level,
                "confidence": str(r.confidence) if r.confidence is not None else "",
                "path": describe_path(r, graph), "provision": r.target.iri,
                "counted": r.counted, "addressedTo": " ".join(role_names(
                    (r.requirement.addressees | r.requirement.public_bodies)
                    if r.requirement else ()))} for r in shown]
    who = ", ".join(role_names(roles)) if roles is not None else "any party that can comply"
    if args.format == "json":
        print(json.dumps({"mappingSets": used_mapping_sets(store),
                          "settings": {**rule.as_dict(), "roles": who},
                          "counts": level_counts(rows), "items": records}, indent=2))
    elif args.format == "csv":
        sys.stdout.write(rows_csv(records, list(records[0]) if records else ["notation"]))
    else:
        columns = ["provision", "coverage", "path"] + (["counted"] if args.all else [])
        print(format_table(columns, [(r["notation"], r["coverage"], r["path"])
                                     + (("yes" if r["counted"] else "no",) if args.all else ())
                                     for r in records]), end="")
        counts = level_counts(rows)
        others = sum(not r.counted for r in rows)
        print(f"\n{sum(counts.values())} provisions carrying a requirement for {who}: "
              f"{counts['full']} full, {counts['partial']} partial, {counts['none']} none"
              f"\n{others} others not counted (headings, definitions, classification rules, "
              "annex lists, provisions for public bodies" + (", or for other roles" if roles
                                                             is not None else "")
              + ("; --all lists them)" if not args.all else ")")
              + f"\nsettings: {rule}")
        print(describe_mapping_sets(store))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if args.format in FOLDER_FORMATS:
        if args.output is None:
            raise UsageError(f"--format {args.format} writes one file per framework and "
                             "crosswalk: give --output DIR")
        prepare_folder(args.output)  # before the load: a target that cannot be written
        files = export_folder(store_for(args), args.format)
        write_folder(args.output, files)
        print(f"wrote {len(files)} {args.format} files to {args.output}", file=sys.stderr)
        return EXIT_OK
    if args.format in MAPPING_FORMATS:
        data = export_mappings(store_for(args), args.format)
        write_output(data, args.output)
        if args.output:
            what = "the implemented controls" if args.format == "oscal-component" else \
                "the crosswalks"
            print(f"wrote {what} as {args.format} to {args.output}", file=sys.stderr)
        return EXIT_OK
    try:
        fmt = rdf_format(args.format)
    except UnknownFormatError:
        raise UnknownFormatError(args.format, [f.name for f in RDF_FORMATS]
                                 + list(MAPPING_FORMATS) + list(FOLDER_FORMATS)) from None
    store = store_for(args)
    if args.output is None:
        store.dump(sys.stdout.buffer, fmt)
        return EXIT_OK
    atomic_write(args.output, lambda out: store.dump(out, fmt))
    print(f"wrote {len(store)} quads as {fmt.name} to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_import_mappings(args: argparse.Namespace) -> int:
    if not args.file.name.endswith(".sssom.tsv"):
        raise UsageError(f"{args.file}: expected an SSSOM TSV file named *.sssom.tsv")
    with tempfile.TemporaryDirectory(prefix="aimsgraph-catalogs-") as folder:
        catalogs = []
        for index, given in enumerate(args.catalog):
            if given.suffix.lower() in (".json", ".yaml", ".yml"):
                outline = read_framework(given)
                converted = Path(folder) / f"{index}-{outline.stem}.ttl"
                converted.write_bytes(outline_turtle(outline, str(given)))
                catalogs.append(converted)
            else:
                catalogs.append(given)
        mapping_set, findings = validate_mapping_file(args.file, catalogs)
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
        atomic_write(args.output, lambda out: store.dump(out, rdf_format("turtle")))
        print(f"wrote {len(store)} triples to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_import_catalog(args: argparse.Namespace) -> int:
    outline = read_framework(args.file, args.id)
    if args.output is not None:
        atomic_write(args.output, lambda out: out.write(outline_turtle(outline, str(args.file))))
    info = describe(outline)
    (prefix, namespace), = info["curie_prefix"].items()
    print(f"{args.file}: {outline.notation}: {info['provisions']} provisions "
          f"({info['top-level']} top-level) as {outline.iri}\n"
          f"  in an SSSOM crosswalk, declare the CURIE prefix  {prefix}: {namespace}")
    if args.output is not None:
        print(f"wrote the catalog to {args.output}; load it with --data {args.output}",
              file=sys.stderr)
    return EXIT_OK


def cmd_openapi(args: argparse.Namespace) -> int:
    from ..server.openapi import openapi_json

    write_output(openapi_json().encode(), args.output)
    return EXIT_OK
