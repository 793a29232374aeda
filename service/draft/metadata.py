"""Recognisers for a policy document's metadata: kind, title, dates, diarienummer, version, bodies.

Each recogniser works on the layout blocks of service.draft.text and returns values with the
span of text that supports them, so the summary can show a curator where a value came from.
Only generic Swedish municipal conventions are used: template fields ("Beslutat av:",
"Diarienummer:", "Giltig till:"), sentences of adoption and revision ("Antagen av KF 2014 och
reviderad 2017-11-14", "Kommunfullmäktige fattade i juni 2021 beslut om …"), and the date forms
Swedish municipalities write ("11 december 2019", "2017-11-14", "i juni 2021", "2014").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .text import Block, Compounds, fold, lexicon, looks_like_heading, sentences, words

XSD_DATE, XSD_GYEARMONTH, XSD_GYEAR = "date", "gYearMonth", "gYear"


@dataclass(frozen=True)
class DateValue:
    """A date as precise as the text gives it: xsd:date, xsd:gYearMonth or xsd:gYear."""

    lexical: str
    datatype: str  # "date", "gYearMonth", "gYear"

    def sort_key(self) -> str:
        """For comparing with ISO dates: the first day the value can mean."""
        if self.datatype == XSD_GYEAR:
            return self.lexical + "-01-01"
        if self.datatype == XSD_GYEARMONTH:
            return self.lexical + "-01"
        return self.lexical


@dataclass
class Found:
    """One recognised value with its evidence (a span of the input text)."""

    value: object
    start: int
    end: int
    evidence: str
    how: str  # "field", "sentence", "title", "layout"


@dataclass
class Actor:
    """A body, office or post the text names; `iri_slug` under mun:{kommunkod}/."""

    label: str
    slug: str
    cls: str  # "PoliticalBody", "Office", "Post"
    label_en: str | None = None


@dataclass
class Metadata:
    title: Found | None = None
    kind: Found | None = None  # value: local name of the ikg class
    issued: Found | None = None
    modified: Found | None = None
    last_reviewed: Found | None = None
    valid_until: Found | None = None
    identifier: Found | None = None
    version: Found | None = None
    adopted_by: Found | None = None  # value: Actor
    revision_responsibility: Found | None = None
    responsible_office: Found | None = None
    responsible_post: Found | None = None
    applies_to: Found | None = None
    notes: list[str] = field(default_factory=list)


def _months() -> dict[str, int]:
    return {str(k): int(v) for k, v in lexicon()["months"].items()}


_MONTH_NAMES = "|".join(sorted(_months(), key=len, reverse=True))
ISO_DATE = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
DAY_MONTH_YEAR = re.compile(
    rf"\b(?P<d>[0-3]?\d)(?::e|:a)?\s+(?P<month>{_MONTH_NAMES})\.?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE
)
MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH_NAMES})\.?\s+(?P<y>(?:19|20)\d\d)\b", re.IGNORECASE)
YEAR_MONTH = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)\b(?!-\d)")
YEAR = re.compile(r"\b(?P<y>(?:19|20)\d\d)\b")


def find_date(text: str, *, allow_year: bool = False) -> tuple[DateValue, int, int] | None:
    """The first date in a text, as precise as written, with its offsets in the text."""
    candidates: list[tuple[int, int, DateValue]] = []
    for match in ISO_DATE.finditer(text):
        try:
            date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        candidates.append((match.start(), match.end(), DateValue(match.group(0), XSD_DATE)))
    months = _months()
    for match in DAY_MONTH_YEAR.finditer(text):
        month = months[match["month"].lower()]
        try:
            value = date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            continue
        candidates.append((match.start(), match.end(), DateValue(value.isoformat(), XSD_DATE)))
    covered = [(s, e) for s, e, _ in candidates]
    for match in MONTH_YEAR.finditer(text):
        if any(s <= match.start() < e for s, e in covered):
            continue
        month = months[match["month"].lower()]
        candidates.append(
            (match.start(), match.end(), DateValue(f"{match['y']}-{month:02d}", XSD_GYEARMONTH))
        )
    for match in YEAR_MONTH.finditer(text):
        if not any(s <= match.start() < e for s, e in covered):
            candidates.append((match.start(), match.end(), DateValue(match.group(0), XSD_GYEARMONTH)))
    if allow_year:
        covered = [(s, e) for s, e, _ in candidates]
        for match in YEAR.finditer(text):
            if not any(s <= match.start() < e for s, e in covered):
                candidates.append((match.start(), match.end(), DateValue(match["y"], XSD_GYEAR)))
    if not candidates:
        return None
    start, end, value = min(candidates, key=lambda c: c[0])
    return value, start, end


def _slug(text: str) -> str:
    from .text import slugify

    return slugify(text)


def recognise_actor(name: str, compounds: Compounds | None = None) -> Actor | None:
    """A body, office or post from its name: the lexicon's names, or a compound whose head is one
    of the lexicon's body heads ("social- och arbetsmarknadsnämnden" → a political body)."""
    name = fold(name).strip(" .,;")
    if not name or len(name) > 80:
        return None
    bodies = lexicon()["bodies"]
    key = name.lower()
    if key in bodies:
        slug, cls, sv, en = bodies[key]
        return Actor(sv, slug, cls, en)
    tokens = words(name)
    if not tokens:
        return None
    heads = lexicon()["body_heads"]
    last = tokens[-1]
    cls = heads.get(last)
    if cls is None:
        for head, head_cls in heads.items():
            if last.endswith(head) and len(last) > len(head) + 2:
                cls = head_cls
                break
    if cls is None:
        return None
    label = name[0].upper() + name[1:]
    return Actor(label, _slug(label), cls)


_BODY_WORDS = r"(?:[A-ZÅÄÖ]{2,3}\b|[A-ZÅÄÖa-zåäö][a-zåäö-]*(?:\s+och\s+[a-zåäö-]+)?(?:fullmäktige|styrelsen?|nämnden?|utskottet))"
ADOPTION_SENTENCE = re.compile(
    rf"\b(?:antagen|antaget|antogs|beslutad|beslutat|beslutades|fastställd|fastställt|fastställdes)\s+(?:av|i)\s+(?P<body>{_BODY_WORDS})(?P<rest>[^.]{{0,80}})",
    re.IGNORECASE,
)
DECISION_SENTENCE = re.compile(
    rf"\b(?P<body>{_BODY_WORDS})\s+(?:fattade|tog|antog|beslutade|fastställde)\b(?P<rest>[^.]{{0,80}})",
)
REVISION_SENTENCE = re.compile(
    r"\b(?:reviderad|reviderades|reviderat|uppdaterad|ändrad)\b(?P<rest>[^.]{0,60})", re.IGNORECASE
)
REVIEW_NOTE = re.compile(
    r"\b(?:senast granskad|sidan granskad|senast uppdaterad|sidan uppdaterad|granskad)\b\s*:?\s*(?P<rest>.{0,40})",
    re.IGNORECASE,
)
DIARIENUMMER = re.compile(
    r"\b(?:diarienummer|diarienr|dnr)\.?\s*:?\s*(?P<id>[A-ZÅÄÖ]{1,6}[ -]?\d{2,4}[/.:-]\d{1,6}(?:[/.:-]\d{1,6})?)",
    re.IGNORECASE,
)
_NONE_VALUES = {"-", "–", "—", "", "tillsvidare", "tills vidare", "ej angivet", "saknas"}


def _kind_of_word(word: str, compounds: Compounds) -> str | None:
    kinds = lexicon()["kinds"]
    if word in kinds:
        return str(kinds[word])
    head = compounds.head(word)
    if head in kinds:
        return str(kinds[head])
    for kind_word, cls in kinds.items():
        if word.endswith(kind_word) and len(word) - len(kind_word) >= 4:
            return str(cls)
    return None


def _strip_municipality(title: str) -> str:
    """ "Strategi för integration i Vårgårda kommun" → "Strategi för integration" (for the slug)."""
    stripped = re.sub(
        r"\s+(?:i|för|inom)\s+[A-ZÅÄÖ][\w-]*(?:\s+[\w-]+)?\s+(?:kommun|kommuns|stad|stads|region|län)$",
        "",
        title,
    )
    return stripped or title


def document_slug(title: str) -> str:
    return _slug(_strip_municipality(title))


def recognise(text: str, layout: list[Block], compounds: Compounds) -> Metadata:
    """All metadata the text states."""
    meta = Metadata()
    _from_fields(text, layout, meta, compounds)
    _title_and_kind(text, layout, meta, compounds)
    _from_sentences(text, layout, meta, compounds)
    return meta


def _found(value: object, text: str, start: int, end: int, how: str) -> Found:
    return Found(value, start, end, fold(text[start:end]), how)


def _from_fields(text: str, layout: list[Block], meta: Metadata, compounds: Compounds) -> None:
    fields = lexicon()["fields"]
    issued_or_revised: Found | None = None
    for block in layout:
        if block.kind != "field":
            continue
        name = fields.get(fold(block.label).lower())
        value = block.value
        if name is None or value.strip().lower() in _NONE_VALUES:
            continue
        here = lambda v, b=block: _found(v, text, b.start, b.end, "field")  # noqa: E731
        if name in ("issued", "modified", "validUntil", "lastReviewed", "issuedOrRevised"):
            found = find_date(value, allow_year=True)
            if found is None:
                meta.notes.append(f"line {block.line_no}: no date recognised in «{block.text}»")
                continue
            target = {
                "issued": "issued",
                "modified": "modified",
                "validUntil": "valid_until",
                "lastReviewed": "last_reviewed",
            }
            if name == "issuedOrRevised":
                issued_or_revised = here(found[0])
            elif getattr(meta, target[name]) is None:
                setattr(meta, target[name], here(found[0]))
        elif name == "identifier" and meta.identifier is None:
            meta.identifier = here(value.strip())
        elif name == "version" and meta.version is None:
            meta.version = here(value.strip())
        elif name == "appliesTo" and meta.applies_to is None:
            meta.applies_to = here(value.strip())
        elif name in ("adoptedBy", "revisionResponsibility", "responsibleOffice", "responsiblePost"):
            actor = recognise_actor(value, compounds)
            if actor is None:
                # a field names the actor even when the lexicon does not know the word
                default_cls = {
                    "adoptedBy": "PoliticalBody",
                    "revisionResponsibility": "PoliticalBody",
                    "responsibleOffice": "Office",
                    "responsiblePost": "Post",
                }[name]
                label = value.strip(" .")
                actor = Actor(label[0].upper() + label[1:], _slug(label), default_cls)
            attr = {
                "adoptedBy": "adopted_by",
                "revisionResponsibility": "revision_responsibility",
                "responsibleOffice": "responsible_office",
                "responsiblePost": "responsible_post",
            }[name]
            if getattr(meta, attr) is None:
                setattr(meta, attr, here(actor))
    if issued_or_revised is not None:
        # "Fastställd" is the adoption date unless the text gives an earlier adoption, in which case it is a revision
        if meta.issued is None:
            meta.issued = issued_or_revised
        elif meta.modified is None and issued_or_revised.value != meta.issued.value:
            meta.modified = issued_or_revised


def _title_and_kind(text: str, layout: list[Block], meta: Metadata, compounds: Compounds) -> None:
    lower = text.lower()
    kinds = lexicon()["kinds"]
    type_lines: list[Block] = []
    title_block: Block | None = None
    title_kind: str | None = None
    first_heading: Block | None = None
    for block in layout[:40]:
        if block.kind not in ("heading", "paragraph") or not looks_like_heading(block.text):
            continue
        tokens = words(block.text)
        if len(tokens) == 1 and tokens[0] in kinds:
            type_lines.append(block)
            continue
        if first_heading is None and len(tokens) >= 1 and not block.text.isupper():
            first_heading = block
        if title_block is None:
            for token in tokens[:4]:
                kind = _kind_of_word(token, compounds)
                if kind:
                    title_block, title_kind = block, kind
                    break
    markers = [m for m in lexicon()["information_page"]["markers"] if m in lower]
    if title_block is not None and title_kind is not None:
        meta.title = _found(title_block.text, text, title_block.start, title_block.end, "title")
        meta.kind = _found(title_kind, text, title_block.start, title_block.end, "title")
        return
    if first_heading is not None:
        meta.title = _found(first_heading.text, text, first_heading.start, first_heading.end, "layout")
    distinct = {str(kinds[words(b.text)[0]]) for b in type_lines}
    if len(distinct) == 1:
        block = type_lines[0]
        meta.kind = _found(distinct.pop(), text, block.start, block.end, "layout")
    elif markers:
        anchor = lower.index(markers[0])
        meta.kind = Found(
            "InformationPage",
            anchor,
            anchor + len(markers[0]),
            text[anchor : anchor + len(markers[0])],
            "layout",
        )
    if len(distinct) > 1:
        meta.notes.append(
            "the text lists several document kinds (a template's type list); none taken from it"
        )


def _from_sentences(text: str, layout: list[Block], meta: Metadata, compounds: Compounds) -> None:
    for block in layout:
        if block.kind not in ("paragraph", "heading", "bullet"):
            continue
        for s_start, s_end in sentences(text, block.start, block.end):
            sentence = text[s_start:s_end]
            _adoption(text, sentence, s_start, meta, compounds)
            if meta.modified is None:
                for match in REVISION_SENTENCE.finditer(sentence):
                    found = find_date(match["rest"])
                    if found:
                        meta.modified = _found(found[0], text, s_start, s_end, "sentence")
                        break
            if meta.last_reviewed is None:
                match = REVIEW_NOTE.search(sentence)
                if match:
                    found = find_date(match["rest"])
                    if found:
                        meta.last_reviewed = _found(found[0], text, s_start, s_end, "sentence")
            if meta.identifier is None:
                match = DIARIENUMMER.search(sentence)
                if match:
                    meta.identifier = _found(match["id"], text, s_start, s_end, "sentence")


def _adoption(text: str, sentence: str, offset: int, meta: Metadata, compounds: Compounds) -> None:
    for pattern in (ADOPTION_SENTENCE, DECISION_SENTENCE):
        for match in pattern.finditer(sentence):
            actor = recognise_actor(match["body"], compounds)
            rest = match["rest"]
            if pattern is DECISION_SENTENCE:
                # "Kommunfullmäktige fattade i juni 2021 beslut om …" — the date sits before "beslut"
                if not re.search(r"\bbeslut\b|\bantog\b|\bbeslutade\b|\bfastställde\b", match.group(0)):
                    continue
            # the date belongs to the adoption when it comes before any "reviderad"
            head = re.split(r"\b(?:och\s+)?(?:reviderad|reviderades|ändrad)\b", rest, maxsplit=1)[0]
            found = find_date(head, allow_year=True)
            span = (offset, offset + len(sentence))
            if actor is not None and meta.adopted_by is None:
                meta.adopted_by = _found(actor, text, *span, "sentence")
            if found is not None:
                value = found[0]
                if meta.issued is None:
                    meta.issued = _found(value, text, *span, "sentence")
                elif meta.issued.how == "field" and value.sort_key() < meta.issued.value.sort_key():  # type: ignore[attr-defined]
                    # a template's "Fastställd" was the revised version; the sentence gives the first adoption
                    if meta.modified is None:
                        meta.modified = meta.issued
                    meta.issued = _found(value, text, *span, "sentence")
            return
