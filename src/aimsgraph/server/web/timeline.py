"""The deadline timeline of one AI system, drawn on the server as SVG: when its obligations apply
(Article 113, or an applied amendment), when its open actions are due (planned controls, reviews,
findings, unreached obligations), and a line for the evaluation date.

Only geometry is computed here; the template draws it with autoescaped values, classes for the
colours (the CSP forbids inline style) and, for people who do not see the picture, a text
alternative and the same points as a table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from ...classification import Classification
from ...plan import KIND_LABEL, Action, application_reason

WIDTH, LEFT, RIGHT, TOP, LANE, AXIS = 760, 150, 20, 18, 46, 30
LANES = ("Obligations apply", "Actions due")


@dataclass(frozen=True)
class Entry:
    """One thing on the timeline, as a table row."""
    day: date
    lane: int  # index into LANES
    label: str
    detail: str
    overdue: bool = False


@dataclass
class Marker:
    x: float
    y: float
    day: date
    entries: list[Entry]

    @property
    def overdue(self) -> bool:
        return any(e.overdue for e in self.entries)

    @property
    def title(self) -> str:
        head = f"{self.day.isoformat()}: {len(self.entries)} item(s)"
        return "\n".join([head, *(f"- {e.label}" for e in self.entries[:8])]
                         + ([f"... and {len(self.entries) - 8} more"]
                            if len(self.entries) > 8 else []))


@dataclass
class Timeline:
    system: str
    today: date
    start: date
    end: date
    entries: list[Entry] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    today_x: float = 0.0
    width: int = WIDTH
    height: int = TOP + LANE * len(LANES) + AXIS
    lanes: tuple[tuple[str, float], ...] = ()
    axis_y: float = TOP + LANE * len(LANES)

    @property
    def summary(self) -> str:
        """The text alternative: what the picture shows, in a sentence or two."""
        obligations = [e for e in self.entries if e.lane == 0]
        actions = [e for e in self.entries if e.lane == 1]
        overdue = sum(e.overdue for e in actions)
        upcoming = sorted(e.day for e in actions if e.day >= self.today)
        dates = sorted({e.day.isoformat() for e in obligations})
        text = (f"Deadline timeline of {self.system} from {self.start.isoformat()} to "
                f"{self.end.isoformat()}, evaluation date {self.today.isoformat()}: "
                f"{len(obligations)} obligation(s) applying from "
                f"{', '.join(dates) or 'no date'}; {len(actions)} open action(s) with a "
                f"deadline, {overdue} overdue")
        if upcoming:
            text += f", the next due {upcoming[0].isoformat()}"
        return text + "."


def build(system_name: str, classification: Classification | None, actions: list[Action],
          today: date) -> Timeline:
    entries: list[Entry] = []
    if classification is not None:
        by_day: dict[date, list] = defaultdict(list)
        for o in classification.obligations:
            if o.applies:
                by_day[o.applicable_from].append(o)
        for day, items in sorted(by_day.items()):
            notations = sorted({o.notation for o in items})
            first = items[0]
            entries.append(Entry(day, 0, f"{len(notations)} obligation(s) apply: "
                                         + ", ".join(notations[:6])
                                         + (" ..." if len(notations) > 6 else ""),
                                 application_reason(day, first.amended_by)))
    for a in actions:
        if a.deadline is not None:
            entries.append(Entry(a.deadline, 1, f"{KIND_LABEL[a.kind]}: {a.title}",
                                 a.why + (f" (owner: {a.owner.name})" if a.owner else ""),
                                 a.overdue))
    days = [e.day for e in entries] + [today]
    start = min(days) - timedelta(days=30)
    end = max(days) + timedelta(days=30)
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span, 1)

    t = Timeline(system_name, today, start, end, sorted(entries, key=lambda e: (e.day, e.lane)))
    t.lanes = tuple((name, TOP + LANE * i + LANE / 2) for i, name in enumerate(LANES))
    grouped: dict[tuple[date, int], list[Entry]] = defaultdict(list)
    for e in t.entries:
        grouped[(e.day, e.lane)].append(e)
    t.markers = [Marker(x(day), t.lanes[lane][1], day, items)
                 for (day, lane), items in sorted(grouped.items())]
    t.today_x = x(today)
    t.ticks = _ticks(start, end, x)
    return t


def _ticks(start: date, end: date, x) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    """Quarter starts (or year starts on a long span) between start and end."""
    months = (end.year - start.year) * 12 + end.month - start.month
    step = 3 if months <= 36 else 12
    ticks = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        if (month - 1) % step:
            continue
        day = date(year, month, 1)
        if day > end:
            return ticks
        ticks.append((x(day), day.strftime("%b %Y")))
