"""Classify: a topic and a stance for every sentence.

Two factories:

- ``sklearn.v1`` (:class:`SklearnClassifier`, the default): loads ``topic.skops``
  and ``stance.skops`` from ``model_dir`` (made by ``irnlp train``; features and
  model in :mod:`pipeline.textcat`), gives every sentence a topic, a stance, the
  probabilities of all labels and a low-confidence flag, and proposes stance
  targets: in a sentence that takes a side, the entities it evaluates, from the
  dependency parse (holders and settings left out; :mod:`pipeline.textcat.targets`),
  or, without a parse, each entity with the stance of the nearest evaluative
  lexicon term.
- ``lexicon.v1`` (:class:`LexiconClassifier`, also ``classify.v1``), the
  transparent baseline: each topic has a list of terms and each stance a list of
  evaluative words and phrases (a TOML file named in the config,
  :mod:`pipeline.textcat.lexicon`); a sentence takes the topic with most term
  hits (``other`` when none) and FAVOR/AGAINST by which evaluative list hits more
  (``NONE`` when neither). Headings pass their topic to the sentences below when
  those have no hit of their own. Output records ``"method": "lexicon"``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Iterable, Iterator


from pydantic import Field

from pipeline.config import Params
from pipeline.document import STANCES, TOPICS, Document, Status
from pipeline.errors import ModelError
from pipeline.stages.base import Stage
from pipeline.textcat.lexicon import LexiconParams, compile_lexicon, count, load_lexicon
from pipeline.textcat.model import load_model, predict_proba, read_meta
from pipeline.textcat.calibration import LOW_CONFIDENCE, apply_temperature
from pipeline.textcat.features import is_heading, units_of_record
from pipeline.textcat.targets import TARGET_LABELS, stance_targets


class LexiconClassifier(Stage):
    """``lexicon.v1`` (also ``classify.v1``): the transparent baseline, a topic and a stance per sentence
    from term hits.

    Params: :class:`~pipeline.textcat.lexicon.LexiconParams`. Method: keyword lexicon (a TOML file);
    stance labels as SemEval-2016 Task 6 (Mohammad et al. 2016).
    """

    Params = LexiconParams
    requires = ("sents",)
    assigns = ("sents.topic", "sents.stance")

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





class SklearnParams(Params):
    """``[stages.classify]`` for ``sklearn.v1``.

    Attributes:
        model_dir: folder with ``topic.skops``, ``stance.skops`` and ``meta.json``.
        low_confidence: a sentence whose best topic or stance probability is below this is flagged.
        targets: propose stance targets for FAVOR/AGAINST sentences.
        batch_size: reports predicted with one call of each model (0: run.batch_size). Larger batches
            cost less CPU and keep more parsed reports in memory at once.
    """

    model_dir: str = "models/textcat"
    low_confidence: float = LOW_CONFIDENCE
    targets: bool = True
    batch_size: int = Field(0, ge=0)


@lru_cache(maxsize=4)
def load_models(model_dir: str):
    """Load both models of ``model_dir`` after checking how they were made.

    Raises:
        ModelError: missing/corrupt files, other labels, or a scikit-learn release other than the installed one.
    """
    d = Path(model_dir)
    meta = read_meta(d / "meta.json")
    trained = meta.get("versions", {}).get("scikit-learn", "unknown")
    installed = version("scikit-learn")
    if trained.split(".")[:2] != installed.split(".")[:2]:
        raise ModelError(f"{d}: models were trained with scikit-learn {trained}, {installed} is installed; "
                         "retrain them with `irnlp train config/train.toml` (or install the trained release)")
    return load_model(d / "topic.skops", TOPICS if meta.get("topic_labels") is None else meta["topic_labels"]), \
        load_model(d / "stance.skops", STANCES), meta


def parsed(doc: Document) -> bool:
    """The report has a spaCy Doc with a dependency parse (segment ran with a parser)."""
    return doc.spacy_doc is not None and doc.spacy_doc.has_annotation("DEP")


def targets_for(doc: Document, start: int, end: int, stance: str, lex: dict) -> list[dict]:
    """Stance per entity of the sentence ``[start, end)``: the stance of the nearest evaluative term."""
    text = doc.text[start:end]
    hits = [(m.start() + start, st) for st in ("FAVOR", "AGAINST") if lex[st] for m in lex[st].finditer(text)]
    out = []
    for e in doc.ents:
        if e.start >= start and e.end <= end and e.label in TARGET_LABELS:
            if hits:
                mid = (e.start + e.end) / 2
                nearest = min(hits, key=lambda h: abs(h[0] - mid))[1]
            else:
                nearest = stance
            out.append({"start": e.start, "end": e.end, "stance": nearest})
    return out


class SklearnClassifier(Stage):
    """``sklearn.v1``: a topic, a stance, their probabilities, a low-confidence flag and stance targets
    per sentence, from the trained models of ``model_dir``.

    Params: :class:`SklearnParams`. Method: TF-IDF n-grams, context and lexicon features with a
    class-weighted logistic regression (scikit-learn; :mod:`pipeline.textcat`).
    """

    Params = SklearnParams
    requires = ("sents",)
    assigns = ("sents.topic", "sents.stance", "sents.targets")

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.topic_model, self.stance_model, self.meta = load_models(self.params.model_dir)
        self.lex = compile_lexicon(self.meta.get("lexicon", {}))
        # Temperatures fitted at training time on outlet-held-out predictions (1: as the model gives them).
        cal = self.meta.get("calibration", {})
        self.temperature = {t: float(cal.get(t, {}).get("temperature", 1.0)) for t in ("topic", "stance")}
        self._predicted: dict[int, tuple] = {}  # the current batch's rows, by id(doc) (see run)

    def targets(self, doc: Document, start: int, end: int, stance: str) -> list[dict]:
        """Targets from the dependency parse (:mod:`pipeline.textcat.targets`) when segment left one;
        else each entity takes the stance of the nearest evaluative term (:func:`targets_for`)."""
        if parsed(doc):
            return stance_targets(doc.spacy_doc, doc.ents, start, end, stance)
        return targets_for(doc, start, end, stance, self.lex)

    def predict(self, docs: list[Document]) -> dict[int, tuple]:
        """Calibrated topic and stance probabilities of every sentence of ``docs``, one call of each model for
        all of them (scikit-learn's per-call cost, about half of it on single reports, is paid once a batch;
        each row depends on its own sentence and report only, so the numbers are those of one report alone).

        Returns ``{id(doc): (topic classes, (n_sents, n_topics) array, stance classes, (n_sents, n_stances)
        array)}``, rows in the order of ``doc.sents`` sorted by start.
        """
        per_doc = []
        for doc in docs:
            rec = {"id": doc.id, "text": doc.text,
                   "sents": [{"start": s.start, "end": s.end} for s in doc.sents],
                   "ents": [{"start": e.start, "end": e.end, "label": e.label} for e in doc.ents]}
            per_doc.append(units_of_record(rec))
        units = [u for us in per_doc for u in us]
        t_classes, t_p = predict_proba(self.topic_model, units)
        s_classes, s_p = predict_proba(self.stance_model, units)
        t_p, s_p = apply_temperature(t_p, self.temperature["topic"]), apply_temperature(s_p, self.temperature["stance"])
        out, at = {}, 0
        for doc, us in zip(docs, per_doc):
            out[id(doc)] = (t_classes, t_p[at:at + len(us)], s_classes, s_p[at:at + len(us)])
            at += len(us)
        return out

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        run = self.ctx.config.run
        for batch in self.batches(docs, self.params.batch_size or run.batch_size, run.batch_chars):
            ok = [d for d in batch if d.status == Status.OK]
            # A batch that breaks leaves nothing here: process() then predicts each report alone.
            self._predicted = (self.batch_or_none(lambda: self.predict(ok)) if ok else None) or {}
            yield from super().run(batch)  # process() takes each report's rows from the batch's prediction
        self._predicted = {}

    def process(self, doc: Document) -> None:
        pred = self._predicted.pop(id(doc), None)
        t_classes, t_p, s_classes, s_p = pred if pred is not None else self.predict([doc])[id(doc)]
        order = sorted(range(len(doc.sents)), key=lambda i: doc.sents[i].start)
        for row, i in enumerate(order):
            s = doc.sents[i]
            s.topic_probs = {c: round(float(p), 4) for c, p in zip(t_classes, t_p[row])}
            s.stance_probs = {c: round(float(p), 4) for c, p in zip(s_classes, s_p[row])}
            s.topic = max(s.topic_probs, key=s.topic_probs.get)
            s.stance = max(s.stance_probs, key=s.stance_probs.get)
            s.low_confidence = min(s.topic_probs[s.topic], s.stance_probs[s.stance]) < self.params.low_confidence
            if self.params.targets and s.stance != "NONE":
                s.targets = self.targets(doc, s.start, s.end, s.stance)
            self.counts["low_confidence"] += s.low_confidence
        doc.meta["method"] = "sklearn"
        doc.meta["targets"] = "parse" if parsed(doc) else "nearest_term"
        doc.meta["model"] = {"dir": self.params.model_dir, "trained": self.meta.get("trained_at")}
