"""Repair: fix encoding damage, invisible characters and typos without rewriting the author's words.

Each repair is a pure function ``text -> list[Change]`` (offsets of ``text``),
table-tested on its own; :class:`Repair` applies them in order through
:meth:`Document.apply`, so every change is logged with raw offsets and a reason:

=================  ===========================================================
reason             what
=================  ===========================================================
``mojibake``       UTF-8 read as a single-byte code page (ftfy); a Cyrillic
                   code page read as Latin-1/Windows-1252 (``ìàÿ`` → ``мая``,
                   ``Ò-72`` → ``T-72``); GBK punctuation read as Latin-1
                   (``¡¯`` → ``’``)
``nfc``            Unicode NFC composition
``newline``        ``\\r\\n``, ``\\r``, form feed, U+2028... → ``\\n`` (line
                   structure kept: the clean stage splits on lines)
``control_char``   zero-width, bidi and C0/C1 control characters removed
``soft_hyphen``    U+00AD, and ``¬`` inside a word (a PDF hyphenation mark)
``space_paragraph`` a run of spaces after a sentence, in a text without blank
                   lines, → a blank line (scrapes that lost their paragraph
                   breaks keep them as runs of spaces)
``spaces``         non-breaking, exotic and doubled spaces, tabs → one space
``url_scheme``     ``ttps://``, ``htps://``, ``http//``... → ``https://``
``misspelt_name``  a rare letter-swapped spelling of a name the same report
                   uses often (``Lukanhesko`` → ``Lukashenko``)
=================  ===========================================================

Dates, datelines, wording, quotes and dashes are left to later stages or
left alone.
"""

from __future__ import annotations

import codecs
import math
import difflib
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pydantic import Field, field_validator

from pipeline.config import Params
from pipeline.document import Change, Document
from pipeline.stages.base import Stage


class RepairParams(Params):
    """``[stages.repair]``.

    Attributes:
        mojibake: fix UTF-8 mojibake with ftfy (``CafÃ©`` → ``Café``).
        recode_pairs: ``[read_as, written_in]`` code-page pairs tried, in order,
            on runs of Latin-1 letters (``["cp1252", "cp1251"]``: Windows-1251
            Cyrillic read as Windows-1252). Empty: no re-decoding.
        recode_min_letters: shortest letter run re-decoded as a word.
        recode_punct: code pages whose two-byte punctuation read as Latin-1 is
            restored (``"gbk"``: ``¡¯`` → ``’``). Empty: off.
        nfc: Unicode NFC.
        controls: newlines, control, zero-width and soft-hyphen characters.
        space_paragraphs: in a text without a blank line, a run of two or more spaces after
            sentence-final punctuation becomes a paragraph break, when the text has at least
            ``space_paragraph_min`` such runs (see :func:`space_paragraphs`).
        space_paragraph_min: fewest runs that make a text's runs of spaces paragraph breaks.
        spaces: non-breaking/exotic/doubled spaces and tabs → one space.
        url_schemes: broken ``http(s)://`` schemes.
        names: correct misspelt names (see :func:`misspelt_names`).
        name_min_length: shortest name considered (letters).
        name_min_count: the frequent spelling occurs at least this often.
        name_max_rare: the misspelling occurs at most this often (a report
            scraped twice holds every typo twice).
        name_min_ratio: frequent count / rare count at least this.
        name_max_edits: largest OSA (Damerau) distance between the spellings.
        name_same_letters: only letter swaps (both spellings hold the same
            letters): transliteration variants change letters
            (``Berdymokhmedov``/``Berdymukhmedov``), typing slips swap them.
        name_skip_known_words: leave a rare spelling the spaCy model's
            vocabulary knows (a real word or name).
        name_gazetteer: optional file of names, one a line, treated as
            frequent spellings in every report (relative to the working directory).
        max_passes: repairs are re-run until nothing changes (one repair can
            expose another, e.g. a zero-width space inside mojibake), at most
            this often.
    """

    mojibake: bool = True
    recode_pairs: list[tuple[str, str]] = [("cp1252", "cp1251"), ("latin-1", "cp1251")]
    recode_min_letters: int = 2
    recode_punct: list[str] = ["gbk"]
    nfc: bool = True
    controls: bool = True
    space_paragraphs: bool = True
    space_paragraph_min: int = Field(2, ge=1)
    spaces: bool = True
    url_schemes: bool = True
    names: bool = True
    name_min_length: int = 5
    name_min_count: int = 3
    name_max_rare: int = 2
    name_min_ratio: float = 5.0
    name_max_edits: int = 2
    name_same_letters: bool = True
    name_skip_known_words: bool = True
    name_gazetteer: str = ""
    max_passes: int = 3

    @field_validator("recode_pairs")
    @classmethod
    def _single_byte_pairs(cls, v: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for pair in v:
            for name in pair:
                if not single_byte(name):
                    raise ValueError(f"{name!r} is not a single-byte code page (e.g. cp1251, cp1252, latin-1, koi8-r)")
        return v

    @field_validator("recode_punct")
    @classmethod
    def _known_codecs(cls, v: list[str]) -> list[str]:
        for name in v:
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"unknown code page {name!r} (e.g. gbk)") from None
        return v

    @field_validator("name_gazetteer")
    @classmethod
    def _gazetteer_exists(cls, v: str) -> str:
        if v and not Path(v).is_file():
            raise ValueError(f"gazetteer file {v!r} not found (a path relative to the working directory, or \"\")")
        return v


def single_byte(name: str) -> bool:
    """True for a known code page that maps each byte to one character (``cp1251``, not ``gbk``)."""
    try:
        chars = bytes(range(256)).decode(name, errors="replace")
    except LookupError:
        return False
    # UTF-8 gives 128 replacement characters, GBK and UTF-16 fewer characters than bytes.
    return len(chars) == 256 and chars.count("\ufffd") < 16


# --- helpers ---------------------------------------------------------------
def lines(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` for every ``\\n``-separated line, without the ``\\n``."""
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def diff_changes(offset: int, old: str, new: str, reason: str) -> list[Change]:
    """Minimal changes turning ``old`` into ``new`` (``old`` starts at ``offset``).

    The common prefix and suffix are dropped, then difflib aligns the middle
    (skipped above 2,000 characters, where it would be slow: one change).
    """
    if old == new:
        return []
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    a, b = old[p:len(old) - s], new[p:len(new) - s]
    if len(a) + len(b) > 2000:
        return [Change(offset + p, offset + p + len(a), b, reason)]
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [Change(offset + p + i1, offset + p + i2, b[j1:j2], reason) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def line_fix(text: str, fix: Callable[[str], str], reason: str, skip_ascii: bool = True) -> list[Change]:
    """Apply a ``str -> str`` fix line by line; minimal changes where it changed something."""
    out: list[Change] = []
    for pos, line in lines(text):
        if skip_ascii and line.isascii():
            continue
        out += diff_changes(pos, line, fix(line), reason)
    return out


def apply_changes(text: str, changes: Iterable[Change]) -> str:
    """The text with non-overlapping changes applied (for tests and scripts)."""
    parts, pos = [], 0
    for c in sorted(changes, key=lambda c: (c.start, c.end)):
        parts += [text[pos:c.start], c.after]
        pos = c.end
    return "".join(parts) + text[pos:]


# --- mojibake: UTF-8 read as a single-byte code page (ftfy) -----------------
def fix_utf8_mojibake(text: str) -> list[Change]:
    """UTF-8 decoded as Latin-1/Windows-1252 and similar, fixed with ``ftfy.fix_encoding``.

    ftfy (Speer, 2019) also turns C1 controls into the Windows-1252 characters
    they stand for (``\\x93hi\\x94`` → ``“hi”``).
    """
    import ftfy

    return line_fix(text, lambda s: s if _no_lead_byte(s) else ftfy.fix_encoding(s), "mojibake")


# Common typography whose Windows-1252/1251 bytes are all below 0xC2: a line of
# ASCII and these holds no UTF-8 lead byte misread, so ftfy (slow on long
# lines) is skipped. Checked: ftfy changes none of the 2,780 such lines of the
# unlabelled corpus.
MAYBE_LEAD_BYTE_RE = re.compile("[^\x00-\x7f’‘“”–—…«»\u00a0•€™°]")


def _no_lead_byte(line: str) -> bool:
    return MAYBE_LEAD_BYTE_RE.search(line) is None


# --- mojibake: one single-byte code page read as another --------------------
# A Cyrillic letter inside a Latin model number becomes its Latin look-alike,
# as the authors themselves write С-125М as ``C-125M`` and 2С7 as ``2C7`` (see the
# annotation guidelines); letters without a look-alike take their single-letter
# transliteration; the rest (Ж, Ш, Я...) have none, and the token is left alone.
CYR_TO_LATIN = dict(zip("АВЕКМНОРСТУХБГДЗИЛПФЭ", "ABEKMHOPCTYXBGDZILPFE"))
VOWELS = set("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ" "αεηιουωάέήίόύώΑΕΗΙΟΥΩΆΈΉΊΌΎΏ")
NOT_INITIAL = set("ъьыЪЬЫ")  # no Russian/Belarusian/Ukrainian word starts with these


@lru_cache(maxsize=None)
def recode_table(read_as: str, written_in: str) -> dict[str, str]:
    """``{char as misread: letter meant}`` for every high byte that is a letter in ``written_in``.

    Example: ``recode_table("cp1252", "cp1251")["ì"] == "м"`` (byte 0xEC).
    """
    table = {}
    for b in range(0x80, 0x100):
        try:
            seen, meant = bytes([b]).decode(read_as), bytes([b]).decode(written_in)
        except UnicodeDecodeError:
            continue
        if meant.isalpha() and seen != meant:
            table[seen] = meant
    return table


def script(ch: str) -> str:
    """First word of the Unicode name (``CYRILLIC``, ``LATIN``, ``GREEK``...)."""
    return unicodedata.name(ch, "?").split(" ")[0]


def word_strength(word: str) -> int:
    """How plausible a re-decoded letter run is as a word: 0 no, 1 weak, 2 strong.

    Strong: three letters or more of one script, one case pattern (``мая``,
    ``СОР``, ``Минск``), a vowel, no letter that cannot follow it.
    Weak: passes the same checks but is short (``на``) or an all-caps run
    without a vowel (``СНГ``); accepted only next to a strong one in the
    same report.
    """
    if not word.isalpha() or len({script(c) for c in word}) != 1 or script(word[0]) == "LATIN":
        return 0
    if not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return 0
    if word[0] in NOT_INITIAL or re.search(r"(.)\1\1", word, re.I):
        return 0
    lower = word.lower()
    if re.search("[аеёиоуыэюяіїє][ъь]", lower):  # a soft/hard sign never follows a vowel
        return 0
    has_vowel = any(c in VOWELS for c in word)
    if not has_vowel and not word.isupper():
        return 0
    return 2 if has_vowel and len(word) >= 3 else 1


def recode_word(token: str, tables: list[dict[str, str]], min_letters: int) -> tuple[str, int] | None:
    """Re-decode the misread letters of one token (letters, digits, hyphens).

    Returns:
        ``(new_token, strength)``, or ``None`` when no reading is plausible.
        A model number (a digit, capitals only, each misread run one letter or
        next to Latin letters: ``Ò-72``, ``Ñ-125Ì``) takes Latin look-alikes,
        strength 2. Otherwise every misread run must stand alone as a word
        (only digits or hyphens beside it, so ``café``, ``Zürich``, ``Gömeç``
        never qualify) and read as a plausible word (:func:`word_strength`);
        the token's strength is its weakest run's.
    """
    for table in tables:
        runs = list(re.finditer(f"[{re.escape(''.join(table))}]+", token))
        if not runs:
            continue
        others = re.sub(f"[{re.escape(''.join(table))}]", "", token)
        meant = [("".join(table[c] for c in m.group())) for m in runs]
        if (any(c.isdigit() for c in token) and all(c.isupper() for w in meant for c in w)
                and all(c.isupper() and c.isascii() for c in others if c.isalpha())
                and all(c in CYR_TO_LATIN for w in meant for c in w)
                and (any(c.isalpha() for c in others) or all(len(m.group()) == 1 for m in runs))):
            return _splice(token, runs, ["".join(CYR_TO_LATIN[c] for c in w) for w in meant]), 2
        strength = 2
        for m, w in zip(runs, meant):
            before, after = token[m.start() - 1:m.start()], token[m.end():m.end() + 1]
            if before.isalpha() or after.isalpha() or len(w) < min_letters:
                strength = 0
                break
            strength = min(strength, word_strength(w))
        if strength:
            return _splice(token, runs, meant), strength
    return None


def _splice(token: str, runs: list[re.Match], new: list[str]) -> str:
    parts, pos = [], 0
    for m, w in zip(runs, new):
        parts += [token[pos:m.start()], w]
        pos = m.end()
    return "".join(parts) + token[pos:]


@lru_cache(maxsize=8)
def recode_regexes(pairs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern, re.Pattern]:
    """(one misread character, a token of letters/digits/hyphens/misread characters)."""
    chars = re.escape("".join(sorted(set().union(*(recode_table(a, b) for a, b in pairs)))))
    return re.compile(f"[{chars}]"), re.compile(f"(?:[^\\W_]|[-{chars}])+")


def recode_mojibake(text: str, pairs: list[tuple[str, str]], min_letters: int = 2) -> list[Change]:
    """Cyrillic (or another single-byte script) read in the wrong single-byte code page.

    ftfy repairs UTF-8 read as Latin-1, not Windows-1251 read as Windows-1252
    (``20 ìàÿ 2024`` is ``20 мая 2024``). Tokens holding such characters are
    re-decoded with :func:`recode_word`; weak readings are kept only when the
    same text has a strong one.

    Args:
        text: the current text.
        pairs: ``(read_as, written_in)`` code pages, tried in order.
        min_letters: shortest run re-decoded as a word.

    Returns:
        One ``mojibake`` change per repaired token.
    """
    if not pairs:
        return []
    tables = [recode_table(a, b) for a, b in pairs]
    any_re, token_re = recode_regexes(tuple(tuple(p) for p in pairs))
    if not any_re.search(text):
        return []
    found = []
    for m in token_re.finditer(text):
        if any_re.search(m.group()):
            res = recode_word(m.group(), tables, min_letters)
            if res:
                found.append((m, *res))
    strong = any(s == 2 for _, _, s in found)
    return [Change(m.start(), m.end(), new, "mojibake") for m, new, s in found if s == 2 or strong]


# Two-byte punctuation of a CJK code page read as Latin-1: ``country¡¯s`` (GBK ’).
PUNCT_OK = set("‘’“”—…")


def recode_punct(text: str, codepages: list[str]) -> list[Change]:
    """Restore typographic punctuation whose two GBK-like bytes were read as Latin-1.

    Only pairs decoding to one of ``‘’“”—…`` are replaced: a lone ``¡`` or
    ``¿`` is left alone.
    """
    out = []
    if "\u00a1" not in text:
        return out
    for m in re.finditer("\u00a1[\u00a1-\u00fe]", text):
        for cp in codepages:
            try:
                meant = m.group().encode("latin-1").decode(cp)
            except UnicodeError:
                continue
            if meant in PUNCT_OK:
                out.append(Change(m.start(), m.end(), meant, "mojibake"))
                break
    return out


# --- Unicode form, invisible characters, spaces ----------------------------
def fix_nfc(text: str) -> list[Change]:
    """Unicode NFC (composed accents), as minimal changes."""
    return line_fix(text, lambda s: unicodedata.normalize("NFC", s), "nfc")


NEWLINE_RE = re.compile("\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028]")
PARAGRAPH_RE = re.compile("\u2029")
# After textacy.preprocessing.resources.RE_ZWSP, plus bidi marks and C0/C1 controls
# (tab, newline and carriage return excepted: they are whitespace).
CONTROL_RE = re.compile("[\u200b\u2060\ufeff\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
                        "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
JOINER_RE = re.compile("[\u200c\u200d]")
SOFT_HYPHEN_RE = re.compile("[\u00ad\u00ac]")
# Horizontal spaces other than U+0020. textacy.preprocessing.resources.RE_NONBREAKING_SPACE
# is ``[^\S\n\v]+``; here the same idea without line breaks' kin (made ``\n`` before) and
# without matching every single plain space (which would be slow).
HSPACE = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
SPACES_RE = re.compile(f" [ {HSPACE}]+|[{HSPACE}][ {HSPACE}]*")


def fix_newlines(text: str) -> list[Change]:
    """Line breaks Python's ``splitlines`` knows → ``\\n`` (U+2029 paragraph → blank line)."""
    out = [Change(m.start(), m.end(), "\n", "newline") for m in NEWLINE_RE.finditer(text)]
    return out + [Change(m.start(), m.end(), "\n\n", "newline") for m in PARAGRAPH_RE.finditer(text)]


def _joins_letters(text: str, i: int) -> bool:
    """True when a ZWNJ/ZWJ at ``i`` sits between two non-Latin letters (Persian, Indic...)."""
    prev, nxt = text[i - 1:i], text[i + 1:i + 2]
    ok = [c and (c.isalpha() or unicodedata.category(c).startswith("M")) and ord(c) > 0x24F for c in (prev, nxt)]
    return all(ok)


def fix_controls(text: str, known: Callable[[str], bool] | None = None) -> list[Change]:
    """Remove zero-width, bidi and control characters and soft hyphens.

    ZWNJ/ZWJ stay between letters of scripts that need them (Persian ``می‌خواهم``).
    A soft hyphen is invisible, so removing it gives the word as rendered
    (``Turk\\u00admenistan``); but some sites put it where a hyphen was meant:
    between two words that ``known`` knows and that are not one known word
    together (``five\\u00adparty``) it becomes ``-``. ``¬`` between letters
    (``Turk¬menistan``) is a PDF line-break hyphen and is removed.
    """
    out = [Change(m.start(), m.end(), "", "control_char") for m in CONTROL_RE.finditer(text)]
    out += [Change(m.start(), m.end(), "", "control_char") for m in JOINER_RE.finditer(text)
            if not _joins_letters(text, m.start())]
    for m in SOFT_HYPHEN_RE.finditer(text):
        if m.group() == "\u00ac" and not (text[m.start() - 1:m.start()].isalpha()
                                          and "a" <= text[m.end():m.end() + 1] <= "z"):
            continue  # a real "not" sign
        hyphen = m.group() == "\u00ad" and known is not None and _hyphen_meant(text, m.start(), known)
        out.append(Change(m.start(), m.end(), "-" if hyphen else "", "soft_hyphen"))
    return out


def _hyphen_meant(text: str, i: int, known: Callable[[str], bool]) -> bool:
    left = re.search(r"[^\W\d_]+$", text[max(0, i - 40):i])
    right = re.match(r"[^\W\d_]+", text[i + 1:i + 41])
    if not (left and right):
        return False
    a, b = left.group(), right.group()
    return len(a) > 1 and len(b) > 1 and known(a) and known(b) and not known(a + b)


# Two or more spaces after a sentence's end (closing quote included), before what opens one.
SPACE_PARAGRAPH_RE = re.compile(f"(?<=[.!?\"”’»])[ {HSPACE}]{{2,}}(?=[\"“‘«(\\[]?[A-Z0-9А-Я])")


def space_paragraphs(text: str, min_runs: int = 2) -> list[Change]:
    """Runs of spaces that stand for lost paragraph breaks → ``\n\n``.

    Only in a text with no blank line (one that has paragraph breaks uses them), and only when at
    least ``min_runs`` sentence ends are followed by such a run: Tehran Times pages scraped as one
    line separate paragraphs by two or more spaces ("troubled waters".  After the armed attack…).
    """
    if "\n\n" in text.strip():
        return []
    runs = list(SPACE_PARAGRAPH_RE.finditer(text))
    if len(runs) < min_runs:
        return []
    return [Change(m.start(), m.end(), "\n\n", "space_paragraph") for m in runs]


def fix_spaces(text: str) -> list[Change]:
    """Non-breaking/exotic spaces and tabs → a space; runs of them → one space. Newlines stay."""
    return [Change(m.start(), m.end(), " ", "spaces") for m in SPACES_RE.finditer(text)]


# --- links -------------------------------------------------------------------
# ``ttps://``, ``htps://``, ``htttps://``, ``hhttp://``, ``https//``, ``https:/``. The search
# anchors on the separator (a pattern that may start anywhere is slow on long texts), then
# reads the scheme before it; the character before the scheme must not be a letter
# (``ftp://``, ``sftp://`` are real schemes).
URL_SEP_RE = re.compile(r"[pPsS](:/{1,3}|//)(?=[A-Za-z0-9\[])")
URL_SCHEME_RE = re.compile(r"(h{0,2}t{1,3}p{1,2}(s?))$", re.I)


def fix_url_schemes(text: str) -> list[Change]:
    """Broken ``http``/``https`` schemes in links → ``https://`` or ``http://``."""
    out = []
    for sep in URL_SEP_RE.finditer(text):
        lo = max(0, sep.start(1) - 8)
        m = URL_SCHEME_RE.search(text[lo:sep.start(1)])
        if not m:
            continue
        start = lo + m.start()
        prev = text[start - 1:start]
        if prev and (prev.isalnum() or prev in "_.+-"):
            continue
        scheme = "https" if m.group(2) else "http"
        if m.group(1).lower() != scheme or sep.group(1) != "://":
            out.append(Change(start, sep.end(), scheme + "://", "url_scheme"))
    return out


# --- misspelt names -----------------------------------------------------------
# Words of two letters or more starting with a capital (a lower-case ASCII first letter
# fails at once, which keeps it fast).
NAME_RE = re.compile(r"\b(?:[A-Z]|[^\x00-\x7f\W\d_])[^\W\d_]+\b")


def misspelt_names(text: str, params: RepairParams, known: Callable[[str], bool] = lambda w: False,
                   gazetteer: Iterable[str] = ()) -> list[Change]:
    """Correct a rare spelling of a name that the same report uses clearly more often.

    A capitalised token ``r`` is replaced by ``f`` when all hold:
    same first letter and length, ``count(f) >= name_min_count``,
    ``count(r) <= name_max_rare``, ``count(f) >= name_min_ratio * count(r)``,
    OSA distance (rapidfuzz) ``<= name_max_edits``, the same letters when
    ``name_same_letters`` (a swap such as ``Lukanhesko``/``Lukashenko``: a
    transliteration variant such as ``Berdymokhmedov``/``Berdymukhmedov`` or
    ``Ganja``/``Gandja`` changes letters and is left as written), ``r`` never
    written in lower case in the report and not ``known`` as a word, and
    exactly one ``f`` qualifies. Gazetteer names count as frequent whatever
    their count in the report.

    Returns:
        One ``misspelt_name`` change per occurrence of ``r``; its Edit keeps
        both spellings.
    """
    from rapidfuzz.distance import OSA

    counts = {w: n for w, n in Counter(NAME_RE.findall(text)).items() if _is_name(w)}
    frequent = {w: n for w, n in counts.items() if n >= params.name_min_count}
    for name in gazetteer:
        frequent[name] = math.inf  # a known spelling: any count is enough

    def key(w: str) -> tuple:
        return w[0], len(w), "".join(sorted(w)) if params.name_same_letters else ""

    buckets: dict[tuple, list[str]] = {}
    for f in frequent:
        if _is_name(f):
            buckets.setdefault(key(f), []).append(f)
    fixes: dict[str, str] = {}
    for r, n in counts.items():
        if len(r) < params.name_min_length or n > params.name_max_rare or r in frequent:
            continue
        cands = [f for f in buckets.get(key(r), ())
                 if frequent[f] >= params.name_min_ratio * n
                 and OSA.distance(r, f, score_cutoff=params.name_max_edits) <= params.name_max_edits]
        if len(cands) == 1 and not _lower_case_in(r, text) and not known(r):
            fixes[r] = cands[0]
    return [Change(m.start(), m.end(), f, "misspelt_name") for r, f in fixes.items() for m in _occurrences(r, text)]


def _lower_case_in(word: str, text: str) -> bool:
    """The word also written in lower case somewhere in ``text`` (so a common word)."""
    return next(_occurrences(word.lower(), text), None) is not None


def _occurrences(word: str, text: str) -> Iterator[re.Match]:
    """``word`` as a whole token (not in ``MAZ-branded``, ``Su25``, ``snake_case``)."""
    return re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)


def _is_name(w: str) -> bool:
    return w[0].isupper() and w[1:].islower()


@lru_cache(maxsize=8)
def load_gazetteer(path: str) -> tuple[str, ...]:
    """Names of a gazetteer file, one a line (``#`` comments and blank lines skipped)."""
    rows = Path(path).read_text(encoding="utf-8").splitlines()
    return tuple(r.strip() for r in rows if r.strip() and not r.lstrip().startswith("#"))


# --- the stage ------------------------------------------------------------------
class Repair(Stage):
    """``repair.v1``: apply the repairs in order, repeated until nothing changes (``max_passes``).

    Params: :class:`RepairParams`. Methods: ftfy (Speer 2019) for UTF-8 mojibake, a guarded code-page
    re-decoder, Unicode NFC, and misspelt names by OSA (Damerau) distance (rapidfuzz).
    """

    Params = RepairParams
    requires = ("text",)
    assigns = ("text",)

    def steps(self) -> list[Callable[[str], list[Change]]]:
        p = self.params
        out: list[Callable[[str], list[Change]]] = []
        if p.mojibake:
            out.append(fix_utf8_mojibake)
        if p.recode_pairs:
            out.append(lambda t: recode_mojibake(t, p.recode_pairs, p.recode_min_letters))
        if p.recode_punct:
            out.append(lambda t: recode_punct(t, p.recode_punct))
        if p.nfc:
            out.append(fix_nfc)
        if p.controls:
            out += [fix_newlines, lambda t: fix_controls(t, self.vocab_word)]
        if p.space_paragraphs:  # before fix_spaces, which makes every run one space
            out.append(lambda t: space_paragraphs(t, p.space_paragraph_min))
        if p.spaces:
            out.append(fix_spaces)
        if p.url_schemes:
            out.append(fix_url_schemes)
        if p.names:
            gaz = load_gazetteer(p.name_gazetteer) if p.name_gazetteer else ()
            known = self.vocab_word if p.name_skip_known_words else (lambda w: False)
            out.append(lambda t: misspelt_names(t, p, known, gaz))
        return out

    def vocab_word(self, word: str) -> bool:
        """A word the spaCy model's vocabulary holds, as written or in lower case.

        The model is loaded only when a candidate needs it (rare); later stages load it anyway.
        """
        strings = self.ctx.nlp.vocab.strings
        return word in strings or word.lower() in strings

    def process(self, doc: Document) -> None:
        steps = self.steps()
        for _ in range(self.params.max_passes):
            first = len(doc.edits)
            for step in steps:
                doc.apply(step(doc.text), self.name)
            if len(doc.edits) == first:
                break
            for e in doc.edits[first:]:
                self.counts[e.reason] += 1
