"""Stance targets from the dependency parse: who is evaluated, not who speaks.

In a sentence that takes a side (FAVOR/AGAINST), an entity is a *target* when the
attitude is toward it. The guidelines exclude speakers, and co-occurrence makes
every entity of the sentence a target (the holder of "Azerbaijan praised Belarus"
included). This module reads the parse of spaCy's English pipeline instead:

- **holders** are not targets: the subject of a verb of saying or attitude
  (``said``, ``praised``, ``condemned``, ``complained``), with everything that
  modifies it (``Iranian`` and ``Ebrahim Raisi`` in "Iranian President Ebrahim
  Raisi said"), and the object of ``according to``;
- **settings** are not targets: places and events that only locate the
  statement (``at the summit in Qingdao``, ``held in Astana``): a GPE, LOC, FAC
  or EVENT that is the object of ``in``/``at``/``during``/``near``…;
- the **polarity** of a target is that of an attitude verb whose object it is
  (``praised`` FAVOR, ``condemned`` AGAINST), flipped under negation; else the
  sentence's stance.

Method: rules over spaCy's dependency labels (ClearNLP scheme of
``en_core_web_sm``), in the spirit of opinion-target extraction by syntactic
relations (Qiu et al. 2011, "Opinion word expansion and target extraction
through double propagation").
"""

from __future__ import annotations

from typing import Iterable

TARGET_LABELS = frozenset({"PERSON", "NORP", "GPE", "ORG", "LOC", "FAC", "PRODUCT", "EVENT"})
SETTING_LABELS = frozenset({"GPE", "LOC", "FAC", "EVENT"})
SETTING_PREPS = frozenset({"in", "at", "during", "near", "inside", "throughout", "within"})
SAY_VERBS = frozenset({
    "say", "tell", "state", "add", "note", "stress", "emphasize", "emphasise", "declare", "announce", "write",
    "believe", "think", "consider", "argue", "claim", "insist", "warn", "describe", "point", "underline",
    "underscore", "express", "voice", "reiterate", "affirm", "assert", "confirm", "explain", "remark", "mention",
    "highlight", "recall", "hope", "call", "urge", "ask", "suggest", "acknowledge", "see", "view", "regard",
})
FAVOR_VERBS = frozenset({
    "praise", "welcome", "hail", "commend", "applaud", "thank", "congratulate", "support", "back", "endorse",
    "appreciate", "laud", "admire", "salute", "value", "honor", "honour", "celebrate", "defend", "favor", "favour",
})
AGAINST_VERBS = frozenset({
    "condemn", "criticize", "criticise", "accuse", "blame", "denounce", "oppose", "reject", "attack", "slam",
    "complain", "protest", "warn", "threaten", "decry", "deplore", "censure", "rebuke", "sanction", "fault",
    "lambaste", "castigate", "demonize", "demonise", "vilify", "violate",
})
HOLDER_VERBS = SAY_VERBS | FAVOR_VERBS | AGAINST_VERBS
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
# Dependencies that stay inside one noun phrase (climbing them keeps to the entity's phrase).
NP_DEPS = frozenset({"compound", "amod", "poss", "appos", "nmod", "npadvmod", "det", "nummod", "case", "flat",
                     "conj", "cc", "punct"})
OBJECT_DEPS = frozenset({"dobj", "pobj", "attr", "oprd", "dative", "agent", "conj", "appos", "compound", "poss",
                         "amod", "nmod", "prep", "pcomp", "xcomp", "ccomp"})


def phrase_head(tok):
    """The head noun of the noun phrase a token belongs to (climbing compound, appos, poss... and ``of``-phrases)."""
    while tok.head is not tok:
        if tok.dep_ in NP_DEPS:
            tok = tok.head
        elif tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.lower_ == "of" and tok.head.head.pos_ in (
                "NOUN", "PROPN"):
            tok = tok.head.head
        else:
            break
    return tok


def is_holder(tok) -> bool:
    """The phrase of ``tok`` is the subject of a verb of saying or attitude, or the object of ``according to``."""
    head = phrase_head(tok)
    if head.dep_ in SUBJECT_DEPS and head.head.lemma_.lower() in HOLDER_VERBS:
        return True
    if head.dep_ == "pobj" and head.head.lower_ == "to" and head.head.head.lower_ == "according":
        return True
    return False


def is_setting(tok, label: str) -> bool:
    """A place or event that only locates the statement: the object of ``in``/``at``/``during``..."""
    if label not in SETTING_LABELS:
        return False
    head = phrase_head(tok)
    prep = head.head
    return head.dep_ == "pobj" and prep.lower_ in SETTING_PREPS


def verb_polarity(tok, sent_start: int) -> str | None:
    """FAVOR/AGAINST of the nearest attitude verb that governs ``tok`` through object relations (not its
    subject), flipped when that verb is negated; ``None`` when there is none."""
    node = tok
    while node.head is not node and node.i >= sent_start:
        dep, node = node.dep_, node.head
        if dep in SUBJECT_DEPS:
            return None
        lemma = node.lemma_.lower()
        if node.pos_ == "VERB" and lemma in FAVOR_VERBS | AGAINST_VERBS:
            polarity = "FAVOR" if lemma in FAVOR_VERBS else "AGAINST"
            if any(c.dep_ == "neg" for c in node.children):
                polarity = "AGAINST" if polarity == "FAVOR" else "FAVOR"
            return polarity
        if dep not in OBJECT_DEPS:
            return None
    return None


def stance_targets(sdoc, ents: Iterable, start: int, end: int, stance: str) -> list[dict]:
    """Targets of the sentence ``[start, end)`` of a parsed spaCy Doc.

    Args:
        sdoc: the report's spaCy Doc with a dependency parse.
        ents: the report's entities (objects with ``start``, ``end`` character offsets and a ``label``).
        start, end: the sentence, character offsets into ``sdoc.text``.
        stance: the sentence's stance, FAVOR or AGAINST (NONE gives no target).

    Returns:
        ``[{"start", "end", "stance"}]``, character offsets, in text order.
    """
    if stance not in ("FAVOR", "AGAINST"):
        return []
    out = []
    first = sdoc.char_span(start, end, alignment_mode="expand")
    sent_start = first.start if first is not None else 0
    for e in ents:
        if not (e.start >= start and e.end <= end and e.label in TARGET_LABELS):
            continue
        span = sdoc.char_span(e.start, e.end, alignment_mode="expand")
        if span is None:
            continue
        root = span.root
        if is_holder(root) or is_setting(root, e.label):
            continue
        out.append({"start": e.start, "end": e.end, "stance": verb_polarity(root, sent_start) or stance})
    return out
