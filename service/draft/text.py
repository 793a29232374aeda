"""Layout and language: from a text copied out of a web page or a PDF to blocks, sentences and stems.

The drafter never rewrites the source: every block and sentence keeps its offsets in the
(NFC-normalised) input, so a quote is always a substring of the text a curator will store.
Layout repairs (hyphenation across line breaks, soft hyphens, bullets, page furniture) only
affect what the recognisers see, never the quotes.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

LEXICON_DIR = Path(__file__).parent / "lexicon"

_WHITESPACE = re.compile(r"\s+")
# a bullet: glyph or "1." / "1)" / "a)" at the start of a line
BULLET = re.compile(
    r"^[ \t\u00a0]*(?P<glyph>[•·▪◦●○■□‣⁃*–—-]|\d{1,2}[.)]|[a-z][)])[ \t\u00a0]+(?P<body>\S.*)$"
)
# "Label: value" on one line (a metadata field of a municipal document template)
FIELD = re.compile(r"^(?P<label>[A-Za-zÅÄÖåäöÉé][A-Za-zÅÄÖåäöÉé .\-/]{1,48}?)\s*:\s*(?P<value>\S.*)?$")
WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+(?:[:'][a-zåäö]+)?")
# page furniture of PDFs: page numbers
PAGE_NUMBER = re.compile(r"^(?:sida\s+)?\d{1,3}(?:\s*(?:\(|av|/)\s*\d{1,3}\)?)?$", re.IGNORECASE)
_ABBREVIATIONS = (
    "c:a",
    "ca.",
    "bl.a.",
    "t.ex.",
    "m.m.",
    "o.s.v.",
    "osv.",
    "dvs.",
    "resp.",
    "jfr.",
    "s.k.",
    "t.o.m.",
    "fr.o.m.",
    "nr.",
    "kap.",
    "prop.",
)


def fold(text: str) -> str:
    """White space folded to single spaces, NFC, ends trimmed (the build's quote check does the same)."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """The generic Swedish vocabulary (service/draft/lexicon/swedish.toml)."""
    with (LEXICON_DIR / "swedish.toml").open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball Swedish stem of a lower-case word."""
    return _stemmer().stemWord(word.lower())


# Swedish noun and adjective endings: "mål" → målen, målet; "faktor" → faktorer, faktorerna
INFLECTIONS = (
    "",
    "n",
    "en",
    "et",
    "na",
    "er",
    "erna",
    "ar",
    "arna",
    "or",
    "orna",
    "s",
    "ens",
    "ets",
    "ernas",
    "a",
    "e",
    "t",
    "ena",
)


def inflects(token: str, lemma: str) -> bool:
    """Whether a lower-case token is an inflected form of a lemma (or the lemma itself)."""
    if token == lemma:
        return True
    if token.startswith(lemma) and token[len(lemma) :] in INFLECTIONS:
        return True
    # "område" → "områden", "syfte" → "syftet": a final -e may take the ending directly
    return (
        lemma.endswith("e")
        and token.startswith(lemma[:-1])
        and token[len(lemma) - 1 :] in ("en", "et", "ena", "ets", "ens", "ar", "arna")
    )


def ends_with_inflected(token: str, lemma: str, min_prefix: int = 3) -> bool:
    """Whether a compound ends in an inflected form of the lemma: "inriktningsmålet" → "mål"."""
    for ending in INFLECTIONS:
        form = lemma + ending
        if token.endswith(form) and len(token) - len(form) >= min_prefix:
            return True
    return False


def stopwords() -> frozenset[str]:
    return frozenset(lexicon()["stopwords"]["words"])


def words(text: str) -> list[str]:
    """Lower-case word tokens; "EU:s" → "eu", "FN:s" → "fn"; hyphenation at line ends repaired."""
    text = re.sub(r"(\w)[-\u00ad]\s*\n\s*(?=[a-zåäö])", r"\1", text)  # "bak-\ngrund" → "bakgrund"
    text = text.replace("\u00ad", "")
    out: list[str] = []
    for match in WORD.finditer(text):
        token = match.group(0).lower()
        if ":" in token:
            token = token.split(":", 1)[0]
        out.append(token)
    return out


class Compounds:
    """Splits Swedish compounds into known parts: "integrationsprocesser" → integration + process.

    The known words are the stems of the words that occur on their own in the texts given
    (the frameworks' wordings and the document itself) plus the lexicon's cue words; a split
    needs a known first part (optionally with a linking -s- or -e-) of at least three letters
    and a known or recursively splittable rest of at least four letters (so that endings like
    "-ell" in "kulturell" are not taken for words).
    """

    def __init__(self, vocabulary: set[str]) -> None:
        self.known = {w for w in vocabulary if len(w) >= 3}

    @classmethod
    def from_texts(cls, *texts: str) -> Compounds:
        vocabulary: set[str] = set()
        stop = stopwords()
        for text in texts:
            for token in words(text):
                if not token.isdigit() and token not in stop and len(token) >= 3:
                    vocabulary.add(stem(token))
                    vocabulary.add(token)
        for section in ("part_cues", "kinds", "body_heads"):
            for word in lexicon()[section]:
                vocabulary.add(word)
                vocabulary.add(stem(word))
        return cls(vocabulary)

    def _is_known(self, part: str) -> bool:
        return part in self.known or stem(part) in self.known

    def split(self, word: str, depth: int = 0) -> list[str] | None:
        """The parts of a compound (each a surface form), or None when it is not one."""
        if len(word) < 6 or depth > 3:
            return None
        for i in range(3, len(word) - 2):
            head, rest = word[:i], word[i:]
            firsts = [head]
            if head.endswith(("s", "e")) and len(head) > 3:
                firsts.insert(0, head[:-1])  # the linking -s-/-e- is not part of the word
            if not any(self._is_known(f) for f in firsts):
                continue
            first = next(f for f in firsts if self._is_known(f))
            if len(rest) >= 4 and self._is_known(rest):
                return [first, rest]
            deeper = self.split(rest, depth + 1)
            if deeper:
                return [first, *deeper]
        return None

    def head(self, word: str) -> str:
        """The last component of a compound (the word itself when it is not one)."""
        parts = self.split(word)
        return parts[-1] if parts else word


@dataclass
class Block:
    """A unit of layout: a heading, a paragraph, a bullet item or a "Label: value" field.

    start/end are offsets in the text; `text` is the folded text of that span (a bullet's
    text without its glyph).
    """

    kind: str  # "heading", "paragraph", "bullet", "field", "noise"
    text: str
    start: int
    end: int
    glyph: str = ""
    label: str = ""
    value: str = ""
    line_no: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Line:
    text: str
    start: int
    end: int
    number: int


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    offset = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip(" \t\u00a0\r\f\v")
        lead = len(raw) - len(raw.lstrip(" \t\u00a0\r\f\v"))
        line = _Line(stripped, offset + lead, offset + lead + len(stripped), number)
        lines.extend(_split_line(line))
        offset += len(raw) + 1
    return lines


# where a line that holds several lines of the original layout is cut (the text is not changed:
# each piece keeps its offsets and its line number)
_PAGE_PREFIX = re.compile(r"^\d{1,3}\s*\(\d{1,3}\)\s+(?=\S)")  # "1 (8) " opening a PDF page set on one line
_INLINE_GLYPH = re.compile(r"(?<=\S)\s+(?=[•▪●◦■]\s+\S)")  # "… följande: • A • B"
_NUMBERED_HEADING = re.compile(
    r"(?<=[.!?:”])\s+(?=(?:[A-ZÅÄÖ][a-zåäö]+\s+)?(?:[Mm]ål|[Dd]elmål|[Ff]okusområde|[Mm]ålområde|[Ii]nsatsområde|[Åå]tgärd|[Aa]ktivitet)\s+\d{1,2}\s*:)"
)


@lru_cache(maxsize=1)
def _field_label_pattern() -> re.Pattern[str]:
    labels = sorted(lexicon()["fields"], key=len, reverse=True)
    alternatives = "|".join(re.escape(str(label)).replace("\\ ", r"\s+") for label in labels)
    # a known label written with a capital, followed by a colon: a field of a flattened table
    return re.compile(rf"(?<!\S)(?=(?P<label>{alternatives})\s*:)", re.IGNORECASE)


def _split_line(line: _Line) -> list[_Line]:
    """A physical line cut where the layout lost its line breaks: a document-information table
    flattened onto one line ("Dokumenttyp: Strategi Beslutad av: Kommunfullmäktige …"), a page of
    a PDF set on one line (page number prefix, numbered goal headings), bullets run together."""
    text = line.text
    if len(text) < 20:
        return [line]
    cuts: set[int] = set()
    page = _PAGE_PREFIX.match(text)
    if page:
        cuts.add(page.end())
    labels: list[int] = []
    covered = -1
    for match in _field_label_pattern().finditer(text):
        if match.start() > covered and text[match.start()].isupper():
            labels.append(match.start())
        # "Senast reviderad:" holds the label "reviderad": one field, not two
        covered = max(covered, match.start() + len(match["label"]))
    if len(labels) >= 2:
        cuts.update(labels)
    glyphs = [m.end() for m in _INLINE_GLYPH.finditer(text)]
    if len(glyphs) >= 2:
        cuts.update(glyphs)
    if len(text) > 300:
        cuts.update(m.end() for m in _NUMBERED_HEADING.finditer(text))
    cuts.discard(0)
    if not cuts:
        return [line]
    out: list[_Line] = []
    previous = 0
    for cut in sorted(cuts) + [len(text)]:
        piece = text[previous:cut]
        stripped = piece.strip()
        if stripped:
            start = line.start + previous + (len(piece) - len(piece.lstrip()))
            out.append(_Line(stripped, start, start + len(stripped), line.number))
        previous = cut
    return out


def _repeated_lines(lines: list[_Line]) -> set[str]:
    """Lines that repeat three times or more (running headers and footers of a PDF)."""
    counts = Counter(line.text for line in lines if line.text and len(line.text) < 80)
    return {text for text, n in counts.items() if n >= 3 and not BULLET.match(text)}


def _ends_sentence(text: str) -> bool:
    return text.endswith((".", "!", "?", ":", ";", "”", '"', ")"))


def looks_like_heading(text: str) -> bool:
    """A short line starting with a capital that does not end like a sentence (a question is allowed)."""
    if not text or len(text) > 90 or len(text.split()) > 12:
        return False
    if not (text[0].isupper() or text[0] in "0123456789"):
        return False
    if text.endswith((".", ",", ";", ":")) and not text.endswith("..."):
        return False
    return not PAGE_NUMBER.match(text)


def blocks(text: str) -> list[Block]:
    """Split a text into layout blocks, in order.

    Paragraphs are runs of lines without a blank line between them; within a run, a line that
    starts with a bullet glyph starts a bullet item, and following lines that are not bullets
    continue it (a wrapped item). A one-line run that looks like a heading is a heading. A run
    of "Label: value" lines is a run of fields. Page numbers and lines repeated three times or
    more are "noise".
    """
    lines = _lines(text)
    repeated = _repeated_lines(lines)
    out: list[Block] = []
    run: list[_Line] = []

    def flush() -> None:
        if not run:
            return
        _run_blocks(text, run, repeated, out)
        run.clear()

    for line in lines:
        if not line.text:
            flush()
        else:
            run.append(line)
    flush()
    return out


def _run_blocks(text: str, run: list[_Line], repeated: set[str], out: list[Block]) -> None:
    """Blocks of one run of non-blank lines."""
    current: list[_Line] = []
    current_kind = ""
    glyph = ""
    longest = max(len(line.text) for line in run)

    def emit() -> None:
        nonlocal current, current_kind, glyph
        if not current:
            return
        start, end = current[0].start, current[-1].end
        if current_kind == "bullet":
            match = BULLET.match(current[0].text)
            assert match is not None
            body_start = current[0].start + current[0].text.index(match.group("body"))
            out.append(
                Block(
                    "bullet",
                    fold(text[body_start:end]),
                    body_start,
                    end,
                    glyph=glyph,
                    line_no=current[0].number,
                )
            )
        else:
            kind = current_kind
            if kind == "paragraph" and len(current) == 1 and looks_like_heading(current[0].text):
                kind = "heading"
            out.append(Block(kind, fold(text[start:end]), start, end, line_no=current[0].number))
        current, current_kind, glyph = [], "", ""

    paired = _labels_then_values(run)
    listed = _lost_bullets(run)
    for index, line in enumerate(run):
        bullet = BULLET.match(line.text)
        field_match = FIELD.match(line.text)
        following = run[index + 1].text if index + 1 < len(run) else ""
        if index in paired:
            emit()
            label_line, value_line = paired[index]
            if value_line is not None:
                out.append(
                    Block(
                        "field",
                        fold(f"{label_line.text.rstrip(': ')}: {value_line.text}"),
                        value_line.start,
                        value_line.end,
                        label=label_line.text.rstrip(": "),
                        value=value_line.text,
                        line_no=value_line.number,
                    )
                )
        elif index in listed:
            emit()
            out.append(Block("bullet", fold(line.text), line.start, line.end, glyph="", line_no=line.number))
        elif line.text in repeated or PAGE_NUMBER.match(line.text) or CONTENTS_LINE.search(line.text):
            emit()
            out.append(Block("noise", line.text, line.start, line.end, line_no=line.number))
        elif bullet and not _is_date_or_number_line(line.text):
            emit()
            current, current_kind, glyph = [line], "bullet", bullet.group("glyph")
        elif field_match and _is_field_label(field_match.group("label")):
            emit()
            label = field_match.group("label").strip()
            value = (field_match.group("value") or "").strip()
            out.append(
                Block(
                    "field",
                    fold(line.text),
                    line.start,
                    line.end,
                    label=label,
                    value=value,
                    line_no=line.number,
                )
            )
        elif current_kind == "bullet" and not (
            looks_like_heading(line.text) and not current[-1].text[-1:].isalnum()
        ):
            current.append(line)  # a wrapped bullet item continues until a blank line or another bullet
        elif (
            (not current or current_kind != "paragraph" or _ends_sentence(current[-1].text))
            and following
            and looks_like_heading(line.text)
            and (following[:1].isupper() or BULLET.match(following) is not None)
            and (len(line.text) < 0.6 * longest or not _ends_sentence(line.text))
        ):
            # a heading set directly above its text, without a blank line (common in PDF copies)
            emit()
            current, current_kind = [line], "paragraph"
            emit()
        elif current_kind == "paragraph" and not NUMBERED_START.match(line.text):
            current.append(line)
        else:
            emit()
            current, current_kind = [line], "paragraph"
    emit()


# a line of a table of contents: dot leaders (or an ellipsis) and a page number at the end
CONTENTS_LINE = re.compile(r"(?:[.…]\s?){3,}\s*\d{1,3}\s*$")
# a line that opens a numbered goal or area ("Mål 1: …", "Långsiktigt mål 2: …") starts a new block
NUMBERED_START = re.compile(
    r"^(?:[A-ZÅÄÖ][a-zåäö]+\s+)?(?:[Mm]ål|[Dd]elmål|[Ff]okusområde|[Mm]ålområde|[Ii]nsatsområde|[Åå]tgärd|[Aa]ktivitet)\s+\d{1,2}\s*:\s+\S"
)


def _bare_label(text: str) -> bool:
    return _is_field_label(text.rstrip(": ")) and len(text) <= 50


def _labels_then_values(run: list[_Line]) -> dict[int, tuple[_Line, _Line | None]]:
    """A document-information table flattened column-wise: two or more known field labels on
    lines of their own, then as many value lines in the same order. Index of each line in the
    run → (label line, value line); value lines map to (label, None) and are consumed."""
    out: dict[int, tuple[_Line, _Line | None]] = {}
    index = 0
    while index < len(run):
        count = 0
        while index + count < len(run) and _bare_label(run[index + count].text):
            count += 1
        values = run[index + count : index + 2 * count]
        if count >= 2 and len(values) == count and not any(_bare_label(v.text) for v in values):
            for offset in range(count):
                out[index + offset] = (run[index + offset], values[offset])
                out[index + count + offset] = (run[index + offset], None)
            index += 2 * count
        else:
            index += max(count, 1)
    return out


def _lost_bullets(run: list[_Line]) -> set[int]:
    """Items of a list whose glyphs were lost when the text was copied: after a line ending with
    a colon, two or more short lines that are neither sentences nor labels, up to the end of the run."""
    out: set[int] = set()
    for index, line in enumerate(run):
        if not line.text.endswith(":") or FIELD.match(line.text) and _is_field_label(line.text.rstrip(": ")):
            continue
        items = []
        for candidate in run[index + 1 :]:
            text = candidate.text
            if (
                BULLET.match(text)
                or text.endswith(":")
                or len(text) > 120
                or re.search(r"[.!?]\s+[A-ZÅÄÖ]", text)
            ):
                break
            items.append(run.index(candidate))
        if len(items) >= 2 and index + len(items) == len(run) - 1:
            out.update(items)
    return out


def _is_date_or_number_line(line: str) -> bool:
    return bool(re.match(r"^\s*\d{1,2}[.)]\s*\d", line))


def _is_field_label(label: str) -> bool:
    key = fold(label).lower()
    return key in lexicon()["fields"]


_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[\"”“(]?[A-ZÅÄÖÉ0-9])")


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans within text[start:end] (offsets in text); abbreviations do not end a sentence."""
    spans: list[tuple[int, int]] = []
    piece_start = start
    segment = text[start:end]
    for match in _SENTENCE_END.finditer(segment):
        before = (
            segment[: match.start()].rsplit(None, 1)[-1].lower() if segment[: match.start()].split() else ""
        )
        if before in _ABBREVIATIONS:
            continue
        spans.append((piece_start, start + match.start()))
        piece_start = start + match.end()
    if piece_start < end:
        spans.append((piece_start, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def repair_line_breaks(span: str) -> str:
    """A span's words as one line: PDF hyphenation across a line break joined ("etablerings-\n
    programmet" → "etableringsprogrammet"; "Utbildnings- och" is left alone), then folded."""
    span = re.sub(r"(\w)[-\u00ad][ \t]*\n[ \t]*(?!(?:och|eller|samt)\b)(?=[a-zåäö])", r"\1", span)
    return fold(span.replace("\u00ad", ""))


def slugify(text: str, max_words: int = 8) -> str:
    """Lower-case ASCII with hyphens; å ä → a, ö → o, é → e (docs/data-model.md)."""
    table = str.maketrans(
        {"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e", "ü": "u", "Å": "a", "Ä": "a", "Ö": "o", "É": "e"}
    )
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(table)).encode("ascii", "ignore").decode("ascii")
    )
    tokens = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(tokens[:max_words]) or "dokument"
