"""Users of the service and their API tokens, kept in a JSON file beside the store.

Why a file and not the store: the default store lives in memory and is gone at exit; a token's
hash in the graph would be one ``GRAPH ?g`` away from every SPARQL reader; and a file can be
made readable by its owner only (0600). Replicas over one remote store share the file (a mount,
or a copy kept in sync): it is read again whenever it changes on disk, so a revocation reaches
a running service at its next request.

A token is 32 random bytes from :mod:`secrets` (``ag_`` + URL-safe base64). Only its SHA-256 is
kept: a token has 256 bits of entropy, so a fast hash cannot be brute-forced, and no password
hashing (which defends low-entropy secrets) is needed. A lookup compares digests with
:func:`hmac.compare_digest`. Each token also has a public id (random, not derived from the
secret), which a web session names instead of the token, so revoking the token ends the
session.

    users = UserFile(Path("aimsgraph-users.json"))
    token = users.add("alice", "editor")      # shown once; never stored
    users.authenticate(token)                  # User(name="alice", role="editor", ...)
    users.revoke("alice")
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import InputError, UsageError

#: what each role may do (see README "Users and roles")
ROLES = ("viewer", "editor", "admin", "auditor")
TOKEN_PREFIX = "ag_"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
DEFAULT_FILE = "aimsgraph-users.json"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    token_id: str  #: public id of the token (names it in sessions; not a secret)
    token_sha256: str
    created: str
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def default_path(store: str | None) -> Path:
    """Beside a folder store; else in the working folder."""
    if store and not re.match(r"^[a-z][a-z0-9+.-]*://", store, re.IGNORECASE):
        folder = Path(store)
        return folder.parent / f"{folder.name}-users.json"
    return Path(DEFAULT_FILE)


class UserFile:
    """The users file: read again when it changes on disk, written atomically (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._users: list[User] = []
        self._secret = ""

    # -- reading -------------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._users, self._secret = None, [], ""
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            users = [User(**{k: entry[k] for k in ("name", "role", "token_id", "token_sha256",
                                                    "created")}, revoked=entry.get("revoked"))
                     for entry in data["users"]]
            secret = str(data.get("session_secret", ""))
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InputError(f"not a readable aimsgraph users file ({type(err).__name__}: "
                             f"{err}); restore it from a backup or move it away and add the "
                             "users again", file=self.path) from None
        self._stamp, self._users, self._secret = stamp, users, secret

    def users(self) -> list[User]:
        with self._lock:
            self._load()
            return list(self._users)

    def revision(self) -> str:
        """Names the file's current state (changes with every add and revoke): what a cached
        answer's validator includes, so that a revoked token gets no 304 for an old tag."""
        with self._lock:
            self._load()
            return repr(self._stamp)

    def session_secret(self) -> str:
        """The key web session cookies are signed with (shared by replicas sharing the file)."""
        with self._lock:
            self._load()
            return self._secret

    def authenticate(self, token: str) -> User | None:
        """The active user holding ``token``, else None (wrong, revoked or malformed)."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        wanted = token_digest(token)
        found = None
        for user in self.users():
            if hmac.compare_digest(user.token_sha256, wanted) and user.active:
                found = user
        return found

    def by_token_id(self, token_id: str) -> User | None:
        """The active user whose current token has this public id (a web session's)."""
        for user in self.users():
            if user.active and hmac.compare_digest(user.token_id, token_id):
                return user
        return None

    # -- writing -------------------------------------------------------------------------------

    def add(self, name: str, role: str) -> str:
        """Create ``name`` with ``role`` and return its new token (the only time it is shown).
        A user whose token was revoked may be added again (a new token)."""
        if not NAME.fullmatch(name):
            raise UsageError(f"a user name is 1-64 letters, digits, '.', '_', '@' or '-' "
                             f"(starting with a letter or digit), not {name!r}")
        if role not in ROLES:
            raise UsageError(f"a role is one of {', '.join(ROLES)}, not {role!r}")
        token = new_token()
        with self._lock:
            self._load()
            if any(u.name == name and u.active for u in self._users):
                raise UsageError(f"user {name!r} already has an active token: revoke it first "
                                 f"(aimsgraph users revoke {name})")
            user = User(name, role, secrets.token_hex(8), token_digest(token),
                        datetime.now(UTC).isoformat(timespec="seconds"))
            self._save([*self._users, user], self._secret or secrets.token_hex(32))
        return token

    def revoke(self, name: str) -> User:
        """Revoke ``name``'s active token; the entry stays, marked with the time."""
        with self._lock:
            self._load()
            active = [u for u in self._users if u.name == name and u.active]
            if not active:
                known = ", ".join(sorted({u.name for u in self._users if u.active})) or "none"
                raise UsageError(f"no active user {name!r} (active users: {known})")
            now = datetime.now(UTC).isoformat(timespec="seconds")
            users = [User(u.name, u.role, u.token_id, u.token_sha256, u.created, now)
                     if u in active else u for u in self._users]
            self._save(users, self._secret)
            return users[self._users.index(active[0])]

    def _save(self, users: list[User], secret: str) -> None:
        body = json.dumps({"format": "aimsgraph-users/1", "session_secret": secret,
                           "users": [asdict(u) for u in users]}, indent=2) + "\n"
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if not folder.is_dir():
            raise UsageError(f"cannot write {self.path}: the folder {folder} does not exist")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".aimsgraph-users-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self._stamp = None  # read back on next use
