"""NER: named entities of the clean text, OntoNotes labels (spaCy's English pipelines).

The entities come from the shared spaCy pipeline with the entity components of
:mod:`pipeline.nlp.entities` (pattern files, anchors, span rules of the guidelines).
The stage then gives each mention a canonical name shared by all mentions of
one entity in the report (:func:`canonical_names`) and lists the report's
entities in ``doc.meta["entities"]``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Iterator

from rapidfuzz import fuzz

from pipeline.config import Params
from pipeline.document import Document, Entity, Status
from pipeline.stages.base import Stage
from pipeline.nlp.boundaries import paragraphs
from pipeline.nlp.entities import ANCHORS_KEY, NER_PIPES, Mention, abbreviates, get_ner_nlp


# --- canonical names -----------------------------------------------------------
def surface(text: str) -> str:
    """A mention's text as a name: one space between words, no quote marks, no possessive."""
    text = re.sub(r"\s+", " ", text).strip(" «»“”„\"")
    return re.sub(r"[’']s?$", "", text)


def person_key(name: str) -> tuple[str, str]:
    """``(first letter of the first name or "", surname)`` of a person's name."""
    parts = name.replace(".", ". ").split()
    if not parts:
        return "", ""
    return (parts[0][0] if len(parts) > 1 else ""), parts[-1]


def canonical_names(text: str, ents: list[Mention]) -> list[str]:
    """One canonical name per mention, shared by the mentions of one entity in the report.

    - A pattern match takes its pattern id (``RB``, ``Republic of Belarus`` -> ``Belarus``).
    - An abbreviation defined in the report, ``Long Name (ABBR)``, takes the
      long name's canonical name (``Republic of Azerbaijan (RA)`` -> ``RA`` = ``Azerbaijan``).
    - People: a full name, an initial (``A. Lukashenko``) or the surname alone
      joins the person with that surname (fuzzy: rapidfuzz ratio >= 85, for
      transliterations like ``Berdymukhamedov``/``Berdymokhmedov``) and, if
      given, that first initial; a bare surname joins the most mentioned such
      person. The cluster's name is a pattern id if one is known, else its most
      frequent full name.

    Args:
        text: the text the mentions' character offsets refer to.
        ents: mentions with *character* offsets (``Mention.start``/``end``).

    Returns:
        Canonical names, in the order of ``ents``.
    """
    names = [e.id or surface(text[e.start:e.end]) for e in ents]
    # abbreviations defined in the text
    order = sorted(range(len(ents)), key=lambda i: ents[i].start)
    defined: dict[str, tuple[str, str]] = {}
    for a, b in zip(order, order[1:]):
        between, after = text[ents[a].end:ents[b].start], text[ents[b].end:ents[b].end + 1]
        short = surface(text[ents[b].start:ents[b].end])
        if between.strip() == "(" and after == ")" and len(short) < len(surface(text[ents[a].start:ents[a].end])) \
                and abbreviates(short, text[ents[a].start:ents[a].end]):
            defined[short] = (names[a], ents[a].label)
    for i, e in enumerate(ents):
        short = surface(text[e.start:e.end])
        if short in defined:
            names[i] = defined[short][0]
    # people
    people = [i for i, e in enumerate(ents) if e.label == "PERSON"]
    full = [i for i in people if len(surface(text[ents[i].start:ents[i].end]).split()) > 1]
    full_set = set(full)
    clusters: list[dict] = []  # {"initial", "surname", "members"}; full names first, so that
    for i in full + [i for i in people if i not in full_set]:  # initials and surnames find them
        initial, surname = person_key(surface(text[ents[i].start:ents[i].end]))
        match = [c for c in clusters if surname_match(c["surname"], surname)
                 and (not initial or not c["initial"] or c["initial"] == initial)]
        if match:
            max(match, key=lambda c: len(c["members"]))["members"].append(i)
        else:
            clusters.append({"initial": initial, "surname": surname, "members": [i]})
    for c in clusters:
        ids = Counter(ents[i].id for i in c["members"] if ents[i].id and " " in ents[i].id)
        fulls = Counter(surface(text[ents[i].start:ents[i].end]) for i in c["members"]
                        if len(surface(text[ents[i].start:ents[i].end]).split()) > 1
                        and not re.search(r"\b[A-Z]\.", text[ents[i].start:ents[i].end]))
        if ids:
            name = ids.most_common(1)[0][0]
        elif fulls:
            name = max(fulls, key=lambda n: (fulls[n], len(n)))
        else:
            name = names[c["members"][0]]
        for i in c["members"]:
            names[i] = name
    return names


def surname_match(a: str, b: str) -> bool:
    return a == b or (a[:1] == b[:1] and min(len(a), len(b)) >= 6 and fuzz.ratio(a, b) >= 85)


def entity_list(ents: list[Entity]) -> list[dict]:
    """``[{"canonical", "label", "count"}]`` of a report, most mentioned first."""
    counts = Counter((e.canonical, e.label) for e in ents)
    return [{"canonical": c, "label": label, "count": n}
            for (c, label), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))]


# --- the stage -----------------------------------------------------------------
class NerParams(Params):
    """``[stages.ner]``.

    Attributes:
        batch_size: documents per ``nlp.pipe`` call when ``segment`` did not run (0: run.batch_size).
        model: folder of a trained entity recognizer (``irnlp train-ner``; ``models/ner``) whose ``ner``
            replaces the base model's (``run.model``); ``""``: the base model's own.
        patterns: entity pattern files or folders of ``*.jsonl`` (empty: the model alone, span rules still apply).
        heads: head words of longer names (see the module doc).
        titles: titles kept outside PERSON spans.
        last_word_labels: JSON ``{label: [last words]}`` that relabel the model's ORG/FAC spans ("" for none).
        canonical: give mentions canonical names and list the report's entities in ``meta["entities"]``.
        caps_lines: recognise entities of ALL-CAPS lines on a title-cased copy (see :meth:`Ner.caps_line_mentions`).
    """

    batch_size: int = 0
    model: str = "models/ner"
    patterns: list[str] = ["corpus/patterns/entities"]
    heads: str = "corpus/patterns/ner_words/heads.txt"
    titles: str = "corpus/patterns/ner_words/titles.txt"
    last_word_labels: str = ""
    canonical: bool = True
    caps_lines: bool = True


class Ner(Stage):
    """``ner.v1``: OntoNotes entities (``doc.ents``) with canonical names and ``meta.entities``.

    Params: :class:`NerParams`. Method: spaCy's transition-based NER (``en_core_web_sm``) between the
    pattern, anchor and span-rule components of :mod:`pipeline.nlp.entities`; canonical names by
    surname and fuzzy matching (rapidfuzz).
    """

    Params = NerParams
    requires = ("text",)  # parses the text itself when segment did not run
    assigns = ("ents", "meta.entities")

    def __init__(self, name, params, ctx):
        super().__init__(name, params, ctx)
        seg = ctx.config.stage("segment")
        boundary = seg.params.boundary_config() if seg is not None and hasattr(seg.params, "boundary_config") else {}
        # Added at construction, before any stage runs; segment leaves them to this stage (NER_PIPES).
        self.nlp = get_ner_nlp(ctx.config.run.model, params.patterns, params.heads, params.titles,
                               params.last_word_labels, params.model, **boundary)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        size = self.params.batch_size or self.ctx.config.run.batch_size
        others = [p for p in self.nlp.pipe_names if p not in NER_PIPES]
        for batch in self.batches(docs, size, self.ctx.config.run.batch_chars):
            todo = [d for d in batch if d.status == Status.OK]
            # segment's Doc gets only the entity components; without segment, the whole pipeline runs here
            parsed = [(d.spacy_doc, d) for d in todo if d.spacy_doc is not None]
            unparsed = [(d.text, d) for d in todo if d.spacy_doc is None]
            for sdoc, doc in self.pipe_guarded(self.nlp, parsed, batch_size=size, disable=others):
                doc.spacy_doc = sdoc
            for sdoc, doc in self.pipe_guarded(self.nlp, unparsed, batch_size=size):
                doc.spacy_doc = sdoc
            yield from super().run(batch)  # process() each parsed report through the guard

    def caps_line_mentions(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Entities of ALL-CAPS lines (headings such as ``BAKU AND MINSK SIGN TRADE DEAL``), which the model,
        trained on mixed case, misses: the line is recognised again in title case (``Baku And Minsk…``,
        same length, so the spans map back one to one) and its entities replace those found before."""
        out = list(mentions)
        for start, end in paragraphs(text):
            line = text[start:end]
            letters = [c for c in line if c.isalpha()]
            cased = line.title()
            if len(letters) < 4 or not all(c.isupper() for c in letters) or len(cased) != len(line):
                continue
            self.counts["caps_lines"] += 1
            out = [m for m in out if m.end <= start or m.start >= end]
            out += [Mention(start + e.start_char, start + e.end_char, e.label_, e.id_, "caps") for e in self.nlp(cased).ents]
        return sorted(out, key=lambda m: m.start)

    def process(self, doc: Document) -> None:
        sdoc = doc.spacy_doc
        rule_spans = {(s.start_char, s.end_char) for s in sdoc.spans.get(ANCHORS_KEY, [])}
        mentions = [Mention(e.start_char, e.end_char, e.label_, e.id_,
                            "rule" if (e.start_char, e.end_char) in rule_spans else "model") for e in sdoc.ents]
        if self.params.caps_lines:
            mentions = self.caps_line_mentions(doc.text, mentions)
        canon = canonical_names(doc.text, mentions) if self.params.canonical else [None] * len(mentions)
        doc.ents = [Entity(m.start, m.end, m.label, canonical=c, source=m.source) for m, c in zip(mentions, canon)]
        if self.params.canonical:
            doc.meta["entities"] = entity_list(doc.ents)
        self.counts["entities"] += len(doc.ents)
        self.counts["entities_rule"] += sum(m.source == "rule" for m in mentions)
