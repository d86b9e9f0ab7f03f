"""SSSOM TSV crosswalks: read, validate row by row, and turn into ``aims:Mapping`` quads.

A file is a YAML header (``#``-prefixed lines: mapping set metadata and ``curie_map``) and a TSV
table, one mapping per row. Each row becomes an ``aims:Mapping`` with its relation, confidence,
rationale and provenance, the SKOS match triple beside it, and a derived inverse mapping
(``aims:derivedFrom`` the authored one), so that nothing is authored twice.

Every problem is an :class:`InputError` naming the file, the row's line number and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

import curies
import pyoxigraph as ox
import yaml

from .errors import InputError
from .namespaces import AIMS, BASE, DCTERMS, RDF, SKOS, XSD

REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
RELATIONS = ("Equal", "SubsetOf", "SupersetOf", "IntersectsWith", "NotRelated", "Unspecified")
INVERSE = {"Equal": "Equal", "SubsetOf": "SupersetOf", "SupersetOf": "SubsetOf",
           "IntersectsWith": "IntersectsWith", "NotRelated": "NotRelated",
           "Unspecified": "Unspecified"}
#: relation -> (SKOS predicate, modifier) as written in SSSOM: one standard predicate (and
#: modifier) per relation, so that a tool that drops the set_relation column (sssom-py does)
#: keeps the relation; Unspecified is SKOS's own unspecified mapping property
SKOS_FOR = {"Equal": ("exactMatch", ""), "SubsetOf": ("broadMatch", ""),
            "SupersetOf": ("narrowMatch", ""), "IntersectsWith": ("relatedMatch", ""),
            "NotRelated": ("relatedMatch", "Not"), "Unspecified": ("mappingRelation", "")}
#: how a plain SSSOM file (no set_relation column) states each relation
RELATION_FOR_SKOS = {("exactMatch", ""): "Equal", ("broadMatch", ""): "SubsetOf",
                     ("narrowMatch", ""): "SupersetOf", ("relatedMatch", ""): "IntersectsWith",
                     ("closeMatch", ""): "IntersectsWith", ("relatedMatch", "Not"): "NotRelated",
                     ("mappingRelation", ""): "Unspecified",
                     ("exactMatch", "Not"): "NotRelated", ("closeMatch", "Not"): "NotRelated"}
SEMAPV = "https://w3id.org/semapv/vocab/"
#: provenance every mapping set states (SSSOM mapping set slots): what each stands for
PROVENANCE = {"creator_id": "the author (a CURIE or IRI, or a list)",
              "mapping_provider": "who provides the set (an IRI)",
              "see_also": "the source document(s) the mappings come from (URLs)",
              "mapping_set_version": "the version of the set",
              "publication_date": "the date of this version (YYYY-MM-DD)",
              "license": "the licence (an IRI)"}
#: aimsgraph metadata key: false keeps a set out of answers unless a user selects it
SELECTED_BY_DEFAULT = "aimsgraph_selected_by_default"


@dataclass(frozen=True)
class MappingRow:
    line: int
    subject: str
    object: str
    relation: str
    confidence: Decimal | None
    rationale: str
    justification: str
    author: str | None
    mapping_date: date | None
    subject_version: str | None
    object_version: str | None


@dataclass(frozen=True)
class Provenance:
    authors: tuple[str, ...]  # IRIs
    provider: str
    documents: tuple[str, ...]
    version: str
    published: date
    licence: str
    selected_by_default: bool = True


@dataclass
class MappingSet:
    path: Path
    set_id: str
    metadata: dict
    curie_map: dict[str, str]
    rows: list[MappingRow] = field(default_factory=list)
    provenance: Provenance | None = None

    @cached_property
    def converter(self) -> curies.Converter:
        return curies.Converter.from_prefix_map(self.curie_map)


def read_sssom(path: Path) -> MappingSet:
    """Parse and validate one SSSOM TSV file (structure and values; not whether IRIs exist)."""
    text = _read_text(path)
    header_lines, table_lines, first_table_line = [], [], 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.startswith("#") and not table_lines:
            header_lines.append(line[1:])
        elif line.strip():
            if not table_lines:
                first_table_line = number
            table_lines.append(line)
    metadata = _parse_header(path, "".join(header_lines))
    curie_map = metadata.get("curie_map") or {}
    if not isinstance(curie_map, dict):
        raise InputError("curie_map must be a mapping of prefix to IRI", file=path,
                         field="curie_map")
    if not table_lines:
        raise InputError("no mapping table after the header", file=path)
    reader = csv.DictReader(io.StringIO("".join(table_lines)), delimiter="\t")
    columns = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", file=path,
                         line=first_table_line)
    set_id = str(metadata.get("mapping_set_id") or f"{BASE}mappings/{_stem(path)}")
    mapping_set = MappingSet(path, set_id, metadata, {str(k): str(v) for k, v in curie_map.items()})
    try:
        mapping_set.converter  # noqa: B018 - builds and checks the prefix map once
    except (ValueError, curies.api.DuplicatePrefixes, curies.api.DuplicateURIPrefixes) as err:
        raise InputError(f"curie_map is inconsistent: {err}", file=path, field="curie_map") from err
    mapping_set.provenance = _provenance(mapping_set)
    for offset, record in enumerate(reader, start=1):
        line = first_table_line + offset
        if None in record or any(v is None for v in record.values()):
            raise InputError(f"row has {len([v for v in record.values() if v is not None])} "
                             f"cells, the header has {len(columns)}", file=path, line=line)
        mapping_set.rows.append(_parse_row(mapping_set, record, metadata, line))
    return mapping_set


def _provenance(ms: MappingSet) -> Provenance:
    """The set's provenance from its header; InputError names the missing or bad slot."""
    meta = ms.metadata

    def need(slot: str) -> object:
        value = meta.get(slot)
        if value in (None, "", []):
            raise InputError(f"mapping set provenance missing: {slot} ({PROVENANCE[slot]})",
                             file=ms.path, field=slot)
        return value

    def iri(value: str, slot: str) -> str:
        expanded = ms.converter.expand(value) if ":" in value and "//" not in value else value
        if not expanded or not re.match(r"^[a-z][a-z0-9+.-]*:\S+$", expanded, re.IGNORECASE):
            raise InputError(f"{value!r} is not an IRI or a CURIE declared in curie_map",
                             file=ms.path, field=slot)
        return expanded

    def many(slot: str) -> tuple[str, ...]:
        value = need(slot)
        values = value if isinstance(value, list) else [value]
        return tuple(iri(str(v), slot) for v in values)

    published = need("publication_date")
    try:
        when = published if isinstance(published, date) else date.fromisoformat(str(published))
    except ValueError:
        raise InputError(f"{published!r} is not a date (YYYY-MM-DD)", file=ms.path,
                         field="publication_date") from None
    selected = meta.get(SELECTED_BY_DEFAULT, True)
    if not isinstance(selected, bool):
        raise InputError("true or false", file=ms.path, field=SELECTED_BY_DEFAULT)
    return Provenance(many("creator_id"), iri(str(need("mapping_provider")), "mapping_provider"),
                      many("see_also"), str(need("mapping_set_version")), when,
                      iri(str(need("license")), "license"), selected)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", file=path) from err
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text ({err.reason} at byte {err.start})", file=path) from err


def _parse_header(path: Path, header: str) -> dict:
    try:
        metadata = yaml.safe_load(header) if header.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"header is not valid YAML: {getattr(err, 'problem', err)}",
                         file=path, line=line) from err
    if not isinstance(metadata, dict):
        raise InputError("header must be YAML key: value lines", file=path, line=1)
    return metadata


def _parse_row(ms: MappingSet, record: dict[str, str], metadata: dict, line: int) -> MappingRow:
    def cell(name: str) -> str:
        value = record.get(name)
        if value is None or not value.strip():
            value = metadata.get(name)
        return str(value).strip() if value is not None else ""

    def fail(column: str, reason: str) -> InputError:
        return InputError(reason, file=ms.path, line=line, field=column)

    subject = _expand(ms, cell("subject_id"), "subject_id", line)
    obj = _expand(ms, cell("object_id"), "object_id", line)
    relation = _relation(ms, cell("set_relation"), cell("predicate_id"),
                         cell("predicate_modifier"), line)
    confidence = None
    if cell("confidence"):
        try:
            confidence = Decimal(cell("confidence"))
        except InvalidOperation:
            raise fail("confidence", f"{cell('confidence')!r} is not a number") from None
        if not Decimal(0) <= confidence <= Decimal(1):
            raise fail("confidence", f"{confidence} is outside 0-1")
    justification = _expand(ms, cell("mapping_justification"), "mapping_justification", line)
    if not justification.startswith(SEMAPV):
        raise fail("mapping_justification", "must be a SEMAPV term (semapv:...)")
    mapping_date = None
    if cell("mapping_date"):
        try:
            mapping_date = date.fromisoformat(cell("mapping_date"))
        except ValueError:
            raise fail("mapping_date", f"{cell('mapping_date')!r} is not a date "
                                       "(YYYY-MM-DD)") from None
    author = _expand(ms, cell("author_id"), "author_id", line) if cell("author_id") else None
    return MappingRow(line, subject, obj, relation, confidence, cell("comment"), justification,
                      author, mapping_date, cell("subject_source_version") or None,
                      cell("object_source_version") or None)


def _expand(ms: MappingSet, curie: str, column: str, line: int) -> str:
    if not curie:
        raise InputError("empty", file=ms.path, line=line, field=column)
    iri = ms.converter.expand(curie)
    if iri is None:
        known = ", ".join(sorted(ms.curie_map)) or "none declared"
        raise InputError(f"{curie!r} has no prefix declared in curie_map (declared: {known})",
                         file=ms.path, line=line, field=column)
    if re.search(r"[\s<>\"{}|\\^`]", iri):
        raise InputError(f"{curie!r} does not expand to a valid IRI", file=ms.path, line=line,
                         field=column)
    return iri


def _relation(ms: MappingSet, set_relation: str, predicate: str, modifier: str,
              line: int) -> str:
    skos = _expand(ms, predicate, "predicate_id", line)
    skos_local = skos.removeprefix(SKOS) if skos.startswith(SKOS) else None
    if modifier not in ("", "Not"):
        raise InputError(f"{modifier!r} is not a predicate modifier (only 'Not')", file=ms.path,
                         line=line, field="predicate_modifier")
    if set_relation:
        iri = _expand(ms, set_relation, "set_relation", line)
        relation = iri.removeprefix(AIMS)
        if not iri.startswith(AIMS) or relation not in RELATIONS:
            raise InputError(f"{set_relation!r} is not one of aims:{', aims:'.join(RELATIONS)}",
                             file=ms.path, line=line, field="set_relation")
        if (skos_local, modifier) != SKOS_FOR[relation]:
            want, want_modifier = SKOS_FOR[relation]
            expected = f"skos:{want}" + (f" with predicate_modifier {want_modifier}"
                                         if want_modifier else " without predicate_modifier")
            raise InputError(f"predicate_id {predicate} {modifier} contradicts set_relation "
                             f"{set_relation}: expected {expected}", file=ms.path, line=line,
                             field="predicate_id")
        return relation
    derived = RELATION_FOR_SKOS.get((skos_local or "", modifier))
    if derived is None:
        raise InputError(f"predicate {predicate!r} has no set-theory relation; use a SKOS "
                         "mapping predicate or a set_relation column", file=ms.path, line=line,
                         field="predicate_id")
    return derived


# -- to RDF ---------------------------------------------------------------------------------------

def mapping_quads(ms: MappingSet, graph: str) -> list[ox.Quad]:
    """The authored mappings, their SKOS triples and their derived inverses, in ``graph``."""
    g = ox.NamedNode(graph)
    quads: list[ox.Quad] = []
    seen: set[tuple[str, str]] = set()

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(p), o, g))

    mapping_set = ox.NamedNode(ms.set_id)
    add(mapping_set, RDF + "type", ox.NamedNode(AIMS + "MappingSet"))
    title = ms.metadata.get("mapping_set_title")
    if title:
        add(mapping_set, DCTERMS + "title", ox.Literal(str(title)))
    add(mapping_set, AIMS + "authoredIn", ox.Literal(ms.path.name))
    if ms.provenance:
        p = ms.provenance
        for author in p.authors:
            add(mapping_set, DCTERMS + "creator", ox.NamedNode(author))
        add(mapping_set, DCTERMS + "publisher", ox.NamedNode(p.provider))
        for document in p.documents:
            add(mapping_set, DCTERMS + "source", ox.NamedNode(document))
        add(mapping_set, AIMS + "version", ox.Literal(p.version))
        add(mapping_set, DCTERMS + "issued", ox.Literal(p.published.isoformat(),
                                                        datatype=ox.NamedNode(XSD + "date")))
        add(mapping_set, DCTERMS + "license", ox.NamedNode(p.licence))
        add(mapping_set, AIMS + "selectedByDefault",
            ox.Literal(str(p.selected_by_default).lower(), datatype=ox.NamedNode(XSD + "boolean")))
    for row in ms.rows:
        if (row.subject, row.object) in seen:
            raise InputError("the same subject and object are mapped twice in this file",
                             file=ms.path, line=row.line, field="object_id")
        seen.add((row.subject, row.object))
        key = hashlib.sha1(f"{row.subject}\n{row.object}".encode()).hexdigest()[:16]
        node = ox.NamedNode(f"{ms.set_id.rstrip('/')}/{key}")
        inverse = ox.NamedNode(f"{node.value}/inverse")
        for this, src, dst, rel in ((node, row.subject, row.object, row.relation),
                                    (inverse, row.object, row.subject, INVERSE[row.relation])):
            add(this, RDF + "type", ox.NamedNode(AIMS + "Mapping"))
            add(this, AIMS + "inMappingSet", mapping_set)
            add(this, AIMS + "source", ox.NamedNode(src))
            add(this, AIMS + "target", ox.NamedNode(dst))
            add(this, AIMS + "relation", ox.NamedNode(AIMS + rel))
            if row.confidence is not None:
                add(this, AIMS + "confidence",
                    ox.Literal(str(row.confidence), datatype=ox.NamedNode(XSD + "decimal")))
            if row.rationale:
                add(this, AIMS + "rationale", ox.Literal(row.rationale))
            add(this, AIMS + "mappingJustification", ox.NamedNode(row.justification))
            if row.author:
                add(this, DCTERMS + "creator", ox.NamedNode(row.author))
            if row.mapping_date:
                add(this, DCTERMS + "date", ox.Literal(row.mapping_date.isoformat(),
                                                       datatype=ox.NamedNode(XSD + "date")))
            skos_local, modifier = SKOS_FOR[rel]
            if not modifier:
                add(ox.NamedNode(src), SKOS + skos_local, ox.NamedNode(dst))
        if row.subject_version:
            add(node, AIMS + "sourceVersion", ox.Literal(row.subject_version))
            add(inverse, AIMS + "targetVersion", ox.Literal(row.subject_version))
        if row.object_version:
            add(node, AIMS + "targetVersion", ox.Literal(row.object_version))
            add(inverse, AIMS + "sourceVersion", ox.Literal(row.object_version))
        add(node, AIMS + "authoredIn", ox.Literal(ms.path.name))
        add(node, AIMS + "authoredAtRow", ox.Literal(str(row.line),
                                                     datatype=ox.NamedNode(XSD + "integer")))
        add(inverse, AIMS + "derivedFrom", node)
    return quads


def _stem(path: Path) -> str:
    return path.name.removesuffix(".tsv").removesuffix(".sssom")
