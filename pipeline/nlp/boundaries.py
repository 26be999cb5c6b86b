"""Sentence boundaries of the guidelines (section 2), as a spaCy component placed before the parser.

The spaCy pipeline runs once per document here, through ``nlp.pipe`` in
batches; the ``Doc`` is kept on the document for the ``ner`` stage so the model
is not run twice. A component placed before the parser sets the boundaries that
the guidelines (section 2) fix and leaves the rest to the parser, which keeps
preset ``is_sent_start`` values:

- a paragraph break (so a title or heading) always ends a unit;
- initials and common abbreviations never do (``A. Lukashenko``, ``Mr. Putin``);
- a unit never starts right after a non-space character (``Ceyhan[1].However``),
  nor after anything but a stop or a closing mark (no split at ``:`` or ``(RB)``);
- a quotation in «…», “…” or "…" that goes on after its closing mark (a comma
  before or after it, or a lowercase word after it) is kept inside its
  sentence whole; one that closes with its own full stop is split by the parser
  at its sentence ends, but its closing mark stays with the last of them;
- a paragraph without quote marks, in the first person, whose last sentence
  is an attribution (``We held talks. …, Kazakh President Kassym-Jomart
  Tokayev said.``) is a quotation whose marks were lost, so it is one unit
  (corpus/gold/NOTES.md, report 12).

The NER model does not let an entity cross a sentence start, so these
boundaries also keep headings out of the next sentence's entities.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable, Iterator

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc



BOUNDARY_COMPONENT = "irnlp_boundaries"
INITIAL_RE = re.compile(r"^[A-Z]\.$")
# Only a paragraph that speaks in the first person is a quotation whose marks were
# lost; a reported paragraph ("…, an official has said.") is split as usual.
FIRST_PERSON_RE = re.compile(r"\b(?:I(?!\.)|we|We|our|Our|us|my|My)\b")
STOPS = frozenset(".!?…")
CLOSERS = frozenset("»”\"')]’")
CITATION_RE = re.compile(r"^\[\d{1,3}\]$")
# Abbreviations that end in a full stop but rarely end a sentence in these reports.
ABBREVIATIONS = (
    "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "St.", "Gen.", "Col.", "Lt.", "Maj.", "Capt.", "Sgt.", "Adm.", "Gov.",
    "Sen.", "Rep.", "Amb.", "Pres.", "Rev.", "No.", "Nos.", "vs.", "e.g.", "i.e.", "Jr.", "Sr.", "cf.", "approx.",
    "Art.", "Fig.", "Vol.", "pp.", "p.", "Jan.", "Feb.", "Mar.", "Apr.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.",
    "Dec.", "Corp.", "Inc.", "Co.", "Ltd.", "Dept.", "Univ.",
)
SPEECH_VERBS = (
    "said", "says", "noted", "added", "stressed", "emphasized", "emphasised", "stated", "declared", "told",
    "underlined", "underscored", "informed", "reported", "explained", "concluded", "remarked", "announced",
)
# Opening mark -> closing marks. Scraped text mixes styles (“…" and "…”), so curly
# and straight double quotes close one another.
QUOTE_PAIRS = {"«": "»", "“": "”\"", '"': '"”', "„": "“”"}
# Citation markers glued to words (``Ceyhan[1].However``) are split off so that
# both the marker and the word can be seen (infix rules of spaCy's tokenizer).
# A marker at the end of a token loses its "]" to the suffix rules first (Ceyhan[2]. -> Ceyhan[2 ] .),
# hence the bare "[" between a letter and a digit.
CITATION_INFIXES = (r"\[\d{1,3}\]", r"(?<=\])\.(?=[A-Z])", r"(?<=[A-Za-z)])\[(?=\d)")


def quotations(text: str) -> list[tuple[int, int]]:
    """Balanced quotations of one paragraph.

    Args:
        text: one paragraph (no line breaks).

    Returns:
        ``(open, close)`` character offsets of the opening and closing marks,
        outermost quotations only; an unclosed mark is ignored.
    """
    out: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if stack and ch in QUOTE_PAIRS[stack[-1][0]]:
            opener, start = stack.pop()
            if not stack:
                out.append((start, i))
        elif ch in QUOTE_PAIRS:
            stack.append((ch, i))
    return out


def quote_goes_on(text: str, open_: int, close: int) -> bool:
    """True if the sentence goes on after the quotation ``text[open_:close + 1]``.

    That is: a comma right before or right after the closing mark, or a
    lowercase word after it (``«Victory Road» highway``).
    """
    inside = text[open_ + 1:close].rstrip()
    after = text[close + 1:].lstrip()
    if inside.endswith(","):
        return True
    return bool(after) and (after[0] == "," or after[0].islower())


def attribution_re(verbs: Iterable[str]) -> re.Pattern:
    """Matches a paragraph that ends in ``, <up to 8 words> said.`` (an optional ``[n]`` marker before the stop)."""
    alts = "|".join(map(re.escape, verbs))
    return re.compile(r",\s+(?:[^\s,.;:!?]+\s+){0,8}(?:" + alts + r")(?:\s*\[\d+\])?\.\s*$")


@Language.factory(
    BOUNDARY_COMPONENT,
    default_config={"abbreviations": list(ABBREVIATIONS), "speech_verbs": list(SPEECH_VERBS),
                     "quotations": True, "unquoted_attribution": True},
)
def make_boundaries(nlp, name, abbreviations, speech_verbs, quotations, unquoted_attribution):
    return Boundaries(abbreviations, speech_verbs, quotations, unquoted_attribution)


class Boundaries:
    """spaCy component that presets ``Token.is_sent_start`` before the parser (rules in the module doc)."""

    def __init__(self, abbreviations, speech_verbs, quotations=True, unquoted_attribution=True):
        self.abbreviations = frozenset(abbreviations)
        self.attribution = attribution_re(speech_verbs) if unquoted_attribution else None
        self.quotations = quotations

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) < 2:
            return doc
        # Decisions go into one array written with Doc.from_array: setting
        # Token.is_sent_start one by one re-checks the whole doc each time (quadratic).
        toks = list(doc)
        texts = [t.text for t in toks]
        starts = [t.idx for t in toks]
        flags = numpy.zeros(len(toks), dtype="int64")  # 1 start, -1 no start, 0 the parser decides
        flags[0] = 1
        for i in range(1, len(toks)):
            prev, ws = texts[i - 1], toks[i - 1].whitespace_
            if "\n" in prev or "\n" in ws or ("\n" in texts[i] and not prev.isspace()):
                flags[i] = 1
            elif prev.isspace():
                continue
            elif not ws or not ends_sentence(texts, i - 1) or INITIAL_RE.match(prev) \
                    or prev in self.abbreviations or is_citation_start(toks, texts, i) \
                    or (prev == "." and i > 1 and not toks[i - 2].whitespace_ and texts[i - 2] + "." in self.abbreviations):
                flags[i] = -1
        text = doc.text
        for p_start, p_end in paragraphs(text):
            para = text[p_start:p_end]
            if self.quotations:
                for q_open, q_close in quotations(para):
                    self._quote(flags, texts, starts, p_start + q_open, p_start + q_close,
                                quote_goes_on(para, q_open, q_close))
            if self.attribution and not any(ch in QUOTE_PAIRS or ch in "»”" for ch in para) \
                    and self.attribution.search(para) and FIRST_PERSON_RE.search(para):
                self._no_starts(flags, starts, p_start + 1, p_end)
        doc.from_array([SENT_START], flags.astype("uint64"))  # -1 wraps; spaCy reads it back as -1
        return doc

    @staticmethod
    def _no_starts(flags, starts: list[int], start: int, end: int) -> None:
        """Forbid sentence starts at every token that begins in ``[start, end)`` (characters)."""
        flags[max(1, bisect.bisect_left(starts, start)):bisect.bisect_left(starts, end)] = -1

    def _quote(self, flags, texts: list[str], starts: list[int], open_: int, close: int, goes_on: bool) -> None:
        if goes_on:
            # The closing mark, and the token after it, stay in the sentence too.
            after = bisect.bisect_right(starts, close)
            end = starts[after] + 1 if after < len(starts) else close + 1
            self._no_starts(flags, starts, open_ + 1, end)
            return
        # Own full stop: the parser splits inside, but never right after the
        # opening mark, at the closing mark or at a stop right after it.
        self._no_starts(flags, starts, open_ + 1, open_ + 2)
        self._no_starts(flags, starts, close, close + 1)
        after = bisect.bisect_right(starts, close)
        if 0 < after < len(texts) and texts[after] in (".", "!", "?"):
            flags[after] = -1


def ends_sentence(texts: list[str], i: int) -> bool:
    """True if a unit may end with token ``i``: a stop, or closing marks and citation markers after one."""
    while i >= 0 and (texts[i] in CLOSERS or CITATION_RE.match(texts[i])):
        i -= 1
    return i >= 0 and texts[i][-1] in STOPS


def is_citation_start(toks: list, texts: list[str], i: int) -> bool:
    """True if token ``i`` opens a citation marker (``[4]`` as one token or as ``[``, ``4``, ``]``)."""
    if CITATION_RE.match(texts[i]):
        return True
    return texts[i] == "[" and i + 2 < len(texts) and toks[i + 1].like_num and texts[i + 2] == "]"


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` character spans of the non-blank lines of ``text``."""
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            yield m.start(), m.end()



def add_citation_infixes(nlp) -> None:
    """Let the tokenizer split citation markers glued to words (once per pipeline)."""
    tok = nlp.tokenizer
    current = tok.infix_finditer  # a bound ``re.Pattern.finditer``
    pattern = "|".join(CITATION_INFIXES)
    if current is not None:
        if current.__self__.pattern.startswith(pattern):
            return
        pattern += "|" + current.__self__.pattern
    tok.infix_finditer = re.compile(pattern).finditer
