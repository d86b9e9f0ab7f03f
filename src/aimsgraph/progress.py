"""Progress on long work, on standard error, only where a person is watching (a terminal)."""

from __future__ import annotations

import sys
from typing import TextIO

from .store import Source


class LoadProgress:
    """A one-line counter while sources load: ``[ 7/14] frameworks/gdpr-2016-679.ttl``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def __call__(self, index: int, total: int, source: Source) -> None:
        if not self.enabled:
            return
        width = len(str(total))
        label = f"[{index:>{width}}/{total}] loading {source.path.name}"
        end = "\n" if index == total else ""
        self.stream.write(f"\r\x1b[2K{label}{end}")
        self.stream.flush()
