"""Entity components around spaCy's statistical NER, and the pipeline that holds them.

The statistical model keeps its general coverage; domain knowledge comes from
versioned pattern files (``corpus/patterns/entities/*.jsonl``, spaCy
``span_ruler``/``entity_ruler`` format) and is placed around the model in three
spaCy components, added once to the shared pipeline:

1. ``irnlp_entity_patterns`` (a ``span_ruler``, first in the pipeline): every
   pattern match, into ``doc.spans["irnlp_matches"]``.
2. ``irnlp_entity_anchors`` (before ``ner``): picks non-overlapping matches
   (longest first) and presets them as entities, which spaCy's entity
   recognizer keeps and predicts around (``Doc.set_ents``; its transition
   system rejects moves that contradict preset tokens). This is how the
   model's known confusions are fixed (``Karabakh`` PERSON -> LOC, ``Minsk``
   ORG -> GPE) without hiding the entities it finds elsewhere. A match that may
   be part of a longer name (``Minsk`` in ``Minsk State Linguistic University``,
   ``Belarus`` in ``Security Council of Belarus``; see ``heads.txt``) is not
   preset but deferred: the model decides, and the pattern only fills a gap.
   Citation markers (``[4]``) are blocked: never an entity.
3. ``irnlp_entity_rules`` (after ``ner``): settles deferred matches and applies
   the span rules of the guidelines (section 3): no leading article or
   preposition, no possessive ``’s``, titles outside PERSON spans, initials
   inside, quote marks outside names, approximators inside numbers (``more
   than 120``), no citation markers; then report-level consistency: an
   abbreviation defined as ``Long Name (ABBR)`` takes the long name's label,
   and a surname named in full is a PERSON wherever it stands alone.

Pattern labels are the 18 OntoNotes labels, plus ``BLOCK`` for text that is
never an entity (``NPP``, ``Head of State``). Word lists that steer the rules
(head words of longer names, titles, labels by last word) live beside the
patterns in ``corpus/patterns/ner_words/``.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.document import ENT_LABELS
from pipeline.errors import ModelError
from pipeline.nlp.load import get_nlp
from pipeline.nlp.patterns import BLOCK, load_patterns, pattern_files, read_label_words, read_words, split_id


PATTERNS_COMPONENT = "irnlp_entity_patterns"
ANCHORS_COMPONENT = "irnlp_entity_anchors"
RULES_COMPONENT = "irnlp_entity_rules"
# What the ner stage runs (segment runs the rest of the shared pipeline), in pipeline order.
NER_PIPES = (PATTERNS_COMPONENT, ANCHORS_COMPONENT, "ner", RULES_COMPONENT)
MATCHES_KEY = "irnlp_matches"
ANCHORS_KEY = "irnlp_anchors"
DEFERRED_KEY = "irnlp_deferred"
BLOCKED_KEY = "irnlp_blocked"

ARTICLES = frozenset({"the", "a", "an"})
DATE_PREPOSITIONS = frozenset({"between", "from", "since", "in", "on", "at", "during", "by", "until", "till", "of", "for"})
TRAILING_WORDS = frozenset({"of", "and", "the", "in", "for", "to", "at", "by"})
# A DATE of these words alone is vague ("for years", "decades-long"), not an entity (guidelines, section 3).
VAGUE_DATE_WORDS = frozenset({"years", "decades", "months", "weeks", "days", "centuries", "annual", "yearly", "monthly",
                              "daily", "weekly", "decade", "year", "time", "times", "annually", "earlier", "later",
                              "recently", "each", "every"})
MONTHS = frozenset({"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                    "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
                    "Nov", "Dec"})
INITIAL_RE = re.compile(r"^[A-Z]\.$")
ABBREVIATION_RE = re.compile(r"^[A-Z][A-Za-z&]{0,7}$")
NUMERIC = frozenset({"CARDINAL", "MONEY", "QUANTITY", "PERCENT", "ORDINAL"})
NAME_LABELS = frozenset(ENT_LABELS) - NUMERIC - {"DATE", "TIME"}
APPROX_ONE = frozenset({"about", "around", "approximately", "nearly", "almost", "some", "over", "above", "roughly",
                        "under", "below", "circa", "~", "exceeding"})
APPROX_TWO = frozenset({("more", "than"), ("less", "than"), ("fewer", "than"), ("up", "to"), ("at", "least"),
                        ("close", "to"), ("as", "many"), ("as", "much")})
QUOTES = frozenset("«»“”„\"‘'")
LEAD_STRIP = QUOTES | {"(", "[", ",", "-", "–", "—", ":", ";", "/"}
TRAIL_STRIP = QUOTES | {",", "-", "–", "—", ":", ";", ".", "/", "'s", "’s", "’"}
# Titles that make "title + capitalised name" a person even when the model said ORG or GPE.
PERSON_TITLES = frozenset({"President", "Prime", "Minister", "General", "Lieutenant", "Colonel", "Major", "Mr.", "Mr",
                           "Mrs.", "Mrs", "Ms.", "Ms", "Dr.", "Dr", "Ambassador", "Chairman", "Speaker", "King", "Queen",
                           "Prince", "Sheikh", "Ayatollah", "Governor", "Mayor", "Senator", "Admiral", "Marshal"})


class Mention(NamedTuple):
    """An entity candidate over tokens ``[start, end)`` of a spaCy Doc."""

    start: int
    end: int
    label: str
    id: str = ""
    source: str = "model"




# --- spaCy components ------------------------------------------------------------
def select_matches(doc: Doc, matches: Iterable[Span]) -> list[Mention]:
    """Non-overlapping pattern matches: the longest entity first, then the longest match, then the earliest."""
    cands = []
    for m in matches:
        base, left, right = split_id(m.id_)
        start, end = m.start + left, m.end - right
        if start < end:
            cands.append((-(end - start), -(m.end - m.start), start, Mention(start, end, m.label_, base, "rule")))
    taken = bytearray(len(doc))
    out = []
    for *_, c in sorted(cands, key=lambda x: x[:3]):
        if not any(taken[c.start:c.end]):
            taken[c.start:c.end] = b"\x01" * (c.end - c.start)
            out.append(c)
    return sorted(out)


CITATION_TEXT_RE = re.compile(r"\[\d{1,3}\]")


def citation_spans(doc: Doc) -> list[Span]:
    """Citation markers ``[4]`` (one token, or ``[``, ``4``, ``]``), found in the text, not token by token."""
    out = []
    for m in CITATION_TEXT_RE.finditer(doc.text):
        span = doc.char_span(m.start(), m.end())
        if span is not None:
            out.append(span)
    return out


def word_spans(doc: Doc, words: Iterable[str]) -> Iterator[Span]:
    """Single-token occurrences of ``words`` (whole tokens), found with one regex over the text."""
    words = sorted(set(words), key=len, reverse=True)
    if not words:
        return
    for m in re.finditer(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])", doc.text):
        span = doc.char_span(m.start(), m.end())
        if span is not None and len(span) == 1:
            yield span


def is_name_token(tok) -> bool:
    return tok.is_title or (tok.is_upper and tok.is_alpha and len(tok) > 1)


class EntityAnchors:
    """Preset pattern matches as entities before the statistical NER (see the module doc)."""

    def __init__(self, heads: Iterable[str], titles: Iterable[str] = ()):
        self.heads = frozenset(heads)
        self.titles = frozenset(titles)

    def __call__(self, doc: Doc) -> Doc:
        chosen = select_matches(doc, doc.spans.get(MATCHES_KEY, []))
        blocks = [m for m in chosen if m.label == BLOCK]
        chosen = [m for m in chosen if m.label != BLOCK]
        taken = bytearray(len(doc))
        for m in chosen + blocks:
            taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        preset, deferred = [], []
        for m in chosen:
            if m.label == "PERSON":
                m = with_initials(doc, m)
            reason = self.longer_name(doc, m, taken)
            if reason:
                deferred.append(Span(doc, m.start, m.end, m.label, span_id=m.id, kb_id=reason))
            else:
                preset.append(m)
        blocked = [doc[m.start:m.end] for m in blocks]
        blocked += [s for s in citation_spans(doc) if not any(taken[s.start:s.end])]
        doc.set_ents([Span(doc, m.start, m.end, m.label, span_id=m.id) for m in preset],
                     blocked=blocked, default="unmodified")
        doc.spans[ANCHORS_KEY] = [Span(doc, m.start, m.end, m.label, span_id=m.id) for m in preset] + deferred
        doc.spans[DEFERRED_KEY] = deferred
        doc.spans[BLOCKED_KEY] = blocked
        return doc

    def longer_name(self, doc: Doc, m: Mention, taken: bytearray) -> str:
        """Why the match may be part of a longer name, or ``""``.

        ``"date"``: every DATE/TIME match (the model decides, the pattern fills a gap).
        ``"after:<end>"``: a capitalised run with a head word follows (``Minsk
        Automobile Plant``; ``Iran-Azerbaijan Joint Economic Committee``), ending
        at token ``<end>`` with its last head word; ``"of"``: it follows
        ``<run with a head word> of (the)`` (``Committee of the Republic of
        Belarus``) or, for ORG/FAC/EVENT, ``of <Name>`` follows it; ``"name"``:
        a person pattern after a capitalised word that may be a first name
        (``Aydin Karimov``).
        """
        if m.label in ("DATE", "TIME"):
            # Dates are always the model's first: it reads the whole date (`Friday, Oct 18`, `May 25-July 25`,
            # `12 March 2024`), where a preset `Oct 18` or `March 2024` would cut it; a date pattern only
            # fills a gap (`Aug 6` in a dateline). Measured on outlets held out of training (models/ner/README.md).
            return "date"
        if m.label in NUMERIC:
            return ""
        end = after_run_head(doc, m.end, self.heads)
        if end:
            return f"after:{end}"
        if m.label in ("ORG", "FAC", "EVENT") and m.end + 1 < len(doc) and doc[m.end].lower_ == "of":
            nxt = m.end + 1 + (doc[m.end + 1].lower_ == "the" and m.end + 2 < len(doc))
            if is_name_token(doc[nxt]):
                return "of"
        if self.after_of_head(doc, m.start):
            return "of"
        if m.label == "PERSON" and m.start > 0 and not taken[m.start - 1] and not doc[m.start].is_sent_start:
            prev = doc[m.start - 1]
            if prev.is_title and prev.is_alpha and not prev.is_stop and prev.text not in self.titles \
                    and prev.text not in self.heads:
                return "name"
        return ""

    def after_of_head(self, doc: Doc, start: int) -> bool:
        """True if ``<capitalised run with a head word> of (the)`` ends right before token ``start``."""
        j = start - 1
        if j >= 0 and doc[j].lower_ == "the":
            j -= 1
        if j < 0 or doc[j].lower_ != "of":
            return False
        j, run = j - 1, 0
        while j >= 0 and run < 8 and not doc[j + 1].is_sent_start:
            tok = doc[j]
            if tok.text in self.heads and is_name_token(tok):
                return True
            if is_name_token(tok) or tok.text in ("-", "–"):
                run += 1
            elif not (run and tok.lower_ in ("of", "the", "and")):
                break
            j -= 1
        return False


def after_run_head(doc: Doc, i: int, heads: frozenset) -> int:
    """End (exclusive) of the last head word in the capitalised run starting at token ``i``; 0 if none.

    The run takes capitalised words, hyphens between them and inner ``of``/``and``/``for``/``&``.
    """
    run, last_head = 0, 0
    while i < len(doc) and run < 8:
        tok = doc[i]
        if is_name_token(tok):
            run += 1
            if tok.text in heads:
                last_head = i + 1
        elif tok.text in ("-", "–") and not tok.whitespace_ and i + 1 < len(doc) and is_name_token(doc[i + 1]):
            pass
        elif not (run and tok.lower_ in ("of", "and", "&", "for") and i + 1 < len(doc) and is_name_token(doc[i + 1])):
            break
        i += 1
    return last_head


def with_initials(doc: Doc, m: Mention) -> Mention:
    """Initials before a person's name belong to it (``A. Lukashenko``)."""
    s = m.start
    while s > 0 and INITIAL_RE.match(doc[s - 1].text) and not doc[s].is_sent_start:
        s -= 1
    return m._replace(start=s)


class EntityRules:
    """Settle deferred pattern matches and apply the guidelines' span rules (see the module doc)."""

    def __init__(self, titles: Iterable[str], heads: Iterable[str], last_word_labels: dict | None = None):
        self.titles = frozenset(titles)
        self.heads = frozenset(heads)
        self.last_word_labels = last_word_labels or {}

    def __call__(self, doc: Doc) -> Doc:
        anchors = {(s.start, s.end): s.id_ for s in doc.spans.get(ANCHORS_KEY, [])}
        ents = [Mention(e.start, e.end, e.label_, anchors.get((e.start, e.end), ""),
                        "rule" if (e.start, e.end) in anchors else "model") for e in doc.ents]
        ents = self.settle(doc, ents, doc.spans.get(DEFERRED_KEY, []))
        fixed = [f for f in (self.fix(doc, e) for e in sorted(ents)) if f is not None]
        fixed = [self.with_approximator(doc, e) for e in fixed]
        fixed = split_date_lists(doc, merge_dates(doc, non_overlapping(fixed)))
        blocked = {i for s in doc.spans.get(BLOCKED_KEY, []) for i in range(s.start, s.end)}
        fixed = defined_abbreviations(doc, fixed, blocked)
        fixed = non_overlapping(person_surnames(doc, non_overlapping(fixed)))
        doc.ents = [Span(doc, e.start, e.end, e.label, span_id=e.id) for e in fixed]
        doc.spans[ANCHORS_KEY] = [Span(doc, e.start, e.end, e.label, span_id=e.id) for e in fixed if e.source == "rule"]
        for key in (MATCHES_KEY, DEFERRED_KEY, BLOCKED_KEY):  # working data: not kept on the Doc (DocBin size)
            doc.spans.pop(key, None)
        return doc

    def settle(self, doc: Doc, ents: list[Mention], deferred: Iterable[Span]) -> list[Mention]:
        """Decide the deferred pattern matches once the model has spoken.

        - The model found the same span: the pattern's label wins.
        - The model found a longer name around it: the model's span stays.
        - ``after``: the run with the head word is the name; if its last word
          says the label (``last_word_labels``), the whole run is added, else the
          match is dropped (the match alone is not the entity).
        - ``of``: a model ORG/FAC right before ``of (the) <match>`` takes it in
          (``Ministry of Foreign Affairs of Azerbaijan``); else the match is dropped.
        - ``name``: the match is added (a surname, the first name unknown).
        A match that is added wins over model spans that only overlap it.
        """
        for d in deferred:
            m = Mention(d.start, d.end, d.label_, d.id_, "rule")
            reason = d.kb_id_
            if any((e.start, e.end) == (m.start, m.end) for e in ents) and not reason.startswith("after"):
                ents = [m if (e.start, e.end) == (m.start, m.end) else e for e in ents]
                continue
            if reason.startswith("after"):
                end = int(reason.split(":")[1])
                if any(e.start <= m.start and end <= e.end for e in ents):
                    continue
                label = self.label_of_last_word(doc[end - 1].text)
                if label:
                    m = Mention(m.start, end, label, "", "rule")
                elif any((e.start, e.end) == (m.start, m.end) for e in ents):
                    ents = [m if (e.start, e.end) == (m.start, m.end) else e for e in ents]
                    continue
                else:
                    continue
            elif any(e.start <= m.start and m.end <= e.end for e in ents):
                continue
            elif reason == "of":
                j = m.start - 1 - (doc[m.start - 1].lower_ == "the")  # the "of"
                before = [e for e in ents if e.end == j and e.label in ("ORG", "FAC")]
                if before:
                    ents = [e for e in ents if e not in before] + [before[0]._replace(end=m.end)]
                continue
            ents = [e for e in ents if e.end <= m.start or m.end <= e.start] + [m]
        return ents

    def label_of_last_word(self, word: str) -> str:
        return next((label for label, words in self.last_word_labels.items() if word in words), "")

    def fix(self, doc: Doc, e: Mention) -> Mention | None:
        """One mention after the span rules; ``None`` when nothing of it is an entity."""
        s, t, label = e.start, e.end, e.label
        if label == "CARDINAL" and s > 0 and t < len(doc) and doc[s - 1].text == "[" and doc[t].text == "]":
            return None  # citation marker
        for _ in range(3):  # the rules below can uncover one another (the «Great Return)
            s0, t0 = s, t
            while s < t and (doc[s].is_space or doc[s].text in LEAD_STRIP):
                s += 1
            while t > s and (doc[t - 1].is_space or doc[t - 1].text in TRAIL_STRIP
                             or (doc[t - 1].text == ")" and "(" not in doc[s:t - 1].text)):
                t -= 1
            if t - s > 1 and doc[s].lower_ in ARTICLES:
                s += 1
            if t - s > 1 and label in ("DATE", "TIME") and doc[s].lower_ in DATE_PREPOSITIONS:
                s += 1
            if t - s > 1 and doc[t - 1].lower_ in TRAILING_WORDS:
                t -= 1
            if t - s > 1 and label == "CARDINAL" and doc[s].lower_ in ("number", "no."):
                s += 1
            if t - s > 1 and label in NUMERIC and doc[s].lower_ in ("only", "just"):
                s += 1
            if (s, t) == (s0, t0):
                break
        # a quote mark or an unclosed bracket inside: the name is what stands before it
        # («Victory Road» highway; Trade Promotion Organization (TPO)
        for i in range(s + 1, t):
            if doc[i].text in QUOTES or (doc[i].text == "(" and ")" not in doc[i:t].text):
                t = i
                break
        while t > s and (doc[t - 1].is_space or doc[t - 1].text in TRAIL_STRIP):
            t -= 1
        if s >= t:
            return None
        if e.source == "model" and label in NAME_LABELS and not label == "PERSON" and (
                all(tok.text in self.titles or tok.lower_ == "of" for tok in doc[s:t])
                or (t < len(doc) and doc[t].text in ("Minister", "Ministers", "minister", "ministers"))):
            return None  # a title (Rear Admiral) or a portfolio (Energy Minister) is not an organisation
        s, label = self.fix_titles(doc, s, t, label, e.source)
        if s is None:
            return None
        if label == "PERSON":
            while s > 0 and INITIAL_RE.match(doc[s - 1].text) and not doc[s].is_sent_start:
                s -= 1  # initials are inside (A. Lukashenko)
        span = doc[s:t]
        if label in NUMERIC and not any(tok.like_num for tok in span):
            return None  # "up to" alone
        if label in NAME_LABELS and not any(ch.isupper() or ch.isdigit() for ch in span.text):
            return None  # a lowercase word is not a name
        if label == "DATE" and all(tok.lower_ in VAGUE_DATE_WORDS or tok.is_punct for tok in span):
            return None
        if e.source == "model" and label in NAME_LABELS and (label in ("ORG", "FAC") or t - s > 1):
            label = self.label_of_last_word(doc[t - 1].text) or label  # Zangazur Corridor: FAC, not PERSON
        return Mention(s, t, label, e.id, e.source)

    def fix_titles(self, doc: Doc, s: int, t: int, label: str, source: str) -> tuple[int | None, str]:
        """Titles stay outside PERSON spans; a model span "title + capitalised name" is a PERSON.

        Returns ``(None, label)`` when a PERSON span is only a title phrase (``Head of State``).
        """
        if label == "PERSON":
            k = s
            while t - k > 1 and doc[k].text in self.titles:
                k += 1
            if k > s and not is_name_token(doc[k]):
                return None, label
            return k, label
        if source != "model" or doc[s].text not in PERSON_TITLES:
            return s, label
        k = s
        while k < t and doc[k].text in self.titles:
            k += 1
        rest = doc[k:t]
        if 1 <= len(rest) <= 4 and all(is_name_token(tok) or tok.text == "-" for tok in rest) \
                and not any(tok.text in self.heads for tok in rest):
            return k, "PERSON"
        return s, label

    @staticmethod
    def with_approximator(doc: Doc, e: Mention) -> Mention:
        """Approximators belong to numeric spans (``more than 120``, ``up to 80%``, ``some 40``)."""
        if e.label not in ("CARDINAL", "MONEY", "QUANTITY", "PERCENT"):
            return e
        s = e.start
        if s >= 2 and (doc[s - 2].lower_, doc[s - 1].lower_) in APPROX_TWO:
            return e._replace(start=s - 2)
        if s >= 1 and doc[s - 1].lower_ in APPROX_ONE:
            return e._replace(start=s - 1)
        return e


def merge_dates(doc: Doc, ents: list[Mention]) -> list[Mention]:
    """Two DATE spans joined by ``of (the)`` are one date (``first half`` + ``of the`` + ``current year``)."""
    out: list[Mention] = []
    for e in ents:
        if out and out[-1].label == e.label == "DATE":
            gap = [t.lower_ for t in doc[out[-1].end:e.start]]
            if gap in (["of"], ["of", "the"]):
                out[-1] = out[-1]._replace(end=e.end)
                continue
        out.append(e)
    return out


YEAR_RE = re.compile(r"^(?:1[89]|20)\d\d$")


def split_date_lists(doc: Doc, ents: list[Mention]) -> list[Mention]:
    """A DATE span that lists month-year dates is one DATE each (``June 2015, November 2016`` -> two): split at
    a comma between a year and a month name. Ranges (``December 28, 2016 to January 1, 2017``) and lists of
    bare years (``2017, 2018 and 2019``) stay one span, as the labelled reports have them."""
    out: list[Mention] = []
    for e in ents:
        cuts = [i for i in range(e.start + 1, e.end - 1) if e.label == "DATE" and doc[i].text == ","
                and YEAR_RE.match(doc[i - 1].text) and doc[i + 1].text in MONTHS]
        starts, ends = [e.start] + [i + 1 for i in cuts], cuts + [e.end]
        out += [e._replace(start=a, end=b) for a, b in zip(starts, ends)]
    return out


def person_surnames(doc: Doc, ents: list[Mention]) -> list[Mention]:
    """One sense per report: the surname of a person named in full is a PERSON wherever it stands alone.

    A single-token mention of that surname with another label is relabelled;
    an untagged capitalised occurrence is added. Occurrences inside longer
    spans (``Heydar Aliyev Foundation``) are left alone.
    """
    surnames = {doc[e.end - 1].text for e in ents if e.label == "PERSON" and e.end - e.start > 1
                and doc[e.end - 1].is_title and len(doc[e.end - 1]) > 2}
    if not surnames:
        return ents
    covered = {i: e for e in ents for i in range(e.start, e.end)}
    out = list(ents)
    for span in word_spans(doc, surnames):
        tok = span[0]
        e = covered.get(tok.i)
        if e is None:
            if not (tok.i + 1 < len(doc) and is_name_token(doc[tok.i + 1])) \
                    and not (tok.i > 0 and is_name_token(doc[tok.i - 1]) and not doc[tok.i].is_sent_start):
                out.append(Mention(tok.i, tok.i + 1, "PERSON", "", "model"))
        elif e.end - e.start == 1 and e.label != "PERSON" and e.source == "model":
            out[out.index(e)] = e._replace(label="PERSON")
    return out


def abbreviates(short: str, long: str) -> bool:
    """True if ``short`` can abbreviate ``long`` (Schwartz & Hearst 2003, "A simple algorithm for identifying
    abbreviation definitions in biomedical text"): its letters and digits occur in ``long`` in order,
    matched from the end, and its first one starts a word of ``long``."""
    s, l = short.lower(), long.lower()
    si, li = len(s) - 1, len(l) - 1
    while si >= 0:
        ch = s[si]
        if not ch.isalnum():
            si -= 1
            continue
        while li >= 0 and (l[li] != ch or (si == 0 and li > 0 and l[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return False
        si, li = si - 1, li - 1
    return True


def defined_abbreviations(doc: Doc, ents: list[Mention], blocked: set[int]) -> list[Mention]:
    """An abbreviation defined in the text, ``Long Name (ABBR)``, takes the long name's label everywhere in the doc.

    The short form must fit the long one (:func:`abbreviates`), so that a
    partial name (``Republic of Uzbekistan`` of ``Central Election Commission
    of the Republic of Uzbekistan (CEC)``) defines nothing.
    Every mention of ``ABBR`` that the model missed is added and one it labelled
    otherwise is relabelled (``Belarusian Universal Commodity Exchange (BUCE)``;
    ``Republic of Azerbaijan (RA)``). Blocked tokens are left alone.
    """
    defined: dict[str, Mention] = {}
    for e in ents:
        i = e.end
        if e.label in NAME_LABELS and i + 2 < len(doc) and doc[i].text == "(" and doc[i + 2].text == ")" \
                and ABBREVIATION_RE.match(doc[i + 1].text) and sum(ch.isupper() for ch in doc[i + 1].text) >= 2 \
                and i + 1 not in blocked and abbreviates(doc[i + 1].text, doc[e.start:e.end].text):
            defined.setdefault(doc[i + 1].text, e)
    if not defined:
        return ents
    by_start = {e.start: e for e in ents}
    covered = {i for e in ents for i in range(e.start, e.end)}
    out = list(ents)
    for span in word_spans(doc, defined):
        tok = span[0]
        long = defined[tok.text]
        if tok.i in blocked:
            continue
        same = by_start.get(tok.i)
        if same is not None and same.end == tok.i + 1:
            if same.label != long.label:
                out[out.index(same)] = same._replace(label=long.label)
        elif tok.i not in covered:
            out.append(Mention(tok.i, tok.i + 1, long.label, "", "rule"))
    return out


def non_overlapping(ents: list[Mention]) -> list[Mention]:
    """Drop mentions that overlap a longer one (ties: the earlier), in document order."""
    taken: set[int] = set()
    out = []
    for e in sorted(ents, key=lambda e: (-(e.end - e.start), e.start)):
        if not taken.intersection(range(e.start, e.end)):
            taken.update(range(e.start, e.end))
            out.append(e)
    return sorted(out)


@Language.factory(ANCHORS_COMPONENT, default_config={"heads": [], "titles": []})
def make_anchors(nlp, name, heads, titles):
    return EntityAnchors(heads, titles)


@Language.factory(RULES_COMPONENT, default_config={"titles": [], "heads": [], "last_word_labels": {}})
def make_rules(nlp, name, titles, heads, last_word_labels):
    return EntityRules(titles, heads, last_word_labels)


def use_ner(nlp, model: str, ner_model: str) -> None:
    """Put the ``ner`` of the spaCy pipeline at ``ner_model`` (a folder from ``irnlp train-ner``) in
    place of ``nlp``'s own, at the same position; ``""`` puts the base model's ``ner`` back.

    Raises:
        ModelError: ``ner_model`` is no spaCy pipeline with a ``ner`` component.
    """
    import spacy

    if getattr(nlp, "_irnlp_ner_model", "") == ner_model:
        return
    try:
        source = spacy.load(ner_model if ner_model else model, exclude=["tok2vec", "tagger", "parser",
                                                                         "attribute_ruler", "lemmatizer"])
        source.get_pipe("ner")
    except (OSError, KeyError) as e:
        raise ModelError(f"{ner_model}: no trained entity recognizer there ({str(e).splitlines()[0]}); train one "
                         f"with `make ner-model` or set stages.ner.model = \"\" for the base model's") from None
    names = nlp.pipe_names
    after = names[names.index("ner") - 1] if "ner" in names and names.index("ner") > 0 else None
    if "ner" in names:
        nlp.remove_pipe("ner")
    nlp.add_pipe("ner", source=source, **({"after": after} if after else {"first": True}))
    nlp._irnlp_ner_model = ner_model


def get_ner_nlp(model: str, patterns: list[str], heads: str, titles: str, last_word_labels: str = "",
                ner_model: str = "", **boundary_config):
    """The shared pipeline with the boundary component and the three NER components, each added once.

    Calling it again with other pattern files replaces the patterns (e.g. a
    second config in one process); the model itself is loaded once.

    Args:
        ner_model: a trained entity recognizer (``irnlp train-ner``) that replaces the base model's
            ``ner``; ``""`` keeps the base model's.
    """
    nlp = get_nlp(model, **boundary_config)
    use_ner(nlp, model, ner_model)
    head_words, title_words = list(read_words(heads)), list(read_words(titles))
    if PATTERNS_COMPONENT not in nlp.pipe_names:
        # First in the pipeline: phrase patterns are then tokenized only, not tagged and parsed.
        nlp.add_pipe("span_ruler", name=PATTERNS_COMPONENT, first=True,
                     config={"spans_key": MATCHES_KEY, "annotate_ents": False, "overwrite": True, "validate": True})
        where = {"before": "ner"} if "ner" in nlp.pipe_names else {"last": True}
        nlp.add_pipe(ANCHORS_COMPONENT, config={"heads": head_words, "titles": title_words}, **where)
        where = {"after": "ner"} if "ner" in nlp.pipe_names else {"last": True}
        nlp.add_pipe(RULES_COMPONENT, config={"titles": title_words, "heads": head_words}, **where)
    ruler = nlp.get_pipe(PATTERNS_COMPONENT)
    key = tuple(str(p) for p in pattern_files(patterns))
    if getattr(ruler, "_irnlp_files", None) != key:
        ruler.clear()
        entries = load_patterns(patterns)
        if entries:
            ruler.add_patterns(entries)
        ruler._irnlp_files = key
    anchors = nlp.get_pipe(ANCHORS_COMPONENT)
    anchors.heads, anchors.titles = frozenset(head_words), frozenset(title_words)
    rules = nlp.get_pipe(RULES_COMPONENT)
    rules.titles, rules.heads = frozenset(title_words), frozenset(head_words)
    rules.last_word_labels = read_label_words(last_word_labels) if last_word_labels else {}
    return nlp
