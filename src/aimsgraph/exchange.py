"""Exchange: the authored mappings as SSSOM TSV or an OSCAL 1.2 mapping collection, and the
frameworks with their crosswalks as OSCAL catalogs or CISO Assistant libraries.

Derived inverse mappings are not exported: any consumer can derive them again.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import curies
import yaml

from .cisoassistant import libraries
from .namespaces import AIMS, BASE, PROVISION_PREFIXES, SKOS
from .oscal import catalogs, to_component_definition, to_mapping_collection
from .queries import QueryCatalog
from .sssom import SEMAPV, SKOS_FOR
from .store import GraphStore

SSSOM_COLUMNS = ["subject_id", "subject_label", "predicate_id", "predicate_modifier", "object_id",
                 "object_label", "set_relation", "mapping_justification", "confidence",
                 "author_id", "mapping_date", "subject_source", "subject_source_version",
                 "object_source", "object_source_version", "comment"]
CURIE_MAP = {"aims": AIMS, "aimsgraph": BASE, "semapv": SEMAPV, "skos": SKOS,
             **PROVISION_PREFIXES}


def export_mappings(store: GraphStore, fmt: str) -> bytes:
    """``sssom``, ``oscal-mapping`` or ``oscal-component`` (the organization's implemented
    controls as an OSCAL component definition) as bytes to write."""
    if fmt == "sssom":
        return to_sssom(store).encode()
    data = to_component_definition(store) if fmt == "oscal-component" else \
        to_oscal_mapping(store)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


MAPPING_FORMATS = ("sssom", "oscal-mapping", "oscal-component")
#: exports written as a folder of files: file name -> bytes
FOLDER_FORMATS = ("oscal-catalog", "ciso-assistant")


def export_folder(store: GraphStore, fmt: str) -> dict[str, bytes]:
    """``oscal-catalog``: one OSCAL 1.2 catalog per framework (the files the
    ``oscal-mapping`` export names); ``ciso-assistant``: one CISO Assistant library per
    framework and per crosswalk."""
    if fmt == "oscal-catalog":
        return catalogs(store)
    return libraries(store)


def authored_mappings(store: GraphStore) -> list[dict[str, str | None]]:
    return list(QueryCatalog().get("mappings").run(store).records())


#: the licence of a merged export whose sets do not share one: each set keeps its own (see_also)
LICENCE_PER_SET = f"{BASE}licence/per-mapping-set"


def merged_licence(store: GraphStore, mappings: list[dict[str, str | None]]) -> str:
    """The licence a merged export may state: the one licence all its sets share, else none of
    theirs (a published set with no stated licence must not come out as CC BY 4.0)."""
    from .mappingsets import used_mapping_sets

    in_export = {m["mappingSet"] for m in mappings}
    licences = {s["license"] or LICENCE_NOT_STATED for s in used_mapping_sets(store)
                if s["id"] in in_export}
    return licences.pop() if len(licences) == 1 else LICENCE_PER_SET


LICENCE_NOT_STATED = f"{BASE}licence/not-stated"


def to_sssom(store: GraphStore) -> str:
    """All authored mappings as one SSSOM TSV mapping set (per-row sources and versions)."""
    converter = curies.Converter.from_prefix_map(CURIE_MAP)
    mappings = authored_mappings(store)
    today = datetime.now(UTC).date().isoformat()
    metadata = {
        "mapping_set_id": f"{BASE}mappings/all",
        "mapping_set_version": today,
        "mapping_set_title": "aimsgraph crosswalks",
        "mapping_set_description": "Every crosswalk loaded into aimsgraph (the mapping sets "
                                   "selected), merged; the NIST IR 8477 set-theory relation is in "
                                   "set_relation. The sets it was made from are under see_also.",
        "creator_id": ["aimsgraph:maintainers"],
        "mapping_provider": BASE,
        "see_also": sorted({m["mappingSet"] or "" for m in mappings}) or [f"{BASE}mappings"],
        "publication_date": today,
        "license": merged_licence(store, mappings),
        "mapping_date": today,
        "curie_map": CURIE_MAP,
        "extension_definitions": [{"slot_name": "set_relation", "property": "aims:relation",
                                   "type_hint": "http://www.w3.org/2001/XMLSchema#anyURI"}],
    }
    out = io.StringIO()
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    out.write("".join(f"# {line}\n" for line in header.splitlines()))
    writer = csv.DictWriter(out, fieldnames=SSSOM_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for m in mappings:
        relation = (m["relation"] or "").removeprefix(AIMS)
        predicate, modifier = SKOS_FOR[relation]
        writer.writerow({
            "subject_id": converter.compress_or_standardize(m["source"] or "", passthrough=True),
            "subject_label": m["sourceTitle"] or "",
            "predicate_id": f"skos:{predicate}",
            "predicate_modifier": modifier,
            "object_id": converter.compress_or_standardize(m["target"] or "", passthrough=True),
            "object_label": m["targetTitle"] or "",
            "set_relation": f"aims:{relation}",
            "mapping_justification": converter.compress(m["justification"] or "",
                                                        passthrough=True),
            "confidence": m["confidence"] or "",
            "author_id": converter.compress(m["author"] or "", passthrough=True),
            "mapping_date": m["date"] or "",
            "subject_source": m["sourceFramework"] or "",
            "subject_source_version": m["sourceVersion"] or "",
            "object_source": m["targetFramework"] or "",
            "object_source_version": m["targetVersion"] or "",
            "comment": (m["rationale"] or "").replace("\t", " ").replace("\n", " "),
        })
    return out.getvalue()


def to_oscal_mapping(store: GraphStore) -> dict:
    """All authored mappings as an OSCAL 1.2 mapping collection (see :mod:`.oscal`)."""
    return to_mapping_collection(store)
