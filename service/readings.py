"""How much of each policy document's text was read, as the graph says: what lets the trace and the
coverage conclude that a document does not mention something (only a text read whole can say so)."""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from .queries import load_query
from .settings import Settings
from .store import GraphStore

WHOLE_TEXT = "WholeText"
EXCERPT = "Excerpt"


@dataclass
class DocumentReading:
    """How much of one document's text was read, as the graph says."""

    iri: str
    publisher: str
    source: str = ""
    held: bool = False
    extent: str = ""  # "WholeText", "Excerpt" or "" (not stated)

    @property
    def state(self) -> str:
        """ "whole" (the whole text was read), "excerpt" (part of it) or "unread" (no source at all)."""
        if self.whole_text:
            return "whole"
        return "excerpt" if self.source else "unread"

    @property
    def whole_text(self) -> bool:
        """True only when the whole text was read: a held source text not marked as an excerpt, or a
        source stated to be the whole text. A referenced source without a stated extent is not."""
        if self.extent == WHOLE_TEXT:
            return True
        return self.held and self.extent != EXCERPT


_readings: dict[tuple[str, str], dict[str, DocumentReading]] = {}
_readings_lock = Lock()


def readings(store: GraphStore, settings: Settings) -> dict[str, DocumentReading]:
    """Every policy document with its publisher and how much of its text was read (cached per build:
    a build's graph never changes)."""
    key = (store.info.build_id, settings.base_iri)
    with _readings_lock:
        if key in _readings:
            return _readings[key]
    found = _read(store, settings)
    with _readings_lock:
        if len(_readings) > 8:
            _readings.clear()
        _readings[key] = found
    return found


def _read(store: GraphStore, settings: Settings) -> dict[str, DocumentReading]:
    ikg = settings.ikg
    out: dict[str, DocumentReading] = {}
    for row in store.select(load_query("coverage-documents", settings.base_iri)):
        document = str(row["document"])
        reading = out.setdefault(document, DocumentReading(document, str(row["publisher"])))
        if row.get("source") is not None:
            reading.source = reading.source or str(row["source"])
            reading.held = reading.held or str(row.get("held", "")).lower() in ("true", "1")
        extent = str(row.get("extent") or "")
        if extent.startswith(ikg):
            name = extent[len(ikg) :]
            # two statements disagreeing: the cautious one wins
            if name == EXCERPT or not reading.extent:
                reading.extent = name
    return out


def unconcluded_documents(
    store: GraphStore, settings: Settings, documents: set[str]
) -> tuple[list[str], bool]:
    """Of these documents, the ones read only in part (an excerpt: a trace may not conclude what they
    do not mention), and whether any of them was read whole (without one, nothing is concluded)."""
    known = readings(store, settings)
    states = {d: known[d].state if d in known else "unread" for d in documents}
    return sorted(d for d, state in states.items() if state == "excerpt"), "whole" in states.values()
