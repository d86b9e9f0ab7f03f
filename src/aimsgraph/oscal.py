"""OSCAL 1.2: a catalog per framework, the crosswalks as a mapping collection whose references
resolve to those catalogs, and the reading of an OSCAL catalog as an outline to import.

A catalog holds numbers, titles and structure only: each provision is a control (nested as the
framework nests them) whose ``id`` is a token made from its IRI's path, whose ``label`` property
is its official number and whose ``class`` is its kind. The mapping collection names the catalog
files (``<stem>.catalog.json``) as its source and target resources and the control ids as
``id-ref``, so a tool that reads both finds every control a mapping names.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import yaml

from .errors import InputError
from .namespaces import AIMS, BASE
from .organization import require_organization
from .outline import KINDS, Node, Outline, check_outline, ordered, outlines, token
from .queries import QueryCatalog
from .store import GraphStore

OSCAL_VERSION = "1.2.1"
#: NIST IR 8477 relation -> OSCAL 1.2 mapping relationship token (semantic matching rationale)
OSCAL_RELATIONSHIP = {"Equal": "equivalent-to", "SubsetOf": "subset-of",
                      "SupersetOf": "superset-of", "IntersectsWith": "intersects-with",
                      "NotRelated": "no-relationship"}
NAMESPACE = uuid.UUID("5f3c0a52-6a0e-4d5c-9d0e-6f1b3e0c2a11")  # aimsgraph's UUIDv5 namespace
_TOKEN = re.compile(r"^[^\W\d]")


def catalog_file(stem: str) -> str:
    return f"{stem}.catalog.json"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def to_catalog(outline: Outline) -> dict:
    """One framework as an OSCAL 1.2 catalog (numbers, titles, structure; no provision text)."""

    def control(node: Node) -> dict:
        entry: dict = {"id": token(node.key), "class": node.kind, "title": node.title,
                       "props": [{"name": "label", "value": node.notation}],
                       "links": [{"href": f"{outline.iri}/{node.key}", "rel": "canonical"}]}
        if node.children:
            entry["controls"] = [control(c) for c in node.children]
        return entry

    ids = [token(n.key) for n in outline.nodes]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"{outline.notation}: provisions share a control id: {', '.join(twice)}")
    metadata: dict = {"title": outline.title, "last-modified": _now(),
                      "version": outline.version or outline.notation,
                      "oscal-version": OSCAL_VERSION,
                      "props": [{"name": "label", "value": outline.notation}],
                      "links": [{"href": outline.iri, "rel": "canonical"}],
                      "remarks": "Numbers, titles and structure only, exported by aimsgraph; "
                                 "the provisions' text is not included."}
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", outline.issued):
        metadata["published"] = f"{outline.issued}T00:00:00+00:00"
    return {"catalog": {"uuid": str(uuid.uuid5(NAMESPACE, outline.iri)), "metadata": metadata,
                        "controls": [control(n) for n in outline.roots()]}}


def catalogs(store: GraphStore) -> dict[str, bytes]:
    """File name -> OSCAL catalog (JSON) for every framework in the store."""
    return {catalog_file(o.stem): _json(to_catalog(o)) for o in outlines(store)}


def _json(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def to_mapping_collection(store: GraphStore) -> dict:
    """All authored mappings as an OSCAL 1.2 mapping collection, one mapping per mapping set
    and framework pair; resources and ``id-ref``s name the catalogs of :func:`catalogs`."""
    frameworks = {o.iri: o for o in outlines(store)}
    by_set: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for m in QueryCatalog().get("mappings").run(store).records():
        by_set[(m["mappingSet"] or "", m["sourceFramework"] or "",
                m["targetFramework"] or "")].append(m)
    mappings = []
    for (set_id, source_fw, target_fw), rows in sorted(by_set.items()):
        source, target = frameworks.get(source_fw), frameworks.get(target_fw)
        if source is None or target is None:
            continue  # a mapping to no known provision: validation reports it
        maps = []
        for m in rows:
            relation = (m["relation"] or "").removeprefix(AIMS)
            if relation not in OSCAL_RELATIONSHIP:
                continue  # Unspecified has no OSCAL relationship
            entry: dict = {
                "uuid": str(uuid.uuid5(NAMESPACE, m["mapping"] or "")),
                "relationship": OSCAL_RELATIONSHIP[relation],
                "sources": [{"type": "control", "id-ref": token(
                    (m["source"] or "").removeprefix(source.iri + "/"))}],
                "targets": [{"type": "control", "id-ref": token(
                    (m["target"] or "").removeprefix(target.iri + "/"))}],
            }
            if m["confidence"]:
                entry["confidence-score"] = {"percentage": float(m["confidence"])}
            if m["rationale"]:
                entry["remarks"] = m["rationale"]
            maps.append(entry)
        if maps:
            mappings.append({
                "uuid": str(uuid.uuid5(NAMESPACE, f"{set_id} {source_fw} {target_fw}")),
                "source-resource": {"type": "catalog", "href": catalog_file(source.stem)},
                "target-resource": {"type": "catalog", "href": catalog_file(target.stem)},
                "maps": maps,
            })
    now = _now()
    return {"mapping-collection": {
        "uuid": str(uuid.uuid5(NAMESPACE, f"{BASE}mappings/all/{now}")),
        "metadata": {"title": "aimsgraph crosswalks", "last-modified": now,
                     "version": now[:10], "oscal-version": OSCAL_VERSION},
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": "complete",
            "mapping-description": "Typed crosswalks authored in SSSOM by the aimsgraph "
                                   "maintainers; relations follow NIST IR 8477 set theory. "
                                   "Resources name the catalogs written by aimsgraph export "
                                   "--format oscal-catalog (same folder).",
        },
        "mappings": mappings,
    }}


_ORGANIZATION = "SELECT ?org ?name WHERE { ?org a aims:Organization ; rdfs:label ?name }"
_SYSTEM_NAMES = "SELECT ?system ?name WHERE { ?system a aims:AISystem ; rdfs:label ?name }"


def to_component_definition(store: GraphStore) -> dict:
    """The organization's implemented controls (the Statement of Applicability and clause
    conformity lines with status implemented) as an OSCAL 1.2 component definition: one
    component, the organization's management system, with a control implementation per
    framework whose ``source`` is that framework's catalog file and whose
    ``implemented-requirements`` name its control ids."""
    require_organization(store, "an OSCAL component definition of implemented controls")
    organization = next(iter(store.query(_ORGANIZATION).records()), {})
    name = organization.get("name") or "the organization"
    systems = {r["system"]: r["name"] for r in store.query(_SYSTEM_NAMES).records()}
    frameworks = outlines(store)
    lines: dict[str, dict] = defaultdict(lambda: {"lines": set(), "systems": set()})
    for r in QueryCatalog().get("implemented-controls").run(store).records():
        held = lines[r["control"] or ""]
        held["lines"].add(r["line"])
        if r["system"]:
            held["systems"].add(systems.get(r["system"]) or r["system"])
    implementations = []
    for outline in frameworks:
        prefix = outline.iri + "/"
        requirements = []
        for control in sorted(c for c in lines if c.startswith(prefix)):
            held = lines[control]
            where = ("for " + ", ".join(sorted(held["systems"])) if held["systems"]
                     else "organization-wide")
            node = next((n for n in outline.nodes if prefix + n.key == control), None)
            requirements.append({
                "uuid": str(uuid.uuid5(NAMESPACE, f"{organization.get('org')} {control}")),
                "control-id": token(control.removeprefix(prefix)),
                "description": f"Implemented {where}, per {len(held['lines'])} line(s) of "
                               f"{name}'s Statement of Applicability or clause conformity.",
                "props": [{"name": "label", "value": node.notation if node else control}],
                "links": [{"href": control, "rel": "canonical"}],
            })
        if requirements:
            implementations.append({
                "uuid": str(uuid.uuid5(NAMESPACE, f"{organization.get('org')} {outline.iri}")),
                "source": catalog_file(outline.stem),
                "description": f"{outline.notation}: the controls {name} has implemented.",
                "implemented-requirements": requirements,
            })
    now = _now()
    component = {
        "uuid": str(uuid.uuid5(NAMESPACE, f"{organization.get('org')} component")),
        "type": "plan",
        "title": f"{name} AI management system",
        "description": f"The management system of {name} (ISO/IEC 42001 and the frameworks "
                       "it answers to), as its organization data in aimsgraph states it.",
    }
    if implementations:
        component["control-implementations"] = implementations
    return {"component-definition": {
        "uuid": str(uuid.uuid5(NAMESPACE, f"{organization.get('org')} {now}")),
        "metadata": {"title": f"{name}: implemented controls", "last-modified": now,
                     "version": now[:10], "oscal-version": OSCAL_VERSION},
        "components": [component],
    }}


# -- import ---------------------------------------------------------------------------------------

def read_catalog(path: Path, slug: str | None = None) -> Outline:
    """An OSCAL catalog (JSON or YAML) as an outline under ``https://w3id.org/aimsgraph/ext/``.

    Groups and controls become provisions (numbers from the ``label`` property, else the id;
    titles; nesting); parts (the text) are not read. Every fault is an InputError naming the
    file and the field path.
    """
    data = _load(path)
    catalog = _need(data, "catalog", dict, path, "")
    metadata = _need(catalog, "metadata", dict, path, "catalog")
    title = _need(metadata, "title", str, path, "catalog.metadata")
    version = str(metadata.get("version") or "")
    notation = _label(metadata) or title
    name = slug or _slug(path)
    outline = Outline(f"{BASE}ext/{name}", name, notation, title, version,
                      str(metadata.get("published") or "")[:10])
    nodes: list[Node] = []

    def walk(items: object, where: str, parent: str | None, default_kind: str) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            raise InputError("must be a list", file=path, field=where)
        for index, item in enumerate(items):
            at = f"{where}[{index}]"
            if not isinstance(item, dict):
                raise InputError("must be an object", file=path, field=at)
            ident = item.get("id")
            if ident is None and default_kind == "ControlGroup":
                ident = f"group-{len(nodes) + 1}"
            if not isinstance(ident, str) or not _TOKEN.match(ident) \
                    or not re.fullmatch(r"[\w.-]+", ident):
                raise InputError(f"missing or not an OSCAL token: {ident!r}", file=path,
                                 field=f"{at}.id")
            title = _need(item, "title", str, path, at)
            kind = item.get("class") if item.get("class") in KINDS else default_kind
            nodes.append(Node(ident, _label(item) or ident, title.strip(), kind, parent))
            walk(item.get("groups"), f"{at}.groups", ident, "ControlGroup")
            walk(item.get("controls"), f"{at}.controls", ident, "Control")

    walk(catalog.get("groups"), "catalog.groups", None, "ControlGroup")
    walk(catalog.get("controls"), "catalog.controls", None, "Control")
    if not nodes:
        raise InputError("the catalog has no groups or controls", file=path,
                         field="catalog.controls")
    outline.nodes = nodes
    check_outline(outline, str(path))
    outline.nodes = ordered(nodes)
    return outline


def _label(item: dict) -> str:
    for prop in item.get("props") or []:
        if isinstance(prop, dict) and prop.get("name") == "label" and prop.get("value"):
            return str(prop["value"]).strip()
    return ""


def _load(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", file=path) from err
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason} at byte {err.start})",
                         file=path) from err
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"not JSON: {err.msg}", file=path, line=err.lineno,
                             column=err.colno) from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"not YAML: {getattr(err, 'problem', err)}", file=path,
                         line=mark.line + 1 if mark is not None else None) from err


def _need(data: object, key: str, kind: type, path: Path, where: str):
    field = f"{where}.{key}" if where else key
    if not isinstance(data, dict) or key not in data:
        raise InputError("missing", file=path, field=field)
    value = data[key]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise InputError(f"must be {'a non-empty string' if kind is str else 'an object'}",
                         file=path, field=field)
    return value


def _slug(path: Path) -> str:
    stem = path.name.lower()
    for suffix in (".json", ".yaml", ".yml", ".catalog", ".oscal"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^a-z0-9.-]+", "-", stem).strip("-.") or "catalog"
