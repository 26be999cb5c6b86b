"""Classify: a topic and a stance for every sentence.

``lexicon.v1`` (this module) is the transparent baseline: each topic has a
list of terms and each stance a list of evaluative words and phrases (a TOML
file named in the config); a sentence takes the topic with most term hits
(``other`` when none) and FAVOR/AGAINST by which evaluative list hits more
(``NONE`` when neither). Headings pass their topic to the sentences below when
those have no hit of their own. Output records ``"method": "lexicon"``.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from pipeline.config import Params
from pipeline.document import TOPICS, Document
from pipeline.errors import ConfigError
from pipeline.registry import register
from pipeline.stages.base import Stage


class LexiconParams(Params):
    """``[stages.classify]`` for ``lexicon.v1``: ``lexicon`` is the TOML file of terms."""

    lexicon: str = "config/lexicon.toml"


@lru_cache(maxsize=8)
def read_lexicon(path: str) -> dict:
    """Read a lexicon TOML file: ``{"topics": {topic: [terms]}, "stance": {"FAVOR": [...], "AGAINST": [...]}}``.

    Raises:
        ConfigError: missing file, or a topic/stance name outside the guidelines' labels.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read lexicon ({e}); set stages.classify.lexicon to a valid TOML file") from None
    bad = set(data.get("topics", {})) - set(TOPICS)
    if bad:
        raise ConfigError(f"{path}: unknown topic(s) {sorted(bad)} (allowed: {', '.join(TOPICS)})")
    return data


def load_lexicon(path: str) -> dict:
    """Read and compile a lexicon file (see :func:`compile_lexicon`)."""
    return compile_lexicon(read_lexicon(path))


def compile_lexicon(data: dict) -> dict:
    """One case-insensitive regex per topic and per evaluative stance; terms match at a word start."""

    def rx(terms):
        alts = sorted((re.escape(t.lower()) for t in terms), key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(alts) + r")", re.I) if alts else None

    return {
        "topics": {t: rx(terms) for t, terms in data.get("topics", {}).items()},
        "FAVOR": rx(data.get("stance", {}).get("FAVOR", [])),
        "AGAINST": rx(data.get("stance", {}).get("AGAINST", [])),
    }


def count(rx, text: str) -> int:
    return len(rx.findall(text)) if rx else 0


def is_heading(text: str) -> bool:
    """A title or heading: one short line without a final full stop."""
    return len(text) < 120 and not text.rstrip().endswith((".", "!", "?", "»", "”", '"'))


@register("classify.v1")
@register("lexicon.v1")
class LexiconClassifier(Stage):
    Params = LexiconParams

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.lex = load_lexicon(self.params.lexicon)

    def process(self, doc: Document) -> None:
        section_topic = None
        for s in doc.sents:
            text = doc.text[s.start:s.end]
            hits = {t: count(rx, text) for t, rx in self.lex["topics"].items()}
            best = max(hits, key=hits.get) if hits else None
            if best and hits[best] > 0:
                s.topic = best
            else:
                s.topic = section_topic or "other"
            if is_heading(text) and best and hits[best] > 0:
                section_topic = best
            fav, ag = count(self.lex["FAVOR"], text), count(self.lex["AGAINST"], text)
            # The guidelines: where the only evaluative wording is negative, AGAINST.
            s.stance = "AGAINST" if ag > fav else "FAVOR" if fav > 0 else "NONE"
            self.counts[f"topic_{s.topic}"] += 1
        doc.meta["method"] = "lexicon"
