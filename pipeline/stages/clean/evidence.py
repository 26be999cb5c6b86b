"""Evidence for boilerplate: the shape of a line and the pattern lists.

Pure functions over strings, used by the clean planner. Every decision rests on
evidence a user can inspect:

- the *shape* of a line: how many words, whether it ends a sentence
  (:func:`ends_sentence`), how many words it has (:func:`has_words`);
- *pattern lists* kept as data in ``corpus/patterns/boilerplate.toml``
  (navigation labels, widgets, credits, legal notices, contact lines).

Offsets are Python string indices into the text given (``end`` exclusive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path


from pipeline.contacts import contact_spans
from pipeline.io import read_toml

WORD_RE = re.compile(r"\w+")
LETTER_RE = re.compile(r"[^\W\d_]")
# Closing marks and citation markers that may follow the end of a sentence: `said».`, `level [2].`
CLOSERS_RE = re.compile(r"(?:\s*\[\d{1,3}\]|[\"'”’»)\]\s])+$")
SENTENCE_PUNCT = ".!?…:;"
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "no", "nos", "prof", "gen", "col", "lt", "jr", "sr", "vs", "gov",
    "sen", "rep", "capt", "maj", "sgt", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "art", "fig", "vol", "pp", "ed", "approx", "ca",
}
# A candidate sentence end: terminal punctuation, closers, an optional citation marker, then
# whitespace and something that can open a sentence.
SENT_END_RE = re.compile(r"[.!?…]+[\"'”’»)\]]*(?:\s*\[\d{1,3}\])?(?=\s+[\"'“‘«(\[]?[A-ZА-ЯЁ0-9])")

# Editor initials and wire codes closing an article (`MH/PA`, `AFM/MG`, `RA/MA END MNA`, `MH/`):
# only tried on the closing fragments of a paragraph, never on a whole line of text.
INITIALS_RE = re.compile(r"^[A-Z]{1,4}(?:/[A-Z]{0,4})*(?:\s+[A-Z]{1,4}(?:/[A-Z]{0,4})*){0,3}$")


# --- shape -----------------------------------------------------------------
def word_count(text: str) -> int:
    return len(WORD_RE.findall(text))


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends with sentence punctuation (closing quotes, brackets and `[n]` allowed after it)."""
    core = CLOSERS_RE.sub("", text[-80:].rstrip())  # the end is enough (and keeps long lines fast)
    return bool(core) and core[-1] in SENTENCE_PUNCT


def has_words(text: str, n: int) -> bool:
    """True if ``text`` has at least ``n`` words (stops counting there)."""
    return n <= 0 or next(islice(WORD_RE.finditer(text), n - 1, None), None) is not None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences; spans cover the text without the spaces between them.

    A rule-based splitter (enough for boilerplate tails and cut-off fragments):
    a sentence ends at ``.!?…`` (with closers) before whitespace and a capital
    or digit, but not after an initial (``A. Lukashenko``) or a common
    abbreviation (``Mr.``).
    """
    spans, start = [], 0
    for m in SENT_END_RE.finditer(text):
        before = text[start:m.start()]
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        token = last.strip("\"'“‘«(").lower()
        if text[m.start()] == "." and (len(token) == 1 or token in ABBREVIATIONS):
            continue
        spans.append((start, m.end()))
        start = m.end()
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def tail_sentence_spans(text: str, window: int = 2000) -> list[tuple[int, int]]:
    """The sentences of the last ``window`` characters of ``text`` (offsets into ``text``).

    Closing notices are short; splitting only the end keeps a 400k-character line cheap.
    The first, possibly partial, sentence of the window is left out.
    """
    if len(text) <= window:
        return sentence_spans(text)
    start = len(text) - window
    spans = sentence_spans(text[start:])[1:]
    return [(s + start, e + start) for s, e in spans]


def is_terse_list(text: str) -> bool:
    """Three or more sentences of at most six words, four on average (an author bio:
    ``Amateur web specialist. General food junkie. …``)."""
    if has_words(text, 60):
        return False
    sents = sentence_spans(text)
    if len(sents) < 3:
        return False
    lengths = [word_count(text[s:e]) for s, e in sents]
    return max(lengths) <= 6 and sum(lengths) / len(lengths) <= 4 and all(ends_sentence(text[s:e]) for s, e in sents)


def is_doubled(text: str) -> bool:
    """A string written twice with no space between (`Yuri SolozobovYuri Solozobov`): a scraped byline."""
    t = text.strip()
    half = len(t) // 2
    return len(t) >= 6 and len(t) % 2 == 0 and t[:half] == t[half:] and " " in t[:half]


def is_name_like(text: str) -> bool:
    """Two to four capitalised words and nothing else (`Sergey Kwan`): a byline by shape."""
    toks = text.split()
    return 2 <= len(toks) <= 4 and all(re.fullmatch(r"[A-ZА-ЯЁ][a-zа-яё'’-]+\.?|[A-Z]\.", t) for t in toks)


def starts_like_title(text: str) -> bool:
    t = text.lstrip("\"'“‘«([")
    return bool(t) and (t[0].isupper() or t[0].isdigit())


# --- pattern lists -----------------------------------------------------------
def _norm_label(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip(" \t|•·:–—-.»>")).casefold()


@dataclass
class Patterns:
    """The boilerplate lists of ``corpus/patterns/boilerplate.toml``, compiled.

    Attributes:
        nav_lines: navigation labels, normalised (case-folded, outer punctuation trimmed).
        nav_prefixes: case-folded line prefixes of section labels (`Region:`).
        link_intros: labels after which short lines are links to other articles (`Read also`).
        rules: reason -> the alternation of its regexes (None if it has none), tried in this order.
        dateline_words: words allowed beside a date on a dateline (`date`, `Published`).
    """

    nav_lines: set[str] = field(default_factory=set)
    nav_prefixes: tuple[str, ...] = ()
    link_intros: set[str] = field(default_factory=set)
    rules: dict[str, re.Pattern | None] = field(default_factory=dict)
    dateline_words: set[str] = field(default_factory=set)

    # Reasons tried on every short line, in this order; the TOML table name -> reason.
    TABLES = (("age_badges", "age_badge"), ("contact", "contact"), ("legal", "legal"),
              ("widgets", "widget"), ("credits", "photo_credit"), ("bylines", "byline"))
    # Reasons that may also remove the closing sentences of a prose paragraph.
    TAIL_REASONS = ("legal", "widget", "photo_credit")

    @classmethod
    def load(cls, path: str | Path) -> "Patterns":
        """Read and compile a pattern file.

        Raises:
            ConfigError: a missing or malformed file; re.error: a bad pattern.
        """
        return _load_patterns(str(path))

    def is_navigation(self, text: str) -> bool:
        label = _norm_label(text)
        return label in self.nav_lines or label.startswith(self.nav_prefixes)

    def is_link_intro(self, text: str) -> bool:
        return _norm_label(text) in self.link_intros

    def line_reason(self, text: str) -> str | None:
        """Why a short line is boilerplate, or None (contact details and navigation included)."""
        t = text.strip()
        if not LETTER_RE.search(t) and not re.search(r"\d", t):
            return "separator"
        if contact_spans(t):
            return "contact"
        if self.is_navigation(t) or self.is_link_intro(t):
            return "navigation"
        for reason, rx in self.rules.items():
            if rx is not None and rx.search(t):
                return reason
        return None

    def sentence_reason(self, text: str) -> str | None:
        """Why a sentence that closes a paragraph is boilerplate (legal notice, widget, credit, initials)."""
        t = text.strip()
        if INITIALS_RE.match(t):
            return "byline"
        for reason in self.TAIL_REASONS:
            rx = self.rules.get(reason)
            if rx is not None and rx.search(t):
                return reason
        return None


@lru_cache(maxsize=8)
def _load_patterns(path: str) -> Patterns:
    data = read_toml(path, "boilerplate pattern file", "fix the file or set stages.clean.patterns")
    nav = data.get("navigation", {})
    rules = {}
    for table, reason in Patterns.TABLES:
        regexes = data.get(table, {}).get("patterns", [])
        for p in regexes:
            re.compile(p)  # a bad pattern fails here, alone, with its own error message
        rules[reason] = re.compile("|".join(f"(?:{p})" for p in regexes), re.I) if regexes else None
    words = {w.casefold() for w in data.get("datelines", {}).get("words", [])}
    return Patterns(nav_lines={_norm_label(x) for x in nav.get("lines", [])},
                    nav_prefixes=tuple(p.casefold() for p in nav.get("prefixes", [])),
                    link_intros={_norm_label(x) for x in nav.get("link_intros", [])},
                    rules=rules, dateline_words=words)
