"""aimsgraph: one RDF knowledge graph for an AI management system and every framework it answers to.

    from aimsgraph import open_store, QueryCatalog

    store = open_store()                       # ontology, catalogs, obligations, mappings
    rows = QueryCatalog().get("provision").run(store, {"notation": "A.6.2.4"}).records()
"""

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
    "collect_stats",
    "data_sources",
    "open_store",
    "run_checks",
    "shipped_sources",
]
