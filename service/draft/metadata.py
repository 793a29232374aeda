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
# "20160510": a date written without separators, as templates and file names do
COMPACT_DATE = re.compile(r"(?<![\d/:-])(?P<y>(?:19|20)\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d)(?![\d/:-])")


def find_date(text: str, *, allow_year: bool = False) -> tuple[DateValue, int, int] | None:
    """The first date in a text, as precise as written, with its offsets in the text."""
    candidates: list[tuple[int, int, DateValue]] = []
    for match in ISO_DATE.finditer(text):
        try:
            date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        candidates.append((match.start(), match.end(), DateValue(match.group(0), XSD_DATE)))
    for match in COMPACT_DATE.finditer(text):
        try:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            continue
        candidates.append((match.start(), match.end(), DateValue(day.isoformat(), XSD_DATE)))
    months = _months()
    for match in DAY_MONTH_YEAR.finditer(text):
        month = months[match["month"].lower()]
        try:
            day = date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            continue
        candidates.append((match.start(), match.end(), DateValue(day.isoformat(), XSD_DATE)))
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
        for match in COMPACT_DATE.finditer(text):
            covered.append((match.start(), match.end()))
        for match in YEAR.finditer(text):
            if not any(s <= match.start() < e for s, e in covered):
                candidates.append((match.start(), match.end(), DateValue(match["y"], XSD_GYEAR)))
    if not candidates:
        return None
    start, end, found = min(candidates, key=lambda c: c[0])
    return found, start, end


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
    # a body followed by its decision's paragraph or date: "Kf 137/ Kf 39", "KF § 45", "Kommunfullmäktige 2019-05-10"
    head = re.split(r"\s*(?:§|\d)", name, maxsplit=1)[0].strip(" ,/")
    if head and head != name and re.search(r"[§\d]", name):
        return recognise_actor(head, compounds)
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


_BODY_WORDS = r"(?:[A-ZÅÄÖ]{2,3}\b|(?:Kf|Ks)\b|[A-ZÅÄÖa-zåäö][a-zåäö-]*(?:\s+och\s+[a-zåäö-]+)?(?:fullmäktige|styrelsen?|nämnden?|utskottet))"
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
    r"\b(?:senast granskad|sidan granskad|granskad)\b\s*:?\s*(?P<rest>.{0,40})",
    re.IGNORECASE,
)
DIARIENUMMER = re.compile(
    r"\b(?:diarienummer|diarienr|dnr)\.?\s*:?\s*(?P<id>[A-ZÅÄÖ]{1,6}[ -]?\d{2,4}[/.:-]\d{1,6}(?:[/.:-]\d{1,6})?)",
    re.IGNORECASE,
)
# a diarienummer written without its label at the head of a document: "KS 2016/0072", "KS-2016-284"
BARE_DIARIENUMMER = re.compile(
    r"(?<![\w/-])(?P<id>(?!(?:SFS|SOU|Prop|Dir|Ds|ISBN)\b)[A-ZÅÄÖ][A-ZÅÄÖa-zåäö]{1,4}[ -]?(?:19|20)\d\d[/-]\d{1,5}(?:[/-]\d{1,4})?)(?![\w/-])"
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
    _from_sentences(text, layout, meta, compounds)
    _title_and_kind(text, layout, meta, compounds)
    _reported_adoption(text, meta)
    _audit_report(text, meta)
    _news_date(text, layout, meta)
    if meta.identifier is None:
        for block in layout[:15]:
            match = BARE_DIARIENUMMER.search(block.text)
            if match and block.kind in ("heading", "paragraph", "field") and len(block.text) < 200:
                meta.identifier = _found(match["id"], text, block.start, block.end, "layout")
                break
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
        if name == "kind":
            kind = next((k for k in (_kind_of_word(t, compounds) for t in words(value)[:3]) if k), None)
            if kind and meta.kind is None:
                meta.kind = here(kind)
            continue
        if name == "title":
            if meta.title is None:
                meta.title = here(fold(value).strip(" ."))
            continue
        if name in ("issued", "modified", "validUntil", "lastReviewed", "issuedOrRevised"):
            found = find_date(value, allow_year=True)
            actor = recognise_actor(value, compounds) if name in ("issued", "issuedOrRevised") else None
            if actor is not None and actor.cls == "PoliticalBody" and meta.adopted_by is None:
                # "Antagen: Kf 137/ Kf 39": the field names the adopting decision, not its date
                meta.adopted_by = here(actor)
            if found is None:
                if actor is None:
                    meta.notes.append(f"line {block.line_no}: no date recognised in «{block.text}»")
                continue
            if actor is not None and found[0].datatype == "gYear" and re.search(r"\d+\s*/\s*\d{4}", value):
                continue  # "Kf 24/2015": a paragraph number and year, not a date
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
            if actor is None and re.search(r"\d", value):
                continue  # a decision's number or date, not a name
            if name == "adoptedBy" and meta.issued is None:
                dated = find_date(value)
                if dated is not None:
                    meta.issued = here(dated[0])
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


def _furniture(text: str) -> bool:
    """A line of a web page's furniture (menu, logo, caption, cookie notice): never a title."""
    lower = fold(text).lower()
    return any(re.search(pattern, lower) for pattern in lexicon()["information_page"]["furniture"])


def _leads_text(layout: list[Block], index: int) -> bool:
    """A heading that a title can be: the next block is text (a sentence or a list), not more
    short lines of a menu."""
    following = layout[index + 1 : index + 4]
    if any(_CONTACT.search(b.text) for b in following[:2]):
        return False  # a contact block's heading ("Reception och regionupplysning")
    for block in following:
        if block.kind == "noise":
            continue
        if block.kind in ("bullet", "field"):
            return True
        if block.kind == "paragraph" and not looks_like_heading(block.text):
            return len(block.text.split()) >= 8 or bool(re.search(r"[.!?]", block.text))
        dated = find_date(block.text[:30])
        if dated is not None and dated[1] == 0:
            return True  # a news item's date under its title
        # a caption or subtitle between the title and its text: look one block further
    return False


_CONTACT = re.compile(r"\btelefon\b|\be-post\b|\b\d{3}\s?\d{2}\s+[A-ZÅÄÖ][a-zåäö]+\b", re.IGNORECASE)


_CONTINUES = re.compile(r"(?:\b(?:och|för|i|med|av|om|till|på|inom|samt)|[,–-])$", re.IGNORECASE)


def _title_lines(text: str, layout: list[Block], index: int) -> tuple[int, int]:
    """The span of a title, joined with the lines it runs on to: a title set over several lines
    ("Strategi för integration och" / "mångfald i X kommun", "Integrationsstrategi" / "för Gotland")."""
    block = layout[index]
    start, end = block.start, block.end
    for following in layout[index + 1 : index + 3]:
        if following.kind not in ("heading", "paragraph") or len(following.text.split()) > 8:
            break
        current = fold(text[start:end])
        if following.text[:1].islower() or _CONTINUES.search(current):
            end = following.end
        else:
            break
    return start, end


def _has_document_data(meta: Metadata) -> bool:
    return any(
        getattr(meta, attr) is not None
        for attr in (
            "issued",
            "identifier",
            "version",
            "adopted_by",
            "valid_until",
            "revision_responsibility",
        )
    )


def _title_and_kind(text: str, layout: list[Block], meta: Metadata, compounds: Compounds) -> None:
    """The title is the first heading that leads text and is not page furniture (joined with the
    lines it runs on to); the kind is the one a document-information field states, else the one
    the title's head word names, unless the text is a web page (its furniture, or short with no
    adoption data), which is an ikg:InformationPage whatever it is about."""
    lower = text.lower()
    kinds = lexicon()["kinds"]
    type_lines: list[Block] = []
    title_at: int | None = None
    fallback_at: int | None = None
    front_matter = set(lexicon()["section_headings"]["not_sections"])
    first_text = next((i for i, b in enumerate(layout) if b.kind in ("heading", "paragraph")), None)
    for index, block in enumerate(layout[:40]):
        if block.kind not in ("heading", "paragraph"):
            continue
        tokens = words(block.text)
        opening = index == first_text and len(tokens) <= 16 and not block.text.endswith((".", ":", ",", ";"))
        if not (looks_like_heading(block.text) or opening):
            continue
        if len(tokens) == 1 and tokens[0] in kinds:
            type_lines.append(block)
            continue
        if (
            _furniture(block.text)
            or _CONTACT.search(block.text)
            or (block.text.isupper() and len(tokens) > 6)
        ):
            continue
        if fold(block.text).lower().strip(" .:") in front_matter or BARE_DIARIENUMMER.fullmatch(
            block.text.strip()
        ):
            continue
        if fallback_at is None and tokens:
            fallback_at = index
        named_kind = any(_kind_of_word(t, compounds) for t in tokens[:4])
        if title_at is None and (named_kind or _leads_text(layout, index)):
            title_at = index
    markers = [m for m in lexicon()["information_page"]["markers"] if m in lower]
    chosen = title_at if title_at is not None else fallback_at
    title_kind: str | None = None
    if chosen is not None:
        start, end = _title_lines(text, layout, chosen)
        if meta.title is None:
            meta.title = _found(fold(text[start:end]), text, start, end, "title")
        for token in words(str(meta.title.value))[:4]:
            title_kind = _kind_of_word(token, compounds)
            if title_kind:
                break
    if meta.kind is not None:  # stated in a document-information field
        return
    short_page = not title_kind and not type_lines and not _has_document_data(meta) and len(text) < 6000
    if markers or short_page:
        anchor_text = markers[0] if markers else ""
        anchor = lower.index(anchor_text) if anchor_text else (meta.title.start if meta.title else 0)
        meta.kind = Found(
            "InformationPage",
            anchor,
            anchor + len(anchor_text),
            text[anchor : anchor + len(anchor_text)]
            if anchor_text
            else "(a short text with no adoption data)",
            "layout",
        )
        return
    if title_kind and meta.title is not None:
        meta.kind = _found(title_kind, text, meta.title.start, meta.title.end, "title")
        return
    distinct = {str(kinds[words(b.text)[0]]) for b in type_lines}
    if len(distinct) == 1:
        block = type_lines[0]
        meta.kind = _found(distinct.pop(), text, block.start, block.end, "layout")
    if len(distinct) > 1:
        meta.notes.append(
            "the text lists several document kinds (a template's type list); none taken from it"
        )


# a page reporting that a document was adopted: "Nu har strategin beslutats av …", "Kommunfullmäktige
# har antagit en ny integrationsplan", "… klubbade i går …"
REPORTED_ADOPTION = re.compile(
    r"\b(?:har|hade)\s+(?:nu\s+)?(?:\S+\s+){0,3}?(?:antagit|antagits|beslutat|beslutats|fastställt|"
    r"fastställts|godkänt|godkänts|klubbat|klubbats)\b|\bklubbade\b|\bnu\s+(?:antagen|antagits|beslutad|fastställd)\b",
    re.IGNORECASE,
)
# an audit or review of the municipality's work (the auditors' "granskning"): not its own document
AUDIT_TITLE = re.compile(r"\b(?:granskning\w*|revisionsrapport\w*|\w+granskning\w*)\b", re.IGNORECASE)
AUDIT_OPENING = re.compile(
    r"\brevisor(?:er|erna|ernas)?\b|\brevisionskontor\w*|\brevisionell\w*", re.IGNORECASE
)


def _no_field_values(meta: Metadata) -> bool:
    """Whether no value came from a document-information field."""
    return not any(isinstance(found, Found) and found.how == "field" for found in vars(meta).values())


def _drop_sentence_adoption(meta: Metadata, why: str, only: re.Pattern[str] | None = None) -> None:
    """Adoption data read from sentences (those matching `only`, when given) belongs to another
    document than this text: it is left out, with a note."""
    for attr in ("issued", "adopted_by"):
        found = getattr(meta, attr)
        if found is None or found.how != "sentence":
            continue
        if only is not None and not only.search(found.evidence):
            continue
        setattr(meta, attr, None)
        meta.notes.append(f"{why}: «{found.evidence[:80]}» is not drafted as this text's {attr}")


def _reported_adoption(text: str, meta: Metadata) -> None:
    """A short page whose title names a document kind but which has no document-information fields
    and reports that the document was adopted ("… har antagit en ny integrationsstrategi")
    describes the document; it is not the document: an ikg:InformationPage, and the adoption its
    sentences state is the document's, not the page's. On any information page, a sentence that
    reports an adoption in that way speaks of the document, not of the page."""
    report = REPORTED_ADOPTION.search(text)
    if report is None or meta.kind is None:
        return
    if (
        meta.kind.value != "InformationPage"
        and meta.kind.how == "title"
        and len(text) < 6000
        and _no_field_values(meta)
    ):
        meta.notes.append(
            f"the text reports the adoption of the {meta.kind.value} it names («{report.group(0)}»): "
            "drafted as the page about it, not as the document"
        )
        meta.kind = _found("InformationPage", text, report.start(), report.end(), "sentence")
        _drop_sentence_adoption(meta, "the page is not the document it reports on")
    elif meta.kind.value == "InformationPage":
        _drop_sentence_adoption(meta, "the page reports an adoption", only=REPORTED_ADOPTION)


def _audit_report(text: str, meta: Metadata) -> None:
    """An auditors' review ("Granskning av …", a revisionsrapport) is neither one of the
    municipality's policy documents nor a page about them: no kind is drafted (the curator
    chooses), and the adoptions it recounts are those of the documents it reviews."""
    title = str(meta.title.value) if meta.title is not None else ""
    opening = text[:1500]
    if not (AUDIT_TITLE.search(title) or (AUDIT_TITLE.search(opening) and AUDIT_OPENING.search(opening))):
        return
    if meta.kind is not None and meta.kind.how != "field":
        meta.kind = None
    meta.notes.append(
        "an audit or review report (granskning) of the municipality's work: not one of its policy "
        "documents or pages, so no kind is drafted"
    )
    _drop_sentence_adoption(meta, "an audit report recounts the adoption of what it reviews")


def _news_date(text: str, layout: list[Block], meta: Metadata) -> None:
    """A web page or news item dated on the line under its title ("9 januari 2020 | Kommun …"):
    the date it was published (dcterms:issued)."""
    if (
        meta.issued is not None
        or meta.title is None
        or meta.kind is None
        or meta.kind.value != "InformationPage"
    ):
        return
    after = [b for b in layout if b.start >= meta.title.end and b.kind != "noise"][:1]
    for block in after:
        line_end = text.find("\n", block.start)
        line = text[block.start : line_end if line_end != -1 else block.end]
        found = find_date(line[:40])
        if found is not None and found[1] == 0 and found[0].datatype == XSD_DATE and len(line) < 120:
            meta.issued = _found(found[0], text, block.start, block.start + len(line), "layout")


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
                review = REVIEW_NOTE.search(sentence)
                if review:
                    found = find_date(review["rest"])
                    if found:
                        meta.last_reviewed = _found(found[0], text, s_start, s_end, "sentence")
            if meta.identifier is None:
                number = DIARIENUMMER.search(sentence)
                if number:
                    meta.identifier = _found(number["id"], text, s_start, s_end, "sentence")


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
                elif (
                    meta.issued.how == "field"
                    and isinstance(meta.issued.value, DateValue)
                    and value.sort_key() < meta.issued.value.sort_key()
                ):
                    # a template's "Fastställd" was the revised version; the sentence gives the first adoption
                    if meta.modified is None:
                        meta.modified = meta.issued
                    meta.issued = _found(value, text, *span, "sentence")
            return
