"""Which mapping sets (crosswalk files) count: the user's choice, or each set's default.

A shipped set counts by default unless its header says ``aimsgraph_selected_by_default: false``
(the published crosswalks kept for comparison). Naming sets (``--mapping-sets``, the service's
setting or ``mapping_sets=``) loads exactly those shipped sets; a user's own SSSOM files given
with ``--data`` always count. Answers name the sets loaded (:func:`used_mapping_sets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .queries import QueryCatalog
from .sssom import SELECTED_BY_DEFAULT, _parse_header, _read_text
from .store import GraphStore, Source


@dataclass(frozen=True)
class MappingSetFile:
    key: str  # the file name without .sssom.tsv
    set_id: str
    path: Path
    selected_by_default: bool


def mapping_set_file(path: Path) -> MappingSetFile:
    """The id and default selection of a set, from its header alone."""
    header = "".join(line[1:] for line in _read_text(path).splitlines(keepends=True)
                     if line.startswith("#"))
    metadata = _parse_header(path, header)
    key = path.name.removesuffix(".tsv").removesuffix(".sssom")
    return MappingSetFile(key, str(metadata.get("mapping_set_id") or key), path,
                          metadata.get(SELECTED_BY_DEFAULT, True) is not False)


def parse_names(values: Sequence[str] | None) -> list[str] | None:
    """``--mapping-sets a,b --mapping-sets c`` -> ``[a, b, c]``; None or nothing: the default."""
    if not values:
        return None
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    return names or None


def select_sources(sources: list[Source], names: Sequence[str] | None) -> list[Source]:
    """The sources to load: shipped mapping sets as selected, everything else unchanged."""
    shipped = [s for s in sources if s.kind == "mappings"]
    files = {s.graph: mapping_set_file(s.path) for s in shipped}
    if names is None:
        chosen = {g for g, f in files.items() if f.selected_by_default}
    else:
        by_name = {}
        for graph, f in files.items():
            by_name[f.key] = by_name[f.set_id] = graph
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise UsageError(f"no mapping set {', '.join(map(repr, unknown))}: choose from "
                             f"{', '.join(sorted(f.key for f in files.values()))}")
        chosen = {by_name[n] for n in names}
    return [s for s in sources if s.kind != "mappings" or s.graph in chosen]


def used_mapping_sets(store: GraphStore) -> list[dict[str, str | None]]:
    """The loaded mapping sets with their provenance, for answers to name (remembered until the
    next write, so answers served from cached findings need no store round trip)."""
    rows = store.cached(("mapping-sets",),
                        lambda: list(QueryCatalog().get("mapping-sets").run(store).records()))
    return [{"id": r["mappingSet"], "file": r["file"], "title": r["title"],
             "provider": r["provider"], "version": r["version"], "date": r["issued"],
             "license": r["license"], "creators": r["creators"], "documents": r["documents"]}
            for r in rows]


def describe_mapping_sets(store: GraphStore) -> str:
    """One line for text answers."""
    files = [(r["file"] or r["id"] or "").removesuffix(".sssom.tsv")
             for r in used_mapping_sets(store)]
    return "Mapping sets used: " + (", ".join(files) if files else "none loaded")


__all__ = ["MappingSetFile", "describe_mapping_sets", "mapping_set_file", "parse_names",
           "select_sources", "used_mapping_sets"]
