"""Edits of the organization's data through the API (in-process): roles, versions (ETag /
If-Match), the importer's checks and the coverage shapes (422 naming the field), atomic commits
that the SPARQL workers, the REST answers and the web view see at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aimsgraph import open_store
from aimsgraph.edits import KINDS, Edit, plan_edit
from aimsgraph.errors import EditRejected
from aimsgraph.server import ServerSettings, auth, create_app
from aimsgraph.validation import validate

from .conftest import LOCAL, ROOT

LINE = "iso42001-a-7-5"  # in progress, owned, no evidence
OWNER_QUERY = """SELECT ?owner WHERE {
  <https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-7-5> aims:owner ?owner }"""


def acting_as(app, role: str) -> None:
    app.dependency_overrides[auth.current_principal] = lambda: auth.Principal(f"a-{role}", role)


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    """A service over its own copy of the sample organization (tests change it)."""
    application = create_app(ServerSettings(workers=1),
                             open_store([ROOT / "examples" / "acme-lending"]))
    acting_as(application, "editor")
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url=LOCAL) as test_client:
        yield test_client


def owner_over_sparql(client: TestClient) -> str:
    rows = client.get("/sparql", params={"query": OWNER_QUERY},
                      headers={"Accept": "application/sparql-results+json"}).json()
    return rows["results"]["bindings"][0]["owner"]["value"].rsplit("/", 1)[-1]


def test_an_soa_line_has_a_version_and_a_change_needs_it(client) -> None:
    read = client.get(f"/soa/{LINE}")
    assert read.status_code == 200
    etag = read.headers["etag"]
    assert read.json()["fields"]["owner"] == "katarzyna-wisniewska"
    assert read.json()["version"] == etag and etag.startswith('"')
    assert owner_over_sparql(client) == "katarzyna-wisniewska"  # a worker has a snapshot now

    missing = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    changed = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber", "message": "handover"},
                           headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["fields"]["owner"] == "jonas-weber" and body["commit"]
    assert body["changed"] == {"added": 1, "removed": 1}
    assert changed.headers["etag"] != etag
    # seen at once by the SPARQL workers, the REST answers and the web view
    assert owner_over_sparql(client) == "jonas-weber"
    soa = {r["control"]: r for r in client.get("/soa").json()["items"]}
    assert soa["A.7.5"]["owner"] == "Jonas Weber"
    assert "Jonas Weber" in client.get("/ui/soa").text.split(f'id="line-{LINE}"')[1][:2000]

    # a second editor still holding the first version is refused, and nothing changes
    stale = client.patch(f"/soa/{LINE}", json={"owner": "ines-duarte"},
                         headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["etag"] == changed.headers["etag"]
    assert owner_over_sparql(client) == "jonas-weber"


def test_a_malformed_change_is_refused_naming_the_field(client) -> None:
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    cases = [({"owner": "nobody"}, "owner", "not an id in people.csv"),
             ({"status": "done"}, "status", "is not one of"),
             ({"owner": ""}, "owner", "applies but has no owner"),  # a coverage shape
             ({"status": "implemented"}, "status", "no evidence supports it")]
    for body, field, text in cases:
        refused = client.patch(f"/soa/{LINE}", json=body, headers={"If-Match": etag})
        assert refused.status_code == 422, (body, refused.text)
        problem = refused.json()
        assert problem["type"].endswith("/edit-rejected")
        assert [e["field"] for e in problem["errors"]] == [field]
        assert text in problem["errors"][0]["message"]
    unknown = client.patch(f"/soa/{LINE}", json={"control": "iso42001:A.2.2"},
                           headers={"If-Match": etag})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "control"
    assert client.get(f"/soa/{LINE}").headers["etag"] == etag  # nothing changed
    assert client.patch("/soa/no-such-line", json={"owner": "jonas-weber"},
                        headers={"If-Match": etag}).status_code == 404


def test_a_violation_already_there_does_not_block_other_changes(client) -> None:
    line = "iso42001-a-8-3"  # applies, planned, and has no owner: a violation already
    etag = client.get(f"/soa/{line}").headers["etag"]
    changed = client.patch(f"/soa/{line}", json={"status": "in-progress"},
                           headers={"If-Match": etag})
    assert changed.status_code == 200, changed.text
    assert any("has no owner" in f["message"] for f in changed.json()["findings"])


def test_evidence_added_lets_the_line_be_implemented_and_retired_again(client) -> None:
    new = {"id": "ev-lineage", "title": "Lineage report", "supports": LINE,
           "date": "2026-11-20", "location": "DMS:AIMS-REC-090", "message": "filed"}
    created = client.post("/evidence", json=new)
    assert created.status_code == 201, created.text
    assert created.headers["location"].endswith("/evidence/ev-lineage")
    assert client.post("/evidence", json=new).status_code == 409
    assert client.get("/evidence/ev-lineage").json()["fields"]["supports"] == LINE
    assert "ev-lineage" in {r["id"] for r in client.get("/evidence").json()["items"]}

    etag = client.get(f"/soa/{LINE}").headers["etag"]
    done = client.patch(f"/soa/{LINE}", json={"status": "implemented"},
                        headers={"If-Match": etag})
    assert done.status_code == 200, done.text

    # retiring the only evidence of an implemented line would leave it unsupported
    evidence = client.get("/evidence/ev-lineage").headers["etag"]
    refused = client.delete("/evidence/ev-lineage", headers={"If-Match": evidence})
    assert refused.status_code == 422
    assert "no evidence supports" in refused.json()["errors"][0]["message"]
    line = client.get(f"/soa/{LINE}").headers["etag"]
    client.patch(f"/soa/{LINE}", json={"status": "in-progress"}, headers={"If-Match": line})
    assert client.delete("/evidence/ev-lineage").status_code == 428
    retired = client.delete("/evidence/ev-lineage", params={"message": "superseded"},
                            headers={"If-Match": evidence})
    assert retired.status_code == 200, retired.text
    assert client.get("/evidence/ev-lineage").status_code == 404


def test_findings_after_edits_are_those_of_the_data_validated_afresh(app, client) -> None:
    # edits are tried on a copy kept from the edit before: a refused edit must leave it as the
    # store is, an accepted one as the store becomes
    etag = client.get("/soa/iso42001-a-8-3").headers["etag"]
    assert client.patch("/soa/iso42001-a-8-3", json={"owner": "jonas-weber"},
                        headers={"If-Match": etag}).status_code == 200
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    assert client.patch(f"/soa/{LINE}", json={"status": "implemented"},
                        headers={"If-Match": etag}).status_code == 422
    assert client.post("/evidence", json={"id": "ev-x", "title": "X", "supports": LINE,
                                          "date": "2026-11-01"}).status_code == 201
    assert client.patch(f"/soa/{LINE}", json={"status": "implemented"},
                        headers={"If-Match": etag}).status_code == 200
    served = {(f["focus"], f["message"]) for f in client.get("/validation").json()["items"]}
    afresh = {(f.focus, f.message) for f in validate(app.state.store)}
    assert served == afresh
    assert not any("A.8.3 applies but has no owner" in m for _, m in served)


def test_a_risk_is_added_changed_and_closed(client) -> None:
    bad = client.post("/risks", json={"id": "cs-vendor", "title": "Vendor lock-in",
                                      "system": "credit-scoring", "treatment": "mitigate",
                                      "owner": "mara-lindqvist"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "controls"
    created = client.post("/risks", json={
        "id": "cs-vendor", "title": "Vendor lock-in", "system": "credit-scoring",
        "likelihood": "low", "severity": "medium", "treatment": "mitigate",
        "controls": ["iso42001:A.10.2", "iso42001:A.10.3"], "owner": "mara-lindqvist"})
    assert created.status_code == 201, created.text
    assert created.json()["fields"]["controls"] == "iso42001:A.10.2;iso42001:A.10.3"
    etag = created.headers["etag"]
    typo = client.patch("/risks/cs-vendor", json={"controls": "iso42001:A.99"},
                        headers={"If-Match": etag})
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "controls"
    closed = client.patch("/risks/cs-vendor", json={"status": "closed"},
                          headers={"If-Match": etag})
    assert closed.status_code == 200 and closed.json()["fields"]["status"] == "closed"
    ask = ("ASK { <https://w3id.org/aimsgraph/org/acme-lending/risk/cs-vendor> "
           "aims:riskStatus \"closed\" }")
    assert client.get("/sparql", params={"query": ask},
                      headers={"Accept": "application/sparql-results+json"}).json()["boolean"]


def test_an_impact_assessment_is_recorded(client) -> None:
    unknown = client.post("/assessments", json={"id": "cb-fria", "system": "no-such-system",
                                                "kind": "fria"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "system"
    missing = client.post("/assessments", json={"id": "cb-fria", "system": "customer-chatbot"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "kind"
    created = client.post("/assessments", json={
        "id": "cb-fria", "system": "customer-chatbot", "kind": "dpia", "date": "2026-11-02",
        "status": "completed", "owner": "ines-duarte"})
    assert created.status_code == 201, created.text
    page = client.get("/ui/systems/customer-chatbot").text
    assert "2026-11-02" in page


@pytest.mark.parametrize("role,status", [("viewer", 403), ("auditor", 403), ("anonymous", 403),
                                         ("admin", 200)])
def test_only_editors_and_admins_edit(app, client, role, status) -> None:
    acting_as(app, role)
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    answer = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                          headers={"If-Match": etag})
    assert answer.status_code == status
    if status == 403:
        assert client.get(f"/soa/{LINE}").headers["etag"] == etag


def test_a_wrong_token_is_401_and_an_editors_token_edits(tmp_path) -> None:
    from aimsgraph.users import UserFile

    users = UserFile(tmp_path / "users.json")
    token = users.add("erin", "editor")
    viewer = users.add("vic", "viewer")
    app = create_app(ServerSettings(users_file=users.path, isolation="thread"),
                     open_store([ROOT / "examples" / "acme-lending"]))
    client = TestClient(app, base_url=LOCAL)
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    wrong = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                         headers={"If-Match": etag, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "nope" not in wrong.text
    read_only = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                             headers={"If-Match": etag, "Authorization": f"Bearer {viewer}"})
    assert read_only.status_code == 403
    right = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                         headers={"If-Match": etag, "Authorization": f"Bearer {token}"})
    assert right.status_code == 200


def test_every_editable_field_is_an_importer_column() -> None:
    from aimsgraph.organization import TABLES

    for kind in KINDS.values():
        assert set(kind.change) <= {c.name for c in TABLES[kind.table]}


def test_the_library_refuses_a_bad_edit_without_a_server(org_store) -> None:
    with pytest.raises(EditRejected) as refused:
        plan_edit(org_store, Edit("risks", "r1", "create", {"title": "x", "owner": "nobody"}))
    assert refused.value.errors[0]["field"] == "owner"


def test_web_forms_edit_through_the_same_checks(app, client) -> None:
    page = client.get("/ui/soa").text
    row = page.split(f'id="line-{LINE}"')[1].split("</tr>")[0]
    assert f'action="/ui/edit/soa/{LINE}"' in row and 'method="post"' in row
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    assert f'name="version" value="{etag.replace(chr(34), "&#34;")}"' in row
    saved = client.post(f"/ui/edit/soa/{LINE}", data={
        "version": etag, "status": "in-progress", "owner": "jonas-weber",
        "justification": "Lineage must be traceable.", "message": "handover"},
        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/ui/soa#line-{LINE}"
    assert client.get(f"/soa/{LINE}").json()["fields"]["owner"] == "jonas-weber"
    stale = client.post(f"/ui/edit/soa/{LINE}", data={"version": etag, "owner": "ines-duarte"})
    assert stale.status_code == 412 and "changed this record" in stale.text
    assert stale.headers["content-type"].startswith("text/html")
    bad = client.post("/ui/edit/risks", data={"id": "web-risk", "title": "<b>x</b>",
                                              "system": "credit-scoring", "owner": "nobody"})
    assert bad.status_code == 422 and "not an id in people.csv" in bad.text
    added = client.post("/ui/edit/risks", data={
        "id": "web-risk", "title": "Web risk", "system": "credit-scoring",
        "treatment": "accept", "owner": "mara-lindqvist"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == "/ui/systems/credit-scoring"
    system = client.get("/ui/systems/credit-scoring").text
    assert "Web risk" in system and 'action="/ui/edit/risks/web-risk"' in system
    assert "Record an impact assessment" in system

    acting_as(app, "viewer")
    assert 'action="/ui/edit/' not in client.get("/ui/soa").text
    assert 'action="/ui/edit/' not in client.get("/ui/systems/credit-scoring").text
    denied = client.post(f"/ui/edit/soa/{LINE}", data={"version": etag, "owner": "x"})
    assert denied.status_code == 403 and "editor or admin" in denied.text


def test_evidence_is_retired_from_the_soa_page(client) -> None:
    line = "iso42001-a-2-3"
    page = client.get("/ui/soa").text
    row = page.split(f'id="line-{line}"')[1].split("</tr>")[0]
    assert 'action="/ui/edit/evidence/ev-policy-alignment/retire"' in row
    version = client.get("/evidence/ev-policy-alignment").headers["etag"]
    # the line is implemented: its only evidence cannot go
    refused = client.post("/ui/edit/evidence/ev-policy-alignment/retire",
                          data={"version": version, "message": "old"})
    assert refused.status_code == 422 and "no evidence supports it" in refused.text
    assert client.get("/evidence/ev-policy-alignment").status_code == 200


def test_an_oversized_field_is_refused_naming_it(client) -> None:
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    answer = client.patch(f"/soa/{LINE}", json={"justification": "x" * 10_001},
                          headers={"If-Match": etag})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "justification"


def test_a_commit_that_fails_changes_nothing(client, monkeypatch) -> None:
    from aimsgraph import edits
    from aimsgraph.errors import StoreError

    def failing(store, **_):  # type: ignore[no-untyped-def]
        raise StoreError("the trail could not be written")

    etag = client.get(f"/soa/{LINE}").headers["etag"]
    monkeypatch.setattr(edits.history, "commit", failing)
    answer = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                          headers={"If-Match": etag})
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get(f"/soa/{LINE}").headers["etag"] == etag
    assert owner_over_sparql(client) == "katarzyna-wisniewska"
    monkeypatch.undo()
    retried = client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber"},
                           headers={"If-Match": etag})
    assert retried.status_code == 200 and owner_over_sparql(client) == "jonas-weber"


def test_an_edit_is_in_the_trail_with_who_why_and_what(app, client) -> None:
    etag = client.get(f"/soa/{LINE}").headers["etag"]
    assert client.patch(f"/soa/{LINE}", json={"owner": "jonas-weber", "message": "handover"},
                        headers={"If-Match": etag}).status_code == 200
    acting_as(app, "auditor")
    entry = client.get("/history").json()["items"][-1]
    assert entry["kind"] == "edit" and entry["actor"] == "a-editor"
    assert entry["message"] == "handover"
    assert entry["records"] == [
        "https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-7-5"]
    assert any("jonas-weber" in q for q in entry["added"])
