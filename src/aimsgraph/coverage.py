"""Compliance transfer: which provisions of a target framework does what you have already cover?

The mappings (authored and derived inverses) form a directed graph over provisions (a networkx
projection). A provision you have covers a target fully through ``Equal`` or ``SupersetOf``,
partially through ``SubsetOf`` or ``IntersectsWith``; ``NotRelated`` is no edge. A target with no
path of its own is covered through its parts (an article through its paragraphs): fully when every
part is fully covered, partially when some part is covered.

A path is as strong as its weakest mapping, and only paths a reviewer would accept count
(:class:`PathRule`): at most ``max_hops`` mappings, each with a confidence of at least
``min_confidence``, and a partial mapping only as the last step (A intersects B and B equals C
says nothing about A and C: set relations compose only through full steps).

    rows = coverage(store, have=[FRAMEWORKS["iso42001"]], want=FRAMEWORKS["aiact"])
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import networkx as nx

from .errors import UsageError
from .namespaces import AIMS, FRAMEWORKS
from .queries import QueryCatalog
from .store import GraphStore

FULL, PARTIAL, NONE = 2, 1, 0
LEVEL = {FULL: "full", PARTIAL: "partial", NONE: "none"}
EDGE_STRENGTH = {"Equal": FULL, "SupersetOf": FULL, "SubsetOf": PARTIAL, "IntersectsWith": PARTIAL,
                 # a control and the clause giving its implementation guidance go together
                 "GuidanceFor": FULL}


@dataclass(frozen=True)
class PathRule:
    """Which mapping paths count. The defaults are what a compliance lead can defend to an
    auditor (README, "Coverage: what counts"): one intermediate standard at most, every step a
    curated mapping rated 0.6 or higher (0.5 marks a tentative link), and a partial step only
    last, so no chain of overlaps is ever read as coverage."""

    max_hops: int = 2
    min_confidence: Decimal = Decimal("0.6")

    def __post_init__(self) -> None:
        if self.max_hops < 1:
            raise UsageError(f"max hops must be at least 1, not {self.max_hops}")
        if not Decimal(0) <= self.min_confidence <= Decimal(1):
            raise UsageError(f"min confidence must lie in [0, 1], not {self.min_confidence}")

    def admits(self, step: Step) -> bool:
        """A mapping without a confidence counts only when no minimum is asked for."""
        if step.confidence is None:
            return self.min_confidence == 0
        return step.confidence >= self.min_confidence

    def __str__(self) -> str:
        return (f"paths of at most {self.max_hops} mapping(s), each with confidence >= "
                f"{self.min_confidence}; a partial mapping only as the last step")

    def as_dict(self) -> dict[str, object]:
        return {"maxHops": self.max_hops, "minConfidence": str(self.min_confidence),
                "partialOnlyLast": True}


DEFAULT_RULE = PathRule()


DPV, DPV_AIACT = "https://w3id.org/dpv#", "https://w3id.org/dpv/legal/eu/aiact#"
#: the parties a provision can require something of, by the names the CLI and HTTP API take
ROLES = {
    "provider": DPV_AIACT + "AIProvider", "deployer": DPV_AIACT + "AIDeployer",
    "importer": DPV_AIACT + "AIImporter", "distributor": DPV_AIACT + "AIDistributor",
    "authorised-representative": DPV_AIACT + "AuthorisedRepresentative",
    "product-manufacturer": DPV_AIACT + "AIProductManufacturer",
    "controller": DPV + "DataController", "processor": DPV + "DataProcessor",
    "gpai-provider": AIMS + "GPAIModelProvider",
    "organization": AIMS + "ManagementSystemOrganization", "ai-actor": AIMS + "AIActors",
}


def resolve_roles(names: Iterable[str]) -> frozenset[str]:
    """Role names (``provider``) or IRIs to IRIs."""
    out = set()
    for name in names:
        if name in ROLES:
            out.add(ROLES[name])
        elif name in ROLES.values():
            out.add(name)
        else:
            raise UsageError(f"unknown role {name!r}; valid: {', '.join(ROLES)}")
    return frozenset(out)


def role_names(roles: Iterable[str]) -> list[str]:
    names = {iri: name for name, iri in ROLES.items()}
    return sorted(names.get(r, r) for r in roles)


@dataclass(frozen=True)
class Requirement:
    """A provision's own requirement decision (``obligations/requirements-*.ttl``)."""

    carries: bool
    addressees: frozenset[str]  # the parties it requires something of
    public_bodies: frozenset[str]  # the public bodies it addresses

    def counts_for(self, roles: frozenset[str] | None) -> bool:
        return self.carries and (roles is None or bool(self.addressees & roles))


@dataclass(frozen=True)
class Provision:
    iri: str
    framework: str
    framework_notation: str
    notation: str
    title: str
    parent: str | None

    def __str__(self) -> str:
        return f"{self.framework_notation} {self.notation}"


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    relation: str
    confidence: Decimal | None
    mapping: str


@dataclass
class CoverageRow:
    target: Provision
    strength: int
    path: list[Step] = field(default_factory=list)
    via_parts: list[str] = field(default_factory=list)  # notations of covered parts
    requirement: Requirement | None = None  # None: the framework declares no requirements
    counted: bool = True  # carries a requirement for the roles asked about

    @property
    def level(self) -> str:
        return LEVEL[self.strength]

    @property
    def confidence(self) -> Decimal | None:
        values = [s.confidence for s in self.path if s.confidence is not None]
        return min(values) if values else None


def resolve_framework(name: str) -> str:
    """A framework key (``iso42001``) or IRI to its IRI."""
    if name in FRAMEWORKS:
        return FRAMEWORKS[name]
    if name in FRAMEWORKS.values():
        return name
    raise UsageError(f"unknown framework {name!r}; valid: {', '.join(FRAMEWORKS)} "
                     "(or a framework IRI)")


def provision_index(store: GraphStore, queries: QueryCatalog | None = None
                    ) -> dict[str, Provision]:
    """Every provision of the loaded catalogs, by IRI (named query ``provision-index``)."""
    rows = (queries or QueryCatalog()).get("provision-index").run(store).records()
    return {r["provision"] or "": Provision(r["provision"] or "", r["framework"] or "",
                                            r["frameworkNotation"] or "", r["notation"] or "",
                                            r["title"] or "", r["parent"]) for r in rows}


class MappingGraph:
    """Provisions as nodes, mappings as directed edges carrying relation and confidence."""

    def __init__(self, store: GraphStore, queries: QueryCatalog | None = None) -> None:
        queries = queries or QueryCatalog()
        self.provisions = provision_index(store, queries)
        self.graph = nx.DiGraph()
        for r in queries.get("mapping-edges").run(store).records():
            relation = (r["relation"] or "").removeprefix(AIMS)
            strength = EDGE_STRENGTH.get(relation)
            if strength is None:
                continue
            step = Step(r["source"] or "", r["target"] or "", relation,
                        Decimal(r["confidence"]) if r["confidence"] else None,
                        r["authored"] or r["mapping"] or "")
            # every mapping of a pair is kept (a threshold may admit the weaker one only);
            # the edge's own strength and step are its strongest, most confident mapping
            old = self.graph.get_edge_data(step.source, step.target)
            steps = sorted([*(old["steps"] if old else []), (strength, step)],
                           key=lambda s: (s[0], s[1].confidence or 0), reverse=True)
            self.graph.add_edge(step.source, step.target, strength=steps[0][0],
                                step=steps[0][1], steps=steps)
        self.decisions = {r["provision"] or "": Requirement(
            r["carriesRequirement"] == "true", frozenset((r["addressees"] or "").split()),
            frozenset((r["publicBodies"] or "").split()))
            for r in queries.get("provision-requirements").run(store).records()}
        self.children: dict[str, list[str]] = defaultdict(list)
        for p in sorted(self.provisions.values(), key=lambda p: natural_key(p.notation)):
            if p.parent:
                self.children[p.parent].append(p.iri)

    def requirement(self, iri: str) -> Requirement | None:
        """The provision's own decision, or its nearest container's (paragraphs, points)."""
        seen = set()
        while iri and iri not in seen:
            if iri in self.decisions:
                return self.decisions[iri]
            seen.add(iri)
            provision = self.provisions.get(iri)
            iri = provision.parent if provision and provision.parent else ""
        return None

    def in_frameworks(self, frameworks: Iterable[str]) -> list[str]:
        wanted = set(frameworks)
        return [p.iri for p in self.provisions.values() if p.framework in wanted]

    def best_paths(self, starts: Sequence[str], rule: PathRule = DEFAULT_RULE
                   ) -> dict[str, tuple[int, list[Step]]]:
        """For every node reached from ``starts`` by a path ``rule`` admits, the strongest path:
        the best level, then the highest confidence (of its weakest mapping), then fewest hops.
        Only full paths are extended: a partial step ends a path."""
        best: dict[str, tuple[int, list[Step]]] = {s: (FULL, []) for s in starts}
        # the nodes reached by a full path of exactly k hops, with their best such path
        frontier: dict[str, list[Step]] = {s: [] for s in starts}
        origin = set(starts)
        for _ in range(rule.max_hops):
            reached: dict[str, list[Step]] = {}
            for node, path in frontier.items():
                for _, nxt, data in self.graph.out_edges(node, data=True):
                    admitted = [(st, step) for st, step in data["steps"] if rule.admits(step)]
                    if not admitted or nxt in origin:
                        continue
                    strength, step = admitted[0]
                    candidate = (strength, [*path, step])
                    if _better(candidate, best.get(nxt)):
                        best[nxt] = candidate
                    if strength == FULL and (nxt not in reached or _better(
                            candidate, (FULL, reached[nxt]))):
                        reached[nxt] = candidate[1]
            frontier = reached
        return best


def _weakest(path: list[Step]) -> Decimal:
    values = [s.confidence for s in path if s.confidence is not None]
    return min(values) if values else Decimal(1)


def _better(candidate: tuple[int, list[Step]], held: tuple[int, list[Step]] | None) -> bool:
    if held is None:
        return True
    (strength, path), (held_strength, held_path) = candidate, held
    return ((strength, _weakest(path), -len(path))
            > (held_strength, _weakest(held_path), -len(held_path)))


def coverage(store: GraphStore, have: Sequence[str], want: str, *,
             rule: PathRule = DEFAULT_RULE, graph: MappingGraph | None = None,
             have_provisions: Sequence[str] = (),
             roles: frozenset[str] | None = None) -> list[CoverageRow]:
    """How the provisions of ``want`` are covered by everything in the ``have`` frameworks,
    and by the individual ``have_provisions`` (an organization's implemented controls).

    Every provision of ``want`` gets a row; ``counted`` says whether it carries a requirement
    for ``roles`` (any party that can comply when None): only those belong in a denominator
    or a list of gaps. A container is rolled up from the parts that count."""
    have_iris = [resolve_framework(h) for h in have]
    want_iri = resolve_framework(want)
    if want_iri in have_iris:
        raise UsageError("the framework you want is among those you have")
    graph = graph or MappingGraph(store)
    starts = [*graph.in_frameworks(have_iris), *have_provisions]
    best = graph.best_paths(starts, rule)
    rows: dict[str, CoverageRow] = {}

    def row_for(iri: str) -> CoverageRow:
        if iri in rows:
            return rows[iri]
        strength, path = best.get(iri, (NONE, []))
        requirement = graph.requirement(iri)
        row = CoverageRow(graph.provisions[iri], strength, path, requirement=requirement,
                          counted=requirement is None or requirement.counts_for(roles))
        if strength < FULL and graph.children.get(iri):
            parts = [row_for(child) for child in graph.children[iri]]
            parts = [p for p in parts if p.counted] or parts
            covered = [p for p in parts if p.strength > NONE]
            if covered:
                rolled = FULL if all(p.strength == FULL for p in parts) else PARTIAL
                if rolled > strength:
                    row.strength, row.path = rolled, []
                    row.via_parts = [p.target.notation for p in covered]
        rows[iri] = row
        return row

    targets = graph.in_frameworks([want_iri])
    return sorted((row_for(t) for t in targets), key=lambda r: natural_key(r.target.notation))


def level_counts(rows: Iterable[CoverageRow]) -> dict[str, int]:
    """Full / partial / none over the rows that carry a requirement for the roles asked."""
    counted = [r for r in rows if r.counted]
    return {level: sum(r.level == level for r in counted) for level in LEVEL.values()}


def organization_roles(store: GraphStore, queries: QueryCatalog | None = None
                       ) -> frozenset[str]:
    """The roles an organization's data gives it: its AI Act roles for its AI systems (provider
    of a general-purpose AI model only where a system declares one), the organization running
    the management system, and GDPR controller when a system processes personal data
    (processor is never assumed: the data does not say it)."""
    roles = {ROLES["organization"], ROLES["ai-actor"]}
    for r in (queries or QueryCatalog()).get("ai-systems").run(store).records():
        roles.update((r["roles"] or "").split())
        if r["gpai"]:
            roles.add(ROLES["gpai-provider"])
        if r["personalData"] == "true":
            roles.add(ROLES["controller"])
    return frozenset(roles)


def describe_path(row: CoverageRow, graph: MappingGraph) -> str:
    if row.via_parts:
        return "through its parts: " + ", ".join(row.via_parts)
    if not row.path:  # full without a path: one of the have_provisions itself
        return "implemented directly" if row.strength == FULL else ""
    first = graph.provisions.get(row.path[0].source)
    text = str(first) if first else row.path[0].source
    for step in row.path:
        target = graph.provisions.get(step.target)
        text += f" -[{step.relation}]-> {target if target else step.target}"
    return text


def natural_key(notation: str) -> list:
    """Sort key that orders A.2 before A.10 and Article 9 before Article 10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", notation)]
