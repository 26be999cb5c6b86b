"""The lexicon: topic terms and evaluative words (a TOML file), compiled to regexes.

Used as features by the trained models and alone by the transparent ``lexicon.v1`` baseline.
"""

from __future__ import annotations

import re
from functools import lru_cache


from pipeline.config import Params
from pipeline.document import TOPICS
from pipeline.errors import ConfigError
from pipeline.io import read_toml


class LexiconParams(Params):
    """``[stages.classify]`` for ``lexicon.v1``: ``lexicon`` is the TOML file of terms."""

    lexicon: str = "config/lexicon.toml"


@lru_cache(maxsize=8)
def read_lexicon(path: str) -> dict:
    """Read a lexicon TOML file: ``{"topics": {topic: [terms]}, "stance": {"FAVOR": [...], "AGAINST": [...]}}``.

    Raises:
        ConfigError: missing file, or a topic/stance name outside the guidelines' labels.
    """
    data = read_toml(path, "lexicon", "set stages.classify.lexicon (or train.lexicon) to a lexicon TOML file")
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
