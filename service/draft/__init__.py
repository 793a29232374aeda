"""From a municipality's text to a draft: metadata, structure and suggested citations.

    draft = draft_document(read_source_text(path), "1442", frameworks=fw_graph,
                           municipalities=mun_graph, source_name=path.name)
    draft.graph.serialize(format="turtle"); print(format_summary(draft))

Every suggested citation carries prov:wasAttributedTo agent:drafter and an ikg:confidence, so a
curator can tell it from a reviewed link; every quote is a substring of the input (white space
folded).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph

from . import citations as citations_module
from . import metadata as metadata_module
from . import references as references_module
from . import structure as structure_module
from .citations import EXPLICIT, Suggestion, load_catalogue
from .metadata import Actor, DateValue, Found, Metadata
from .rdf import DEFAULT_BASE, Namespaces, build_graph
from .references import DocumentReference
from .structure import Part, Structure
from .text import Compounds, blocks, fold

__all__ = [
    "Draft",
    "DraftInputError",
    "draft_document",
    "read_source_text",
    "format_summary",
    "draft_as_dict",
    "summary_json",
]


class DraftInputError(ValueError):
    """The input cannot be drafted from; the message says why, for a person."""


@dataclass
class Draft:
    """The draft graph and what a person needs to review it."""

    graph: Graph
    document: str  # IRI of the drafted document
    source_name: str
    municipality: str
    metadata: Metadata
    structure: Structure
    suggestions: list[Suggestion]
    part_iris: dict[int, str]
    notes: list[str] = field(default_factory=list)
    documents_named: list[DocumentReference] = field(default_factory=list)

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")


# ---------------------------------------------------------------- reading the input

_SWEDISH_CP1252 = set("åäöÅÄÖéÉèüÜ–—”“’‘…•§°½«»\u00a0")


def read_source_text(path: Path, max_bytes: int = 5_000_000) -> str:
    """The text of a source file, NFC-normalised, line ends as "\\n".

    Accepted: UTF-8 (with or without a byte-order mark); UTF-16 with a byte-order mark; and
    Windows-1252 / Latin-1 only when the bytes are not UTF-8 and every non-ASCII byte decodes to
    a letter or mark usual in Swedish text (å ä ö é, dashes, quotes, bullets), with at least one
    å, ä or ö: a reliable sign of a Swedish text saved by an older Windows program. Anything
    else is refused with the byte offset of the first byte that is not UTF-8.
    """
    path = Path(path)
    if not path.is_file():
        raise DraftInputError(f"{path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise DraftInputError(
            f"{path}: the file is {size:,} bytes, more than the limit of {max_bytes:,} bytes; split it or raise the limit"
        )
    data = path.read_bytes()
    if not data.strip():
        raise DraftInputError(f"{path}: the file is empty")
    text: str
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DraftInputError(
                f"{path}: starts with a UTF-16 byte-order mark but is not valid UTF-16 (byte {error.start})"
            ) from None
    else:
        if b"\x00" in data[:8192]:
            raise DraftInputError(
                f"{path}: looks like a binary file (it holds NUL bytes), not a text; give the text copied out of the document"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            text = _swedish_cp1252(data) or ""
            if not text:
                raise DraftInputError(
                    f"{path}: not UTF-8: byte {error.start} (0x{data[error.start]:02x}) cannot be decoded; "
                    "save the text as UTF-8 and try again"
                ) from None
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if control > max(3, len(text) // 200):
        raise DraftInputError(f"{path}: looks like a binary file ({control} control characters), not a text")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.strip():
        raise DraftInputError(f"{path}: the file holds only white space")
    if not re.search(r"[A-Za-zÅÄÖåäö]{3}", text):
        raise DraftInputError(f"{path}: the file holds no words")
    return text


def _swedish_cp1252(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    non_ascii = {ch for ch in text if ord(ch) > 127}
    if non_ascii and non_ascii <= _SWEDISH_CP1252 and non_ascii & set("åäöÅÄÖ"):
        return text
    return None


# ---------------------------------------------------------------- drafting


def _date_of(found: Found | None) -> DateValue | None:
    """The date a recognised date field holds, None when the field was not found."""
    return found.value if found is not None and isinstance(found.value, DateValue) else None


def draft_document(
    text: str,
    municipality: str,
    *,
    frameworks: Graph,
    municipalities: Graph | None = None,
    source_name: str,
    base: str = DEFAULT_BASE,
) -> Draft:
    """Draft a document of the municipality (SCB kommunkod, four digits) from its text."""
    if not re.fullmatch(r"\d{4}", municipality or ""):
        raise DraftInputError(f"municipality must be a four-digit SCB kommunkod, not {municipality!r}")
    if not text or not text.strip():
        raise DraftInputError(f"{source_name}: the text is empty")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    catalogue = load_catalogue(frameworks, base)
    wordings = " ".join(d for c in catalogue.concepts.values() for d in c.definitions)
    compounds = Compounds.from_texts(text, wordings)
    layout = blocks(text)
    meta = metadata_module.recognise(text, layout, compounds)
    title = str(meta.title.value) if meta.title else Path(source_name).stem
    doc_slug = metadata_module.document_slug(title)
    structure = structure_module.recognise(text, layout, compounds, doc_slug)
    date = citations_module.document_date(
        _date_of(meta.issued), _date_of(meta.modified), _date_of(meta.last_reviewed)
    )
    suggestions, citation_notes = citations_module.suggest(
        text, layout, structure, compounds, catalogue, date
    )
    named = references_module.recognise(
        text,
        layout,
        compounds,
        doc_slug,
        lambda label: any(name.kind == "explicit" and name.pattern.search(label) for name in catalogue.names),
    )
    ns = Namespaces(base)
    for reference in named:
        suggestions.append(
            Suggestion(
                citations_module.owner_of(structure, reference.start, reference.end),
                str(ns.doc[f"{municipality}/{reference.slug}"]),
                EXPLICIT,
                reference.confidence,
                reference.quote,
                reference.start,
                reference.end,
                reference.reason,
                (reference.start, reference.end),
            )
        )
    graph, document, part_iris = build_graph(
        ns=ns,
        municipality=municipality,
        doc_slug=doc_slug,
        meta=meta,
        structure=structure,
        suggestions=suggestions,
        documents_named=named,
        municipalities=municipalities,
        source_name=source_name,
    )
    notes = list(meta.notes) + citation_notes
    if meta.kind is None:
        notes.append(
            "no document kind recognised: the draft says ikg:PolicyDocument; choose Strategy, Policy, Programme, Plan, Guideline, Rules or InformationPage"
        )
    if meta.title is None:
        notes.append(f"no title recognised; the file name was used ({title})")
    if municipalities is not None and not any(
        municipalities.triples((Namespaces(base).mun[municipality], None, None))
    ):
        notes.append(
            f"municipality {municipality} is not in the municipalities graph: add data/municipalities/ first"
        )
    return Draft(
        graph,
        str(document),
        source_name,
        municipality,
        meta,
        structure,
        suggestions,
        {k: str(v) for k, v in part_iris.items()},
        notes,
        named,
    )


# ---------------------------------------------------------------- the summary

_FIELDS = [
    ("title", "title"),
    ("kind", "kind"),
    ("issued", "adopted (dcterms:issued)"),
    ("modified", "revised (dcterms:modified)"),
    ("last_reviewed", "last reviewed"),
    ("valid_until", "valid until"),
    ("identifier", "diarienummer"),
    ("version", "version"),
    ("adopted_by", "adopted by"),
    ("revision_responsibility", "revision by"),
    ("responsible_office", "responsible office"),
    ("responsible_post", "responsible post"),
    ("applies_to", "applies to"),
]


def _value(value: object) -> str:
    if isinstance(value, DateValue):
        return f"{value.lexical} (xsd:{value.datatype})"
    if isinstance(value, Actor):
        return f"{value.label} ({value.cls})"
    return str(value)


def draft_as_dict(draft: Draft) -> dict[str, Any]:
    """The summary as plain data (for `--format json`)."""

    def part_dict(part: Part) -> dict[str, Any]:
        return {
            "iri": draft.part_iris[id(part)],
            "class": part.cls,
            "notation": part.notation,
            "label": part.label,
            "implements": draft.part_iris[id(part.implements)] if part.implements else None,
            "cue": part.cue,
            "children": [part_dict(c) for c in part.children],
        }

    return {
        "document": draft.document,
        "municipality": draft.municipality,
        "source": draft.source_name,
        "metadata": {
            key: {"value": _value(found.value), "evidence": found.evidence, "how": found.how}
            for key, _ in _FIELDS
            if (found := getattr(draft.metadata, key)) is not None
        },
        "structure": [part_dict(p) for p in draft.structure.parts],
        "unclassified_lists": [
            {"heading": u.heading, "intro": u.intro, "items": u.items} for u in draft.structure.unclassified
        ],
        "citations": [
            {
                "citing": draft.part_iris[id(s.citing)] if s.citing else draft.document,
                "target": s.target,
                "kind": s.kind,
                "confidence": s.confidence,
                "quote": s.quote,
                "reason": s.reason,
            }
            for s in draft.suggestions
        ],
        "documents_named": [
            {"label": d.label, "class": d.cls, "slug": d.slug, "quote": d.quote}
            for d in draft.documents_named
        ],
        "notes": draft.notes,
    }


def format_summary(draft: Draft) -> str:
    """A readable summary for a person: metadata found, structure tree, suggested citations."""
    lines = [
        f"Draft of {draft.document}",
        f"  from {draft.source_name} (municipality {draft.municipality})",
        "",
        "Metadata",
    ]
    for key, label in _FIELDS:
        found: Found | None = getattr(draft.metadata, key)
        if found is not None:
            lines.append(f"  {label:26} {_value(found.value)}")
            lines.append(f"  {'':26}   ← «{_short(found.evidence, 90)}»")
        else:
            lines.append(f"  {label:26} —")
    lines += ["", "Structure"]
    if not draft.structure.parts:
        lines.append("  (no focus areas, goals, directions, actions, factors or purposes recognised)")

    def walk(parts: list[Part], depth: int) -> None:
        for part in parts:
            extra = (
                f"  (implements {draft.part_iris[id(part.implements)].rsplit('/', 1)[-1]})"
                if part.implements
                else ""
            )
            lines.append(f"  {'  ' * depth}{part.cls} {part.notation}: {_short(part.label, 100)}{extra}")
            walk(part.children, depth + 1)

    walk(draft.structure.parts, 0)
    for unclassified in draft.structure.unclassified:
        lines.append(
            f"  (list not made into parts, no cue words: {unclassified.heading or unclassified.intro[:40]!s} — {len(unclassified.items)} items)"
        )
    if draft.documents_named:
        lines += ["", "Other steering documents named (minimal ikg:PolicyDocument resources in the draft)"]
        for named in draft.documents_named:
            lines.append(f"  {named.cls:18} {named.label}  (doc:{draft.municipality}/{named.slug})")
    lines += ["", "Suggested citations (prov:wasAttributedTo agent:drafter — review before use)"]
    if not draft.suggestions:
        lines.append("  (none)")
    for s in sorted(
        draft.suggestions,
        key=lambda s: (
            {"ExplicitCitation": 0, "Paraphrase": 1, "ThematicAlignment": 2}[s.kind],
            -s.confidence,
        ),
    ):
        citing = draft.part_iris[id(s.citing)].rsplit("/", 1)[-1] if s.citing else "the document"
        target = s.target.split("/id/", 1)[-1]
        lines.append(f"  {s.kind:18} {s.confidence:.2f}  {citing} → {target}")
        lines.append(f"  {'':18}       «{_short(s.quote, 110)}»")
        lines.append(f"  {'':18}       {s.reason}")
    if draft.notes:
        lines += ["", "Notes"] + [f"  - {note}" for note in draft.notes]
    return "\n".join(lines) + "\n"


def _short(text: str, limit: int) -> str:
    text = fold(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_json(draft: Draft) -> str:
    return json.dumps(draft_as_dict(draft), ensure_ascii=False, indent=2)
