"""Edits against a real `aimsgraph serve` on loopback: versions, roles, the SPARQL workers and
the web view see an edit at once, and a folder store keeps it across a restart."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

from .conftest import ROOT, free_port, running_server
from .test_cli import COMMAND

LINE = "iso42001-a-7-5"
ASK = ("ASK { <https://w3id.org/aimsgraph/org/acme-lending/control/iso42001-a-7-5> "
       "aims:owner <https://w3id.org/aimsgraph/org/acme-lending/person/jonas-weber> }")


def call(method: str, url: str, body: dict | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def asked(url: str) -> bool:
    request = urllib.request.Request(f"{url}/sparql?query={urllib.parse.quote(ASK)}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["boolean"]


def serve(store: Path, users: Path, log: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*COMMAND, "serve", "--port", str(port), "--users", str(users), "--store",
               str(store), "--data", str(ROOT / "examples" / "acme-lending")]
    return url, running_server(command, f"{url}/queries", log)


def test_an_edit_on_a_live_server_is_seen_at_once_and_kept(tmp_path: Path) -> None:
    from aimsgraph.users import UserFile

    store = tmp_path / "store"
    users = UserFile(tmp_path / "users.json")
    token = users.add("erin", "editor")
    url, server = serve(store, users.path, tmp_path / "first.log")
    with server:
        status, headers, _ = call("GET", f"{url}/soa/{LINE}")
        assert status == 200
        etag = headers["ETag"]
        assert not asked(url)
        anonymous = call("PATCH", f"{url}/soa/{LINE}", {"owner": "jonas-weber"},
                         {"If-Match": etag})
        assert anonymous[0] == 403
        admin = {"Authorization": f"Bearer {token}"}
        assert call("PATCH", f"{url}/soa/{LINE}", {"owner": "jonas-weber"}, admin)[0] == 428
        refused = call("PATCH", f"{url}/soa/{LINE}", {"owner": "nobody"},
                       {**admin, "If-Match": etag})
        assert refused[0] == 422
        assert json.loads(refused[2])["errors"][0]["field"] == "owner"
        status, headers, body = call("PATCH", f"{url}/soa/{LINE}",
                                     {"owner": "jonas-weber", "message": "handover"},
                                     {**admin, "If-Match": etag})
        assert status == 200, body
        assert headers["ETag"] != etag
        assert asked(url)  # the query workers read the new snapshot
        page = call("GET", f"{url}/ui/soa")[2].decode()
        assert "Jonas Weber" in page.split(f'id="line-{LINE}"')[1][:2000]
        stale = call("PATCH", f"{url}/soa/{LINE}", {"owner": "ines-duarte"},
                     {**admin, "If-Match": etag})
        assert stale[0] == 412
    # the folder store keeps the edit: the unchanged CSV folder is not loaded over it
    url, server = serve(store, users.path, tmp_path / "second.log")
    with server:
        status, _, body = call("GET", f"{url}/soa/{LINE}")
        assert json.loads(body)["fields"]["owner"] == "jonas-weber"
        assert asked(url)
