"""Where a pipeline run spends its CPU: cProfile over one ``irnlp run``, self time summed by stage.

Usage (from the repository root)::

    python benchmarks/profile_run.py [--input ../shared/corpus/unlabelled/tehrantimes.jsonl] [--n 300]
        [--config config/default.toml] [--set section.key=value ...] [--out benchmarks/profile_300.md]

Takes a fixed random sample of ``--n`` records (``random.Random(0)``) of the input JSONL, runs the
pipeline on it in this process under ``cProfile`` (Python's deterministic profiler: it slows Python-level
calls, so the shares matter, not the seconds), and prints Markdown:

- self time by *owner*: every function's own time goes to the package that defines it; time in built-in
  and C functions (numpy, regex, thinc's kernels) goes to whoever called them, in proportion to the calls,
  so ``spacy/thinc`` means the spaCy pass and ``pipeline.writers`` the writers with what they call;
- the top functions by self time, with their owner;
- the run's own stage timings (``manifest.json``), for comparison.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.runner import load_config, run  # noqa: E402

# This project's modules -> the stage they count for (first match wins).
OWN = [("writers/", "pipeline.writers (write)"), ("stages/classify", "pipeline classify"), ("textcat/", "pipeline classify"),
       ("stages/clean/", "pipeline clean"), ("stages/repair", "pipeline repair"), ("stages/segment", "pipeline segment"),
       ("stages/ner", "pipeline ner"), ("nlp/", "pipeline nlp (segment, ner)"), ("", "pipeline other")]
# Installed packages -> owner (Cython code reports paths relative to its package, e.g. thinc/backends/x.pyx).
PACKAGES = {"spacy": "spaCy/thinc", "thinc": "spaCy/thinc", "cymem": "spaCy/thinc", "preshed": "spaCy/thinc",
            "textacy": "textacy (key terms)", "networkx": "textacy (key terms)", "sklearn": "scikit-learn",
            "scipy": "scikit-learn", "wordllama": "wordllama", "tokenizers": "wordllama", "ftfy": "ftfy (repair)",
            "jinja2": "jinja2 (HTML)", "markupsafe": "jinja2 (HTML)", "py3langid": "py3langid (language)",
            "datasketch": "datasketch (dedup)", "dateparser": "dateparser (clean)", "numpy": "numpy",
            "catalogue": "spaCy/thinc", "srsly": "spaCy/thinc", "skops": "skops (model loading)"}
PROJECT = str(ROOT / "pipeline") + "/"


def owner(filename: str) -> str | None:
    """The owner of a function's file; None for built-ins (``~``) and C code."""
    if filename == "~" or filename.startswith("<"):
        return None
    if filename.startswith(PROJECT):
        rel = filename[len(PROJECT):]
        return next(name for prefix, name in OWN if rel.startswith(prefix))
    rel = filename.split("site-packages/")[1] if "site-packages/" in filename else filename
    if rel.startswith("/"):
        return "python stdlib"
    pkg = rel.split("/")[0].split(".")[0]
    return PACKAGES.get(pkg, pkg)


def self_time_by_owner(stats: pstats.Stats) -> dict[str, float]:
    """Seconds of self time per owner; a built-in's time is split among its callers by their share of it."""
    raw = stats.stats  # func -> (cc, nc, tt, ct, callers); callers: caller -> (cc, nc, tt, ct)
    out: dict[str, float] = defaultdict(float)

    def resolve(func, seen=()) -> str:
        o = owner(func[0])
        if o is not None or func in seen:
            return o or "built-in"
        callers = raw.get(func, (0, 0, 0, 0, {}))[4]
        if not callers:
            return "built-in"
        top = max(callers, key=lambda c: callers[c][2])  # the caller with most of its time
        return resolve(top, (*seen, func))

    for func, (_cc, _nc, tt, _ct, callers) in raw.items():
        if owner(func[0]) is not None or not callers:
            out[owner(func[0]) or "built-in"] += tt
            continue
        total = sum(c[2] for c in callers.values()) or 1.0
        for caller, c in callers.items():
            out[resolve(caller, (func,))] += tt * c[2] / total
    return dict(out)


def sample(path: Path, n: int, dest: Path) -> int:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    picked = random.Random(0).sample(lines, min(n, len(lines)))
    dest.write_text("\n".join(picked) + "\n", encoding="utf-8")
    return len(picked)


def sample_args(ap: argparse.ArgumentParser) -> None:
    """The options of a run on a fixed sample (shared with ratio_sample.py)."""
    ap.add_argument("--input", default=str(ROOT.parent / "shared" / "corpus" / "unlabelled" / "tehrantimes.jsonl"))
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--config", default="config/default.toml")
    ap.add_argument("--set", dest="extra", action="append", default=[])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sample_args(ap)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="irnlp_profile_"))
    n = sample(Path(a.input), a.n, work / "sample.jsonl")
    cfg = load_config(a.config, [f"run.output_dir={json.dumps(str(work))}", "run.name=p", "run.progress=off",
                                 "run.resume=false", f"stages.ingest.paths=[{json.dumps(str(work / 'sample.jsonl'))}]",
                                 *a.extra])
    prof = cProfile.Profile()
    prof.enable()
    manifest = run(cfg)
    prof.disable()
    stats = pstats.Stats(prof)
    by_owner = self_time_by_owner(stats)
    total = sum(by_owner.values())
    lines = [f"Profile of `irnlp run {a.config}` on {n} records of `{Path(a.input).name}` (random.Random(0) sample)"
             + (f", overrides {a.extra}" if a.extra else "") + f": {total:.0f} s of profiled self time.", "",
             "| owner | self s | share |", "|---|---|---|"]
    for o, t in sorted(by_owner.items(), key=lambda kv: -kv[1]):
        if t / total >= 0.002:
            lines.append(f"| {o} | {t:.1f} | {t / total:.1%} |")
    lines += ["", f"Top {a.top} functions by self time:", "", "| function | owner | calls | self s | cumulative s |",
              "|---|---|---|---|---|"]
    for func, (cc, nc, tt, ct, _callers) in sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:a.top]:
        where = f"{Path(func[0]).name}:{func[1]}" if func[0] != "~" else "built-in"
        lines.append(f"| `{func[2]}` ({where}) | {owner(func[0]) or 'built-in'} | {nc} | {tt:.1f} | {ct:.1f} |")
    lines += ["", "The run's own stage seconds (manifest, unprofiled code paths but profiler overhead included): "
              + ", ".join(f"{k} {v:.1f}" for k, v in manifest["timings_s"].items())]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        Path(a.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
