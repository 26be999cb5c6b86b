"""Rendering the metrics: ``metrics.json``, ``report.md``, confusion-matrix PNGs and the console summary.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pipeline.document import ENT_LABELS
from pipeline.evaluation.scorer import MODES, _r
from pipeline.io import atomic_open, write_json


FLAT_ROWS = [
    ("ents_p", "entities P (strict)"), ("ents_r", "entities R (strict)"), ("ents_f", "entities F1 (strict)"),
    ("ents_type_f", "entities F1 (type)"), ("ents_partial_f", "entities F1 (partial)"),
    ("sents_f", "sentence spans F1"), ("sents_paired", "gold sentences paired"),
    ("topic_acc", "topic accuracy"), ("topic_macro_f", "topic macro-F1"),
    ("stance_acc", "stance accuracy"), ("stance_macro_f", "stance macro-F1"),
    ("target_stance_acc", "target stance accuracy"),
    ("targets_p", "targets precision"),
    ("targets_r", "targets recall"),
    ("targets_f", "targets F1"),
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
    for key, groups in m.get("by", {}).items():
        w.write(f"\n## By {key}\n\n")
        names = [k for k in next(iter(groups.values()), {}) if k not in ("reports", "sentences")]
        w.write(_md_table([key, "reports", "sentences", *names],
                          [[value, g["reports"], g["sentences"], *(g[k] for k in names)] for value, g in groups.items()]))

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
            f"{t['same_stance']} with the same stance (accuracy {_fmt(m['target_stance_acc'])}).\n"
            f"Over all sentences: {t['same_stance']} of {t['all_pred']} predicted targets and of {t['all_gold']} gold "
            f"targets pair up with the same stance (an overlapping span): precision {_fmt(m['targets_p'])}, "
            f"recall {_fmt(m['targets_r'])}, F1 {_fmt(m['targets_f'])}.\n")

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
    short = {"ents_f": "ents F1", "topic_macro_f": "topic F1", "stance_macro_f": "stance F1"}
    for key, groups in metrics.get("by", {}).items():  # the full table is in report.md
        sub = Table(title=f"by {key}")
        sub.add_column(key, overflow="fold", min_width=12)
        for col in ("reports", "sentences", *short.values()):
            sub.add_column(col, justify="right")
        for value, g in groups.items():
            sub.add_row(value, str(g["reports"]), str(g["sentences"]), *(_fmt(g[k]) for k in short))
        Console().print(sub)
