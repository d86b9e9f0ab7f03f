"""IRIs aimsgraph mints or relies on. Framework IRIs are a public contract (see DESIGN.md)."""

from __future__ import annotations

BASE = "https://w3id.org/aimsgraph/"
AIMS = BASE + "ontology#"
GRAPH = BASE + "graph/"

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"

#: Prefixes every named query and QC check may use without declaring them.
PREFIXES: dict[str, str] = {
    "aims": AIMS,
    "skos": SKOS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sh": SH,
}

#: CURIE prefixes for provisions, one per framework edition (used in SSSOM files).
PROVISION_PREFIXES: dict[str, str] = {
    "iso42001": BASE + "std/iso-iec-42001/2023/",
    "iso27001": BASE + "std/iso-iec-27001/2022/",
    "iso27001v2013": BASE + "std/iso-iec-27001/2013/",
    "iso27701": BASE + "std/iso-iec-27701/2019/",
    "iso27701v2025": BASE + "std/iso-iec-27701/2025/",
    "aiact": BASE + "eli/reg/2024/1689/",
    "gdpr": BASE + "eli/reg/2016/679/",
    "oecd": BASE + "oecd/ai-principles/2024/",
    "nistairmf": BASE + "nist/ai-rmf/1.0/",
}

#: The framework editions aimsgraph ships, by short key (used on the command line).
FRAMEWORKS: dict[str, str] = {
    "iso42001": BASE + "std/iso-iec-42001/2023",
    "iso27001": BASE + "std/iso-iec-27001/2022",
    "iso27001-2013": BASE + "std/iso-iec-27001/2013",
    "iso27701": BASE + "std/iso-iec-27701/2019",
    "iso27701-2025": BASE + "std/iso-iec-27701/2025",
    "aiact": BASE + "eli/reg/2024/1689",
    "gdpr": BASE + "eli/reg/2016/679",
    "oecd": BASE + "oecd/ai-principles/2024",
    "nist-ai-rmf": BASE + "nist/ai-rmf/1.0",
}
