"""``irnlp train CONFIG``: learn the topic and stance models from labelled JSONL.

Honest measurement: every score in ``meta.json`` is on reports the model did
not see. The headline is **leave-one-outlet-out** cross-validation
(scikit-learn ``LeaveOneGroupOut`` with the outlet of each report as its group,
``meta.outlet`` or the name of its source file): each outlet is predicted by a
model trained on the other outlets only, as users meet the pipeline on a new
site. Beside it, cross-validation grouped by report (``GroupKFold``: no sentence
of a test report is in training, but every outlet is on both sides), which
cannot see outlet shift and so reads higher. Learning curves: by share of the
training reports (report folds) and by number of training outlets (outlet
folds). Files listed under ``heldout`` (the gold sets) are only ever predicted,
never trained on. The majority class and the lexicon method are scored on the
same folds.
"""

from __future__ import annotations

import json
import logging
import platform
import random
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError
from sklearn.metrics import cohen_kappa_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from pipeline import __version__
from pipeline.config import Params, explain
from pipeline.document import STANCES, TOPICS, outlet_of
from pipeline.errors import ConfigError
from pipeline.io import atomic_open, expand_paths, file_sha256, read_jsonl, read_toml, write_json
from pipeline.textcat.calibration import (LOW_CONFIDENCE, cross_fitted, ece, fit_temperature,
                                          low_confidence_share, nll, reliability)
from pipeline.textcat.features import Unit, make_pipeline, units_of_record
from pipeline.textcat.lexicon import compile_lexicon, count, read_lexicon
from pipeline.textcat.model import save_model


log = logging.getLogger("irnlp")


class WeakParams(Params):
    """Weak labels from the lexicon on unlabelled sentences (marked ``weak`` in the data)."""

    enabled: bool = False
    paths: list[str] = []
    max_per_label: int = 60
    min_hits: int = 2


class TrainParams(Params):
    """``[train]`` table of a training config.

    Attributes:
        data: labelled JSONL files (gold format) to train on.
        heldout: labelled JSONL files only predicted, to report scores on (never trained on).
        out_dir: where ``topic.skops``, ``stance.skops`` and ``meta.json`` go.
        lexicon: the lexicon TOML (features and the lexicon baseline).
        C: inverse regularisation strength of the logistic regression.
        folds: number of report-grouped cross-validation folds.
        learning_curve: shares of the training reports for the report-grouped learning curve.
        outlet_curve: numbers of training outlets for the outlet learning curve (each point trains
            on that many outlets drawn from those not held out).
        outlet_curve_min_units: only outlets with at least this many units are held out for the
            outlet learning curve (small outlets make noisy test folds).
        weak: weak labels from the lexicon on unlabelled text (see :class:`WeakParams`).
        embeddings: add MiniLM sentence embeddings as features (optional extra): ``true`` for both tasks,
            or per task (``{ stance = true }``).
        report_weight: weight of the whole-report TF-IDF features per task (``topic``,
            ``stance``; a missing task or 0: none).
        static_weight: weight of the static word-embedding features (WordLlama) per task, likewise.
        discourse: per task, add negation, contrast and reported-speech cues to the symbolic features.
    """

    data: list[str]
    heldout: list[str] = []
    out_dir: str = "models/textcat"
    lexicon: str = "config/lexicon.toml"
    C: float = 4.0
    folds: int = 5
    learning_curve: list[float] = [0.25, 0.5, 0.75, 1.0]
    outlet_curve: list[int] = [1, 3, 6]
    outlet_curve_min_units: int = Field(150, ge=1)
    weak: WeakParams = WeakParams()
    embeddings: bool | dict[Literal["topic", "stance"], bool] = False
    report_weight: dict[Literal["topic", "stance"], Annotated[float, Field(ge=0)]] = {}
    static_weight: dict[Literal["topic", "stance"], Annotated[float, Field(ge=0)]] = {}
    discourse: dict[Literal["topic", "stance"], bool] = {}


def load_train_config(path: str | Path) -> TrainParams:
    path = Path(path)
    data = read_toml(path, "training config", "see config/train.toml")
    if set(data) != {"train"}:
        raise ConfigError(f"{path}: expected exactly one [train] table, found {sorted(data)}")
    try:
        return TrainParams(**data["train"])
    except ValidationError as e:
        raise ConfigError(explain(path, "train", e, TrainParams)) from None


def load_units(paths: list[str]) -> tuple[list[Unit], list[str], list[str]]:
    """Units with their gold topic and stance from gold-format JSONL files."""
    units, topics, stances = [], [], []
    for p in paths:
        for _, rec in read_jsonl(p):
            sents = sorted(rec["sents"], key=lambda s: s["start"])
            for u, s in zip(units_of_record(rec), sents):
                units.append(u)
                topics.append(s["topic"])
                stances.append(s["stance"])
    return units, topics, stances


def lexicon_predict(units: list[Unit], lex: dict) -> tuple[list[str], list[str]]:
    """The lexicon baseline, the same rule as the ``lexicon.v1`` stage (without section carry-over)."""
    topics, stances = [], []
    for u in units:
        hits = {t: count(rx, u.text) for t, rx in lex["topics"].items()}
        best = max(hits, key=hits.get)
        topics.append(best if hits[best] else "other")
        fav, ag = count(lex["FAVOR"], u.text), count(lex["AGAINST"], u.text)
        stances.append("AGAINST" if ag > fav else "FAVOR" if fav else "NONE")
    return topics, stances


def _kappa(y_true: list[str], y_pred: list[str]) -> float:
    """Cohen's kappa (Cohen 1960; scikit-learn), 0.0 where it is undefined (one label on both sides)."""
    if len(set(y_true) | set(y_pred)) < 2:
        return 0.0
    return round(float(cohen_kappa_score(y_true, y_pred)), 4)


def scores(y_true: list[str], y_pred: list[str], labels: tuple[str, ...]) -> dict[str, Any]:
    present = [lab for lab in labels if lab in set(y_true)]
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=present, zero_division=0)
    return {
        "accuracy": round(float(np.mean(np.array(y_true) == np.array(y_pred))), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4),
        "kappa": _kappa(y_true, y_pred),  # comparable with the agreement of two human passes
        "per_class": {lab: {"p": round(float(a), 4), "r": round(float(b), 4), "f1": round(float(c), 4), "support": int(d)}
                      for lab, a, b, c, d in zip(present, p, r, f, n)},
        "n": len(y_true),
    }


def weak_units(params: WeakParams, lex: dict, seed: int = 0) -> tuple[list[Unit], list[str], list[str]]:
    """Sentences of unlabelled reports whose lexicon evidence is unambiguous, labelled by the lexicon.

    Topic: at least ``min_hits`` hits of one topic and none of any other.
    Stance: NONE when no evaluative term hits, FAVOR/AGAINST when only one side hits twice or more.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    rng = random.Random(seed)
    pool: list[Unit] = []

    for path in expand_paths(params.paths):
        for _, rec in read_jsonl(path):
            first = rec["text"].split("\n")[0] if rec["text"].count("\n") < 3 else rec["text"]
            doc = nlp(first[:20000])
            sents = [s.text.strip() for s in doc.sents if 40 < len(s.text.strip()) < 400]
            pool += [Unit(s, group=str(rec.get("id"))) for s in sents]
    rng.shuffle(pool)
    units, topics, stances, per = [], [], [], Counter()
    for u in pool:
        hits = {t: count(rx, u.text) for t, rx in lex["topics"].items()}
        strong = [t for t, n in hits.items() if n >= params.min_hits]
        if len(strong) != 1 or sum(hits.values()) != hits[strong[0]] or per[strong[0]] >= params.max_per_label:
            continue
        fav, ag = count(lex["FAVOR"], u.text), count(lex["AGAINST"], u.text)
        stance = "NONE" if not (fav or ag) else "FAVOR" if fav >= 2 and not ag else "AGAINST" if ag >= 2 and not fav else None
        if stance is None:
            continue
        per[strong[0]] += 1
        units.append(u)
        topics.append(strong[0])
        stances.append(stance)
    return units, topics, stances


def new_model(params: TrainParams, lexicon: dict, task: str):
    """The unfitted scikit-learn pipeline of ``task`` (``topic`` or ``stance``) for these training params."""
    emb = params.embeddings if isinstance(params.embeddings, bool) else params.embeddings.get(task, False)
    return make_pipeline(lexicon, C=params.C, embeddings=emb,
                         report_weight=params.report_weight.get(task, 0.0),
                         static_weight=params.static_weight.get(task, 0.0),
                         discourse=params.discourse.get(task, False))


def cross_validate(units, y, extra, params: TrainParams, lex_pred, lexicon, task: str) -> dict[str, Any]:
    """Grouped k-fold: model, majority class and lexicon scored on the same held-out reports.

    ``extra`` is weak-labelled ``(units, labels)`` added to every training fold (never to a test fold).
    """
    groups = [u.group for u in units]
    n_groups = len(set(groups))
    folds = min(params.folds, n_groups)
    pred = [None] * len(units)
    majority = [None] * len(units)
    curve: dict[float, list[tuple[list[str], list[str]]]] = {share: [] for share in params.learning_curve}
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(units, y, groups):
        train_groups = sorted({groups[i] for i in train_idx})
        test_u = [units[i] for i in test_idx]
        test_y = [y[i] for i in test_idx]
        for share in params.learning_curve:
            keep = set(random.Random(0).sample(train_groups, max(1, round(share * len(train_groups)))))
            idx = [i for i in train_idx if groups[i] in keep]
            tr_u = [units[i] for i in idx] + extra[0]
            tr_y = [y[i] for i in idx] + extra[1]
            if len(set(tr_y)) < 2:  # one label in these reports: no classifier, that label is the answer
                if share == max(params.learning_curve):
                    for i in test_idx:
                        pred[i] = tr_y[0]
                continue
            model = new_model(params, lexicon, task).fit(tr_u, tr_y)
            p = list(model.predict(test_u))
            curve[share].append((test_y, p))
            if share == max(params.learning_curve):
                for i, v in zip(test_idx, p):
                    pred[i] = v
        top = Counter(y[i] for i in train_idx).most_common(1)[0][0]
        for i in test_idx:
            majority[i] = top
    labels = TOPICS if set(y) <= set(TOPICS) else STANCES
    n_train = {share: int(round(share * len(units) * (folds - 1) / folds)) for share in params.learning_curve}
    # Per outlet, each unit predicted by a model that saw other reports of its outlet: the "after" beside
    # the outlet-held-out "before" (an outlet added with a few labelled reports, docs/adapting.md).
    by_outlet: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        by_outlet.setdefault(u.outlet, []).append(i)
    per_outlet = {o: scores([y[i] for i in idx], [pred[i] for i in idx], labels)["macro_f1"]
                  for o, idx in by_outlet.items() if all(pred[i] is not None for i in idx)}
    return {
        "folds": folds, "reports": n_groups, "sentences": len(units),
        "per_outlet_macro_f1": per_outlet,
        "model": scores(y, pred, labels),
        "majority": scores(y, majority, labels),
        "lexicon": scores(y, lex_pred, labels),
        "learning_curve": [
            {"share_of_training_reports": share, "approx_training_sentences": n_train[share],
             "macro_f1": round(float(np.mean([f1_score(t, p, average="macro", zero_division=0) for t, p in runs])), 4)}
            for share, runs in curve.items() if runs
        ],
    }


def outlet_cross_validate(units, y, extra, params: TrainParams, lex_pred, lexicon, task: str) -> dict[str, Any]:
    """Leave-one-outlet-out: each outlet is predicted by a model trained on all other outlets.

    Returns pooled scores (every unit predicted by a model that never saw its outlet) for the
    model, the majority class of the training outlets and the lexicon; a per-outlet table; and a
    learning curve by number of training outlets. ``extra``: weak-labelled ``(units, labels)``
    added to every training fold.
    """
    outlets = [u.outlet for u in units]
    labels = TOPICS if set(y) <= set(TOPICS) else STANCES
    pred: list[str | None] = [None] * len(units)
    proba = np.zeros((len(units), len(labels)))
    majority: list[str | None] = [None] * len(units)
    sizes = Counter(outlets)
    curve: dict[int, list[float]] = {k: [] for k in params.outlet_curve if k < len(sizes) - 1 or k == 1}
    for train_idx, test_idx in LeaveOneGroupOut().split(units, y, outlets):
        held = outlets[test_idx[0]]
        log.info("train %s: outlet %s held out (%d units)", task, held, len(test_idx))
        test_u = [units[i] for i in test_idx]
        model = new_model(params, lexicon, task).fit([units[i] for i in train_idx] + extra[0],
                                                     [y[i] for i in train_idx] + extra[1])
        p = model.predict_proba(test_u)  # the label of a logistic regression is the argmax of these
        proba[np.ix_(test_idx, [labels.index(str(c)) for c in model.classes_])] = p
        for i, v in zip(test_idx, model.classes_[p.argmax(axis=1)]):
            pred[i] = str(v)
        top = Counter(y[i] for i in train_idx).most_common(1)[0][0]
        for i in test_idx:
            majority[i] = top
        if sizes[held] < params.outlet_curve_min_units:
            continue
        others = sorted(set(outlets) - {held})
        for k in curve:
            if k >= len(others):
                continue
            keep = set(random.Random(0).sample(others, k))
            idx = [i for i in train_idx if outlets[i] in keep]
            tr_y = [y[i] for i in idx] + extra[1]
            if len(set(tr_y)) < 2:
                continue
            m = new_model(params, lexicon, task).fit([units[i] for i in idx] + extra[0], tr_y)
            curve[k].append(f1_score([y[i] for i in test_idx], list(m.predict(test_u)), average="macro",
                                     zero_division=0))
    per_outlet = {}
    for o in sorted(sizes, key=lambda o: -sizes[o]):
        idx = [i for i, x in enumerate(outlets) if x == o]
        t_, p_, l_ = [y[i] for i in idx], [pred[i] for i in idx], [lex_pred[i] for i in idx]
        per_outlet[o] = {"units": len(idx), "reports": len({units[i].group for i in idx}),
                         "model": {k: v for k, v in scores(t_, p_, labels).items() if k != "per_class"},
                         "lexicon_macro_f1": scores(t_, l_, labels)["macro_f1"]}
    return {
        "outlets": len(sizes), "reports": len({u.group for u in units}), "sentences": len(units),
        "model": scores(y, pred, labels),
        "majority": scores(y, majority, labels),
        "lexicon": scores(y, lex_pred, labels),
        "per_outlet": per_outlet,
        "calibration": calibration_report(proba, [labels.index(v) for v in y], outlets),
        "outlet_learning_curve": [
            {"training_outlets": k, "folds": len(v), "macro_f1": round(float(np.mean(v)), 4)}
            for k, v in curve.items() if v
        ],
    }


def calibration_report(proba: np.ndarray, y: list[int], outlets: list[str]) -> dict[str, Any]:
    """How well the outlet-held-out probabilities ``(n_units, n_classes)`` match accuracy, before and after
    temperature scaling (:mod:`pipeline.textcat.calibration`).

    ``temperature`` is fitted on all units (what the final model applies); the ``calibrated`` figures use,
    for each outlet, a temperature fitted on the other outlets only, so they are held out twice over.
    """
    y_ = np.asarray(y)

    def figures(p: np.ndarray) -> dict[str, Any]:
        return {"ece": ece(p, y_), "nll": round(nll(p, y_), 4), "reliability": reliability(p, y_),
                "low_confidence": low_confidence_share(p, y_, LOW_CONFIDENCE)}

    return {"temperature": fit_temperature(proba, y_), "raw": figures(proba),
            "calibrated": figures(cross_fitted(proba, y_, outlets))}


def train(config_path: str | Path) -> dict[str, Any]:
    """Train both models, write them and ``meta.json`` into ``out_dir``; return the metadata.

    Raises:
        ConfigError: bad training config.
        FormatError: a malformed data file (names line and field).
    """
    params = load_train_config(config_path)
    random.seed(0)
    np.random.seed(0)
    lexicon = read_lexicon(params.lexicon)
    lex = compile_lexicon(lexicon)
    units, topics, stances = load_units(params.data)
    if len(set(u.group for u in units)) < 2:
        raise ConfigError(f"{config_path}: training data needs at least two reports, found {len(units)} sentences")
    weak = ([], [], [])
    if params.weak.enabled:
        weak = weak_units(params.weak, lex)
    lex_topics, lex_stances = lexicon_predict(units, lex)
    t0 = time.time()
    meta: dict[str, Any] = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "irnlp": __version__,
        "versions": {pkg: metadata.version(pkg) for pkg in ("scikit-learn", "skops", "numpy", "spacy", "wordllama")},
        "python": platform.python_version(),
        "topic_labels": sorted(set(topics)),
        "stance_labels": sorted(set(stances)),
        "data": {p: file_sha256(p) for p in params.data},
        "heldout_files": {p: file_sha256(p) for p in params.heldout},
        "params": params.model_dump(),
        "lexicon": lexicon,
        "weak_sentences": len(weak[0]),
        "cv": {},
    }
    if params.heldout:  # read once; only predicted, never trained on
        h_units, h_topics, h_stances = load_units(params.heldout)
        h_lex_topics, h_lex_stances = lexicon_predict(h_units, lex)
    outlets = Counter(u.outlet for u in units)
    meta["outlets"] = {o: {"units": n, "reports": len({u.group for u in units if u.outlet == o})}
                       for o, n in outlets.most_common()}
    # The cross-validation groups, per training file: reports of each outlet (meta.outlet, else the source's name).
    meta["data_outlets"] = {p: dict(Counter(outlet_of(rec) for _, rec in read_jsonl(p)).most_common()) for p in params.data}
    for task, y, lex_pred, wy in (("topic", topics, lex_topics, weak[1]), ("stance", stances, lex_stances, weak[2])):
        if len(outlets) >= 2:
            meta.setdefault("outlet_cv", {})[task] = outlet_cross_validate(
                units, y, (weak[0], list(wy)), params, lex_pred, lexicon, task)
            # One temperature per task, fitted on predictions for outlets the model never saw.
            meta.setdefault("calibration", {})[task] = {
                "temperature": meta["outlet_cv"][task]["calibration"]["temperature"],
                "method": "temperature scaling (Guo et al. 2017) on leave-one-outlet-out probabilities"}
        log.info("train %s: report-grouped cross-validation", task)
        meta["cv"][task] = cross_validate(units, y, (weak[0], list(wy)), params, lex_pred, lexicon, task)
        if params.weak.enabled:
            meta["cv"][task]["without_weak"] = cross_validate(units, y, ([], []), params, lex_pred, lexicon, task)["model"]
        log.info("train %s: final model on all %d units", task, len(units))
        model = new_model(params, lexicon, task).fit(units + weak[0], list(y) + list(wy))
        save_model(model, Path(params.out_dir) / f"{task}.skops")
        if params.heldout:
            h_y, h_lex = (h_topics, h_lex_topics) if task == "topic" else (h_stances, h_lex_stances)
            labels = TOPICS if task == "topic" else STANCES
            meta.setdefault("heldout", {})[task] = {
                "model": scores(h_y, list(model.predict(h_units)), labels),
                "lexicon": scores(h_y, h_lex, labels),
                "majority": scores(h_y, [Counter(y).most_common(1)[0][0]] * len(h_y), labels),
            }
    meta["train_seconds"] = round(time.time() - t0, 1)
    write_json(Path(params.out_dir) / "meta.json", meta)
    with atomic_open(Path(params.out_dir) / "README.md") as fh:
        fh.write(model_card(meta))
    return meta


def _table(lines: list[str], cv: dict[str, Any]) -> None:
    classes = sorted(cv["model"]["per_class"])
    lines.append("| method | macro-F1 | accuracy | κ | " + " | ".join(classes) + " |")
    lines.append("|---|---|---|---|" + "---|" * len(classes))
    for name in ("majority", "lexicon", "model"):
        s = cv[name]
        per = " | ".join(f"{s['per_class'].get(c, {}).get('f1', 0):.2f}" for c in classes)
        kappa = f"{s['kappa']:.3f}" if "kappa" in s else "–"
        lines.append(f"| {name} | {s['macro_f1']:.3f} | {s['accuracy']:.3f} | {kappa} | {per} |")


def summary_table(meta: dict[str, Any]) -> str:
    """Markdown tables per task: majority, lexicon and model, macro-F1 and per-class F1; outlet-held-out
    cross-validation first (with the per-outlet table), then report-grouped."""
    lines = []
    for task in ("topic", "stance"):
        oc = meta.get("outlet_cv", {}).get(task)
        if oc:
            lines.append(f"\n### {task} — leave-one-outlet-out CV over {oc['outlets']} outlets, {oc['reports']} reports, "
                         f"{oc['sentences']} sentences (each outlet predicted by a model that never saw it)\n")
            _table(lines, oc)
            after = meta["cv"][task].get("per_outlet_macro_f1", {})
            lines += ["", "| held-out outlet | units | model macro-F1 | model accuracy | lexicon macro-F1 "
                          "| macro-F1 with its other reports in training |", "|---|---|---|---|---|---|"]
            for o, r in oc["per_outlet"].items():
                with_it = f"{after[o]:.3f}" if o in after else "–"
                lines.append(f"| {o} | {r['units']} | {r['model']['macro_f1']:.3f} | {r['model']['accuracy']:.3f} | "
                             f"{r['lexicon_macro_f1']:.3f} | {with_it} |")
        cv = meta["cv"][task]
        lines.append(f"\n### {task} — report-grouped {cv['folds']}-fold CV over {cv['reports']} reports, "
                     f"{cv['sentences']} sentences (every outlet on both sides of each fold: optimistic for new outlets)\n")
        _table(lines, cv)
    return "\n".join(lines)


def expectation(meta: dict[str, Any]) -> str:
    """What to expect on a new outlet: the mean of the per-outlet scores over the outlets with enough units
    (the pooled figures weigh the largest outlet most)."""
    if not meta.get("outlet_cv"):
        return ""
    n = meta["params"].get("outlet_curve_min_units", 150)
    out = []
    for task in ("topic", "stance"):
        big = [r["model"]["macro_f1"] for r in meta["outlet_cv"][task]["per_outlet"].values() if r["units"] >= n]
        if big:
            out.append(f"{task} {sum(big) / len(big):.3f}")
    return (f"\nOn an outlet that is not in the training data, expect about the mean macro-F1 of the held-out "
            f"outlets with at least {n} units: {', '.join(out)} (the pooled leave-one-outlet-out figures below "
            "weigh the largest outlet most).\n") if out else ""


def calibration_section(meta: dict[str, Any]) -> list[str]:
    """Model-card lines: ECE and what the low-confidence flag means, before and after temperature scaling,
    and the reliability table of the calibrated probabilities (all leave-one-outlet-out)."""
    cals = {t: oc["calibration"] for t, oc in meta.get("outlet_cv", {}).items() if "calibration" in oc}
    if not cals:
        return []
    lines = ["", "## Calibration (leave-one-outlet-out probabilities; ECE over 10 confidence bins)", "",
             "The classify stage divides the log-probabilities by the temperature (Guo et al. 2017), which keeps "
             "every predicted label. Calibrated figures use, for each outlet, a temperature fitted on the others.", "",
             "| task | temperature | ECE raw | ECE calibrated | flagged (best p < 0.5) raw | calibrated "
             "| accuracy flagged / not, calibrated |", "|---|---|---|---|---|---|---|"]
    for task, c in cals.items():
        lr, lc = c["raw"]["low_confidence"], c["calibrated"]["low_confidence"]
        lines.append(f"| {task} | {c['temperature']:.2f} | {c['raw']['ece']:.3f} | {c['calibrated']['ece']:.3f} | "
                     f"{lr['share_flagged']:.1%} | {lc['share_flagged']:.1%} | "
                     f"{_pct(lc['accuracy_flagged'])} / {_pct(lc['accuracy_unflagged'])} |")
    for task, c in cals.items():
        lines += ["", f"Reliability of the calibrated {task} probabilities:", "",
                  "| best probability | units | mean confidence | accuracy |", "|---|---|---|---|"]
        lines += [f"| {r['lo']:.1f}–{r['hi']:.1f} | {r['units']} | {r['confidence']:.3f} | {r['accuracy']:.3f} |"
                  for r in c["calibrated"]["reliability"]]
    return lines


def _minilm(emb: bool | dict | None) -> str:
    tasks = ["topic", "stance"] if emb is True else [t for t, on in (emb or {}).items() if on]
    return f", MiniLM sentence embeddings ({', '.join(tasks)})" if tasks else ""


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def model_card(meta: dict[str, Any]) -> str:
    """``README.md`` of a model folder: what was trained on what, and how well, from ``meta.json``."""
    p = meta["params"]
    lines = [f"# Topic and stance models ({meta['trained_at']})", "",
             "Written by `irnlp train`; every number is in `meta.json`. Features: TF-IDF words (1-2), characters "
             "(2-5), context words (heading, neighbours), whole-report words (weights "
             f"{', '.join(f'{k} {v}' for k, v in (p.get('report_weight') or {}).items()) or 'none'}), lexicon hits, entity labels"
             f"{', static word embeddings of the sentence, its context and its report (WordLlama; weights ' + ', '.join(f'{k} {v}' for k, v in (p.get('static_weight') or {}).items()) + ')' if p.get('static_weight') else ''}"
             f"{_minilm(p.get('embeddings'))}; logistic regression "
             f"(C = {p['C']}, balanced class weights).", "",
             "Intended use: English analytical and news reports on international relations (the training articles "
             "are about Iran, Russia, the Caucasus, Central Asia and Belarus, from the outlets listed below); labels "
             "as in docs/annotation-guidelines.md. Expect the outlet-held-out scores, not the report-grouped ones, on "
             "an outlet that is not in the training data. Load with "
             "`pipeline.textcat.load_model(path, labels)` (skops with an allow-list of types), or run the pipeline "
             "with `stages.classify.factory = \"sklearn.v1\"`. Library versions: "
             + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".", "",
             "Training data: " + ", ".join(f"`{d}`" for d in meta["data"]) + f" ({meta['cv']['topic']['sentences']} "
             f"sentences of {meta['cv']['topic']['reports']} reports; {meta['weak_sentences']} weak-labelled).",
             expectation(meta), summary_table(meta), "",
             "## Learning curve of the report-grouped CV (mean fold macro-F1, by share of the training reports)", "",
             "| task | " + " | ".join(f"{c['share_of_training_reports']:.0%} ({c['approx_training_sentences']})"
                                     for c in meta["cv"]["topic"]["learning_curve"]) + " |",
             "|---|" + "---|" * len(meta["cv"]["topic"]["learning_curve"])]
    for task in ("topic", "stance"):
        lines.append(f"| {task} | " + " | ".join(f"{c['macro_f1']:.3f}" for c in meta["cv"][task]["learning_curve"]) + " |")
    curves = {task: meta.get("outlet_cv", {}).get(task, {}).get("outlet_learning_curve") for task in ("topic", "stance")}
    if curves["topic"]:
        lines += ["", "## Learning curve by number of training outlets (mean macro-F1 on each held-out outlet with at "
                      f"least {p.get('outlet_curve_min_units')} units, training outlets drawn at random)", "",
                  "| task | " + " | ".join(f"{c['training_outlets']} outlet(s)" for c in curves["topic"]) + " | all others |",
                  "|---|" + "---|" * (len(curves["topic"]) + 1)]
        for task in ("topic", "stance"):
            per = meta["outlet_cv"][task]["per_outlet"]
            big = [r["model"]["macro_f1"] for r in per.values() if r["units"] >= p.get("outlet_curve_min_units", 0)]
            lines.append(f"| {task} | " + " | ".join(f"{c['macro_f1']:.3f}" for c in curves[task])
                         + f" | {sum(big) / len(big):.3f} |")
    lines += calibration_section(meta)
    if meta.get("heldout"):
        lines += ["", "## Held-out files (predicted only, never trained on): " + ", ".join(f"`{f}`" for f in meta["heldout_files"]),
                  "", "Sentences taken as they are in the gold files (gold units, gold entity labels).", "",
                  "| task | model macro-F1 | lexicon | majority | model accuracy |", "|---|---|---|---|---|"]
        for task, h in meta["heldout"].items():
            lines.append(f"| {task} | {h['model']['macro_f1']:.3f} | {h['lexicon']['macro_f1']:.3f} | "
                         f"{h['majority']['macro_f1']:.3f} | {h['model']['accuracy']:.3f} |")
        beaten = [t for t, h in meta["heldout"].items() if h["lexicon"]["macro_f1"] > h["model"]["macro_f1"]]
        if beaten:
            lines += ["", f"On the held-out files the lexicon beats the model for {', '.join(beaten)}; the shipped "
                          "lexicon was written after reading the seed report, so its score there is optimistic."]
    return "\n".join(lines) + "\n"


def dumps(meta: dict[str, Any]) -> str:
    return json.dumps(meta, indent=2)
