"""Client SPARQL in worker processes that can be stopped (design and measurements: below).

The modules: :mod:`.evaluation` (one query into a body, the same in a worker or a thread),
:mod:`.worker` (the worker process's loop), :mod:`.pool` (the parent's side: workers,
snapshots). This package imports none of them, so the command line can read the defaults
cheaply.
"""

from __future__ import annotations

import os

#: how client SPARQL runs: in worker processes that are killed at the limits, or (the old way,
#: kept as the benchmarks' baseline) in a thread of the service that cannot be stopped
ISOLATION_MODES = ("process", "thread")


def default_workers() -> int:
    """The machine's cores, at least 2 and at most 4."""
    return max(2, min(4, os.cpu_count() or 2))
