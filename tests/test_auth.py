"""Users and roles: hashed tokens in the users file, 401 for a wrong or revoked token, 403 for a
token without the role, anonymous read as a setting, the web view's sign-in with a session
cookie and CSRF-checked forms, and no token (nor its hash) in any answer or log line."""

from __future__ import annotations

import json
import logging
import re
import stat
import subprocess
from pathlib import Path

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from aimsgraph import GraphStore
from aimsgraph.errors import UsageError
from aimsgraph.history import HISTORY_GRAPH
from aimsgraph.server import ServerSettings, create_app
from aimsgraph.server.auth import Principal, current_principal, require_role
from aimsgraph.users import UserFile, token_digest

from .conftest import LOCAL
from .test_cli import COMMAND

UPDATE = "INSERT DATA { GRAPH <urn:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}


@pytest.fixture()
def users(tmp_path: Path) -> tuple[UserFile, dict[str, str]]:
    file = UserFile(tmp_path / "users.json")
    tokens = {role: file.add(f"{role}-user", role)
              for role in ("viewer", "editor", "admin", "auditor")}
    return file, tokens


def app_for(users: UserFile, **settings: object) -> TestClient:
    return TestClient(create_app(ServerSettings(users_file=users.path, **settings),
                                 GraphStore()), base_url=LOCAL)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the users file ------------------------------------------------------------------------------

def test_tokens_are_random_and_only_their_hash_is_kept(users) -> None:
    file, tokens = users
    text = file.path.read_text()
    assert len(set(tokens.values())) == 4
    for token in tokens.values():
        assert re.fullmatch(r"ag_[A-Za-z0-9_-]{43}", token)
        assert token not in text and token_digest(token) in text
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    assert file.authenticate(tokens["editor"]).name == "editor-user"
    assert file.authenticate(tokens["editor"] + "x") is None
    assert file.authenticate("") is None


def test_revoke_and_add_again(users) -> None:
    file, tokens = users
    file.revoke("viewer-user")
    assert file.authenticate(tokens["viewer"]) is None
    with pytest.raises(UsageError, match="no active user"):
        file.revoke("viewer-user")
    fresh = file.add("viewer-user", "viewer")
    assert file.authenticate(fresh).role == "viewer"
    with pytest.raises(UsageError, match="already has an active token"):
        file.add("viewer-user", "admin")
    with pytest.raises(UsageError, match="a role is one of"):
        file.add("someone", "root")


def test_users_command_line(tmp_path: Path) -> None:
    path = tmp_path / "u.json"
    added = subprocess.run([*COMMAND, "users", "add", "alice", "--role", "editor", "--users",
                            str(path)], capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    listed = subprocess.run([*COMMAND, "users", "list", "--users", str(path), "--json"],
                            capture_output=True, text=True)
    assert json.loads(listed.stdout)[0]["name"] == "alice"
    assert token not in listed.stdout and token_digest(token) not in listed.stdout
    revoked = subprocess.run([*COMMAND, "users", "revoke", "alice", "--users", str(path)],
                             capture_output=True, text=True)
    assert revoked.returncode == 0
    assert UserFile(path).authenticate(token) is None
    wrong = subprocess.run([*COMMAND, "users", "add", "bob", "--role", "root", "--users",
                            str(path)], capture_output=True, text=True)
    assert wrong.returncode == 2


def test_the_old_update_token_is_refused_with_what_to_do() -> None:
    with pytest.raises(UsageError, match="aimsgraph users add NAME --role admin"):
        ServerSettings(update_token="x")
    result = subprocess.run([*COMMAND, "serve", "--update-token", "x", "--no-example"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "users add" in result.stderr and "Traceback" not in result.stderr


# -- tokens over HTTP ------------------------------------------------------------------------------

def test_wrong_or_revoked_token_is_401_and_role_without_right_403(users) -> None:
    file, tokens = users
    client = app_for(file)
    for header in ("Bearer ag_wrong", "Bearer " + tokens["admin"] + "x", "Basic YTpi", "Bearer"):
        response = client.get("/frameworks", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
    for role in ("viewer", "editor", "auditor"):
        response = client.post("/sparql", content=UPDATE,
                               headers={**SPARQL_UPDATE, **bearer(tokens[role])})
        assert response.status_code == 403, role
        assert "admin" in response.json()["detail"]
    assert client.post("/sparql", content=UPDATE,
                       headers={**SPARQL_UPDATE, **bearer(tokens["admin"])}).status_code == 204
    file.revoke("admin-user")  # at once, in the running service
    response = client.post("/sparql", content=UPDATE,
                           headers={**SPARQL_UPDATE, **bearer(tokens["admin"])})
    assert response.status_code == 401


def test_a_revoked_token_gets_no_304_for_a_tag_it_was_given(users) -> None:
    """A 304 answers before any route runs: its tag must change when the token is revoked, or
    the revoked token would go on getting 304s until the data changed."""
    file, tokens = users
    client = app_for(file, anonymous_read=False)
    first = client.get("/frameworks", headers=bearer(tokens["viewer"]))
    tag = first.headers["etag"]
    again = client.get("/frameworks", headers={**bearer(tokens["viewer"]), "If-None-Match": tag})
    assert again.status_code == 304
    file.revoke("viewer-user")
    after = client.get("/frameworks", headers={**bearer(tokens["viewer"]), "If-None-Match": tag})
    assert after.status_code == 401
    assert after.headers["content-type"] == "application/problem+json"


def test_anonymous_read_is_a_setting(users) -> None:
    file, tokens = users
    open_client = app_for(file)
    assert open_client.get("/frameworks").status_code == 200
    closed = app_for(file, anonymous_read=False)
    response = closed.get("/frameworks")
    assert response.status_code == 401 and response.json()["title"] == "sign-in required"
    assert closed.get("/frameworks", headers=bearer(tokens["viewer"])).status_code == 200
    page = closed.get("/ui/systems?x=1", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/sign-in?next=%2Fui%2Fsystems%3Fx%3D1"
    assert closed.get("/ui/sign-in").status_code == 200


def test_require_role_uses_current_principal_so_tests_can_override_it() -> None:
    app = FastAPI()

    @app.get("/edit")
    def edit(who: Principal = Depends(require_role("editor", "admin"))) -> dict:  # noqa: B008
        return {"who": who.name}

    from aimsgraph.server import problems
    problems.install(app)
    app.dependency_overrides[current_principal] = lambda: Principal("eve", "viewer")
    client = TestClient(app)
    assert client.get("/edit").status_code == 403
    app.dependency_overrides[current_principal] = lambda: Principal("ed", "editor")
    assert client.get("/edit").json() == {"who": "ed"}


def test_no_answer_or_log_line_holds_a_token_or_its_hash(users, caplog) -> None:
    file, tokens = users
    client = app_for(file)
    secrets = [t for t in tokens.values()] + [token_digest(t) for t in tokens.values()]
    caplog.set_level(logging.DEBUG)
    answers = [
        client.get("/frameworks", headers=bearer(tokens["viewer"])),
        client.get("/frameworks", headers=bearer(tokens["viewer"] + "x")),
        client.post("/sparql", content=UPDATE, headers={**SPARQL_UPDATE,
                                                        **bearer(tokens["admin"])}),
        client.post("/sparql", content=UPDATE, headers={**SPARQL_UPDATE,
                                                        **bearer(tokens["viewer"])}),
        client.get("/history", headers=bearer(tokens["auditor"])),
        client.get("/history", headers={**bearer(tokens["auditor"]), "Accept": "text/csv"}),
        client.get("/ui/sign-in"),
        client.get("/openapi.json"),
    ]
    text = "\n".join(r.text + json.dumps(dict(r.headers)) for r in answers) + caplog.text
    for secret in secrets:
        assert secret not in text


# -- the history is not everyone's -------------------------------------------------------------

@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_history_is_outside_the_sparql_dataset_of_viewers(users, isolation) -> None:
    file, tokens = users
    with app_for(file, isolation=isolation) as client:
        history_hidden_from_viewers(client, tokens)


def history_hidden_from_viewers(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.post("/sparql", content=UPDATE, params={"message": "a reason"},
                       headers={**SPARQL_UPDATE, **bearer(tokens["admin"])}).status_code == 204
    queries = [f"SELECT * WHERE {{ GRAPH <{HISTORY_GRAPH}> {{ ?s ?p ?o }} }}",
               f"SELECT * FROM <{HISTORY_GRAPH}> WHERE {{ ?s ?p ?o }}",
               f"SELECT * FROM NAMED <{HISTORY_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
               "SELECT ?s WHERE { ?s a prov:Activity }",
               "SELECT ?g WHERE { GRAPH ?g { ?s <https://w3id.org/aimsgraph/history#actor> ?o } }"]
    for query in queries:
        for who in (None, tokens["viewer"], tokens["editor"]):
            response = client.get("/sparql", params={"query": query},
                                  headers=bearer(who) if who else {})
            assert response.status_code == 200
            # in a thread FROM / FROM NAMED are overridden by the dataset the service names;
            # in a worker the query runs over the snapshot without the history
            for trace in ("aimsgraph/history", "graph/history", "graph/state"):
                assert trace not in response.text, (query, who)
        for who in (tokens["auditor"], tokens["admin"]):
            response = client.get("/sparql", params={"query": query}, headers=bearer(who))
            assert "history" in response.text, (query, who)
    named = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }",
                                          "default-graph-uri": HISTORY_GRAPH},
                       headers=bearer(tokens["viewer"]))
    assert named.status_code == 403 and named.json()["type"].endswith("history-forbidden")
    # the data itself stays visible
    ask = client.get("/sparql", params={"query": "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"})
    assert ask.json()["boolean"] is True
    assert client.get("/history").status_code == 403
    assert client.get("/history", headers=bearer(tokens["viewer"])).status_code == 403
    assert client.get("/history", headers=bearer(tokens["editor"])).status_code == 403


# -- the web view's sign-in ------------------------------------------------------------------------

def form_csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_web_sign_in_with_a_session_cookie_and_csrf(users) -> None:
    file, tokens = users
    client = app_for(file, anonymous_read=False)
    page = client.get("/ui/sign-in?next=/ui/soa")
    csrf = form_csrf(page.text)
    # without the form's CSRF token: refused
    refused = client.post("/ui/sign-in", data={"token": tokens["auditor"], "next": "/ui/soa"},
                          follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post("/ui/sign-in", data={"token": "ag_nope", "csrf": csrf},
                        follow_redirects=False)
    assert wrong.status_code == 401 and "not valid" in wrong.text
    signed = client.post("/ui/sign-in", data={"token": tokens["auditor"], "csrf": csrf,
                                              "next": "//evil.example/"},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"  # no open redirect
    cookie = signed.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert tokens["auditor"] not in cookie and token_digest(tokens["auditor"]) not in cookie
    home = client.get("/ui/history")
    assert home.status_code == 200 and "auditor-user (auditor)" in home.text
    session_csrf = form_csrf(home.text)
    # a state-changing request on the session needs the session's CSRF token
    assert client.post("/sparql", data={"update": UPDATE}).status_code == 403
    assert client.post("/ui/sign-out", data={}).status_code == 403
    out = client.post("/ui/sign-out", data={"csrf": session_csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/ui/history", follow_redirects=False).status_code == 303


def test_revoking_a_token_ends_its_web_session(users) -> None:
    file, tokens = users
    client = app_for(file, anonymous_read=False)
    csrf = form_csrf(client.get("/ui/sign-in").text)
    client.post("/ui/sign-in", data={"token": tokens["viewer"], "csrf": csrf})
    assert client.get("/ui/soa", follow_redirects=False).status_code == 200
    file.revoke("viewer-user")
    assert client.get("/ui/soa", follow_redirects=False).status_code == 303


def test_a_signed_in_form_with_its_csrf_token_is_accepted(users) -> None:
    file, tokens = users
    client = app_for(file, isolation="thread")
    csrf = form_csrf(client.get("/ui/sign-in").text)
    client.post("/ui/sign-in", data={"token": tokens["admin"], "csrf": csrf})
    session_csrf = form_csrf(client.get("/ui/soa").text)
    # the dependency reads the form for its CSRF field; the route still gets the whole body
    done = client.post("/sparql", data={"update": UPDATE, "csrf": session_csrf})
    assert done.status_code == 204
    by_header = client.post("/sparql", content=UPDATE.replace("urn:x:c", "urn:x:d"),
                            headers={**SPARQL_UPDATE, "X-CSRF-Token": session_csrf})
    assert by_header.status_code == 204
    ask = client.get("/sparql", params={"query": "ASK { GRAPH <urn:g> { <urn:x:a> ?p "
                                                 "<urn:x:d> } }"})
    assert ask.json()["boolean"] is True
