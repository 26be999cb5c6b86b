"""Whole pipeline against plain ``nlp.pipe`` on a fixed sample, CPU seconds with start-up, as two fresh processes.

Usage (from the repository root)::

    python benchmarks/ratio_sample.py [--input ../shared/corpus/unlabelled/tehrantimes.jsonl] [--n 300]
        [--config config/default.toml] [--set section.key=value ...] [--repeat 1] [--workers 1] [--out FILE.json]

The sample is ``--n`` records drawn with ``random.Random(0)``. Each side is a fresh child process, so
imports and model loading count, and its CPU seconds (user + system) come from
``getrusage(RUSAGE_CHILDREN)``:

- plain: ``spacy.load(run.model)`` (all its components) and ``nlp.pipe`` over the records' raw ``text``,
  ``batch_size = run.batch_size``, keeping each doc's entities;
- pipeline: ``irnlp run CONFIG -q`` on the sample file (every stage and writer of the config, resume off).

Prints both and the throughput ratio plain CPU s / pipeline CPU s (above 1: the pipeline does the job in
less CPU than plain spaCy alone), and each side's peak resident memory (its largest process). With
``--workers N`` the pipeline runs a third time with ``run.executor = "processes"`` and N workers, and the
wall-time speed-up of the pool over the local run is printed. With ``--repeat`` the sides alternate and the
best of each is kept.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from profile_run import sample as draw, sample_args  # noqa: E402  (the same sample as the profile)

PLAIN = """
import json, sys, spacy
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
nlp = spacy.load(sys.argv[2])
n = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=int(sys.argv[3])))
print(n)
"""


# Runs the command as its only child, then writes that child's peak resident memory (largest single process)
# to the file named first: RUSAGE_CHILDREN of a fresh process holds this command alone.
PEAK = """
import json, resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
open(sys.argv[1], "w").write(json.dumps({"peak_rss_mb": round(peak), "rc": rc}))
sys.exit(rc)
"""


def child_cpu(cmd: list[str]) -> tuple[float, float, int, str]:
    """CPU seconds (all its processes), wall seconds and peak RSS (MB) of one child process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.NamedTemporaryFile(suffix=".json") as peak_file:
        t0 = time.time()
        res = subprocess.run([sys.executable, "-c", PEAK, peak_file.name, *cmd], cwd=ROOT, capture_output=True,
                             text=True)
        wall = time.time() - t0
        if res.returncode != 0:
            raise SystemExit(f"{cmd[:4]}... failed ({res.returncode}): {res.stderr[-2000:]}")
        peak = json.loads(Path(peak_file.name).read_text(encoding="utf-8"))["peak_rss_mb"]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, peak, res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sample_args(ap)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="also run with run.executor = processes, this many")
    ap.add_argument("--out")
    a = ap.parse_args()
    from pipeline.runner import load_config

    cfg = load_config(a.config, a.extra)
    work = Path(tempfile.mkdtemp(prefix="irnlp_ratio_"))
    sample = work / "sample.jsonl"
    records = draw(Path(a.input), a.n, sample)
    words = sum(len(json.loads(ln)["text"].split()) for ln in sample.read_text(encoding="utf-8").splitlines())
    plain_cmd = [sys.executable, "-c", PLAIN, str(sample), cfg.run.model, str(cfg.run.batch_size)]

    def run_cmd(name: str, *overrides: str) -> list[str]:
        """``irnlp run`` on the sample into its own run folder ``name``."""
        sets = [*a.extra, f"run.output_dir={json.dumps(str(work))}", f"run.name={name}", "run.resume=false",
                f"stages.ingest.paths=[{json.dumps(str(sample))}]", *overrides]
        return [sys.executable, "-m", "pipeline.cli", "run", a.config, "-q", *sum((["--set", s] for s in sets), [])]

    sides = [("plain", plain_cmd), ("pipeline", run_cmd("r"))]
    if a.workers > 1:  # the same run with a pool of worker processes
        sides.append(("workers", run_cmd("pool", 'run.executor="processes"', f"run.workers={a.workers}")))
    best = {side: None for side, _ in sides}
    for _ in range(a.repeat):
        for side, cmd in sides:
            cpu, wall, peak, _out = child_cpu(cmd)
            print(f"{side:8s} CPU {cpu:7.1f} s  wall {wall:7.1f} s  peak RSS {peak} MB", flush=True)
            if best[side] is None or cpu < best[side]["cpu_s"]:
                best[side] = {"cpu_s": round(cpu, 1), "wall_s": round(wall, 1), "peak_rss_mb": peak}
    manifest = json.loads((work / "r" / "manifest.json").read_text(encoding="utf-8"))
    ratio = best["plain"]["cpu_s"] / best["pipeline"]["cpu_s"]
    result = {"input": Path(a.input).name, "records": records, "raw_words": words,
              "config": a.config, "overrides": a.extra, **best, "ratio_plain_over_pipeline_cpu": round(ratio, 3),
              "pipeline_stage_s": manifest["timings_s"], "failed": manifest["failed"],
              "skipped": len(manifest["reports"]["skipped"])}
    if a.workers > 1:
        result["workers_speedup_wall"] = round(best["pipeline"]["wall_s"] / best["workers"]["wall_s"], 3)
        result["workers"]["n"] = a.workers
    print(json.dumps(result, indent=1))
    if a.out:
        Path(a.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
