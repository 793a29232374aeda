"""A document's structure: headed sections and bulleted lists become focus areas, goals, directions,
actions, factors and purposes, in order, each with its own words as label.

What a list holds is read from the words that introduce it — the heading above it or the
sentence just before it ("De fem fokusområdena … är följande:", "Integrationspolitikens mål",
"Syfte") — using the lexicon's generic cue words (fokusområde, mål, inriktning, vägval, åtgärd,
aktivitet, insats, faktor, syfte), matched on stems and on the head of a compound
("inriktningsmålet" is a kind of "mål"). A heading of the form "Mål 2: …" or "Fokusområde:
Boende" is itself a part, and lists under it become its children. Lists with no cue (a list of
actors, of other documents, a breadcrumb) are reported but do not become parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import (
    NUMBERED_START,
    Block,
    Compounds,
    ends_with_inflected,
    fold,
    inflects,
    lexicon,
    repair_line_breaks,
    sentences,
    slugify,
    stopwords,
    words,
)

# what a list under a part holds when its own introduction has no cue
_CHILD_DEFAULT = {"FocusArea": "Goal", "Goal": "Action", "Direction": "Action"}
# cue words that also count as the head of a compound ("inriktningsmålet", "integrationsåtgärder")
_HEAD_CUES = {
    "mål",
    "inriktning",
    "åtgärd",
    "aktivitet",
    "insats",
    "faktor",
    "syfte",
    "vägval",
    "fokusområde",
    "delmål",
}


@dataclass
class Part:
    cls: str  # local name of the ikg class
    label: str
    start: int
    end: int
    notation: str
    slug: str = ""
    parent: Part | None = None
    implements: Part | None = None
    children: list[Part] = field(default_factory=list)
    cue: str = ""  # the words that decided the class
    statement: str = ""  # the full sentence when the label is a shortened form


@dataclass
class UnclassifiedList:
    heading: str
    intro: str
    items: list[str]


@dataclass
class Structure:
    parts: list[Part]  # top-level parts, in order
    unclassified: list[UnclassifiedList]
    block_owner: dict[int, Part]  # index of a block → the part it belongs to (for citations)

    def all_parts(self) -> list[Part]:
        out: list[Part] = []

        def walk(parts: list[Part]) -> None:
            for part in parts:
                out.append(part)
                walk(part.children)

        walk(self.parts)
        return out


def cue_class(text: str, compounds: Compounds) -> tuple[str, str] | None:
    """The part class a phrase announces, and the word that announces it; the first cue wins."""
    cues = {str(c): str(cls) for c, cls in lexicon()["part_cues"].items()}
    for token in words(text):
        for cue, cls in cues.items():
            if inflects(token, cue):
                return cls, token
        for cue, cls in cues.items():
            if cue in _HEAD_CUES and ends_with_inflected(token, cue):
                parts = compounds.split(token)
                # a compound whose head is the cue, not a longer word that merely ends like it
                if parts is None or inflects(parts[-1], cue) or ends_with_inflected(parts[-1], cue, 0):
                    return cls, token
    return None


def list_cue(intro: str, compounds: Compounds) -> tuple[str, str] | None:
    """What the sentence before a list says the list holds.

    "… har identifierat följande generella faktorer …" → the cue right after "följande";
    "De fem fokusområdena … är följande:" / "De specifika faktorer som identifierats är:" → the
    subject, i.e. the first cue of the sentence; "… sker i kommunens kärnverksamheter:" → only
    the last words before the colon count (here: no cue, so the list is not made into parts).
    A sentence that does not end with a colon and has no "följande" does not introduce a list.
    """
    tokens = words(intro)
    stripped = intro.rstrip().rstrip("”\"")
    if "följande" in tokens:
        at = tokens.index("följande")
        after = " ".join(tokens[at + 1 : at + 4])
        if after:
            found = cue_class(after, compounds)
            if found:
                return found
    if not stripped.endswith(":"):
        return None
    if tokens and (tokens[-1] in ("är", "blir", "följande", "nedan") or tokens[-2:] == ["är", "följande"]):
        return cue_class(intro, compounds)
    return cue_class(" ".join(tokens[-3:]), compounds)


_HEADING_PART = re.compile(
    r"^(?:[A-ZÅÄÖ][a-zåäö]+\s+(?=[a-zåäö]+\s*\d))?(?P<cue>[A-ZÅÄÖa-zåäö]+)\s*(?P<num>\d+(?:\.\d+)*|[A-Z])?\s*[:.–—-]\s+(?P<label>\S.*)$"
)


def _heading_part(text: str, compounds: Compounds) -> tuple[str, str] | None:
    """ "Mål 2: Fler i arbete" → ("Goal", "Fler i arbete")."""
    match = _HEADING_PART.match(text)
    if not match:
        return None
    found = cue_class(match["cue"], compounds)
    if found is None:
        return None
    return found[0], match["label"].strip()


def _label(item: str) -> str:
    return item.strip().rstrip(".;,").strip()


def _intro_sentence(text: str, block: Block) -> str:
    """The last sentence of the paragraph before a list: the one that introduces it."""
    spans = sentences(text, block.start, block.end)
    if not spans:
        return block.text
    start, end = spans[-1]
    return text[start:end]


@dataclass
class _List:
    """A list made into top-level parts: its class, the cue word, the paragraph introducing it."""

    cls: str
    cue: str
    intro_index: int | None
    parts: list[Part]


# words before a cue that count or point rather than name a kind ("följande fem faktorer")
_NOT_MODIFIERS = {
    "följande",
    "de",
    "dessa",
    "den",
    "det",
    "våra",
    "vår",
    "vårt",
    "kommunens",
    "stadens",
    "olika",
    "flera",
    "några",
    "alla",
    "andra",
    "övriga",
    "två",
    "tre",
    "fyra",
    "fem",
    "sex",
    "sju",
    "åtta",
    "nio",
    "tio",
    "elva",
    "tolv",
}


def _group_label(intro: str, cue: str) -> str | None:
    """ "… följande generella faktorer …" → "Generella faktorer": the cue with the word that sets
    this list apart (the word before the cue, when it is not a count or a pointer)."""
    if not cue:
        return None
    pattern = re.compile(r"(?:\b([A-Za-zÅÄÖåäöé]+)\s+)?\b(" + re.escape(cue) + r")\b", re.IGNORECASE)
    following = re.search(r"\bföljande\b", intro, re.IGNORECASE)
    match = pattern.search(intro, following.end() - len("följande") if following else 0)
    if match is None or match.group(1) is None:
        return None
    modifier = match.group(1)
    if modifier.lower() in _NOT_MODIFIERS or modifier.lower() in stopwords():
        return None
    return modifier[0].upper() + modifier[1:].lower() + " " + match.group(2)


def _group_lists(
    text: str, layout: list[Block], lists: list[_List], parts: list[Part], owner: dict[int, Part]
) -> None:
    """Two or more lists of the same kind, each introduced by its own sentence ("följande generella
    faktorer: …", "De specifika faktorer som identifierats är: …"), are groups: each becomes a
    plain ikg:DocumentPart labelled by what sets it apart, and its items are parts of the group."""
    by_class: dict[str, list[_List]] = {}
    for listed in lists:
        by_class.setdefault(listed.cls, []).append(listed)
    for group_lists in by_class.values():
        introduced = [(g, g.intro_index) for g in group_lists if g.intro_index is not None and g.parts]
        if len(group_lists) < 2 or len(introduced) < len(group_lists):
            continue
        labels = [_group_label(_intro_sentence(text, layout[i]), g.cue) for g, i in introduced]
        if any(label is None for label in labels) or len({str(label).lower() for label in labels}) < len(
            labels
        ):
            continue
        for (listed, intro_index), label in zip(introduced, labels):
            intro = layout[intro_index]
            group = Part(
                "DocumentPart",
                str(label),
                intro.start,
                listed.parts[-1].end,
                "",
                cue=_intro_sentence(text, intro),
                statement=repair_line_breaks(text[intro.start : intro.end]),
            )
            for part in listed.parts:
                parts.remove(part)
                part.parent = group
                group.children.append(part)
            parts.append(group)
            owner[intro_index] = group


def _named_sections(text: str, layout: list[Block], parts: list[Part], owner: dict[int, Part]) -> list[Part]:
    """Headed sections of running text in a document built of part sections.

    When a document is a sequence of headed sections whose contents are parts ("Syfte" with its
    purposes, "Inriktning" with its directions, "Genomförande" with its actions), a section of
    running text between two of them whose heading is a term of one or two words ("Grundsyn",
    "Integration") is a part of the document in its own right: a plain ikg:DocumentPart labelled
    by its heading, its text as ikg:statement. Front and back matter ("Inledning", "Bakgrund"),
    questions and headings in capitals are not.
    """
    headings = [i for i, block in enumerate(layout) if block.kind == "heading"]
    if len(headings) < 3:
        return []
    starts = sorted(p.start for p in _walk(parts))
    spans = []
    for n, index in enumerate(headings):
        end_index = headings[n + 1] if n + 1 < len(headings) else len(layout)
        begin = layout[index].start
        finish = layout[end_index].start if end_index < len(layout) else len(text) + 1
        bearing = any(begin <= start < finish for start in starts)
        spans.append((index, end_index, bearing))
    not_sections = {str(w) for w in lexicon()["section_headings"]["not_sections"]}
    out: list[Part] = []
    for n, (index, end_index, bearing) in enumerate(spans):
        if bearing or not any(b for _, _, b in spans[:n]) or not any(b for _, _, b in spans[n + 1 :]):
            continue
        heading = layout[index].text
        inside = layout[index + 1 : end_index]
        paragraphs = [i for i in range(index + 1, end_index) if layout[i].kind == "paragraph"]
        if (
            len(heading.split()) > 2
            or heading.endswith("?")
            or heading.isupper()
            or fold(heading).lower() in not_sections
            or not paragraphs
            or any(b.kind not in ("paragraph", "noise") for b in inside)
            or any(i in owner for i in paragraphs)
        ):
            continue
        statement = " ".join(repair_line_breaks(text[layout[i].start : layout[i].end]) for i in paragraphs)
        section = Part(
            "DocumentPart",
            _label(heading),
            layout[index].start,
            layout[paragraphs[-1]].end,
            "",
            cue="a section between part sections",
            statement=statement,
        )
        for i in paragraphs:
            owner[i] = section
        out.append(section)
    return out


def _walk(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        out.append(part)
        out.extend(_walk(part.children))
    return out


def recognise(text: str, layout: list[Block], compounds: Compounds, doc_slug: str) -> Structure:
    parts: list[Part] = []
    unclassified: list[UnclassifiedList] = []
    owner: dict[int, Part] = {}
    lists: list[_List] = []
    heading_text = ""
    section_part: Part | None = None
    index = 0
    while index < len(layout):
        block = layout[index]
        if block.kind == "heading":
            heading_text = block.text
            found = _heading_part(block.text, compounds)
            if found:
                cls, label = found
                section_part = Part(cls, label, block.start, block.end, "", cue=block.text)
                parts.append(section_part)
                owner[index] = section_part
            else:
                section_part = None
            index += 1
            continue
        if block.kind == "paragraph" and NUMBERED_START.match(block.text):
            # "Mål 1: Fler i arbete Nyanlända ska …": a numbered heading run on with its text (a PDF
            # page copied as one line): the part's label is its first sentence
            first_end = sentences(text, block.start, block.end)[0][1]
            found = _heading_part(repair_line_breaks(text[block.start : first_end]).rstrip(". "), compounds)
            if found:
                cls, label = found
                section_part = Part(cls, label, block.start, block.end, "", cue=block.text[:40])
                parts.append(section_part)
                owner[index] = section_part
                index += 1
                continue
        if block.kind != "bullet":
            if section_part is not None and block.kind == "paragraph":
                owner[index] = section_part
            index += 1
            continue
        # a list: consecutive bullet blocks
        first = index
        while index < len(layout) and layout[index].kind == "bullet":
            index += 1
        items = list(range(first, index))
        previous = layout[first - 1] if first > 0 else None
        intro = (
            _intro_sentence(text, previous) if previous is not None and previous.kind == "paragraph" else ""
        )
        decided = list_cue(intro, compounds) if intro else None
        cue_words = intro
        if decided is None and heading_text and section_part is None and not intro.rstrip().endswith(":"):
            decided = cue_class(heading_text, compounds)
            cue_words = heading_text
        if decided is None and section_part is not None and section_part.cls in _CHILD_DEFAULT:
            decided = (_CHILD_DEFAULT[section_part.cls], "")
            cue_words = section_part.label
        if decided is None:
            unclassified.append(UnclassifiedList(heading_text, intro, [layout[i].text for i in items]))
            continue
        cls = decided[0]
        listed = _List(cls, decided[1], first - 1 if intro and section_part is None else None, [])
        if section_part is None:
            lists.append(listed)
        for item_index in items:
            item = layout[item_index]
            part = Part(
                cls,
                _label(repair_line_breaks(text[item.start : item.end])),
                item.start,
                item.end,
                "",
                cue=cue_words,
            )
            if section_part is not None:
                part.parent = section_part
                section_part.children.append(part)
                if cls == "Action" and section_part.cls in ("Goal", "FocusArea"):
                    part.implements = section_part
            else:
                parts.append(part)
                listed.parts.append(part)
            owner[item_index] = part
    _group_lists(text, layout, lists, parts, owner)
    committed = _commitments(text, layout, owner, compounds)
    taken = {p.start for p in committed}
    parts.extend(committed)
    parts.extend(p for p in _goal_sentences(text, layout, owner, compounds) if p.start not in taken)
    parts.extend(_enumerations(text, layout, owner, compounds))
    parts.extend(_named_sections(text, layout, parts, owner))
    parts.sort(key=lambda p: p.start)
    structure = Structure(parts, unclassified, owner)
    _number_and_slug(structure.parts, doc_slug)
    return structure


# A goal stated in prose; the goal is what follows "att":
#   "Målet är att skapa …", "Vårt mål är att …", "Målet med arbetet är att …", "Ett av målen är att …",
#   "Kommunen har som mål att …", "Projektet har som målsättning att …", "I Ale är målet att …"
GOAL_SENTENCE = re.compile(
    r"^(?P<cue>"
    r"(?:[^,;:]{0,80}?\s)?(?:har\s+(?:\S+\s+){0,2}?(?:som|till)\s+(?:mål|målsättning)|(?:är|blir)\s+(?:målet|målsättningen))"
    r"|(?:[^,;:]{0,40}?\s)?(?:mål(?:et|en|sättningen)?|målsättning)(?:\s+(?:med|för)\s+[^,;:]{1,60}?)?\s+(?:är|blir)"
    r")\s+att\s+(?P<rest>\S.*?)[.!]?$",
    re.IGNORECASE,
)
# a goal someone else holds (the government's, a law's, the EU's) is not the document's own:
# it may be cited, never drafted as a part
OTHERS_GOAL = re.compile(
    r"\b(?:regering\w*|riksdag\w*|stat(?:en|ens)|nationell\w*|lag(?:en|ens|stiftning\w*)|"
    r"EU:?s?|FN:?s?|europeisk\w*|integrationspolitik\w*|migrationsverk\w*|arbetsförmedling\w*|"
    r"länsstyrels\w*|försäkringskass\w*|skolverk\w*)\b",
    re.IGNORECASE,
)
# "Kalmar kommun ska vara en öppen plats …": the municipality's own aim, in its own words
VISION_SENTENCE = re.compile(
    r"^(?:[A-ZÅÄÖ][\w-]+\s+(?:kommun|stad)|Kommunen|Staden)\s+ska\s+(?:vara|bli)\b.+"
)


COMMITMENT = re.compile(r"\b(?:ska|skall|kommer att)\b", re.IGNORECASE)
# "Kommunens roll … innebär ett aktivt samarbete …": what a role or task entails is the action
# (not "… som innebär …", a relative clause about something else)
ENTAILS = re.compile(
    r"^(?P<subject>[A-ZÅÄÖ][^,;:]{2,80}?)(?<!\bsom)(?<!\bvilket)\s+innebär\s+(?P<rest>(?:en|ett)\b.+)$"
)
_SECTION_CLASSES = {"Goal", "Action", "Direction"}


def _commitments(text: str, layout: list[Block], owner: dict[int, Part], compounds: Compounds) -> list[Part]:
    """In running text under a heading that announces goals, directions or actions ("Mål för
    integrationen", "Genomförande"), each sentence that commits to something ("ska", "skall",
    "kommer att") is one of them; under actions and directions also a sentence saying what a
    role or task entails ("X innebär ett …"): the action is what it entails, the sentence its
    ikg:statement."""
    out: list[Part] = []
    section: tuple[str, str] | None = None
    for index, block in enumerate(layout):
        if block.kind == "heading":
            found = cue_class(block.text, compounds)
            section = found if found and found[0] in _SECTION_CLASSES else None
            continue
        if block.kind != "paragraph" or section is None or index in owner:
            continue
        for start, end in sentences(text, block.start, block.end):
            sentence = repair_line_breaks(text[start:end])
            entails = ENTAILS.match(sentence)
            if _about_parts(sentence, compounds):
                continue  # "Kommunen har fyra övergripande mål som ska …" speaks of the goals, is none
            if COMMITMENT.search(sentence):
                out.append(Part(section[0], _label(sentence), start, end, "", cue=section[1]))
            elif entails and section[0] in ("Action", "Direction"):
                rest = _label(entails["rest"])
                out.append(
                    Part(
                        section[0],
                        rest[0].upper() + rest[1:],
                        start,
                        end,
                        "",
                        cue=section[1] + " … innebär",
                        statement=sentence,
                    )
                )
    return out


def _about_parts(sentence: str, compounds: Compounds) -> bool:
    """A sentence about the parts themselves (a vision, or "… har fyra mål som ska …"), not one of them."""
    tokens = words(sentence)
    if tokens and inflects(tokens[0], "vision"):
        return True
    return any(
        token in _NUMBERS
        and index + 3 <= len(tokens)
        and cue_class(" ".join(tokens[index + 1 : index + 4]), compounds)
        for index, token in enumerate(tokens)
    )


_NUMBERS = {
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
}
_LIST_START = re.compile(r"\s*(?::|\bär\b|\butgörs av\b|\bomfattar\b)\s*", re.IGNORECASE)


def _enumerations(text: str, layout: list[Block], owner: dict[int, Part], compounds: Compounds) -> list[Part]:
    """Parts listed inside a sentence, counted by the sentence itself: "Därtill har sex områden
    prioriterats: attityd, arbete, …, socialt deltagande/inflytande och mötesplatser" or "De fem
    områdena är Arbete, Boende, …". The number must equal the items found (the last two split at
    the last "och"), so a sentence that merely mentions goals makes no parts."""
    out: list[Part] = []
    for index, block in enumerate(layout):
        if block.kind != "paragraph" or index in owner:
            continue
        for start, end in sentences(text, block.start, block.end):
            sentence = text[start:end]
            found = _enumeration(sentence, compounds)
            if found is None:
                continue
            cls, cue, items = found
            for item, offset in items:
                out.append(Part(cls, item, start + offset, start + offset + len(item), "", cue=cue))
    return out


def _enumeration(sentence: str, compounds: Compounds) -> tuple[str, str, list[tuple[str, int]]] | None:
    for number in re.finditer(r"\b(" + "|".join(_NUMBERS) + r"|\d{1,2})\s+", sentence, re.IGNORECASE):
        count = int(number.group(1)) if number.group(1).isdigit() else _NUMBERS[number.group(1).lower()]
        after = sentence[number.end() :]
        found = None
        for head in re.finditer(r"[\wåäöÅÄÖ-]+", after):
            if head.start() > 40:
                break
            found = cue_class(head.group(0), compounds)
            if found is not None:
                break
        if found is None or found[0] not in ("FocusArea", "Goal", "Direction", "Action", "Factor"):
            continue
        rest_at = number.end() + head.end()
        opener = None
        for candidate in _LIST_START.finditer(sentence, rest_at):
            if candidate.start() - rest_at <= 80:
                opener = candidate
                break
        if opener is None:
            continue
        listing = sentence[opener.end() :].rstrip(" .\n")
        pieces = [p for p in re.split(r",\s+", listing)]
        if len(pieces) < 2:
            continue
        last = re.split(r"\s+och\s+(?=[^,]*$)", pieces[-1])
        items = pieces[:-1] + last
        if len(items) != count or any(len(i.split()) > 6 or not i.strip() for i in items):
            continue
        located: list[tuple[str, int]] = []
        cursor = opener.end()
        for item in items:
            at = sentence.index(item, cursor)
            located.append((item.strip(), at))
            cursor = at + len(item)
        return found[0], found[1], located
    return None


def _goal_sentences(
    text: str, layout: list[Block], owner: dict[int, Part], compounds: Compounds
) -> list[Part]:
    """Goals stated in running text, outside lists and part sections."""
    out: list[Part] = []
    for index, block in enumerate(layout):
        if block.kind != "paragraph" or index in owner:
            continue
        for start, end in sentences(text, block.start, block.end):
            sentence = repair_line_breaks(text[start:end])
            match = GOAL_SENTENCE.match(sentence)
            if match and not OTHERS_GOAL.search(match["cue"]):
                rest = match["rest"]
                out.append(
                    Part(
                        "Goal",
                        rest[0].upper() + rest[1:],
                        start,
                        end,
                        "",
                        cue=match["cue"],
                        statement=sentence,
                    )
                )
            elif VISION_SENTENCE.match(sentence):
                out.append(Part("Goal", _label(sentence), start, end, "", cue="… ska vara"))
    return out


def _number_and_slug(parts: list[Part], doc_slug: str) -> None:
    """Notation = order within the parent (per class); slug from the label, unique in the document."""
    used: set[str] = set()

    def walk(siblings: list[Part]) -> None:
        counters: dict[str, int] = {}
        for part in siblings:
            counters[part.cls] = counters.get(part.cls, 0) + 1
            part.notation = str(counters[part.cls])
            base = slugify(part.label, max_words=6)
            slug, n = base, 2
            while slug in used or slug == "citation":
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            part.slug = slug
            walk(part.children)

    walk(parts)
