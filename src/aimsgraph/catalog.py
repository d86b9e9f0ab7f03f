"""Which files make up the graph, and opening a store loaded with them.

Shipped sources (ontology, shapes, framework catalogs, obligations, mappings) each go into a named
graph ``https://w3id.org/aimsgraph/graph/<folder>/<file stem>``; a user's RDF files go into
``https://w3id.org/aimsgraph/graph/data/<path relative to the folder given>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import InputError, UsageError
from .formats import rdf_format_for_path
from .mappingsets import select_sources
from .namespaces import GRAPH
from .organization import ProvisionIndex, is_organization_folder, organization_quads
from .paths import data_path
from .queries import QueryCatalog
from .store import GraphStore, Progress, Source, digest

SSSOM_SUFFIX = ".sssom.tsv"

#: Shipped folders loaded by default, in load order, with the kind recorded for each source.
SHIPPED = (
    ("ontology", "ontology"),
    ("ontology/shapes", "shapes"),
    ("frameworks", "framework"),
    ("obligations", "obligations"),
    ("mappings", "mappings"),
)


def shipped_sources() -> list[Source]:
    sources = []
    for folder, kind in SHIPPED:
        folder_path = data_path(folder)
        files = sorted([*folder_path.glob("*.ttl"), *folder_path.glob("*.sssom.tsv")])
        for path in files:
            sources.append(Source(path, f"{GRAPH}{folder}/{_without_suffix(path.name)}", kind))
    return sources


def data_sources(paths: Iterable[str | Path]) -> list[Source]:
    """RDF files named by the user (``str`` or ``Path``): files as given, folders searched
    recursively.

    An organization folder (with organization.csv) may hold no RDF file: its CSV files are
    imported by :func:`open_store` once the catalogs they refer to are loaded.
    """
    sources = []
    for given in map(Path, paths):
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if is_source_file(p))
            if not files and not is_organization_folder(given):
                raise InputError("folder holds no RDF files (.ttl, .trig, .nq, .nt, .jsonld, "
                                 ".rdf) nor SSSOM crosswalks (.sssom.tsv)", file=given)
            for path in files:
                rel = _without_suffix(path.relative_to(given).as_posix())
                sources.append(Source(path, f"{GRAPH}data/{given.name}/{rel}", "data"))
        elif given.is_file():
            sources.append(Source(given, f"{GRAPH}data/{_without_suffix(given.name)}", "data"))
        else:
            raise InputError("not a file or folder", file=given)
    return sources


def is_source_file(path: Path) -> bool:
    return path.name.endswith(SSSOM_SUFFIX) or rdf_format_for_path(path) is not None


def _without_suffix(name: str) -> str:
    """``frameworks/gdpr-2016-679.ttl`` -> ``frameworks/gdpr-2016-679``; likewise .sssom.tsv."""
    if name.endswith(SSSOM_SUFFIX):
        return name.removesuffix(SSSOM_SUFFIX)
    return name.rsplit(".", 1)[0]


def open_store(
    data: Iterable[str | Path] = (),
    *,
    shipped: bool = True,
    progress: Progress | None = None,
    store: str | Path | GraphStore | None = None,
    mapping_sets: Sequence[str] | None = None,
) -> GraphStore:
    """A store holding the shipped catalogs (unless ``shipped=False``) and the user's files.

    ``store`` is where the graph lives: in memory (default), a folder, or a remote SPARQL store's
    URL (see :meth:`GraphStore.open`). A persistent store keeps what it holds between processes;
    only sources that changed since they were loaded are parsed and loaded again.
    ``mapping_sets`` names the shipped mapping sets that count (file stems or set ids); default:
    each set's own default (see :mod:`.mappingsets`).

    ``data`` takes folders of an organization's CSV files and RDF files, as ``str`` or
    :class:`~pathlib.Path` (``ACME`` is ``"examples/acme-lending"`` under the repository):

    >>> store = open_store([ACME])
    >>> [s.path.name for s in store.sources if s.kind == "organization"]
    ['acme-lending']
    >>> open_store(["no/such/folder"])
    Traceback (most recent call last):
    ...
    aimsgraph.errors.InputError: no/such/folder: not a file or folder
    """
    data = [Path(p) for p in data]  # a str is a path too
    organizations = [p for p in data if is_organization_folder(p)]
    _refuse_same_names(organizations)
    sources = select_sources((shipped_sources() if shipped else []) + data_sources(data),
                             mapping_sets)
    graph_store = store if isinstance(store, GraphStore) else GraphStore.open(store)
    wanted = {s.graph for s in sources}
    graph_store.unload([s.graph for s in graph_store.sources
                        if s.kind == "mappings" and s.graph not in wanted])
    digests = {s.graph: digest(s.path) for s in sources} if graph_store.persistent else {}
    stale = [s for s in sources if not graph_store.is_current(s, digests.get(s.graph))] \
        if graph_store.persistent else sources
    graph_store.load(stale, progress=progress, replace=graph_store.persistent,
                     digests=digests)
    trail = graph_store.persistent  # in memory, the files are the record and the store is new
    if trail and stale:
        from .history import record_load

        record_load(graph_store, stale, _loader())
    # an organization's quads depend on its CSV files and on the catalogs they refer to
    catalogs = "".join(sorted(digests.values()))
    for folder in organizations:
        source = Source(folder, f"{GRAPH}data/{folder.name}/organization", "organization")
        folder_digest = digest(folder) + catalogs if graph_store.persistent else None
        if folder_digest is not None and graph_store.is_current(source, folder_digest):
            continue
        index = ProvisionIndex(list(QueryCatalog().get("provision-index").run(graph_store)
                                    .records()))
        quads = organization_quads(folder, source.graph, index)
        before = set(graph_store.graph_quads(source.graph)) if trail else set()
        graph_store.load_quads(source, quads, folder_digest)
        if trail:
            from .history import record_load

            now = set(quads)
            record_load(graph_store, [source], _loader(), added=sorted(now - before, key=str),
                        removed=sorted(before - now, key=str))
    return graph_store


def _loader() -> str:
    """Who loads from the command line: the local account (the trail's actor)."""
    import getpass

    try:
        return "local:" + getpass.getuser()
    except (KeyError, OSError):
        return "local"


def _refuse_same_names(folders: list[Path]) -> None:
    """An organization's graph is named after its folder: two folders of the same name would
    replace each other in a persistent store (in memory the second is refused on load)."""
    seen: dict[str, Path] = {}
    for folder in folders:
        other = seen.setdefault(folder.name, folder)
        if other is not folder:
            raise UsageError(f"two organization folders are named {folder.name!r} ({other} and "
                             f"{folder}); their data would share one graph: rename one folder")
