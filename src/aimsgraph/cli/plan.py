"""``aimsgraph plan``: every open item as one action with owner, deadline and why, by deadline."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from ..errors import EXIT_OK, UsageError
from ..mappingsets import used_mapping_sets
from ..plan import PlanFilter, action_plan
from ..plan_export import FORMATS, header, plan_csv, plan_ics, plan_markdown, plan_xlsx
from ..results import format_table
from .common import atomic_write, law_for, store_for, write_output

TITLE_WIDTH = 60


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction, data: argparse.ArgumentParser,
             org: argparse.ArgumentParser) -> None:
    plan = sub.add_parser(
        "plan", parents=[data, org],
        help="the action plan: every open item (finding, unreached obligation, planned "
             "control, stale evidence, review) with its owner and deadline, by deadline",
        description="Every open item of the organization's data as one action, with its owner "
                    "(own, else the AI system's owner, the control's owner, the AIMS owner), "
                    "its deadline and why that date, ordered by deadline then severity.",
        epilog="example: aimsgraph plan --data examples/acme-lending --owner mara-lindqvist "
               "--before 2027-03-01 --format ics -o mara.ics")
    plan.add_argument("--owner", metavar="PERSON", help="only this person's actions (an id in "
                                                         "people.csv)")
    plan.add_argument("--system", metavar="SYSTEM", help="only this AI system's actions (an id "
                                                          "in ai_systems.csv)")
    plan.add_argument("--before", type=_day, metavar="YYYY-MM-DD",
                      help="only actions due before this date")
    plan.add_argument("--evidence-months", type=int, default=12,
                      help="oldest acceptable evidence, in months (default 12)")
    plan.add_argument("--format", default="table", choices=FORMATS)
    plan.add_argument("--output", "-o", type=Path, help="the file (required for xlsx)")
    plan.set_defaults(handler=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None:
        raise UsageError("--format xlsx needs --output FILE.xlsx")
    if args.evidence_months < 1:
        raise UsageError(f"--evidence-months must be at least 1, got {args.evidence_months}")
    store = store_for(args)
    law = law_for(args, store)
    plan = action_plan(store, law.as_of, law=law, evidence_months=args.evidence_months)
    plan = plan.filtered(PlanFilter(args.owner, args.system, args.before))
    if args.format == "xlsx":
        atomic_write(args.output, lambda out: plan_xlsx(plan, out))
    elif args.format == "ics":
        write_output(plan_ics(plan), args.output)
    elif args.format == "json":
        body = {**plan.as_dict(), "mappingSets": used_mapping_sets(store)}
        write_output((json.dumps(body, indent=2) + "\n").encode(), args.output)
    elif args.format == "csv":
        write_output(plan_csv(plan).encode(), args.output)
    elif args.format == "md":
        write_output(plan_markdown(plan).encode(), args.output)
    else:
        write_output(plan_table(plan).encode(), args.output)
    if args.output:
        print(f"wrote {len(plan.actions)} action(s) to {args.output}", file=sys.stderr)
    return EXIT_OK


def plan_table(plan) -> str:  # type: ignore[no-untyped-def]
    rows = []
    for a in plan.actions:
        title = a.title if len(a.title) <= TITLE_WIDTH else a.title[:TITLE_WIDTH - 1] + "…"
        rows.append((a.deadline.isoformat() if a.deadline else "-",
                     "OVERDUE" if a.overdue else "", a.severity.lower(), title,
                     (a.owner.id if a.owner else "-")
                     + ("" if a.owner_basis == "own" else f" ({a.owner_basis})"),
                     a.system or "-", a.provision or "-"))
    return (f"{header(plan)}\n{plan.law.describe()}\n\n"
            + format_table(["deadline", "", "severity", "action", "owner", "system",
                            "provision"], rows))
