"""aimsgraph: one RDF knowledge graph for an AI management system and every framework it answers to.

    from aimsgraph import open_store, validate, coverage, gaps

    store = open_store(["examples/acme-lending"])  # catalogs, crosswalks and an organization
    findings = validate(store)                     # what to fix, with file and row
    rows = coverage(store, "iso42001", "aiact")    # what a 42001 AIMS already covers
    report = gaps(store)                           # what is missing, per system and framework

The public API is what ``__all__`` lists (docs/library.md walks through it); the functions
live in :mod:`aimsgraph.api`. ``aimsgraph.coverage`` and ``aimsgraph.impact`` name the
functions; their modules stay importable (``from aimsgraph.coverage import PathRule``).
"""

from .api import (
    EXPORT_FORMATS,
    classify,
    coverage,
    export,
    gaps,
    impact,
    validate,
    view_of_the_law,
)
from .catalog import data_sources, open_store, shipped_sources
from .checks import CheckResult, run_checks
from .errors import (
    AimsgraphError,
    InputError,
    QueryError,
    QueryRefusedError,
    RDFSyntaxError,
    UnknownFormatError,
    UnknownQueryError,
    UsageError,
)
from .namespaces import AIMS, FRAMEWORKS
from .queries import NamedQuery, Parameter, QueryCatalog
from .results import QueryResult
from .stats import Stats, collect_stats
from .store import GraphStore, LoadReport, Source

__version__ = "0.1.0"

__all__ = [
    "AIMS",
    "EXPORT_FORMATS",
    "FRAMEWORKS",
    "AimsgraphError",
    "CheckResult",
    "GraphStore",
    "InputError",
    "LoadReport",
    "NamedQuery",
    "Parameter",
    "QueryCatalog",
    "QueryError",
    "QueryRefusedError",
    "QueryResult",
    "RDFSyntaxError",
    "Source",
    "Stats",
    "UnknownFormatError",
    "UnknownQueryError",
    "UsageError",
    "__version__",
    "classify",
    "collect_stats",
    "coverage",
    "data_sources",
    "export",
    "gaps",
    "impact",
    "open_store",
    "run_checks",
    "shipped_sources",
    "validate",
    "view_of_the_law",
]
