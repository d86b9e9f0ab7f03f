"""What each subcommand's ``--help`` says above and below its options: a description of the job
and an example a person can copy. A new subcommand adds its entry here; a test checks that every
subcommand has both, and that each example parses."""

from __future__ import annotations

import argparse

#: subcommand -> (description, example command lines)
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "stats": ("Count the provisions of every loaded framework by kind (clauses, Annex A "
              "controls, articles, ...) and the triples in each graph.",
              ("aimsgraph stats", "aimsgraph stats --format json")),
    "query": ("Run a named SPARQL query from queries/ (list them with --list) or your own .rq "
              "file against the graph; parameters are bound as RDF terms.",
              ("aimsgraph query --list",
               "aimsgraph query provision -p notation=A.6.2.4 --format csv")),
    "check": ("Check the catalogs: the quality queries (queries/qc/*-violation.rq must return "
              "no rows) and the SHACL shapes. Exits 1 when something fails.",
              ("aimsgraph check", "aimsgraph check --data my-crosswalk.ttl --format json")),
    "coverage": ("Compliance transfer: which provisions of one framework what you already "
                 "have covers (fully, partly, not), with the mapping path behind each.",
                 ("aimsgraph coverage --have iso42001,iso27001 --want aiact",
                  "aimsgraph coverage --have implemented --want gdpr "
                  "--data examples/acme-lending --only none")),
    "export": ("Write the loaded graph (catalogs, crosswalks, your data) as RDF, or only the "
               "crosswalks in a mapping format.",
               ("aimsgraph export --format turtle -o aimsgraph.ttl",)),
    "openapi": ("Write the HTTP service's OpenAPI document.",
                ("aimsgraph openapi -o api/openapi.json",)),
    "import-mappings": ("Check your own SSSOM crosswalk against the catalogs (every id must "
                        "exist) and convert it to RDF; load it with --data FILE.sssom.tsv.",
                        ("aimsgraph import-mappings my-crosswalk.sssom.tsv -o my.ttl",)),
    "classify": ("The EU AI Act risk class of each AI system in the inventory, the reasons, "
                 "and the obligations for the organization's role (provider, deployer, ...) "
                 "with the date each applies from.",
                 ("aimsgraph classify --data examples/acme-lending",
                  "aimsgraph classify --data examples/acme-lending --as-of 2026-08-02 "
                  "--format json")),
    "validate": ("Validate the organization's data against the coverage shapes (SoA "
                 "completeness, owners, evidence age, AI Act duties per system); findings "
                 "grouped by AI system and by clause. Exits 1 on violations.",
                 ("aimsgraph validate --data examples/acme-lending",
                  "aimsgraph validate --data examples/acme-lending --evidence-months 6 "
                  "--json findings.json")),
    "soa": ("Write the Statement of Applicability an auditor can open: a header (organization, "
            "scope, version, approver, date, as-of date, standard editions), every control of "
            "each standard (undecided ones listed as undecided), evidence checked for age.",
            ("aimsgraph soa --data examples/acme-lending --format xlsx -o soa.xlsx",
             "aimsgraph soa --data examples/acme-lending --format md --as-of 2026-11-27")),
    "gaps": ("What is missing per AI system and per framework, and the controls that would "
             "close the most gaps if implemented next.",
             ("aimsgraph gaps --data examples/acme-lending --top 5",)),
    "import": ("Check an organization's data (a folder of CSV files, or RDF) against the "
               "catalogs; every problem is reported with file, row and column, and nothing is "
               "loaded until all are fixed. Optionally write it as Turtle.",
               ("aimsgraph import examples/acme-lending",
                "aimsgraph import examples/acme-lending -o acme.ttl")),
    "diff": ("Derive the change set between two editions of a framework from the transition "
             "mappings (YAML, as in changes/).",
             ("aimsgraph diff iso27001-2013 iso27001 -o changes.yaml",)),
    "impact": ("What a change set (a new edition, an amending act, a shifted date) or a single "
               "provision affects in your data: controls, AI systems, evidence, risks, grouped "
               "by owner, with the path that explains each.",
               ("aimsgraph impact changes/eu-ai-act-digital-omnibus-2025.yaml "
                "--data examples/acme-lending",
                "aimsgraph impact --provision 'aiact:Article 10(2)' "
                "--data examples/acme-lending")),
    "migrate": ("Propose the organization's Statement of Applicability for the new edition of "
                "an edition change set: each line carried to its new number, new controls "
                "open.",
                ("aimsgraph migrate changes/iso27701-2019-to-2025.yaml "
                 "--data examples/acme-lending-27701",)),
    "leverage": ("Controls ranked by how many provisions across frameworks they serve: what to "
                 "implement first, and what is most critical to keep.",
                 ("aimsgraph leverage --top 10",)),
    "ims": ("Integrated management system views across ISO/IEC 42001, 27001 and 27701: the "
            "shared clause backbone, one SoA, evidence reuse, an audit checklist.",
            ("aimsgraph ims --view backbone --data examples/acme-lending",
             "aimsgraph ims --view soa --format xlsx -o ims-soa.xlsx "
             "--data examples/acme-lending")),
    "serve": ("Run the HTTP service: REST, the SPARQL 1.1 Protocol endpoint and the web view "
              "(read-only unless a user with the right role writes: see 'aimsgraph users').",
              ("aimsgraph serve --data examples/acme-lending --port 8000",
               "aimsgraph serve --users team-users.json --store aims-store")),
    "users": ("The service's users and their API tokens (stored hashed in a file beside the "
              "store): add one with a role (viewer, editor, auditor, admin; the token is shown "
              "once), list them, revoke one at once.",
              ("aimsgraph users add mara --role admin --users team-users.json",
               "aimsgraph users list --users team-users.json",
               "aimsgraph users revoke pieter --users team-users.json")),
    "history": ("The audit trail of a persistent store: verify checks its hash chain (exit 0 "
                "intact, 1 changed, removed or inserted entries).",
                ("aimsgraph history verify --store aims-store",)),
    "export-org": ("Write the organization back as its CSV folder (organization.csv, people.csv, "
                   "ai_systems.csv, controls.csv, ...), as the importer reads it: a team that "
                   "keeps its data in git exports after edits made through the service.",
                   ("aimsgraph export-org out/acme-lending --store aims-store",
                    "aimsgraph export-org out/acme --data examples/acme-lending")),
    "import-catalog": ("Read a framework aimsgraph does not ship (an OSCAL catalog, or a CISO "
                       "Assistant framework library) as a catalog: numbers, titles and "
                       "structure, written as Turtle to load with --data and map with "
                       "import-mappings.",
                       ("aimsgraph import-catalog examples/catalogs/acme-ai-policy.yaml "
                        "-o acme-ai-policy.ttl",)),
}


def describe(sub: argparse._SubParsersAction) -> None:
    """Give each subcommand its description and examples (kept when a module set its own)."""
    for name, parser in sub.choices.items():
        if name not in HELP:
            continue
        description, examples = HELP[name]
        parser.description = parser.description or description
        if not parser.epilog:
            parser.epilog = ("example:\n" if len(examples) == 1 else "examples:\n") + "\n".join(
                f"  {line}" for line in examples)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
