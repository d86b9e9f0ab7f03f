"""The audit trail: every write is a PROV-O activity in the history graph, written in the same
transaction as the write (a trail write that fails rolls the write back), chained by hash so that
a changed, removed or inserted entry is found; readable at /history (JSON, CSV) by admins and
auditors; and the SoA and validation as they were on a date."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from aimsgraph import GraphStore, history, open_store
from aimsgraph.errors import QueryError, UsageError
from aimsgraph.history import HIST, HISTORY_GRAPH, Change
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.users import UserFile

from .conftest import LOCAL, ROOT

G = ox.NamedNode("https://w3id.org/aimsgraph/graph/data/t/organization")
AIMS = "https://w3id.org/aimsgraph/ontology#"
LINE = "https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-6-2-4"


def quad(subject: str, value: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(subject), ox.NamedNode("https://ex.org/p"), ox.Literal(value), G)


def contents(store: GraphStore) -> set[ox.Quad]:
    return {q for q in store.copy_contents() if q.graph_name == G}


def test_commit_applies_and_records_who_what_why_where() -> None:
    store = GraphStore()
    first = history.commit(store, added=[quad("urn:a", "1")], removed=[], actor="alice",
                           message="first", address="127.0.0.1", kind="edit")
    second = history.commit(store, added=[quad("urn:a", "2")], removed=[quad("urn:a", "1")],
                            actor="bob", message=None, address=None, kind="edit")
    assert contents(store) == {quad("urn:a", "2")}
    entries = history.entries(store)
    assert [e.activity for e in entries] == [first, second]
    assert entries[0].actor == "alice" and entries[0].message == "first"
    assert entries[0].address == "127.0.0.1" and entries[0].records == ("urn:a",)
    assert entries[1].removed.strip() == str(quad("urn:a", "1")) + " ."
    assert entries[1].informed_by == first and entries[1].sequence == 2
    assert history.generation(store) == 2
    assert history.verify(store) == []
    # PROV-O, readable with SPARQL
    assert store.query(f"ASK {{ GRAPH <{HISTORY_GRAPH}> {{ <{second}> a prov:Activity ; "
                       f"prov:wasAssociatedWith ?agent ; prov:wasInformedBy <{first}> . "
                       "?agent a prov:Agent ; rdfs:label \"bob\" } }").boolean


def test_only_real_changes_are_recorded() -> None:
    store = GraphStore()
    history.commit(store, added=[quad("urn:a", "1")], removed=[quad("urn:b", "absent")],
                   actor="a", message=None, address=None, kind="edit")
    entry = history.entries(store)[0]
    assert entry.removed == "" and entry.records == ("urn:a",)


def test_a_failing_trail_write_rolls_the_edit_back(monkeypatch) -> None:
    store = GraphStore()
    history.commit(store, added=[quad("urn:a", "1")], removed=[], actor="a", message=None,
                   address=None, kind="edit")
    before = (contents(store), history.entries(store), history.generation(store))
    real = Change.trail_operation

    def failing(self: Change) -> tuple[str, str]:
        activity, text = real(self)
        # the trail's own operation runs, then the request fails at run time (not at parsing)
        return activity, text + " ;\nLOAD <http://127.0.0.1:1/unreachable> INTO GRAPH <urn:x>"

    monkeypatch.setattr(Change, "trail_operation", failing)
    with pytest.raises(QueryError):
        history.commit(store, added=[quad("urn:a", "2")], removed=[quad("urn:a", "1")],
                       actor="a", message=None, address=None, kind="edit")
    assert (contents(store), history.entries(store), history.generation(store)) == before
    assert history.verify(store) == []


def test_the_trail_graphs_cannot_be_written_by_commit() -> None:
    store = GraphStore()
    forged = ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("c"),
                     ox.NamedNode(HISTORY_GRAPH))
    with pytest.raises(UsageError, match="written by the trail only"):
        history.commit(store, added=[forged], removed=[], actor="a", message=None,
                       address=None, kind="edit")


@pytest.mark.parametrize("tamper", [
    # change an entry's field
    f"DELETE {{ GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}actor> \"bob\" }} }} INSERT {{ GRAPH "
    f"<{HISTORY_GRAPH}> {{ ?a <{HIST}actor> \"eve\" }} }} WHERE {{ GRAPH <{HISTORY_GRAPH}> "
    f"{{ ?a <{HIST}actor> \"bob\" }} }}",
    # remove an entry in the middle
    f"DELETE {{ GRAPH <{HISTORY_GRAPH}> {{ ?a ?p ?o }} }} WHERE {{ GRAPH <{HISTORY_GRAPH}> "
    f"{{ ?a <{HIST}sequence> 2 ; ?p ?o }} }}",
    # remove the last entry
    f"DELETE {{ GRAPH <{HISTORY_GRAPH}> {{ ?a ?p ?o }} }} WHERE {{ GRAPH <{HISTORY_GRAPH}> "
    f"{{ ?a <{HIST}sequence> 3 ; ?p ?o }} }}",
    # what was removed, rewritten
    f"DELETE {{ GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}removed> ?r }} }} INSERT {{ GRAPH "
    f"<{HISTORY_GRAPH}> {{ ?a <{HIST}removed> \"\" }} }} WHERE {{ GRAPH <{HISTORY_GRAPH}> "
    f"{{ ?a <{HIST}sequence> 2 ; <{HIST}removed> ?r }} }}",
])
def test_tampering_is_detected(tamper: str) -> None:
    store = GraphStore()
    for index, who in enumerate(("alice", "bob", "carol")):
        history.commit(store, added=[quad("urn:a", str(index))],
                       removed=[quad("urn:a", str(index - 1))], actor=who, message=None,
                       address=None, kind="edit")
    assert history.verify(store) == []
    store.update(tamper)  # straight to the engine: no API of the service does this
    assert history.verify(store)


# -- over HTTP -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample() -> GraphStore:
    return open_store([ROOT / "examples" / "acme-lending"])


@pytest.fixture()
def service(tmp_path, sample):  # type: ignore[no-untyped-def]
    users = UserFile(tmp_path / "users.json")
    tokens = {r: users.add(f"{r}-1", r) for r in ("viewer", "admin", "auditor")}
    store = GraphStore()
    store._engine.add_staged(sample.copy_contents())
    store._sources = dict(sample._sources)
    app = create_app(ServerSettings(users_file=users.path, isolation="thread"), store)
    return TestClient(app, base_url=LOCAL), tokens, store


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def status_update(value: str) -> str:
    return (f"DELETE {{ GRAPH ?g {{ <{LINE}> aims:status ?s }} }} INSERT {{ GRAPH ?g {{ <{LINE}> "
            f"aims:status aims:{value} }} }} WHERE {{ GRAPH ?g {{ <{LINE}> aims:status ?s }} }}")


def soa_status(client: TestClient, **params: str) -> str:
    body = client.get("/soa", params=params).json()
    rows = body["items"] if isinstance(body, dict) else body
    return next(r["status"] for r in rows if r["control"] == "A.6.2.4"
                and r["justification"].startswith("Models are validated independently"))


def test_sparql_update_is_in_the_history_with_its_reason(service) -> None:
    client, tokens, _ = service
    response = client.post("/sparql", content=status_update("Planned"),
                           params={"message": "postponed to Q2"},
                           headers={**auth(tokens["admin"]),
                                    "Content-Type": "application/sparql-update"})
    assert response.status_code == 204
    activity = response.headers["location"]
    body = client.get("/history", headers=auth(tokens["auditor"])).json()
    entry = body["items"][-1]
    assert entry["activity"] == activity and entry["kind"] == "sparql-update"
    assert entry["actor"] == "admin-1" and entry["message"] == "postponed to Q2"
    assert entry["address"] == "testclient" and entry["records"] == [LINE]
    assert any("Planned" in q for q in entry["added"]) and len(entry["removed"]) == 1
    assert entry["update"].startswith("DELETE")
    # filters: record, person, dates
    for params, count in (({"record": LINE}, 1), ({"record": "https://ex.org/none"}, 0),
                          ({"actor": "admin-1"}, 1), ({"actor": "nobody"}, 0),
                          ({"since": date.today().isoformat()}, 1),
                          ({"until": (date.today() - timedelta(days=1)).isoformat()}, 0)):
        found = client.get("/history", params=params, headers=auth(tokens["auditor"])).json()
        assert found["count"] == count, params
    table = client.get("/history", headers={**auth(tokens["admin"]), "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert rows[-1]["actor"] == "admin-1" and rows[-1]["records"] == LINE
    client.post("/sparql", content=status_update("Implemented"),
                headers={**auth(tokens["admin"]), "Content-Type": "application/sparql-update"})
    newest = client.get("/history", params={"limit": 1}, headers=auth(tokens["auditor"])).json()
    assert newest["count"] == 1 and newest["total"] == 2
    assert newest["items"][0]["sequence"] == 2
    check = client.get("/history/verify", headers=auth(tokens["auditor"])).json()
    assert check["intact"] and check["entries"] == 2
    bad = client.get("/history", params={"since": "yesterday"}, headers=auth(tokens["auditor"]))
    assert bad.status_code == 422


def test_the_history_page(service) -> None:
    client, tokens, _ = service
    client.post("/sparql", content=status_update("Planned"), params={"message": "<b>why</b>"},
                headers={**auth(tokens["admin"]), "Content-Type": "application/sparql-update"})
    page = client.get("/ui/history", headers=auth(tokens["auditor"]))
    assert page.status_code == 200 and "The chain is intact" in page.text
    assert "&lt;b&gt;why&lt;/b&gt;" in page.text and "<b>why</b>" not in page.text
    assert client.get("/ui/history", headers=auth(tokens["viewer"])).status_code == 403
    download = client.get("/ui/history/download.csv", headers=auth(tokens["auditor"]))
    assert download.status_code == 200 and "admin-1" in download.text


def test_soa_and_validation_as_of_a_date(service, monkeypatch) -> None:
    client, tokens, _ = service
    headers = {**auth(tokens["admin"]), "Content-Type": "application/sparql-update"}
    original = soa_status(client)
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    monkeypatch.setattr(history, "now", lambda: ten_days_ago)
    assert client.post("/sparql", content=status_update("Planned"),
                       headers=headers).status_code == 204
    monkeypatch.setattr(history, "now", lambda: datetime.now(UTC))
    assert client.post("/sparql", content=status_update("NotStarted"),
                       headers=headers).status_code == 204
    assert original == "implemented" and soa_status(client) == "not started"
    five_days_ago = (date.today() - timedelta(days=5)).isoformat()
    assert soa_status(client, as_of=five_days_ago) == "planned"
    twenty = (date.today() - timedelta(days=20)).isoformat()
    assert soa_status(client, as_of=twenty) == original  # before the trail: as loaded
    body = client.get("/soa", params={"as_of": five_days_ago}).json()
    assert body["asOf"]["changesUndone"] == 1
    now = client.get("/validation").json()
    then = client.get("/validation", params={"as_of": twenty}).json()
    assert then["asOf"]["date"] == twenty and then["law"]["asOf"] == twenty
    assert isinstance(then["violations"], int) and "items" in now
    csv_then = client.get("/soa", params={"as_of": five_days_ago}, headers={"Accept": "text/csv"})
    assert "planned" in csv_then.text and "not started" not in csv_then.text


def test_the_plan_as_of_a_past_date_is_the_plan_of_that_day(service, monkeypatch) -> None:
    """/plan?as-of=DATE in the past: the data as it was then (from the trail), evaluated then."""
    client, tokens, _ = service
    headers = {**auth(tokens["admin"]), "Content-Type": "application/sparql-update"}
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    monkeypatch.setattr(history, "now", lambda: ten_days_ago)
    assert client.post("/sparql", content=status_update("Planned"),
                       headers=headers).status_code == 204
    monkeypatch.setattr(history, "now", lambda: datetime.now(UTC))

    def planned_a_6_2_4(**params: str) -> tuple[bool, dict]:
        body = client.get("/plan", params={**params, "limit": 5000}).json()
        return any(a["kind"] == "control" and a["provision"] == "A.6.2.4"
                   and a["location"] and "controls.csv" in a["location"]
                   for a in body["items"]), body

    now, body = planned_a_6_2_4()
    assert now and body["asOfState"] is None
    five = (date.today() - timedelta(days=5)).isoformat()
    then, body = planned_a_6_2_4(**{"as-of": five})
    assert then and body["asOf"] == five and body["asOfState"]["changesUndone"] == 0
    twenty = (date.today() - timedelta(days=20)).isoformat()
    before, body = planned_a_6_2_4(**{"as-of": twenty})
    assert not before and body["asOfState"]["changesUndone"] == 1


def test_the_soa_over_time_follows_the_trail(service, monkeypatch) -> None:
    """The implemented share per day, from the trail: as loaded, after each day's changes,
    today; drawn on the SoA page with a text alternative and a table view."""
    client, tokens, store = service
    headers = {**auth(tokens["admin"]), "Content-Type": "application/sparql-update"}
    assert history.soa_progress(store) == []  # no change recorded: no line to draw
    assert 'class="trend"' not in client.get("/ui/soa").text
    loaded = soa_status(client)
    assert loaded == "implemented"
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    monkeypatch.setattr(history, "now", lambda: ten_days_ago)
    assert client.post("/sparql", content=status_update("Planned"),
                       headers=headers).status_code == 204
    monkeypatch.setattr(history, "now", lambda: datetime.now(UTC))
    points = history.soa_progress(store)
    day = ten_days_ago.date()
    assert [(p.day, p.label) for p in points] == [
        (day - timedelta(days=1), "as loaded"), (day, ""), (date.today(), "")]
    before, after, today = points
    assert before.applicable == after.applicable == today.applicable > 0
    assert after.implemented == before.implemented - 1 == today.implemented
    page = client.get("/ui/soa").text
    assert 'class="trend"' in page and 'aria-labelledby="trend-title trend-desc"' in page
    assert f"{before.implemented} of {before.applicable}" in page  # the table view / summary
    assert "(as loaded)" in page


def test_writes_reach_the_isolated_workers(tmp_path) -> None:
    users = UserFile(tmp_path / "users.json")
    token = users.add("root", "admin")
    store = GraphStore()
    with TestClient(create_app(ServerSettings(users_file=users.path, workers=1), store),
                    base_url=LOCAL) as client:
        ask = {"query": "ASK { GRAPH <urn:g> { <urn:a> <urn:b> \"direct\" } }"}
        assert client.get("/sparql", params=ask).json()["boolean"] is False
        # a write that does not go through the SPARQL endpoint (a REST edit's commit)
        history.commit(store, added=[ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"),
                                             ox.Literal("direct"), ox.NamedNode("urn:g"))],
                       removed=[], actor="root", message=None, address=None, kind="edit")
        assert client.get("/sparql", params=ask).json()["boolean"] is True
        update = client.post("/sparql", content="INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> "
                                                "\"via-sparql\" } }",
                             headers={**auth(token), "Content-Type": "application/sparql-update"})
        assert update.status_code == 204
        assert [e.kind for e in history.entries(store)] == ["edit", "sparql-update"]
        assert history.verify(store) == []
        clear = client.post("/sparql", content=f"DROP GRAPH <{HISTORY_GRAPH}>",
                            headers={**auth(token), "Content-Type": "application/sparql-update"})
        assert clear.status_code == 403
        assert len(history.entries(store)) == 2


def test_a_system_page_shows_its_history_to_auditors(service) -> None:
    client, tokens, _ = service
    system = "https://w3id.org/aimsgraph/org/acme-lending/system/credit-scoring"
    update = (f"INSERT DATA {{ GRAPH <https://w3id.org/aimsgraph/graph/data/acme-lending/"
              f"organization> {{ <{system}> rdfs:comment \"reviewed\" }} }}")
    client.post("/sparql", content=update, params={"message": "annual review"},
                headers={**auth(tokens["admin"]), "Content-Type": "application/sparql-update"})
    page = client.get("/ui/systems/credit-scoring", headers=auth(tokens["auditor"]))
    assert "annual review" in page.text and "admin-1" in page.text
    viewer = client.get("/ui/systems/credit-scoring", headers=auth(tokens["viewer"]))
    assert viewer.status_code == 200 and "annual review" not in viewer.text


def test_history_verify_on_the_command_line(tmp_path) -> None:
    import subprocess

    from .test_cli import COMMAND

    folder = tmp_path / "store"
    data = tmp_path / "mine.ttl"
    data.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\n")
    store = open_store([data], store=folder)  # a persistent store: its load is an entry
    assert [e.kind for e in history.entries(store)] == ["load"]
    del store
    done = subprocess.run([*COMMAND, "history", "verify", "--store", str(folder)],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "the chain is intact" in done.stderr
    store = GraphStore.open(folder)
    store.update(f"DELETE {{ GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}actor> ?who }} }} INSERT {{ "
                 f"GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}actor> \"someone-else\" }} }} WHERE {{ "
                 f"GRAPH <{HISTORY_GRAPH}> {{ ?a <{HIST}actor> ?who }} }}")
    del store
    done = subprocess.run([*COMMAND, "history", "verify", "--store", str(folder)],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "does not match its hash" in done.stdout
    missing = subprocess.run([*COMMAND, "history", "verify"], capture_output=True, text=True)
    assert missing.returncode == 2 and "--store" in missing.stderr


def test_a_large_organization_load_is_recorded_by_its_counts(tmp_path, monkeypatch) -> None:
    """A load's entry is one request, and stores cap a request's size (Oxigraph server refused
    the 233 MB entry of a 10^6-triple organization): past the limit, the entry names the graph
    and the counts, not the quads, and as-of says that load is not undone."""
    monkeypatch.setattr(history, "LOAD_QUADS_COPIED", 100)
    store = open_store([ROOT / "examples" / "acme-lending"], store=tmp_path / "store")
    organization = [e for e in history.entries(store)
                    if any(g.endswith("/acme-lending/organization") for g in e.graphs)]
    assert len(organization) == 1
    entry = organization[0]
    assert entry.added == "" and entry.removed == ""
    assert "quads added" in (entry.message or "") and "not copied into the trail" in entry.message
    assert history.verify(store) == []
    past = history.state_as_of(store, datetime(2000, 1, 1, tzinfo=UTC))
    assert any("is not undone" in note for note in past.notes)
