"""Client SPARQL in worker processes that can be stopped.

Why: a query evaluated in a thread of the service cannot be stopped. At the timeout the client
got its 503, but the evaluation went on at 100% of a core, and one query could grow the process
by hundreds of MB a second until the machine ran out. A process can be killed.

The design (figures measured on the 2-core development machine, shared and loaded, with the
sample organization, 36,000 quads, unless said otherwise):

- **Workers.** Client SPARQL (``/sparql``, ``/queries/{name}``, the SPARQL web page) runs in at
  most ``workers`` processes. They are started by multiprocessing's *forkserver* (a threaded
  service must never ``fork`` itself): the forkserver preloads :mod:`.worker` once (1.5 s, the
  first time) and each worker is a fork of it (0.04-0.1 s), so a killed worker is replaced at
  once. ``spawn`` would import aimsgraph again for every replacement (1.5-2 s). A worker holds
  47 MB resident when idle; a query's round trip through one (pickle, pipe) is 0.36 ms (median
  of ``ASK {}``).
- **Limits.** The parent sends (query text, dataset, bindings, negotiated formats, row limit) and
  waits for (media type, body) on the event loop, looking at the worker's resident size every
  50 ms. Past the timeout or the memory cap it kills the worker (SIGKILL: the CPU is free at
  once) and the client gets a 503 problem (``query-timeout``, ``query-memory-exceeded``); a
  worker that dies by itself (say a stack overflow in the parser) gives a 500 ``query-crashed``
  and the service lives on. ``RLIMIT_AS`` in the worker is a backstop (its virtual size at start
  + the cap + 1 GB: address space reserved by threads and the store's files is not memory). A
  query waits at most ``queue_wait`` seconds for a free worker (then 503 ``service-busy``).
- **Fairness.** The workers are shared between clients, keyed by the client's address (the
  peer's, or the one a proxy uvicorn trusts forwards: ``FORWARDED_ALLOW_IPS``). A free worker
  goes to the waiting client that runs the fewest queries now; ties go to the client that used
  the workers least lately (worker-seconds, halving every minute), then to the query that came
  first. Order alone is not enough: when runaways hold every worker, the next one frees only at
  the timeout. So a waiting query stops the longest-running query of a client that runs at
  least two more queries than its own client, once that query has run ``preempt_after``
  seconds (1 by default; short queries are never stopped); that query's client gets a 503
  ``query-preempted`` (with ``Retry-After``). A worker only ever moves from a client that holds
  more to one that holds fewer, so nothing is preempted while one client is alone (it may use
  every worker) or while clients hold equal shares. And while another client is active (it
  used a worker in the last minute), a client that already runs a query does not take the last
  free worker: it stays free for a client with nothing running, so that client's next query
  starts at once instead of preempting again. With one client flooding the service with N
  runaways, another client's first query waits at most ``preempt_after`` plus a worker's start
  (0.05-0.1 s), its next ones not at all, whatever N; before, each waited up to ``timeout x N /
  workers``. Measured (``benchmarks/isolation.py --only-fairness``, sample, 2 workers, 20
  runaways, load average 11-15): an ordinary query from another address took 50 ms median
  (912 ms the first) against 20 ms with no runaways; the in-thread service took 899 ms median
  and 6.8 s at worst, its CPU shared with 20 runaways that it cannot stop.

  This is fair-share scheduling with preemption as cluster schedulers do it (Hadoop YARN's Fair
  Scheduler kills containers of queues above their fair share for a queue that has stayed below
  its share longer than ``fairSharePreemptionTimeout``), with a query as the unit and a client
  as the queue. Kept out, and why:

  - *A worker reserved for queries that have not yet proven slow* (with a soft budget): a query
    cannot move between processes, so a query that passes the budget in the reserved worker
    must be killed anyway; and queued runaways from one client are as "unproven" as the ordinary
    query behind them, so the ordinary query still waits behind ``N x budget``.
  - *A fixed concurrency limit per client* (e.g. workers - 1): it idles workers when a client is
    alone (a single user, the usual deployment, would lose a worker for good) and still lets
    two flooding clients take everything from a third. The last-worker rule above holds one
    back only while another client is active.
  - *Pausing (SIGSTOP) instead of killing*: every paused query keeps its memory (up to the cap),
    so N paused runaways would hold N x the cap.

  Limits: clients are told apart only by address. Behind a proxy that does not forward the
  address (or is not trusted), every client is one, and the queue is first come, first served
  again. Many runaways from many addresses are a question of capacity, not of sharing: each
  address holds at most its share, and ``queue_wait`` answers the rest with 503
  ``service-busy``. Fairness needs two workers or more (with one, nobody holds two more).
- **What workers read.** A snapshot: a folder store (RocksDB) in a temporary folder, opened
  read-only, removed at exit. Nothing writes a published snapshot (Oxigraph: opening read-only
  while another process writes is undefined behaviour). An in-memory store is snapshot by a bulk
  load of its quads, handed across directly (``bulk_extend``; until December 2026 its whole
  N-Quads dump was written, held in memory and parsed again: 1.2-1.3x slower at the sample and
  10^5 under load, ``benchmarks/isolation.py``); at 10^6 triples the old way took 35 s in a
  calmer moment. A folder store is snapshot by a checkpoint (hard links; 0.6 s). The first
  snapshot is made while the service already answers: REST resources and pages do not wait
  for it, client SPARQL does. Queries that scan pay RocksDB's price: a full scan of 10^6 quads
  took 1.57 s from a read-only folder against 0.79 s in memory (1.9-2.1x at the sample and
  10^5). ``oxigraph serve``, the benchmarks' yardstick, reads RocksDB too.

  Each generation is published twice: the whole store, for the admins and auditors who may
  read the audit trail, and a checkpoint of it without the history and state graphs (hard
  links, then those graphs removed) for everyone else. Until December 2026 the others' queries
  ran over the whole snapshot with a dataset naming every other graph (38 at the sample): on
  RocksDB that made a small query 6x slower (2.2 ms against 0.37 ms, in the worker) and was
  most of the process mode's cost over the thread mode.
- **Per request.** What the service adds around a worker's evaluation was measured and cut
  (``benchmarks/isolation.py``, README "Per-request costs"): uvicorn runs on uvloop with the
  httptools parser; ``GET`` and ``POST /sparql`` are a plain route (FastAPI's dependency
  solving cost about a quarter of a millisecond); no dependency on the way is run in a
  thread; the guard's verdict and the content negotiation are remembered per text and per
  ``Accept``. And the same query over the same snapshot is answered again without a worker
  (:mod:`aimsgraph.server.answers`, ``--answer-cache``).

  Measured and not taken (yet): an in-memory copy in each worker. Each worker would hold the
  whole graph (the memory cap would have to cover it, and N workers hold it N times), and a
  killed worker could no longer be replaced at once: loading 150,000 quads into memory took
  about 6 s under load, against 0.04-0.1 s to fork a worker now. Sharing one in-memory copy
  copy-on-write needs a fork server per snapshot generation (the copy loaded in a
  single-threaded process that forks the workers and hands their pipes over) and a memory cap
  that counts only a worker's private pages; that is the next step if scans matter more than
  the memory.
- **Updates.** An update runs once, in a worker, under the same timeout and memory cap, as one
  transaction. An in-memory store: the worker applies it to a checkpoint copy of the snapshot.
  Killed, the copy is deleted: its transaction never committed and the service's own store was
  never touched. Finished, the service's in-memory store takes the copy's contents (built aside
  and swapped in one step, so readers see the old data until then; for that moment the service
  holds the graph twice) and the copy becomes the next snapshot. A folder store (``--store
  DIR``): the service reads it through the snapshot too (a read-only checkpoint, so REST reads
  cost what they cost on the folder) and lets go of the folder, so that the worker opens the
  folder itself for writing (RocksDB allows one writer process). The service keeps its own
  lock on the folder (``aimsgraph.lock``, taken by every aimsgraph process that opens a store
  folder), so no other aimsgraph process opens it meanwhile. Killed before its commit, the
  folder is as it was, as after a crash; then the folder is checkpointed again (hard links) and
  the service and the workers read the new snapshot. When the service stops, it opens the
  folder again. Before, a folder store's update was tried on a copy and then run a second time
  by the service itself, where it could not be stopped. One update at a time; reads never wait
  for one.
- **Remote stores** evaluate their queries themselves: each HTTP request to the store may take no
  longer than the query timeout.

Measured and not taken:

- The service's own store in a temporary folder instead of memory (snapshots would all be cheap
  checkpoints): every REST resource and page reads it, and they got 3-5x slower (validation 0.55
  s in memory, 2.6 s from the folder; classification 0.03 s and 0.11 s; start with the sample
  1.1 s and 4.6 s).
- A zygote forked before any thread exists, holding the in-memory store copy-on-write (no
  snapshot to make): after an update it holds the old data, a new one cannot be forked from the
  threaded service, and replaying the update in it gives other values for ``NOW()``, ``RAND()``
  or ``UUID()`` than the service got.

The modules: :mod:`.evaluation` (one query into a body, the same in a worker or a thread),
:mod:`.worker` (the worker's loop), :mod:`.pool` (the parent's side: workers, snapshots),
:mod:`.proctree` (CPU and memory of a process tree, for tests and benchmarks). This package
imports none of them, so the command line reads the defaults cheaply.
"""

from __future__ import annotations

import os

#: how client SPARQL runs: in worker processes that are killed at the limits, or (the old way,
#: kept as the benchmarks' baseline) in a thread of the service that cannot be stopped
ISOLATION_MODES = ("process", "thread")


def default_workers() -> int:
    """The machine's cores, at least 2 and at most 4."""
    return max(2, min(4, os.cpu_count() or 2))
