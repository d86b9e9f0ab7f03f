"""Exports other tools accept: SSSOM (sssom-py's own validator), OSCAL 1.2 catalogs and mapping
collection (compliance-trestle's models), each checked with that tool."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate as sssom_validate
from sssom.writers import write_table
from trestle.oscal.catalog import Catalog
from trestle.oscal.mapping import MappingCollection, Model

from aimsgraph import open_store
from aimsgraph.exchange import export_folder, to_oscal_mapping, to_sssom
from aimsgraph.queries import QueryCatalog
from aimsgraph.sssom import SKOS_FOR, read_sssom

RELATIONSHIPS = {"equivalent-to", "subset-of", "superset-of", "intersects-with",
                 "no-relationship"}


def authored(store) -> list[dict]:
    return list(QueryCatalog().get("mappings").run(store).records())


def local(iri: str | None) -> str:
    return (iri or "").rsplit("#", 1)[-1]


def test_sssom_export_validates_and_round_trips(store, tmp_path: Path) -> None:
    path = tmp_path / "all.sssom.tsv"
    path.write_text(to_sssom(store), encoding="utf-8")
    msdf = parse_sssom_table(path)
    mappings = authored(store)
    assert len(msdf.df) == len(mappings)
    reports = sssom_validate(msdf, [SchemaValidationType.JsonSchema,
                                    SchemaValidationType.PrefixMapCompleteness],
                             fail_on_error=False)
    assert all(not r.results for r in reports.values()), reports
    again = read_sssom(path)  # our own reader takes the export back, every field intact
    ours = sorted((m["source"], m["target"], local(m["relation"]), m["confidence"] or "",
                   m["rationale"] or "", m["justification"], m["author"], m["date"])
                  for m in mappings)
    back = sorted((r.subject, r.object, r.relation,
                   str(r.confidence) if r.confidence is not None else "", r.rationale,
                   r.justification, r.author, r.mapping_date.isoformat() if r.mapping_date
                   else None) for r in again.rows)
    assert back == ours


def test_a_merged_export_claims_a_licence_only_when_every_set_has_it(tmp_path) -> None:
    """The curated sets are CC BY 4.0; the published NIST crosswalk states no licence, so an
    export that includes it must not relabel it as CC BY."""
    import yaml

    from aimsgraph.exchange import LICENCE_PER_SET

    def licence(**kw) -> str:
        header = "".join(line[2:] + "\n" for line in to_sssom(open_store(**kw)).splitlines()
                         if line.startswith("# "))
        return yaml.safe_load(header)["license"]

    assert licence() == "https://creativecommons.org/licenses/by/4.0/"
    assert licence(mapping_sets=["nistairmf-iso42001-airc"]) == \
        "https://w3id.org/aimsgraph/licence/not-stated"
    assert licence(mapping_sets=["nistairmf-iso42001", "nistairmf-iso42001-airc"]) == \
        LICENCE_PER_SET


def test_sssom_relations_survive_sssom_py_which_drops_the_extension_column(tmp_path) -> None:
    """Each relation has its own standard SKOS predicate (and modifier): a file written by
    sssom-py, which keeps no set_relation column, reads back with the same relations, the
    published set's Unspecified pairs included (skos:mappingRelation)."""
    store = open_store(mapping_sets=["nistairmf-iso42001-airc", "iso42001-aiact",
                                     "iso42001-iso27001", "iso27001v2013-iso27001"])
    path = tmp_path / "all.sssom.tsv"
    path.write_text(to_sssom(store), encoding="utf-8")
    rewritten = tmp_path / "rewritten.sssom.tsv"
    with rewritten.open("w") as out:
        write_table(parse_sssom_table(path), out)
    assert "set_relation" not in rewritten.read_text().split("\nsubject_id")[-1].splitlines()[0]
    before = Counter((r.subject, r.object, r.relation) for r in read_sssom(path).rows)
    after = Counter((r.subject, r.object, r.relation) for r in read_sssom(rewritten).rows)
    assert after == before
    assert {rel for _, _, rel in before} == {"Equal", "SubsetOf", "SupersetOf",
                                             "IntersectsWith", "NotRelated", "Unspecified"}
    assert len(set(SKOS_FOR.values())) == len(SKOS_FOR)  # one predicate per relation


def controls(catalog: dict) -> dict[str, dict]:
    """Every control of an OSCAL catalog (nested ones too) by id."""
    found: dict[str, dict] = {}

    def walk(items: list[dict]) -> None:
        for c in items:
            found[c["id"]] = c
            walk(c.get("controls", []))
            walk(c.get("groups", []))

    walk(catalog["catalog"].get("controls", []) + catalog["catalog"].get("groups", []))
    return found


@pytest.fixture(scope="module")
def oscal(store, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("oscal")
    for name, data in export_folder(store, "oscal-catalog").items():
        (folder / name).write_bytes(data)
    (folder / "mappings.json").write_text(json.dumps(to_oscal_mapping(store)))
    return folder


def test_oscal_catalogs_validate_with_trestle_numbers_and_titles_only(store, oscal) -> None:
    files = sorted(oscal.glob("*.catalog.json"))
    frameworks = list(QueryCatalog().get("frameworks").run(store).records())
    assert len(files) == len(frameworks) == 9
    for path in files:
        catalog = Catalog.oscal_read(path)  # trestle's own OSCAL 1.2 model
        assert catalog is not None and catalog.metadata.oscal_version.root.root == "1.2.1"
        data = json.loads(path.read_text())
        found = controls(data)
        framework = next(f["framework"] for f in frameworks
                         if f["notation"] == data["catalog"]["metadata"]["props"][0]["value"])
        provisions = list(QueryCatalog().get("provisions").run(store, {
            "framework": framework}).records())
        assert len(found) == len({p["provision"] for p in provisions}), path.name
        assert {c["props"][0]["value"] for c in found.values()} == \
            {p["notation"] for p in provisions}
        # numbers, titles and structure only: no text (OSCAL parts), no descriptions
        assert not any("parts" in c for c in found.values())
        assert "description" not in path.read_text()
    annex_a = controls(json.loads((oscal / "iso-iec-42001-2023.catalog.json").read_text()))
    assert sum(c["class"] == "Control" and i.startswith("annex-a_")
               for i, c in annex_a.items()) == 38
    assert annex_a["annex-a_A.6.2.4"]["title"] == "AI system verification and validation"


def test_every_oscal_mapping_reference_resolves_to_a_catalog_control(store, oscal) -> None:
    collection = MappingCollection.oscal_read(oscal / "mappings.json")  # trestle's model
    assert collection is not None and collection.metadata.oscal_version.root.root == "1.2.1"
    assert Model(**json.loads((oscal / "mappings.json").read_text())).mapping_collection
    data = json.loads((oscal / "mappings.json").read_text())["mapping-collection"]
    catalogs: dict[str, dict[str, dict]] = {}
    total = 0
    for mapping in data["mappings"]:
        for side in ("source", "target"):
            href = mapping[f"{side}-resource"]["href"]
            assert (oscal / href).is_file(), href
            catalogs.setdefault(href, controls(json.loads((oscal / href).read_text())))
        for entry in mapping["maps"]:
            assert entry["relationship"] in RELATIONSHIPS
            for ref in entry["sources"]:
                assert ref["id-ref"] in catalogs[mapping["source-resource"]["href"]], ref
            for ref in entry["targets"]:
                assert ref["id-ref"] in catalogs[mapping["target-resource"]["href"]], ref
            total += 1
    typed = [m for m in authored(store) if local(m["relation"]) != "Unspecified"]
    assert total == len(typed) > 1000
    # a reference names the control of the mapping's own provision
    first = data["mappings"][0]["maps"][0]
    ref = first["sources"][0]["id-ref"]
    link = catalogs[data["mappings"][0]["source-resource"]["href"]][ref]["links"][0]["href"]
    assert any(m["source"] == link for m in authored(store))


def test_oscal_component_definition_names_controls_of_the_catalogs(oscal, tmp_path) -> None:
    from trestle.oscal.component import ComponentDefinition

    from aimsgraph.errors import NoOrganizationError
    from aimsgraph.oscal import to_component_definition
    from aimsgraph.reports import implemented_controls

    store = open_store([Path(__file__).resolve().parents[1] / "examples" / "acme-lending"])
    path = tmp_path / "component.json"
    path.write_text(json.dumps(to_component_definition(store)))
    definition = ComponentDefinition.oscal_read(path)  # trestle's OSCAL 1.2 model
    assert definition is not None
    total = 0
    for implementation in json.loads(path.read_text())["component-definition"][
            "components"][0]["control-implementations"]:
        catalog = controls(json.loads((oscal / implementation["source"]).read_text()))
        for requirement in implementation["implemented-requirements"]:
            assert requirement["control-id"] in catalog, requirement
            assert catalog[requirement["control-id"]]["links"][0]["href"] == \
                requirement["links"][0]["href"]
            total += 1
    assert total == len(implemented_controls(store)) > 100
    with pytest.raises(NoOrganizationError):
        to_component_definition(open_store())
