"""The typed REST contract: one Pydantic model per resource, and the problem detail.

Conventions (api/README.md says the same for clients; new routes follow them):

- JSON names are camelCase; a model's Python fields are snake_case (``Model`` converts).
- An absent value is ``null``, never ``""`` (``Text``, ``OptionalIri`` turn a blank into null);
  numbers are JSON numbers (``confidence``, counts), booleans are booleans.
- IRIs (``Iri``) and links (``Link``) are percent-encoded URIs: a space or a non-ASCII letter
  in a value becomes ``%20`` / its UTF-8 escapes; what is already escaped stays as it is.
- A list that grows with the organization is a page (``Paged``): ``total``, ``offset``,
  ``limit`` and ``items``, with RFC 8288 ``Link`` headers (:mod:`.pagination`).
- Every operation lists the problem details it really sends (:func:`problems`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

from .problems import MEDIA_TYPE

#: characters an IRI may keep when it is written as a URI (RFC 3986 reserved + unreserved, %)
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def encode_iri(value: str) -> str:
    """An IRI or link as a URI: spaces, quotes, angle brackets and non-ASCII escaped.

    >>> encode_iri("http://localhost/frameworks/nist-ai-rmf-1.0/provisions/GOVERN 4.3")
    'http://localhost/frameworks/nist-ai-rmf-1.0/provisions/GOVERN%204.3'
    >>> encode_iri("https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9/par_2")
    'https://w3id.org/aimsgraph/eli/reg/2024/1689/art_9/par_2'
    """
    return quote(value, safe=_URI_SAFE)


def _blank_is_null(value: Any) -> Any:
    return None if value == "" else value


def _words(value: Any) -> Any:
    """A space-separated list (as the graph stores some) as a list."""
    if value is None:
        return []
    return value.split() if isinstance(value, str) else value


def _yes_no(value: Any) -> Any:
    return {"yes": True, "no": False, "true": True, "false": False, "": None}.get(value, value) \
        if isinstance(value, str) else value


Text = Annotated[str | None, BeforeValidator(_blank_is_null)]
Iri = Annotated[str, AfterValidator(encode_iri), Field(json_schema_extra={"format": "uri"})]
OptionalIri = Annotated[Iri | None, BeforeValidator(_blank_is_null)]
Link = Annotated[str, AfterValidator(encode_iri),
                 Field(json_schema_extra={"format": "uri"}, description="a link to the resource")]
Words = Annotated[list[str], BeforeValidator(_words)]
Confidence = Annotated[Annotated[float, Field(ge=0, le=1)] | None,
                      BeforeValidator(_blank_is_null)]
YesNo = Annotated[bool | None, BeforeValidator(_yes_no)]


class Model(BaseModel):
    """camelCase in JSON, snake_case in Python; unknown keys from the library are dropped."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              serialize_by_alias=True)


class Paged(Model):
    """A page of a list: the ``items`` from ``offset``, at most ``limit``, of ``total``."""

    total: int = Field(description="items in the whole list")
    offset: int = Field(description="index of the first item on this page")
    limit: int = Field(description="largest page size asked for")


# -- problem details (RFC 9457) --------------------------------------------------------------

class FieldError(Model):
    field: str = Field(description="the parameter, dotted for nested ones")
    message: str


class Problem(Model):
    """An RFC 9457 problem detail; ``type`` ends in the problem's name (``no-organization``)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(json_schema_extra={"format": "uri"},
                      examples=["https://w3id.org/aimsgraph/problems/unknown-framework"])
    title: str
    status: int
    detail: str = Field(description="what went wrong and what to change")
    instance: str | None = Field(None, description="the path of the request")
    errors: list[FieldError] | None = Field(None, description="422: each invalid parameter")
    accepted: list[str] | None = Field(None, description="406: the media types served")
    store: str | None = Field(None, description="502/504: the address of the remote store")


#: what each status means wherever it is sent (a route may say more)
STATUS_MEANING = {
    400: "Bad request (problem detail): a value the service cannot use, or a Host it does not "
         "serve",
    401: "The update token is missing (`unauthorized`)",
    403: "Refused: read-only service, wrong token, or SERVICE/LOAD of an address not allowed",
    404: "Not found (problem detail naming what is known)",
    406: "None of the media types in Accept can be served (`not-acceptable`, field `accepted`)",
    409: "The request cannot be answered in the service's state (`no-organization`: no "
         "organization loaded; `store-updated`: mapping sets cannot be chosen after an update)",
    413: "The request body is larger than the limit (`body-too-large`)",
    415: "The request body's media type is not one of those listed",
    422: "A parameter does not have the documented type or range (`invalid-parameters`, each "
         "in `errors`)",
    500: "The query engine stopped on this query (`query-crashed`); the service is unaffected",
    502: "The remote store or a SERVICE endpoint failed (`store-unavailable`, "
         "`evaluation-failed`; field `store`)",
    503: "The query was stopped or could not start (`query-timeout`, `query-memory-exceeded`, "
         "`service-busy`; Retry-After)",
    504: "No answer in time (`route-timeout`, or `store-timeout` from a remote store)",
}


def problems(*statuses: int, **notes: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of an operation: each status with the problem detail model. Every
    operation can also answer 400 (a Host not served) and 504 (past its time limit), so those
    two are always listed. ``notes`` (``s404="..."``) replace the generic meaning."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({400, 504, *statuses}):
        out[status] = {"model": Problem,
                       "description": notes.get(f"s{status}", STATUS_MEANING[status])}
    return out


#: the media type problem details are sent as (the OpenAPI document is rewritten to say so)
PROBLEM_MEDIA_TYPE = MEDIA_TYPE


# -- frameworks and provisions ---------------------------------------------------------------

class FrameworkSummary(Model):
    id: str = Field(description="the slug used in paths, e.g. iso-iec-42001-2023")
    iri: Iri
    notation: str
    title: Text
    version: Text
    issued: Text = Field(description="date of issue, YYYY-MM-DD")
    supersedes: OptionalIri = Field(description="the edition this one replaces")
    sources: list[str] = Field(description="public sources the catalog was checked against")
    href: Link
    provisions: Link = Field(description="the provision tree")


class Framework(FrameworkSummary):
    counts: dict[str, int] = Field(description="provisions per kind (Clause, Control, ...)")


class ProvisionNode(Model):
    iri: Iri
    notation: Text
    title: Text
    kind: Text
    children: list[ProvisionNode]
    href: Link


class ProvisionRef(Model):
    iri: Iri
    notation: Text
    title: Text
    framework: Text = Field(description="the framework's notation")
    href: Link


class ProvisionMapping(ProvisionRef):
    relation: str = Field(description="NIST IR 8477 relation, e.g. IntersectsWith")
    confidence: Confidence
    rationale: Text


class Provision(ProvisionRef):
    parents: list[ProvisionRef] = Field(description="nearest first")
    children: list[ProvisionRef]
    mappings: list[ProvisionMapping]


# -- crosswalks -------------------------------------------------------------------------------

class MappingSet(Model):
    id: Iri
    file: Text
    title: Text
    provider: OptionalIri
    version: Text
    date: Text
    license: OptionalIri
    creators: Words
    documents: Words


class Mapping(Model):
    id: Iri
    source: Iri
    source_notation: Text
    target: Iri
    target_notation: Text
    relation: str
    confidence: Confidence
    rationale: Text
    authored_in: Text = Field(description="file:row of the mapping")


class MappingPage(Paged):
    mapping_sets: list[MappingSet]
    items: list[Mapping]


class CoverageSettings(Model):
    max_hops: int
    min_confidence: float
    partial_only_last: bool
    roles: list[str] | None = Field(description="the roles counted; null: any role")


class CoverageItem(Model):
    provision: Iri
    notation: Text
    title: Text
    coverage: Literal["full", "partial", "none"]
    confidence: Confidence = Field(description="the weakest mapping of the path; null: none")
    path: Text = Field(description="the path that covers it; null when none does")
    counted: bool
    addressed_to: list[str]


class Coverage(Paged):
    mapping_sets: list[MappingSet]
    settings: CoverageSettings
    counts: dict[str, int] = Field(description="counted provisions per level")
    not_counted: int
    items: list[CoverageItem]


# -- the view of the law ------------------------------------------------------------------------

class ChangeSetAssumed(Model):
    id: str
    title: Text
    status: Text
    publication: Text
    in_force_from: Text
    published_text_read: bool | None
    reason: Text = Field(None, description="why it is not applied (notApplied only)")


class Law(Model):
    as_of: str = Field(description="the evaluation date, YYYY-MM-DD")
    as_enacted: bool
    applied_change_sets: list[ChangeSetAssumed]
    not_applied: list[ChangeSetAssumed]


# -- the organization ---------------------------------------------------------------------------

class Finding(Model):
    severity: Literal["Violation", "Warning", "Info"]
    location: str = Field(description="file:row where known, else the node")
    message: str
    focus: str
    shape: str
    clause: Text
    system: Text
    systems: list[Iri] = Field(description="the AI systems it concerns")


class Obligation(Model):
    provision: Text
    title: Text
    role: str
    applicable_from: Text
    amended_by: Text
    in_force: bool
    applies: bool
    open_questions: list[str]


class SystemSummary(Model):
    id: str
    iri: Iri
    name: Text
    classes: list[str]
    risk_levels: list[Iri]
    reasons: list[str]
    verdict: Text
    questions: list[str]
    href: Link


class SystemList(Paged):
    law: Law
    mapping_sets: list[MappingSet]
    items: list[SystemSummary]


class System(SystemSummary):
    law: Law
    mapping_sets: list[MappingSet]
    obligations: list[Obligation]
    gaps: list[Finding]


class AsOf(Model):
    """How an answer about a past day was reconstructed from the audit trail."""

    date: str = Field(description="the day (YYYY-MM-DD); the state at its end (UTC)")
    changes_undone: int = Field(description="trail entries after that day, undone")
    trail_starts: Text = Field(description="when the first trail entry was written; before "
                                           "it, the data as loaded")
    notes: list[str]


class Validation(Paged):
    as_of: AsOf | None = Field(None, description="set when the answer is about a past day")
    law: Law
    mapping_sets: list[MappingSet]
    conforms: bool
    violations: int
    warnings: int
    read_at: Text = Field(None, description="when the findings were computed")
    store_unreachable: Text = Field(None, description="set when the remote store cannot be "
                                                      "reached now")
    items: list[Finding]


class SoaLine(Model):
    framework: Text
    control: Text
    title: Text
    applicable: YesNo
    justification: Text
    status: Text
    owner: Text
    systems: Text
    evidence: Text
    newest_evidence: Text
    risks: Text


class Soa(Paged):
    as_of: AsOf | None = Field(None, description="set when the answer is about a past day")
    items: list[SoaLine]


# -- change impact, leverage, IMS ----------------------------------------------------------------

class ImpactReason(Model):
    change: str
    severity: int
    changed: str
    why: str
    path: list[str]


class ImpactItem(Model):
    item: Iri
    kind: str
    label: Text
    severity: int
    change: str
    owner: Text
    email: Text
    reasons: list[ImpactReason]


class OwnerCount(Model):
    owner: Text = Field(description="null for items nobody owns")
    email: Text
    severity: int
    items: int


class OwnerGroup(OwnerCount):
    by_kind: dict[str, int]
    impacts: list[Iri]


class ImpactSummary(Model):
    items: int
    by_kind: dict[str, int]
    by_change: dict[str, int]
    owners: list[OwnerCount]
    unowned: int


class Impact(Paged):
    change_set: str
    title: Text
    status: Text
    status_evidence: Text
    law: Law | None
    changes: int
    organization: bool = Field(description="false: no organization loaded (catalog impact)")
    summary: ImpactSummary
    owners: list[OwnerGroup]
    mapping_sets: list[MappingSet]
    impacts: list[ImpactItem] = Field(description="this page of the affected items")


class ControlLeverage(Model):
    control: str
    iri: Iri
    serves: int
    frameworks: int
    centrality: float
    implemented: bool


class Leverage(Model):
    implement_first: list[ControlLeverage]
    most_critical_to_keep: list[ControlLeverage]


class BackboneClause(Model):
    clause: str
    title: Text
    required_by: Text
    iso27701: Text
    relation: Text
    what_each_adds: Text
    iso27701v2025_relation: Text = Field(alias="iso27701v2025Relation")
    iso27701v2025_adds: Text = Field(alias="iso27701v2025Adds")


class Backbone(Paged):
    items: list[BackboneClause]


class ImsSoaLine(Model):
    controls: Text
    title: Text
    applicable: YesNo
    status: Text
    owner: Text
    systems: Text
    evidence: Text
    also_serves: Text


class ImsSoa(Paged):
    items: list[ImsSoaLine]


class EvidenceReuse(Model):
    evidence: Text
    date: Text
    frameworks: int
    serves: Text


class EvidenceList(Paged):
    items: list[EvidenceReuse]


class ChecklistItem(Model):
    clause: str
    title: Text
    standards: Text
    check: Text
    conformity: Text


class Checklist(Paged):
    items: list[ChecklistItem]


# -- request bodies ------------------------------------------------------------------------------

class SparqlForm(BaseModel):
    """``POST /sparql`` as ``application/x-www-form-urlencoded`` (SPARQL 1.1 Protocol): a query
    or an update, and the dataset. The route reads the form itself, within the body limit;
    this model is its contract."""

    query: str | SkipJsonSchema[None] = Field(None, description="a SPARQL 1.1 query")
    update: str | SkipJsonSchema[None] = Field(None, description="a SPARQL 1.1 update (needs "
                                                                  "the bearer token)")
    default_graph_uri: list[str] = Field([], alias="default-graph-uri",
                                         description="graphs whose union is the default graph")
    named_graph_uri: list[str] = Field([], alias="named-graph-uri",
                                       description="graphs the query may name")


# -- named queries --------------------------------------------------------------------------------

class QueryParameter(Model):
    name: str
    type: str
    default: Text
    required: bool
    description: Text


class NamedQuery(Model):
    name: str
    title: Text
    description: Text
    parameters: list[QueryParameter]
    href: Link


# -- the action plan -------------------------------------------------------------------------

class PlanAction(Model):
    """One open item: what to do, by when and why that date, who owns it."""

    id: str
    kind: str = Field(description="finding, obligation, control, evidence or review")
    title: str
    severity: str
    deadline: Text = Field(description="YYYY-MM-DD; null when nothing sets one")
    why: Text = Field(description="where the deadline comes from")
    overdue: bool
    owner: Text = Field(description="the owner's id in people.csv")
    owner_name: Text
    owner_basis: Text = Field(description="own, system owner, control owner or AIMS owner")
    system: Text
    system_name: Text
    provision: Text
    provision_iri: OptionalIri
    location: Text = Field(description="file:row of the record the action is about")
    findings: list[str]
    focus: Text
    serves: list[str]


class ActionPlan(Paged):
    as_of: str = Field(description="the evaluation date (YYYY-MM-DD)")
    as_of_state: AsOf | None = Field(None, description="for a past date: how the data as it was "
                                                       "then was reconstructed from the trail")
    law: Law
    evidence_months: int = Field(description="evidence older than this is stale")
    organization: Text
    overdue: int = Field(description="overdue actions in the whole (filtered) plan")
    mapping_sets: list[MappingSet]
    items: list[PlanAction]


# -- the audit trail ---------------------------------------------------------------------------

class HistoryEntry(Model):
    """One write: who, when, why, from where, the quads added and removed (N-Quads lines)."""

    activity: Iri
    sequence: int
    kind: str = Field(description="edit, sparql-update or load")
    actor: str
    time: str
    message: Text
    address: Text
    records: list[Iri]
    graphs: list[Iri]
    added: list[str]
    removed: list[str]
    update: Text = Field(description="the SPARQL Update sent, for a sparql-update")
    previous: OptionalIri = Field(description="the entry this one follows")
    entry_hash: str = Field(description="SHA-256 chaining this entry to the one before")


class HistoryFilters(Model):
    record: Text
    actor: Text
    since: Text
    until: Text


class History(Model):
    filters: HistoryFilters
    count: int = Field(description="entries in this answer (the newest, at most limit)")
    total: int = Field(description="entries matching the filters")
    items: list[HistoryEntry]


class HistoryCheck(Model):
    intact: bool
    entries: int
    problems: list[str]
    head: Text = Field(description="the newest entry's hash")
