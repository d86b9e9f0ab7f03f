"""Commands for regulatory change and the integrated management system: diff, impact,
migrate, leverage, ims."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from ..catalog import open_store
from ..changes import diff_editions, load_change_set, what_if
from ..errors import EXIT_OK, UsageError
from ..impact import ImpactReport, control_leverage, impact_report, impacts_csv, migrate_soa
from ..ims import VIEWS as IMS_VIEWS
from ..mappingsets import describe_mapping_sets, used_mapping_sets
from ..reports import rows_xlsx
from .common import atomic_write, law_for, store_for, table_text, write_output
from .display import step, table


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
    diff = sub.add_parser("diff", help="derive the change set between two editions of a "
                                       "framework (e.g. iso27001-2013 iso27001, "
                                       "iso27701 iso27701-2025)")
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
                         help="print every reason (path) of each item, not only the first")

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
    diff.set_defaults(handler=cmd_diff)
    imp_cmd.set_defaults(handler=cmd_impact)
    mig.set_defaults(handler=cmd_migrate)
    lev.set_defaults(handler=cmd_leverage)
    ims_cmd.set_defaults(handler=cmd_ims)


def cmd_diff(args: argparse.Namespace) -> int:
    change_set = diff_editions(open_store(), args.old, args.new)
    if args.output:  # a change set's id is its file name (changes/README.md)
        change_set.id = args.output.name.removesuffix(".yaml").removesuffix(".yml")
    write_output(change_set.to_yaml().encode(), args.output)
    if args.output:
        counts = Counter(c.kind for c in change_set.changes)
        print(f"wrote {len(change_set.changes)} changes ("
              + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
              + f") to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_impact(args: argparse.Namespace) -> int:
    if bool(args.changeset) == bool(args.provision):
        raise UsageError("name a change set file or --provision FRAMEWORK:NUMBER (one of them)")
    store = store_for(args)
    if args.changeset:
        change_set = load_change_set(args.changeset, store)
    else:
        change_set = what_if(store, args.provision)
    law = law_for(args, store)
    with step("tracing what the change affects"):
        report = impact_report(store, change_set, law.as_of, law)
    print(law.describe())
    print(describe_mapping_sets(store))
    print(impact_text(report, args.all), end="")
    if args.json:
        payload = {**report.as_dict(), "mappingSets": used_mapping_sets(store)}
        atomic_write(args.json, lambda out: out.write(json.dumps(
            payload, indent=2, ensure_ascii=False).encode()))
    if args.csv:
        atomic_write(args.csv, lambda out: out.write(impacts_csv(report.impacts).encode()))
    return EXIT_OK


def impact_text(report: ImpactReport, reasons: bool = False) -> str:
    """Summary first, then the items grouped by the owner to notify; ``reasons``: every path."""
    c, summary = report.change_set, report.summary()
    out = [f"{c.title} [{c.status_line}]: {len(c.changes)} changes"]
    if not report.organization:
        out.append("no organization data loaded (--data DIR): catalog-level impact only")
    if not report.impacts:
        out.append("impacted: nothing" + (" (no change applies to the organization's data)"
                                          if report.organization else ""))
        return "\n".join(out) + "\n"
    kinds = ", ".join(f"{n} {k}" for k, n in summary["byKind"].items())  # type: ignore[union-attr]
    changes = ", ".join(f"{n} {k}" for k, n in summary["byChange"].items())  # type: ignore[union-attr]
    out.append(f"impacted: {summary['items']} items ({kinds}); by most severe change: {changes}")
    groups = report.owners()
    if report.organization:
        out.append("owners to notify: " + "; ".join(
            f"{g.owner or '(no owner)'} {len(g.items)}" for g in groups))
    for g in groups:
        who = f"{g.owner} <{g.email}>" if g.owner and g.email else g.owner or (
            "No owner" if report.organization else "Catalog")
        out.append("")
        out.append(f"{who}: {len(g.items)} item{'s' if len(g.items) != 1 else ''}")
        for i in g.items:
            out.append(f"  [{i.change}] {i.kind} {i.label} ({len(i.reasons)} reason"
                       f"{'s' if len(i.reasons) != 1 else ''})")
            for r in i.reasons if reasons else i.reasons[:1]:
                out.append(f"      {r.why}: {' -> '.join(r.path)}")
    return "\n".join(out) + "\n"


def cmd_migrate(args: argparse.Namespace) -> int:
    store = store_for(args)
    lines = migrate_soa(store, load_change_set(args.changeset, store))
    rows = [line.as_row() for line in lines]
    write_output(table_text(rows, args.format, "Proposed Statement of Applicability").encode(),
           args.output)
    if args.output:
        open_ = sum(line.status == "open" for line in lines)
        print(f"wrote {len(lines)} lines ({open_} open) to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_leverage(args: argparse.Namespace) -> int:
    ranked = control_leverage(store_for(args))
    first = [c for c in ranked if not c.implemented][:args.top]
    keep = [c for c in ranked if c.implemented][:args.top]
    if args.format == "json":
        print(json.dumps({"implementFirst": [vars(c) for c in first],
                          "mostCriticalToKeep": [vars(c) for c in keep]}, indent=2))
        return EXIT_OK
    for title, items in (("Implement first", first), ("Most critical to keep", keep)):
        print(f"{title}:")
        print(table(["control", "serves", "frameworks", "centrality"],
                    [(c.control, str(c.serves), str(c.frameworks), f"{c.centrality:.4f}")
                     for c in items], wrap=["control"], indent=2).rstrip())
        print()
    return EXIT_OK


def cmd_ims(args: argparse.Namespace) -> int:
    rows = IMS_VIEWS[args.view](store_for(args))
    title = f"Integrated management system: {args.view}"
    if args.format == "xlsx":
        if args.output is None:
            raise UsageError("--format xlsx needs --output FILE.xlsx")
        atomic_write(args.output, lambda out: rows_xlsx(rows, out, args.view))
    else:
        write_output(table_text(rows, args.format, title).encode(), args.output)
    if args.output:
        print(f"wrote {len(rows)} rows to {args.output}", file=sys.stderr)
    return EXIT_OK
