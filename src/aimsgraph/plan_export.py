"""The action plan written for people and their tools: a text table, CSV and XLSX (through
:mod:`.spreadsheet`, so no cell runs as a formula), Markdown and iCalendar.

The iCalendar file (RFC 5545, written with the ``icalendar`` library) holds one all-day
``VEVENT`` per action with a deadline (calendars show events; many ignore ``VTODO``), on the
deadline's day, the owner as ``ATTENDEE`` when an email address is known, and a ``UID`` built
from the action's id, so importing the file again updates the same events instead of adding
copies.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from .plan import COLUMNS, KIND_LABEL, Plan
from .reports import rows_markdown
from .spreadsheet import rows_csv, rows_xlsx

_EMAIL = re.compile(r"[^\s@<>\"';:,]+@[^\s@<>\"';:,]+")
FORMATS = ("table", "json", "csv", "xlsx", "md", "ics")
MEDIA = {"json": "application/json", "csv": "text/csv", "md": "text/markdown",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ics": "text/calendar"}
TABLE = ["deadline", "overdue", "severity", "kind", "title", "owner", "system", "provision"]


def header(plan: Plan) -> str:
    return (f"Action plan of {plan.organization or 'the organization'} as of "
            f"{plan.as_of.isoformat()}: {len(plan.actions)} open item(s), {plan.overdue} "
            f"overdue (evidence age limit {plan.evidence_months} months)")


def plan_csv(plan: Plan) -> str:
    return rows_csv([a.row() for a in plan.actions], COLUMNS)


def plan_markdown(plan: Plan) -> str:
    rows = [{**a.row(), "overdue": "**overdue**" if a.overdue else ""} for a in plan.actions]
    columns = ["deadline", "overdue", "severity", "kind", "title", "ownerName", "ownerBasis",
               "systemName", "provision", "why"]
    text = rows_markdown(rows, columns, f"Action plan: {plan.organization}")
    head, _, table = text.partition("\n\n")
    return f"{head}\n\n{header(plan)}. {plan.law.describe()}.\n\n{table}"


def plan_xlsx(plan: Plan, out: io.BufferedIOBase) -> None:
    rows = [a.row() for a in plan.actions] or [dict.fromkeys(COLUMNS, "")]
    rows_xlsx([{c: r[c] for c in COLUMNS} for r in rows], out, "Action plan")  # type: ignore[arg-type]


def plan_ics(plan: Plan, domain: str = "aimsgraph") -> bytes:
    from icalendar import Calendar, Event, vCalAddress, vText

    calendar = Calendar()
    calendar.add("prodid", "-//aimsgraph//action plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Action plan: {plan.organization}")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for a in plan.actions:
        if a.deadline is None:
            continue
        event = Event()
        event.add("uid", f"{a.id}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", a.deadline)
        event.add("dtend", a.deadline + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("summary", ("OVERDUE: " if a.overdue else "") + a.title)
        lines = [f"{KIND_LABEL[a.kind]} ({a.severity})", f"Why this date: {a.why}"]
        if a.system_name:
            lines.append(f"AI system: {a.system_name}")
        if a.provision:
            lines.append(f"Provision: {a.provision}")
        if a.owner:
            lines.append(f"Owner: {a.owner.name} ({a.owner_basis})")
        if a.location:
            lines.append(f"Record: {a.location}")
        lines += [f"Finding: {f}" for f in a.findings]
        event.add("description", "\n".join(lines))
        event.add("categories", [KIND_LABEL[a.kind]])
        event.add("priority", {"Violation": 1, "Warning": 5}.get(a.severity, 9))
        event.add("status", "CONFIRMED")
        if a.owner and _EMAIL.fullmatch(a.owner.email):  # never a line break into the file
            attendee = vCalAddress(f"mailto:{a.owner.email}")
            attendee.params["cn"] = vText(a.owner.name)
            event.add("attendee", attendee, encode=0)
        calendar.add_component(event)
    return calendar.to_ical()
