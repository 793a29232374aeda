"""The municipality's other steering documents that a text names, as suggested explicit citations.

Two places in a text name steering documents, and only these are read (a document-kind word in
passing — "en handlingsplan tas fram" — is not a reference to a named document):

- a bulleted list introduced by a sentence about steering ("… sker styrningen … via strategier,
  policys och program …", "Arbetet utgår från följande styrdokument:"): each item whose head is
  a document-kind word is one document;
- an enumeration of examples after a steering word ("andra styrdokument i staden såsom visionen
  och bemötandeplanen", "planer, till exempel översiktsplanen"): each conjunct whose head is a
  document-kind word.

A name's head is the last word before its first preposition ("strategi för kultur och fritid" →
"strategi"; "Vårgårdas vision och värdegrund" → "värdegrund"), matched on inflections and on the
head of a compound ("arbetsmarknadsstrategi", "bemötandeplanen"); the kind word gives the class
(lexicon: [document_heads]). Names of other authorities' documents (EU:s, FN:s, nationella …),
of a framework, and of the document itself are left out. The slug is made from the name's own
words without the municipality's genitive or "i {ort}", the head in its basic form:
"strategin för folkhälsoarbetet i Vårgårda" → strategi-for-folkhalsoarbetet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .text import (
    INFLECTIONS,
    WORD,
    Block,
    Compounds,
    fold,
    lexicon,
    repair_line_breaks,
    sentences,
    slugify,
    stopwords,
)


@dataclass
class DocumentReference:
    label: str  # the name in the text's words, first letter capitalised
    slug: str
    cls: str  # local name of the ikg class
    quote: str  # verbatim (white space folded)
    start: int
    end: int
    confidence: float
    reason: str


@lru_cache(maxsize=1)
def _config() -> dict[str, object]:
    return dict(lexicon()["document_references"])


def _word_list(name: str) -> list[str]:
    """One of the lexicon's word lists under [document_references] (a TOML array of strings)."""
    value = _config()[name]
    if not isinstance(value, list):
        raise TypeError(f"document_references.{name} in the lexicon must be a list of words")
    return [str(word) for word in value]


def _heads() -> dict[str, str]:
    return {str(k): str(v) for k, v in lexicon()["document_heads"].items()}


def _forms(lemma: str) -> list[str]:
    """Inflected forms of a kind word: strategi → strategin, strategier …; program → programmet."""
    forms = [lemma + ending for ending in INFLECTIONS]
    if lemma.endswith("m"):
        forms += [lemma + "m" + ending for ending in ("en", "et", "ena", "ets")]
    return forms


def head_lemma(token: str, compounds: Compounds | None = None) -> tuple[str, str] | None:
    """(basic form, class) when a lower-case token is a document-kind word or a compound ending in
    one: "bemötandeplanen" → ("bemötandeplan", "Plan"); "programmet" → ("program", "Programme").
    A compound needs a first part of at least four letters, or three when the compound splitter
    knows the parts (so "revision" is not a kind of "vision")."""
    best: tuple[int, str, str] | None = None  # (length of the matched form, basic form, class)
    for lemma, cls in _heads().items():
        for form in _forms(lemma):
            if not token.endswith(form):
                continue
            prefix = token[: len(token) - len(form)]
            if prefix and (
                len(prefix) < 3
                or (len(prefix) < 4 and not (compounds is not None and compounds.split(token)))
            ):
                continue
            if best is None or len(form) > best[0]:
                best = (len(form), prefix + lemma, cls)
    return (best[1], best[2]) if best else None


@dataclass
class _Word:
    text: str  # as written
    lower: str
    start: int  # offset in the full text
    end: int


def _words(text: str, start: int, end: int) -> list[_Word]:
    return [
        _Word(m.group(0), m.group(0).lower(), m.start(), m.end()) for m in WORD.finditer(text, start, end)
    ]


@dataclass
class _Name:
    cls: str
    slug_words: list[str]


def analyse_name(phrase_words: list[_Word], compounds: Compounds) -> _Name | None:
    """Whether a short phrase names a document, its class and the words of its slug."""
    if not phrase_words or len(phrase_words) > 10:
        return None
    prepositions = set(_word_list("prepositions"))
    not_municipal = set(_word_list("not_municipal"))
    self_reference = set(_word_list("self_reference"))
    if any(":" in w.text or w.lower in not_municipal for w in phrase_words):
        return None
    if phrase_words[0].lower in self_reference:
        return None
    items = list(phrase_words)
    # the municipality's genitive: "Vårgårdas vision", "kommunens plan", "Testby kommuns program"
    if len(items) > 2 and items[0].text[:1].isupper() and items[1].lower in ("kommuns", "stads"):
        items = items[2:]
    elif len(items) > 1 and (
        re.fullmatch(r"[A-ZÅÄÖ][a-zåäöé]+s", items[0].text) or items[0].lower in ("kommunens", "stadens")
    ):
        if head_lemma(items[0].lower[:-1], compounds) is None:
            items = items[1:]
    # "… i Vårgårda", "… i Mölndals stad": the place is not part of the slug
    if len(items) > 2 and items[-2].lower == "i" and items[-1].text[:1].isupper():
        items = items[:-2]
    elif (
        len(items) > 3
        and items[-3].lower == "i"
        and items[-2].text[:1].isupper()
        and items[-1].lower in ("kommun", "stad")
    ):
        items = items[:-3]
    pre: list[_Word] = []
    for word in items:
        if word.lower in prepositions:
            break
        pre.append(word)
    if not pre or len(pre) > 4:
        return None
    # a name, not a clause: "Ta fram en plan" has an article, "Vision och värdegrund" does not
    if any(w.lower in stopwords() and w.lower not in ("och", "samt") for w in pre):
        return None
    found = head_lemma(pre[-1].lower, compounds)
    if found is None:
        return None
    lemma, cls = found
    slug_words = [w.lower for w in items]
    slug_words[len(pre) - 1] = lemma
    # a coordinated kind word in the head takes its basic form as well: "visionen och värdegrunden"
    for i, word in enumerate(pre[:-1]):
        other = head_lemma(word.lower, compounds)
        if other is not None:
            slug_words[i] = other[0]
    return _Name(cls, slug_words)


def _label(text: str, start: int, end: int) -> str:
    label = repair_line_breaks(text[start:end]).strip().rstrip(".;,:").strip()
    return label[:1].upper() + label[1:]


def _steering_word(word: str) -> bool:
    return re.match(str(_config()["steering_pattern"]), word) is not None


def _is_steering(sentence_words: list[str]) -> bool:
    """A sentence about steering that speaks of documents: "… styrs via strategier och program"."""
    generic = set(_word_list("steering_words"))
    return any(_steering_word(w) for w in sentence_words) and any(
        "dokument" in w or w in generic or head_lemma(w) is not None for w in sentence_words
    )


def recognise(
    text: str,
    layout: list[Block],
    compounds: Compounds,
    doc_slug: str,
    is_framework_name: Callable[[str], bool] | None = None,
) -> list[DocumentReference]:
    """The documents the text names, in order of first mention, one per slug."""
    found: list[DocumentReference] = []
    seen: set[str] = {doc_slug}

    def add(
        name: _Name,
        label_start: int,
        label_end: int,
        quote_start: int,
        quote_end: int,
        confidence: float,
        reason: str,
    ) -> None:
        slug = slugify(" ".join(name.slug_words), max_words=8)
        label = _label(text, label_start, label_end)
        if slug in seen or (is_framework_name is not None and is_framework_name(label)):
            return
        seen.add(slug)
        found.append(
            DocumentReference(
                label,
                slug,
                name.cls,
                fold(text[quote_start:quote_end]).rstrip(),
                quote_start,
                quote_end,
                confidence,
                reason,
            )
        )

    index = 0
    while index < len(layout):
        block = layout[index]
        if block.kind == "bullet":
            first = index
            while index < len(layout) and layout[index].kind == "bullet":
                index += 1
            previous = layout[first - 1] if first > 0 else None
            if previous is None or previous.kind != "paragraph":
                continue
            spans = sentences(text, previous.start, previous.end)
            intro = text[spans[-1][0] : spans[-1][1]] if spans else previous.text
            if not _is_steering([w.lower for w in _words(intro, 0, len(intro))]):
                continue
            for item in layout[first:index]:
                # the name ends where a comment on it begins: "Översiktsplanen (2018)", "…, som antogs 2018"
                cut = re.compile(r",|\(|\s[–—-]\s|:\s").search(text, item.start, item.end)
                name_end = cut.start() if cut else item.end
                name = analyse_name(_words(text, item.start, name_end), compounds)
                if name is not None:
                    add(
                        name,
                        item.start,
                        name_end,
                        item.start,
                        item.end,
                        0.8,
                        f"an item of a list of steering documents («{fold(intro)[:60]}…»)",
                    )
            continue
        if block.kind == "paragraph":
            for start, end in sentences(text, block.start, block.end):
                _enumerations(text, start, end, compounds, add)
        index += 1
    return found


# how a recogniser reports a named document: the name, the label's span, the quote's span, the
# confidence and the reason shown to the curator
AddReference = Callable[[_Name, int, int, int, int, float, str], None]


def _enumerations(text: str, start: int, end: int, compounds: Compounds, add: AddReference) -> None:
    """Documents named in "… styrdokument … såsom A, B och C" within one sentence."""
    markers = "|".join(_word_list("enumeration_markers"))
    generic = set(_word_list("steering_words"))
    sentence_words = _words(text, start, end)
    for position, word in enumerate(sentence_words):
        if not (_steering_word(word.lower) or word.lower in generic):
            continue
        window_end = sentence_words[min(position + 6, len(sentence_words) - 1)].end
        marker = re.compile(r"(?:,\s*|\s+)(?:" + markers + r")(?:\s*,)?\s+", re.IGNORECASE).search(
            text, word.end, window_end
        )
        if marker is None:
            continue
        # the enumeration runs to the end of the clause
        stop = re.compile(r"[.;:!?)]\s|[.;:!?)]$|\s[–—]\s").search(text, marker.end(), end)
        enum_end = stop.start() if stop else end
        enum_end = len(text[:enum_end].rstrip(" .;:,"))
        conjuncts = _conjuncts(text, marker.end(), enum_end, compounds)
        quote_start = word.start
        before = re.search(
            r"\b(?:andra|övriga|kommunens|stadens)\s+$", text[max(start, word.start - 20) : word.start]
        )
        if before:
            quote_start = word.start - (len(before.group(0)))
        for c_start, c_end, name in conjuncts:
            add(
                name,
                c_start,
                c_end,
                quote_start,
                enum_end,
                0.85,
                f"named among the steering documents «{fold(text[word.start : word.end])}» the text refers to",
            )
        return


def _conjuncts(text: str, start: int, end: int, compounds: Compounds) -> list[tuple[int, int, _Name]]:
    """Split "A, B och C" into names; a piece that names no document belongs to the one before
    ("strategi för kultur och fritid")."""
    pieces: list[list[int]] = []
    cursor = start
    for match in re.finditer(r",\s*|\s+(?:och|samt|eller)\s+", text[start:end]):
        pieces.append([cursor, start + match.start()])
        cursor = start + match.end()
    pieces.append([cursor, end])
    merged: list[tuple[int, int, _Name]] = []
    for piece_start, piece_end in pieces:
        name = analyse_name(_words(text, piece_start, piece_end), compounds)
        if name is None and merged:
            last_start, _, _ = merged[-1]
            extended = analyse_name(_words(text, last_start, piece_end), compounds)
            if extended is not None:
                merged[-1] = (last_start, piece_end, extended)
            continue
        if name is not None:
            merged.append((piece_start, piece_end, name))
    return merged
