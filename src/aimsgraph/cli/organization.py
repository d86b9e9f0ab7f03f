"""Commands over an organization's data: import, classify, validate, soa, gaps."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from ..catalog import open_store
from ..classification import classify
from ..errors import EXIT_FINDINGS, EXIT_OK, UsageError
from ..mappingsets import describe_mapping_sets, used_mapping_sets
from ..organization import require_organization
from ..orgtables import export_organization
from ..reports import gap_report, soa_rows
from ..soa import FLAGGED, UNDECIDED, statement, statement_csv, statement_markdown, statement_xlsx
from ..validation import validate, validation_report
from .common import atomic_write, law_for, local_name, store_for, write_output
from .display import natural, paragraph, role_label, step, table


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
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
    soa.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="the date evidence age is judged on (default today)")
    soa.add_argument("--evidence-months", type=int, default=12,
                     help="evidence older than this many months is stale (default 12)")
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
    export = sub.add_parser("export-org", parents=[data],
                            help="write the organization's data (with its edits) back as a "
                                 "folder of CSV files that import gives the same graph")
    export.add_argument("folder", type=Path, help="the folder to write (created if missing)")
    export.add_argument("--organization", metavar="NAME",
                        help="the organization folder's name, when several are loaded")
    export.set_defaults(handler=cmd_export_org)
    classify_cmd.set_defaults(handler=cmd_classify)
    valid.set_defaults(handler=cmd_validate)
    soa.set_defaults(handler=cmd_soa)
    gaps.set_defaults(handler=cmd_gaps)
    load.set_defaults(handler=cmd_import)


def cmd_classify(args: argparse.Namespace) -> int:
    store = store_for(args)
    law = law_for(args, store)
    with step("classifying the AI systems"):
        results = classify(store, law.as_of, law=law)
    if args.format == "json":
        print(json.dumps({"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
                          "systems": [{
            "system": c.system.iri, "name": c.system.name, "classes": c.classes,
            "riskLevels": c.risk_levels, "reasons": [str(r) for r in c.reasons],
            "verdict": c.verdict or None, "questions": c.questions,
            "obligations": [{"provision": o.notation, "title": o.title, "role": local_name(o.role),
                             "applicableFrom": o.applicable_from.isoformat(),
                             "amendedBy": o.amended_by,
                             "inForce": o.in_force, "openQuestions": list(o.open_questions)}
                            for o in c.obligations]} for c in results]}, indent=2))
        return EXIT_OK
    print(law.describe())
    print(describe_mapping_sets(store) + "\n")
    for c in results:
        print(f"{c.system.name}: {', '.join(c.classes)}")
        for question in c.questions:
            print(paragraph(question, indent=2))
        if c.verdict:
            print(paragraph(f"{c.system.name} {c.verdict}; no obligation list follows", indent=2))
        for reason in c.reasons:
            print(paragraph(f"because {reason}", indent=2))
        ordered = natural(c.obligations, key=lambda o: o.notation)
        applying = [o for o in ordered if o.applies]
        open_ = [o for o in ordered if not o.applies]
        rows = [(o.notation, role_label(o.role), o.applicable_from.isoformat()
                 + (" *" if o.amended_by else ""),
                 "in force" if o.in_force else "not yet", o.title) for o in applying]
        if rows:
            print(table(["provision", "role", "from", "status", "obligation"], rows, indent=2),
                  end="")
        for o in open_:
            print(paragraph(f"if {'; '.join(o.open_questions)}: {o.notation} {o.title} "
                            f"({role_label(o.role)}, from {o.applicable_from})", indent=2))
        print()
    if any(o.amended_by for c in results for o in c.obligations):
        print("* date set or duty added by an amendment:")
        for source in sorted({o.amended_by for c in results for o in c.obligations
                              if o.amended_by}):
            print(f"  {source}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    store = store_for(args)
    require_organization(store, "validation")
    law = law_for(args, store)
    with step("validating"):
        findings, report = validation_report(store, as_of=law.as_of,
                                             evidence_months=args.evidence_months, law=law)
    print(law.describe())
    print(describe_mapping_sets(store) + "\n")
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
        atomic_write(args.json, lambda out: out.write(
            json.dumps({"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
                        "findings": [vars(f) for f in findings]}, indent=2).encode()))
    if args.report:
        atomic_write(args.report, lambda out: out.write(report.serialize(format="turtle")
                                                          .encode()))
    return EXIT_FINDINGS if violations else EXIT_OK


def cmd_soa(args: argparse.Namespace) -> int:
    store = store_for(args)
    require_organization(store, "the Statement of Applicability")
    if not soa_rows(store):
        raise UsageError("no Statement of Applicability loaded: give --data with controls.csv")
    if args.evidence_months < 0:
        raise UsageError(f"--evidence-months must be 0 or more, got {args.evidence_months}")
    document = statement(store, args.as_of, evidence_months=args.evidence_months)
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("--format xlsx needs --output FILE.xlsx")
        atomic_write(args.output, lambda out: statement_xlsx(document, out))
    else:
        text = (statement_csv(document) if args.format == "csv"
                else statement_markdown(document))
        write_output(text.encode(), args.output)
    if args.output:
        flagged = sum(r["evidenceCheck"] in FLAGGED for r in document.lines)
        undecided = sum(r["applicable"] == UNDECIDED for r in document.lines)
        print(f"wrote {len(document.lines)} SoA lines to {args.output} ({undecided} undecided, "
              f"{flagged} with stale or missing evidence)", file=sys.stderr)
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace) -> int:
    store = store_for(args)
    require_organization(store, "the gap report")
    law = law_for(args, store)
    with step("validating and ranking the controls that close the most gaps"):
        report = gap_report(store, validate(store, as_of=law.as_of, law=law), top=args.top,
                            as_of=law.as_of, law=law)
    if args.format == "json":
        print(json.dumps({"law": law.assumptions(), "mappingSets": used_mapping_sets(store),
            "bySystem": {k: [vars(f) for f in v] for k, v in report.by_system.items()},
            "byFramework": [vars(g) for g in report.by_framework],
            "cheapestControls": [vars(c) for c in report.cheapest],
            "settings": report.settings}, indent=2))
        return EXIT_OK
    print(law.describe())
    print(describe_mapping_sets(store) + "\n")
    print("Per AI system:")
    for system in sorted(report.by_system):
        print(f"  {system}:")
        for f in report.by_system[system]:
            print(f"    {f.severity.lower()}: {f.message} ({f.location})")
    print("\nPer framework (leaf provisions carrying a requirement for the organization's roles, "
          "reached from implemented controls):")
    for g in report.by_framework:
        counts = ", ".join(f"{n} {level}" for level, n in sorted(g.counts.items()))
        print(f"  {g.notation}: {counts}")
    print("\nControls that would close the most gaps (unreached obligations of your AI "
          "systems, then open AI Act and GDPR provisions for your roles):")
    print(table(["control", "closes", "obligations", "provisions", "for example"],
                [(c.control, str(c.closes), str(c.obligations), str(c.provisions),
                  "; ".join(c.examples)) for c in report.cheapest], indent=2), end="")
    print(f"\nsettings: {report.settings}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store([args.path])
    data = [s for s in store.sources if s.kind in ("data", "organization")]
    counts = store.query(
        "SELECT ?type (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a ?type } "
        f"FILTER(?g IN ({', '.join(f'<{s.graph}>' for s in data)})) }} GROUP BY ?type")
    summary = ", ".join(f"{r['n']} {local_name(r['type'] or '')}" for r in counts.records())
    print(f"{args.path}: valid ({summary})")
    if args.output:
        graph = store.to_rdflib([s.graph for s in data])
        atomic_write(args.output, lambda out: out.write(graph.serialize(format="turtle")
                                                         .encode()))
        print(f"wrote {len(graph)} triples to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_export_org(args: argparse.Namespace) -> int:
    store = store_for(args)
    written, lost = export_organization(store, args.folder, args.organization)
    print(f"wrote {', '.join(p.name for p in written)} to {args.folder}", file=sys.stderr)
    if lost:
        print(f"note: {lost} statement(s) in the organization's graph have no CSV column "
              "(added by SPARQL Update?) and are not in the export", file=sys.stderr)
    return EXIT_OK
