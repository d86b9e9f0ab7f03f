"""Client SPARQL in worker processes that can be stopped: design notes below (measurements TBD)."""

from .evaluation import Formats, Refusal, evaluate
from .pool import Busy, Snapshots, Stopped, WorkerPool

__all__ = ["Busy", "Formats", "Refusal", "Snapshots", "Stopped", "WorkerPool", "evaluate"]
