"""Progress of long commands: a bar in a terminal, plain lines in a log, and a timed summary.

Used by the CLI only (the server never prints): ``dlcards study rebuild``, ``db copy``,
``content load``, imports and exports.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress


class Progress:
    """Counts units of work towards ``total``; ``advance()`` after each one.

    In a terminal a rich bar redraws in place; otherwise one line is written at every tenth of
    the work, so CI logs and pipes stay short.
    """

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.stream = stream or sys.stderr
        self._next_tenth = 1
        self._bar: RichProgress | None = None
        if self.stream.isatty() and self.total:
            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), transient=True,
            )  # fmt: skip
            self._task = self._bar.add_task(label, total=self.total)
            self._bar.start()

    def advance(self, units: int = 1) -> None:
        self.done += units
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif self.total and self.done * 10 >= self._next_tenth * self.total:
            print(f"{self.label}: {self.done}/{self.total}", file=self.stream, flush=True)
            while self._next_tenth * self.total <= self.done * 10:
                self._next_tenth += 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Measures the block; ``elapsed`` holds its seconds afterwards (for the summary line)."""
    clock: dict[str, float] = {"elapsed": 0.0}
    started = time.perf_counter()
    try:
        yield clock
    finally:
        clock["elapsed"] = time.perf_counter() - started
