"""Progress for long work, written for a person on standard error."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Numbered steps with elapsed time: `[2/6] Parsing data files … 12 files (0.4 s)`."""

    def __init__(self, steps: int, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.steps, self.stream, self.quiet = steps, stream or sys.stderr, quiet
        self.current = 0
        self.started = time.perf_counter()
        self._step_started = self.started

    def step(self, title: str) -> None:
        self.current += 1
        self._step_started = time.perf_counter()
        self._write(f"[{self.current}/{self.steps}] {title}")

    def detail(self, text: str) -> None:
        self._write(f"      {text}")

    def done(self, text: str = "") -> None:
        elapsed = time.perf_counter() - self._step_started
        self._write(f"      {text + ' ' if text else ''}({elapsed:.1f} s)")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def _write(self, line: str) -> None:
        if not self.quiet:
            print(line, file=self.stream, flush=True)
