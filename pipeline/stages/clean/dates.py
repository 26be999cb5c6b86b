"""Dates of datelines: found by regex and parsed with dateparser.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.stages.clean.evidence import WORD_RE, Patterns, word_count

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


TIME_LINE_RE = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?:[ap]\.?m\.?|GMT|UTC))?", re.I)


def is_time_line(text: str) -> bool:
    """A line that is only a clock time (``16:25``, ``10:45 am``): the time part of a dateline."""
    return TIME_LINE_RE.fullmatch(text.strip()) is not None


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


def inline_dateline(text: str, strict: bool = False) -> int:
    """Length of an inline dateline that opens a paragraph (0 if none), dash and spaces included.

    The prefix before the dash must be short, made of capitalised words, numbers and
    a bracketed agency, and hold an all-caps word (`ASTANA`, `(TCA)`, `IRNA`) or a
    month (`Almaty. June 20. Kazakhstan Today - `), so an ordinary sentence with a dash
    (`President Putin - who …`) is left alone. ``strict`` (a paragraph inside the body, where
    `NATO - the alliance …` may open a sentence) asks for a month and day or a bracketed agency.
    """
    m = INLINE_DATELINE_RE.match(text)
    if not m:
        return 0
    prefix = m.group("prefix")
    if len(prefix) > 60 or word_count(prefix) > 8:
        return 0
    caps = re.search(r"\b[A-ZА-ЯЁ]{3,}\b", prefix)
    month = re.search(rf"\b(?:{MONTHS})\b\.?\s*\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{MONTHS})\b", prefix, re.I)
    if strict:
        agency = re.search(r"\([A-ZА-ЯЁ][^()]*\)", prefix)
        return m.end() if (month or agency) else 0
    return m.end() if (caps or month) else 0
