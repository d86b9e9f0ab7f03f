"""Answers to client SPARQL remembered for the data they were computed on.

A dashboard, a notebook or a monitoring check sends the same few queries again and again over
data that changes a few times a day. Each worker snapshot is immutable (see
:mod:`aimsgraph.isolation`), so the answer to the same text, dataset, bindings and negotiated
format on the same snapshot is the same answer, and the service can send it again without a
worker: the hand-off to a worker and back and the evaluation are most of a small query's time.

- **Correct by construction.** The key names the snapshot folder the worker would read (a new
  one per write, and a different one for readers of the audit trail than for the others), so an
  answer can never outlive its data; an older generation's answers are dropped.
- **Only what is the same each time.** A query using ``NOW``, ``RAND``, ``UUID``, ``STRUUID`` or
  ``BNODE`` (values that differ per evaluation), or ``SERVICE`` (another endpoint's data), is
  never remembered; nor is a text with ``\\u`` escapes (decided from the tokens, as the guard
  reads them), nor a text of more than 8 KB, nor a refusal, a timeout or any other problem.
- **Bounded.** At most ``max_bytes`` of answers (the setting ``answer_cache``, MB; 0 turns the
  cache off), least recently used first out; one answer may take at most a sixteenth of it.

Used on the event loop only (one request at a time reaches it): no lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence

from ..sparqltext import Token, has_escapes, tokens

#: function and keyword names whose results differ per evaluation or come from elsewhere
VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE"})
#: the memory an entry counts beyond its body and text (key tuple, strings, list links)
OVERHEAD = 512


#: texts longer than this are not remembered (nor their verdict: the memory stays small)
MAX_TEXT = 8192


def repeatable(text: str, read: Sequence[Token] | None = None) -> bool:
    """Whether ``text``'s answer is the same each time it runs over the same data (and the
    text short enough to be remembered); ``read``: its tokens, if the guard has them already."""
    if len(text) > MAX_TEXT or has_escapes(text):
        return False
    return not any(t.kind == "word" and t.keyword in VOLATILE
                   for t in (tokens(text) if read is None else read))


class AnswerCache:
    """(media type, body) per snapshot folder and key. Two folders are live at a time (a
    generation's whole snapshot, read by admins and auditors, and its copy without the audit
    trail, read by everyone else); an answer of an older folder is dropped when a third one
    comes."""

    #: snapshot folders whose answers are kept
    FOLDERS = 2

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._folders: list[str] = []  # least recently seen first
        self._entries: OrderedDict[tuple[str, Hashable], tuple[str, bytes, int]] = \
            OrderedDict()

    def _for(self, folder: str) -> None:
        if folder in self._folders:
            if self._folders[-1] != folder:
                self._folders.remove(folder)
                self._folders.append(folder)
            return
        self._folders.append(folder)
        while len(self._folders) > self.FOLDERS:  # another generation: the oldest is stale
            gone = self._folders.pop(0)
            for key in [k for k in self._entries if k[0] == gone]:
                self.size -= self._entries.pop(key)[2]

    def get(self, folder: str, key: Hashable) -> tuple[str, bytes] | None:
        self._for(folder)
        entry = self._entries.get((folder, key))
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end((folder, key))
        self.hits += 1
        return entry[0], entry[1]

    def put(self, folder: str, key: Hashable, text: str, media: str, body: bytes) -> None:
        self._for(folder)
        cost = len(body) + len(text) + OVERHEAD
        if cost > self.max_bytes // 16 or (folder, key) in self._entries:
            return
        self._entries[(folder, key)] = (media, body, cost)
        self.size += cost
        while self.size > self.max_bytes:
            _, (_, _, freed) = self._entries.popitem(last=False)
            self.size -= freed

    def __len__(self) -> int:
        return len(self._entries)
