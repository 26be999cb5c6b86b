"""Evidence for boilerplate: line shapes, pattern lists, datelines, references, markup, contacts.

Pure functions over strings, used by the ``clean`` stage (pipeline/stages/clean.py).
Every decision rests on evidence a user can inspect:

- the *shape* of a line: how many words, whether it ends a sentence
  (:func:`ends_sentence`), how many words it has (:func:`has_words`);
- *pattern lists* kept as data in ``corpus/patterns/boilerplate.toml``
  (navigation labels, widgets, credits, legal notices, contact lines);
- *contact details* found by regex (e-mail, phone numbers);
- *dates* found by regex and parsed with dateparser.

Offsets are Python string indices into the text given (``end`` exclusive).
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

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
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International phone numbers: `+7 (495) 767-81-36`, `(202) 555-0100`, `+994 12 555 55 55`.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,5}(?![\w])")
PHONE_HINT_RE = re.compile(r"\d{3}[\s.)-]{1,2}\d{2,4}")  # cheap test before the slow phone patterns
PHONE_KEY_RE = re.compile(r"(?:ph|tel|phone|fax|mob|mobile|call)\.?\s*[:.]?\s*$", re.I)
URL_RE = re.compile(r"(?:(?:hhttps?|https?|htps?|ttps?|htp|tps?)://|www\.)[^\s<>\"'»”]+", re.I)
SCHEME_RE = re.compile(r"^(?:hhttps?|https?|htps?|ttps?|htp|tps?)://", re.I)
# Editor initials and wire codes closing an article (`MH/PA`, `AFM/MG`, `RA/MA END MNA`, `MH/`):
# only tried on the closing fragments of a paragraph, never on a whole line of text.
INITIALS_RE = re.compile(r"^[A-Z]{1,4}(?:/[A-Z]{0,4})*(?:\s+[A-Z]{1,4}(?:/[A-Z]{0,4})*){0,3}$")
# A reference item: `1. Title…`, `[1]Title…`, `1) Title…`, a Markdown footnote `[^1]: Title…`.
REF_ITEM_RE = re.compile(r"^(?:\[(\d{1,3})\]|(\d{1,3})[.)]|\[\^(\d{1,3})\]:)\s*(?=\S)")
FOOTNOTE_RE = re.compile(r"^\[\^\d{1,3}\]:")
CITATION_RE = re.compile(r"\[\^?(\d{1,3})\]")

MONTH_WORD = r"[^\W\d_]{3,12}\.?"
DATE_RES = [
    re.compile(r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?!\d)"),
    re.compile(r"(?<!\d)\d{1,2}\s*([./])\s*\d{1,2}\s*\1\s*\d{4}(?!\d)"),
    re.compile(rf"(?<!\d)\d{{1,2}}\s+{MONTH_WORD},?\s+\d{{4}}(?!\d)"),
    re.compile(rf"\b{MONTH_WORD}\s+\d{{1,2}},?\s+\d{{4}}(?!\d)"),
]
TIME_RE = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
# Months (English) that make a prefix a dateline: `Almaty. June 20. Kazakhstan Today - `.
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
# An inline dateline opening the first paragraph: `ASTANA (TCA) — `, `TEHRAN- `, `TEHRAN/ANKARA – `,
# `Baku, Aug 6, IRNA -- `.
INLINE_DATELINE_RE = re.compile(
    r"^(?P<prefix>[A-ZА-ЯЁ][\w'’./-]*(?:[ ,.]+(?:[A-ZА-ЯЁ][\w'’./-]*|\d{1,4}[.,]?|\([^()\n]{1,30}\)))*)"
    r"\s*(?:—|–|--|-)\s*(?=[\"'“‘«]?[A-ZА-ЯЁ])")


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
            FileNotFoundError, tomllib.TOMLDecodeError, re.error: a missing or malformed file.
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
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
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


# --- contacts ------------------------------------------------------------------
def find_phones(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers: 9+ digits written with `+`, an area code in brackets, or after `Ph.`/`Tel`/`Fax`."""
    out = []
    for m in PHONE_RE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        keyed = PHONE_KEY_RE.search(text[max(0, m.start() - 12):m.start()])
        if digits >= 9 and (m.group().startswith("+") or "(" in m.group() or keyed):
            out.append((m.start(), m.end()))
    return out


def contact_spans(text: str) -> list[tuple[int, int]]:
    """E-mail addresses and phone numbers in ``text``, sorted, not overlapping."""
    if "@" not in text and not PHONE_HINT_RE.search(text):
        return []
    spans = sorted([(m.start(), m.end()) for m in EMAIL_RE.finditer(text)] + find_phones(text))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if not out or s >= out[-1][1]:
            out.append((s, e))
    return out


def redact(text: str, contact: bool = False) -> str:
    """Replace e-mails and phone numbers with `_EMAIL_` / `_PHONE_`.

    textacy's ``replace.emails``, then this module's international phone
    pattern; textacy's ``replace.phone_numbers`` (North-American formats) only
    on text known to be contact details (``contact``), because it also takes
    year ranges such as ``(1397-1433)`` for phone numbers.
    """
    if "@" not in text and not PHONE_HINT_RE.search(text):
        return text  # nothing to redact; textacy's patterns are slow on long text
    from textacy.preprocessing import replace

    text = replace.emails(text)
    if contact:
        text = replace.phone_numbers(text)
    for s, e in reversed(find_phones(text)):
        text = text[:s] + "_PHONE_" + text[e:]
    return text


# --- dates -------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def parse_date(text: str, languages: tuple[str, ...] = ("en", "ru")) -> str | None:
    """ISO 8601 date (`2024-05-20`) of a date string with day, month and year, else None.

    Numeric dates are read day first (`20.06.2007`, `26 / 08 / 2022`), as on the
    sites of this corpus; parsing is done by dateparser.
    """
    import dateparser

    t = re.sub(r"\s*([./])\s*", r"\1", text.strip()) if re.fullmatch(r"[\d\s./]+", text.strip()) else text
    try:
        d = dateparser.parse(t, languages=list(languages),
                             settings={"DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day", "month", "year"]})
    except Exception:  # dateparser raises assorted errors on odd input; no date then
        return None
    return d.date().isoformat() if d else None


def find_dates(text: str, languages: tuple[str, ...] = ("en", "ru")) -> list[tuple[int, int, str]]:
    """``(start, end, iso)`` of every parseable full date in ``text``, in order."""
    out = []
    for rx in DATE_RES:
        for m in rx.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _ in out):
                continue
            iso = parse_date(m.group(), languages)
            if iso:
                out.append((m.start(), m.end(), iso))
    return sorted(out)


def dateline_date(text: str, patterns: Patterns, languages: tuple[str, ...] = ("en", "ru")) -> str | None:
    """The ISO date of a dateline: a short line holding a date and at most a few label words.

    ``20 May 2024``, ``26 / 08 / 2022``, `` date 2021-04-20 News``, ``20.06.2007, 10:10 2632``
    (time and view counter). The words beside the date must be dateline words or
    navigation labels (``corpus/patterns/boilerplate.toml``), and one capitalised
    word more (a section name), so a heading such as ``Elections of 4 December 2016``
    is not a dateline.
    """
    if len(text) > 80 or word_count(text) > 12:
        return None
    dates = find_dates(text, languages)
    if not dates:
        return None
    rest = text
    for s, e, _ in reversed(dates):
        rest = rest[:s] + " " + rest[e:]
    rest = TIME_RE.sub(" ", rest)
    words = [w for w in WORD_RE.findall(rest) if not w.isdigit()]
    other = [w for w in words if w.casefold() not in patterns.dateline_words and not patterns.is_navigation(w)]
    # One capitalised word more may be the site's section name (` date 2022-03-15 Politics`).
    if not other or (len(other) == 1 and other[0][:1].isupper()):
        return dates[0][2]
    return None


def inline_dateline(text: str) -> int:
    """Length of an inline dateline that opens a paragraph (0 if none), dash and spaces included.

    The prefix before the dash must be short, made of capitalised words, numbers and
    a bracketed agency, and hold an all-caps word (`ASTANA`, `(TCA)`, `IRNA`) or a
    month (`Almaty. June 20. Kazakhstan Today - `), so an ordinary sentence with a dash
    (`President Putin - who …`) is left alone.
    """
    m = INLINE_DATELINE_RE.match(text)
    if not m:
        return 0
    prefix = m.group("prefix")
    if len(prefix) > 60 or word_count(prefix) > 8:
        return 0
    caps = re.search(r"\b[A-ZА-ЯЁ]{3,}\b", prefix)
    month = re.search(rf"\b(?:{MONTHS})\b\.?\s*\d{{1,2}}\b", prefix, re.I)
    return m.end() if (caps or month) else 0


# --- references -------------------------------------------------------------------
def repair_scheme(url: str) -> str:
    """`ttps://x` -> `https://x`, `htp://x` -> `http://x` (a scraper's lost letters)."""
    m = SCHEME_RE.match(url)
    if not m:
        return url
    scheme = "https" if "s" in m.group().lower().rstrip(":/") else "http"
    return scheme + "://" + url[m.end():]


def ref_number(text: str) -> int | None:
    m = REF_ITEM_RE.match(text)
    return int(m.group(1) or m.group(2) or m.group(3)) if m else None


def parse_reference(text: str, languages: tuple[str, ...] = ("en", "ru")) -> dict:
    """One reference item -> ``{"n", "text", "url"?, "date"?}``.

    ``text`` keeps the source and date as written, without the number and the URL;
    ``url`` has its scheme repaired; ``date`` is the item's first full date (ISO).
    """
    m = REF_ITEM_RE.match(text)
    n = int(m.group(1) or m.group(2) or m.group(3))
    body = text[m.end():]
    rec: dict = {"n": n}
    urls = list(URL_RE.finditer(body))
    if urls:
        u = urls[-1]
        rec["url"] = repair_scheme(u.group().rstrip(".,;)"))
        body = body[:u.start()] + body[u.end():]
    rec["text"] = re.sub(r"\s+", " ", body).strip()
    dates = find_dates(rec["text"], languages)
    if dates:
        rec["date"] = dates[0][2]
    return {"n": rec["n"], "text": rec["text"], **{k: rec[k] for k in ("url", "date") if k in rec}}


def _ref_key(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().casefold()


def flag_duplicate_references(refs: list[dict]) -> None:
    """Mark an item that cites the same source as an earlier one: ``"duplicate_of": n`` (same URL or same text)."""
    seen: dict[str, int] = {}
    for r in refs:
        keys = [_ref_key(r["text"])] + ([_ref_key(SCHEME_RE.sub("", r["url"]))] if r.get("url") else [])
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None and first != r["n"]:
            r["duplicate_of"] = first
        for k in keys:
            seen.setdefault(k, r["n"])


# --- markup --------------------------------------------------------------------
HTML_TAGS = (
    "a|abbr|address|article|aside|audio|b|big|blockquote|body|br|button|caption|center|cite|code|col|"
    "dd|del|details|div|dl|dt|em|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|"
    "iframe|img|input|ins|kbd|label|li|link|main|mark|meta|nav|noscript|object|ol|p|param|picture|pre|"
    "q|s|script|section|small|source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|"
    "template|tfoot|th|thead|time|title|tr|track|tt|u|ul|video|wbr"
)
# Elements whose content is not text of the report (code, media players, captions).
DROP_ELEMENTS = "script|style|noscript|audio|video|iframe|figcaption|svg|object|template|button|form"
# Inline markup: every alternative starts with `<`, `{`, `!`, `[`, `*`, `_`, `=`, `~` or `&`,
# so the scan skips plain text quickly (checked by the look-ahead).
INLINE_MARKUP_RE = re.compile(
    r"(?=[<{!\[*_=~&])(?:"
    rf"(?P<element><(?P<tag>{DROP_ELEMENTS})\b[^<>]*>.*?</(?P=tag)\s*>)"
    r"|(?P<comment><!--.*?-->)"
    r"|(?P<liquid>\{%.*?%\}|\{\{.*?\}\}|\{:[^}\n]*\})"  # Liquid tags, kramdown attribute lists
    rf"|(?P<tagx></?(?:{HTML_TAGS})(?:\s[^<>]*)?/?>)"
    r"|(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<ltext>[^\]\n]+)\]\((?P<lurl>[^)\s]+)(?:\s+\"[^\"\n]*\")?\))"
    r"|(?P<deco>[*_=~]{4,})"
    r"|(?P<emph>(?<![\w*_])(?P<mark>\*{1,3}|_{2,3})(?=[^\s*_])[^\n]*?[^\s*_](?P=mark)(?![\w*_]))"
    r"|(?P<entity>&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});))",
    re.I | re.S,
)
# Markdown markers at the start of a line: rules, heading hashes, quote marks, list bullets.
LINE_MARKUP_RE = re.compile(
    r"^(?:(?P<rule>[ \t]*(?:[-*_][ \t]*){3,}$)"
    r"|(?P<heading>[ \t]{0,3}#{1,6}[ \t]+)"
    r"|(?P<quote>[ \t]{0,3}(?:>[ \t]?)+))",
    re.M,
)
# A list bullet opening a line: evidence of a list item (the bullet is kept).
BULLET_RE = re.compile(r"^[-*+•▪–]\s+(?=\S)")
BLOCK_TAG_RE = re.compile(r"</?(br|p|div|h[1-6]|li|tr|hr|figure|blockquote)\b", re.I)


def markup_changes(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` that strip HTML and Markdown remnants, keeping the words.

    Tags, comments and Liquid tags go; scripts, styles, media players and
    figure captions go with their content; Markdown keeps the text of a link and
    of emphasis but loses its markers (list bullets stay: the clean stage uses
    them as evidence of a list); character entities are decoded
    (``&amp;`` -> ``&``, ``&nbsp;`` -> space). Literal brackets (`[4]`, `[trucks]`)
    stay. Apply repeatedly until it returns nothing (stripping can expose markup).
    """
    out: list[tuple[int, int, str]] = []
    for m in INLINE_MARKUP_RE.finditer(text):
        if m.group("link") is not None:
            out.append((m.start(), m.start("ltext"), ""))
            out.append((m.end("ltext"), m.end(), ""))
        elif m.group("emph") is not None:
            k = len(m.group("mark"))
            out.append((m.start(), m.start() + k, ""))
            out.append((m.end() - k, m.end(), ""))
        elif m.group("entity") is not None:
            rep = html.unescape(m.group()).replace("\xa0", " ")
            if rep != m.group():
                out.append((m.start(), m.end(), rep))
        elif m.group("tagx") is not None and BLOCK_TAG_RE.match(m.group()):
            out.append((m.start(), m.end(), "\n"))  # block-level tags separate lines
        else:
            out.append((m.start(), m.end(), ""))
    line_marks = [(m.start(), m.end(), "") for m in LINE_MARKUP_RE.finditer(text) if m.end() > m.start()]
    return merge_spans(out + line_marks)


# --- hard line breaks -----------------------------------------------------------
def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line without its line break."""
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body)
        pos += len(line)


def hard_wrap_joins(text: str, min_pairs: int = 3) -> list[tuple[int, int]]:
    """Spans (line break plus indentation) to replace by one space to undo hard wrapping.

    A text is hard-wrapped when, among pairs of consecutive non-blank lines, at
    least half break mid-sentence and at least 30% continue with a lowercase
    letter (prose wrapped at a fixed width: azernews). Then every break inside
    a paragraph (a run of non-blank lines) is joined, except after a line much
    shorter than the wrap width that ends a sentence (a short heading or
    sign-off keeps its own line).
    """
    lines = [(s, e) for s, e in line_spans(text)]
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if text[a[0]:a[1]].strip() and text[b[0]:b[1]].strip()]
    if len(pairs) < min_pairs:
        return []
    firsts = [text[a[0]:a[1]].strip() for a, _ in pairs]
    nexts = [text[b[0]:b[1]].strip() for _, b in pairs]
    open_share = sum(not ends_sentence(t) for t in firsts) / len(pairs)
    lower_share = sum(t[:1].islower() for t in nexts) / len(pairs)
    if open_share < 0.5 or lower_share < 0.3:
        return []
    widths = sorted(len(t) for t in firsts)
    wrap = widths[int(0.9 * (len(widths) - 1))]
    out = []
    for (a, b), first, nxt in zip(pairs, firsts, nexts):
        if len(first) < 0.5 * wrap and ends_sentence(first) and not nxt[:1].islower():
            continue
        end_a = a[0] + len(text[a[0]:a[1]].rstrip())
        start_b = b[0] + (len(text[b[0]:b[1]]) - len(text[b[0]:b[1]].lstrip()))
        out.append((end_a, start_b))
    return out


def merge_spans(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop spans that overlap an earlier-starting or longer one (first come, first kept)."""
    out: list[tuple[int, int, str]] = []
    for s, e, r in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if s >= e:
            continue
        if out and s < out[-1][1]:
            continue
        out.append((s, e, r))
    return out
