"""CISO Assistant libraries: the frameworks and the crosswalks as its library YAML, and the
reading of a CISO Assistant framework library as an outline to import.

The format follows CISO Assistant's shipped libraries (``backend/library/libraries/*.yaml`` in
intuitem/ciso-assistant-community) and its loader: a library has ``urn``, ``locale``, ``ref_id``,
``name``, ``description``, ``copyright``, ``version`` (an integer), ``publication_date``,
``provider``, ``packager``, optional ``dependencies`` (library URNs) and ``objects``: either a
``framework`` with ``requirement_nodes`` (each a ``urn``, ``assessable``, ``depth``,
``parent_urn``, ``ref_id``, ``name``) or ``requirement_mapping_sets`` (``source_framework_urn``,
``target_framework_urn`` and ``requirement_mappings``: ``source_requirement_urn``,
``target_requirement_urn``, ``relationship`` in equal / subset / superset / intersect /
not_related, ``rationale`` in syntactic / semantic / functional, ``strength_of_relationship``
0-10, ``annotation``). URNs are lower case; CISO Assistant lowercases them when it loads.
Only numbers, titles and structure are written: no provision text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from .errors import InputError
from .namespaces import AIMS, BASE
from .outline import Node, Outline, check_outline, ordered, outlines, token
from .queries import QueryCatalog
from .store import GraphStore

PACKAGER = "aimsgraph"
#: libyaml's emitter where PyYAML has it (ten times faster), else the pure Python one
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: NIST IR 8477 relation -> CISO Assistant relationship (the same set-theory relations)
RELATIONSHIP = {"Equal": "equal", "SubsetOf": "subset", "SupersetOf": "superset",
                "IntersectsWith": "intersect", "NotRelated": "not_related"}
URN = re.compile(r"^urn:[a-z0-9][a-z0-9-]*(:[a-z0-9._-]+)+$")


def library_urn(stem: str) -> str:
    return f"urn:{PACKAGER}:risk:library:{stem.lower()}"


def framework_urn(stem: str) -> str:
    return f"urn:{PACKAGER}:risk:framework:{stem.lower()}"


def node_urn(stem: str, key: str) -> str:
    return f"urn:{PACKAGER}:risk:req_node:{stem.lower()}:{token(key).lower()}"


def _copyright(outline: Outline) -> str:
    if outline.notation.startswith("ISO"):
        return (f"Numbers and titles of {outline.notation} only; the text of the standard is "
                "copyright ISO/IEC and not included")
    return f"{outline.publisher or outline.notation}; numbers and titles only"


def framework_library(outline: Outline, today: date) -> dict:
    """One framework as a CISO Assistant framework library."""
    urns = [node_urn(outline.stem, n.key) for n in outline.nodes]
    if len(set(urns)) != len(urns):
        twice = sorted({u for u in urns if urns.count(u) > 1})
        raise InputError(f"{outline.notation}: provisions share a URN: {', '.join(twice)}")
    description = (f"{outline.title}: numbers, titles and structure exported by aimsgraph "
                   f"from {outline.iri}; the provisions' text is not included.")
    nodes = []
    depths: dict[str, int] = {}
    for n in outline.nodes:  # depth first: a parent comes before its children
        depths[n.key] = depths[n.parent] + 1 if n.parent is not None else 1
        node: dict = {"urn": node_urn(outline.stem, n.key), "assessable": not n.children,
                      "depth": depths[n.key]}
        if n.parent is not None:
            node["parent_urn"] = node_urn(outline.stem, n.parent)
        node["ref_id"] = n.notation
        node["name"] = n.title
        nodes.append(node)
    return {
        "urn": library_urn(outline.stem),
        "locale": "en",
        "ref_id": outline.stem,
        "name": outline.notation,
        "description": description,
        "copyright": _copyright(outline),
        "version": 1,
        "publication_date": today,
        "provider": outline.publisher or outline.notation,
        "packager": PACKAGER,
        "objects": {"framework": {
            "urn": framework_urn(outline.stem),
            "ref_id": outline.notation,
            "name": outline.title,
            "description": description,
            "requirement_nodes": nodes,
        }},
    }


def mapping_libraries(store: GraphStore, frameworks: dict[str, Outline],
                      today: date) -> dict[str, dict]:
    """Library file name -> one mapping library per mapping set and framework pair."""
    groups: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    titles: dict[str, str] = {}
    for m in QueryCatalog().get("mappings").run(store).records():
        groups[(m["mappingSet"] or "", m["sourceFramework"] or "",
                m["targetFramework"] or "")].append(m)
    for r in store.query("SELECT ?set ?title WHERE { ?set a aims:MappingSet ; "
                         "dcterms:title ?title }").records():
        titles[r["set"] or ""] = r["title"] or ""
    pairs = Counter(set_id for set_id, _, _ in groups)
    libraries: dict[str, dict] = {}
    for (set_id, source_iri, target_iri), rows in sorted(groups.items()):
        source, target = frameworks.get(source_iri), frameworks.get(target_iri)
        if source is None or target is None or source is target:
            continue
        set_stem = set_id.rstrip("/").rsplit("/", 1)[-1].lower()
        stem = f"mapping-{set_stem}" if pairs[set_id] == 1 else \
            f"mapping-{set_stem}-{source.stem}-to-{target.stem}".lower()
        mappings = []
        for m in rows:
            relation = (m["relation"] or "").removeprefix(AIMS)
            if relation not in RELATIONSHIP:
                continue  # Unspecified: CISO Assistant has no such relationship
            entry: dict = {
                "source_requirement_urn": node_urn(source.stem,
                                                   (m["source"] or "")
                                                   .removeprefix(source.iri + "/")),
                "target_requirement_urn": node_urn(target.stem,
                                                   (m["target"] or "")
                                                   .removeprefix(target.iri + "/")),
                "relationship": RELATIONSHIP[relation],
                "rationale": "semantic",
            }
            if m["confidence"]:
                entry["strength_of_relationship"] = round(float(m["confidence"]) * 10)
            if m["rationale"]:
                entry["annotation"] = m["rationale"]
            mappings.append(entry)
        if not mappings:
            continue
        name = f"{source.notation} -> {target.notation}"
        description = (f"{titles.get(set_id) or name}: typed crosswalk from aimsgraph "
                       f"({set_id}); relations are NIST IR 8477 set-theory relations.")
        libraries[f"{stem}.yaml"] = {
            "urn": library_urn(stem),
            "locale": "en",
            "ref_id": stem,
            "name": name,
            "description": description,
            "copyright": "aimsgraph maintainers, CC BY 4.0",
            "version": 1,
            "publication_date": today,
            "provider": PACKAGER,
            "packager": PACKAGER,
            "dependencies": [library_urn(source.stem), library_urn(target.stem)],
            "objects": {"requirement_mapping_sets": [{
                "urn": f"urn:{PACKAGER}:risk:req_mapping_set:{stem}",
                "ref_id": stem,
                "name": name,
                "description": description,
                "source_framework_urn": framework_urn(source.stem),
                "target_framework_urn": framework_urn(target.stem),
                "requirement_mappings": mappings,
            }]},
        }
    return libraries


def libraries(store: GraphStore) -> dict[str, bytes]:
    """File name -> CISO Assistant library YAML: each framework, then each crosswalk."""
    today = datetime.now(UTC).date()  # written as a YAML date, as the shipped libraries are
    frameworks = {o.iri: o for o in outlines(store)}
    files = {f"{o.stem}.yaml": framework_library(o, today) for o in frameworks.values()}
    files.update(mapping_libraries(store, frameworks, today))
    return {name: yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                            width=100).encode()
            for name, data in files.items()}


# -- import ---------------------------------------------------------------------------------------

def read_library(path: Path, slug: str | None = None) -> Outline:
    """A CISO Assistant framework library as an outline under ``https://w3id.org/aimsgraph/ext/``.

    Requirement nodes become provisions: ``ref_id`` is the number (else the name), ``name`` the
    title (else the number), ``parent_urn`` the structure; assessable nodes are controls, the
    others control groups. Descriptions (the text) are not read. Every fault is an InputError
    naming the file and the field.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", file=path) from err
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason} at byte {err.start})",
                         file=path) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(f"not YAML: {getattr(err, 'problem', err)}", file=path,
                         line=mark.line + 1 if mark is not None else None) from err
    if not isinstance(data, dict):
        raise InputError("not a CISO Assistant library (a YAML mapping with urn and objects)",
                         file=path)
    for key in ("urn", "objects"):
        if key not in data:
            raise InputError("missing", file=path, field=key)
    objects = data["objects"]
    if not isinstance(objects, dict) or not isinstance(objects.get("framework"), dict):
        known = ", ".join(sorted(objects)) if isinstance(objects, dict) else "none"
        raise InputError(f"no framework in this library (objects holds: {known}); only "
                         "framework libraries are imported", file=path, field="objects.framework")
    framework = objects["framework"]
    for key in ("urn", "ref_id"):
        if not isinstance(framework.get(key), str) or not framework[key].strip():
            raise InputError("missing", file=path, field=f"objects.framework.{key}")
    fw_urn = framework["urn"].strip().lower()
    if not URN.match(fw_urn):
        raise InputError(f"{framework['urn']!r} is not a URN", file=path,
                         field="objects.framework.urn")
    requirement_nodes = framework.get("requirement_nodes")
    if not isinstance(requirement_nodes, list) or not requirement_nodes:
        raise InputError("missing or empty", file=path,
                         field="objects.framework.requirement_nodes")
    name = slug or re.sub(r"[^a-z0-9.-]+", "-", fw_urn.rsplit(":", 1)[-1]).strip("-.")
    notation = framework["ref_id"].strip()
    # the library's version counts its revisions, not the framework's edition: none is kept
    outline = Outline(f"{BASE}ext/{name}", name, notation,
                      str(framework.get("name") or notation).strip(), "",
                      str(data.get("publication_date") or "")[:10],
                      str(data.get("provider") or "").strip())
    keys: dict[str, str] = {}
    nodes: list[Node] = []
    for index, item in enumerate(requirement_nodes):
        at = f"objects.framework.requirement_nodes[{index}]"
        if not isinstance(item, dict):
            raise InputError("must be a mapping", file=path, field=at)
        urn = item.get("urn")
        if not isinstance(urn, str) or not URN.match(urn.strip().lower()):
            raise InputError(f"missing or not a URN: {urn!r}", file=path, field=f"{at}.urn")
        urn = urn.strip().lower()
        parts = urn.split(":")
        key = token(":".join(parts[5:]) if len(parts) > 5 else parts[-1])
        keys[urn] = key
        ref_id = str(item.get("ref_id") or "").strip()
        title = str(item.get("name") or "").strip()
        if not ref_id and not title:
            raise InputError("a requirement node needs a ref_id or a name", file=path,
                             field=f"{at}.ref_id")
        parent = item.get("parent_urn")
        nodes.append(Node(key, ref_id or title, title or ref_id,
                          "Control" if item.get("assessable") else "ControlGroup",
                          str(parent).strip().lower() if parent else None))
    for index, node in enumerate(nodes):
        if node.parent is not None:
            if node.parent not in keys:
                raise InputError(f"parent_urn {node.parent!r} is not a node of this framework",
                                 file=path,
                                 field=f"objects.framework.requirement_nodes[{index}].parent_urn")
            node.parent = keys[node.parent]
    outline.nodes = nodes
    check_outline(outline, str(path))
    outline.nodes = ordered(nodes)
    return outline
