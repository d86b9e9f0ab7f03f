"""Owners and dates for the pages that are not the action plan: per AI system its open and
overdue actions and its next date, and the action (owner, deadline) of each finding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request

from ...organization import has_organization
from ...plan import Action, Plan, finding_actions, next_deadline
from ..deps import default_law
from ..routers.plan import compute_plan
from .systems import SystemSummary


@dataclass(frozen=True)
class SystemDates:
    open: int  # open actions
    overdue: int
    next_action: Action | None  # the earliest action still to come
    next_application: date | None  # the next date an obligation starts to apply

    @property
    def next_date(self) -> date | None:
        days = [d for d in (self.next_action.deadline if self.next_action else None,
                            self.next_application) if d]
        return min(days) if days else None

    @property
    def next_what(self) -> str:
        day = self.next_date
        if day is None:
            return ""
        if self.next_application == day:
            return "obligations start to apply"
        return self.next_action.title if self.next_action else ""


def current_plan(request: Request) -> Plan | None:
    store = request.app.state.store
    if not has_organization(store):
        return None
    return compute_plan(request, store, default_law(request))


def system_dates(plan: Plan | None, systems: list[SystemSummary]) -> dict[str, SystemDates]:
    if plan is None:
        return {}
    by_system = plan.by_system()
    out = {}
    for s in systems:
        actions = by_system.get(s.key, [])
        upcoming = sorted(o.applicable_from for o in s.applying if not o.in_force)
        out[s.key] = SystemDates(len(actions), sum(a.overdue for a in actions),
                                 next_deadline(actions), upcoming[0] if upcoming else None)
    return out


def owners_of_findings(plan: Plan | None) -> dict[str, Action]:
    return finding_actions(plan) if plan is not None else {}
