"""Work done once per key, also across threads: what two constraints share is computed by the first
that needs it, and a second caller waits for its value."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class Once:
    """Compute each key once, also across threads: a second caller waits for the first one's value."""

    @dataclass
    class _Entry:
        done: threading.Event = field(default_factory=threading.Event)
        owner: int = 0
        value: Any = None
        error: BaseException | None = None

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[object, Once._Entry] = {}

    def get(self, key: object, compute: Callable[[], T]) -> T:
        with self.lock:
            entry = self.entries.get(key)
            owner = entry is None
            if owner:
                entry = self.entries[key] = Once._Entry(owner=threading.get_ident())
        assert entry is not None
        if owner:
            try:
                entry.value = compute()
            except BaseException as error:
                entry.error = error
                raise
            finally:
                entry.done.set()
            return entry.value
        if entry.owner == threading.get_ident() and not entry.done.is_set():
            raise RuntimeError(f"recursive evaluation of {key!r}")  # pragma: no cover - shapes are acyclic
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.value
