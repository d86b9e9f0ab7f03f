"""Stand-in for the audit trail (branch ``auth`` replaces this file at merge)."""

from __future__ import annotations

import uuid


def commit(store, *, added, removed, actor: str, message: str | None,  # type: ignore[no-untyped-def]
           address: str | None, kind: str) -> str:
    """Apply ``removed`` then ``added`` (quads) to ``store`` atomically; the id of the change.
    The real one also writes the trail, in the same transaction."""
    store.change(added=added, removed=removed)
    return f"urn:uuid:{uuid.uuid4()}"
