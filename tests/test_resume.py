"""Faults and resume: a killed run keeps every committed part; a re-run completes the rest."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.runner import load_config
from pipeline.runner import run
from pipeline.formats.validate import check_record

from tests.util import FIXTURES, RAW, ROOT

pytestmark = [pytest.mark.model, pytest.mark.slow]


def cfg(tmp_path, inputs, *extra):
    return load_config("config/default.toml", [
        f"run.output_dir={json.dumps(str(tmp_path))}", "run.name=r", "run.progress=off",
        f"stages.ingest.paths=[{json.dumps(str(inputs))}]", "stages.write.docbin=false",
        "stages.write.html=false", "stages.write.tables=false", "stages.write.keyterms=0", *extra])


def records(path):
    return {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_rerun_reuses_everything_and_writes_the_same(tmp_path):
    first = run(cfg(tmp_path, FIXTURES / "raw"))
    before = (tmp_path / "r" / "annotations.jsonl").read_text(encoding="utf-8")
    second = run(cfg(tmp_path, FIXTURES / "raw"))
    assert first["reports"]["from_earlier_run"] == 0
    assert second["reports"]["from_earlier_run"] == 2
    assert (tmp_path / "r" / "annotations.jsonl").read_text(encoding="utf-8") == before


def test_changed_config_or_input_is_reprocessed(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for f in (FIXTURES / "raw").iterdir():
        (inputs / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    run(cfg(tmp_path, inputs))
    changed = run(cfg(tmp_path, inputs, "stages.ner.canonical=false"))
    assert changed["reports"]["from_earlier_run"] == 0
    (inputs / "news_am.txt").write_text("Belarus will build agro-towns in Karabakh.", encoding="utf-8")
    again = run(cfg(tmp_path, inputs, "stages.ner.canonical=false"))
    assert again["reports"]["from_earlier_run"] == 1  # only the unchanged report


def make_corpus(path, n=40):
    """Reports cut from the real similar reports: each paragraph of each file, numbered."""
    rows = []
    for f in sorted(RAW.glob("[01]*.txt")):
        paras = [p for p in f.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
        rows += [{"id": f"{f.stem[:2]}-{i}", "text": p} for i, p in enumerate(paras)]
    rows = (rows * (n // len(rows) + 1))[:n]
    with open(path, "w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            fh.write(json.dumps({"id": f"{r['id']}-{i}", "text": r["text"]}) + "\n")
    return path


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_keeps_complete_parts_and_rerun_completes(tmp_path, sig):
    # 200 short reports: the signal, sent once 3 parts (6 reports) are committed, must come before the run
    # ends, even on a loaded machine (with 40 a CI run under load once finished first and exited 0).
    corpus = make_corpus(tmp_path / "corpus.jsonl", n=200)
    args = [sys.executable, "-m", "pipeline.cli", "run", "config/default.toml", "-q",
            "--set", f"run.output_dir={json.dumps(str(tmp_path))}", "--set", "run.name=r",
            "--set", f"stages.ingest.paths=[{json.dumps(str(corpus))}]", "--set", "stages.write.part_size=2",
            "--set", "stages.write.html=false", "--set", "stages.write.docbin=false",
            "--set", "stages.write.tables=false", "--set", "stages.write.keyterms=0",
            "--set", "stages.clean.corpus_duplicates=false"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parts = tmp_path / "r" / "parts"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(parts.glob("gen-*/part-*.jsonl"))) < 3:
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.05)
    proc.send_signal(sig)
    code = proc.wait(60)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 143)
    assert not (tmp_path / "r" / "annotations.jsonl").exists()
    done = {}
    for part in parts.glob("gen-*/part-*.jsonl"):
        lines = part.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 2  # committed parts are whole
        for line in lines:
            rec = json.loads(line)
            assert check_record(rec) == []
            done[rec["id"]] = rec
    if sig == signal.SIGTERM:  # unwound: no temporary file left behind
        assert not list(tmp_path.rglob("*.tmp"))
    assert len(done) >= 6

    no_dedup = "stages.clean.corpus_duplicates=false"  # the corpus repeats paragraphs on purpose
    resumed = run(cfg(tmp_path, corpus, "stages.write.part_size=2", no_dedup))
    assert resumed["reports"]["from_earlier_run"] == len(done)
    final = records(tmp_path / "r" / "annotations.jsonl")
    assert len(final) == 200
    assert all(final[k] == v for k, v in done.items())
    fresh = tmp_path / "fresh"
    run(cfg(fresh, corpus, "stages.write.part_size=2", no_dedup))
    assert records(fresh / "r" / "annotations.jsonl") == final


def test_reports_from_an_earlier_run_still_count_for_corpus_dedup(tmp_path):
    # A report reused from an earlier run is not cleaned again, but a later near-copy of it must
    # still be marked as its duplicate, as in a fresh run.
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = (FIXTURES / "raw" / "news_am.txt").read_text(encoding="utf-8")
    (inputs / "a.txt").write_text(text, encoding="utf-8")
    first = run(cfg(tmp_path, inputs))
    (inputs / "b.txt").write_text(text.replace("Belarus", "Belarus,", 1), encoding="utf-8")  # a near copy
    second = run(cfg(tmp_path, inputs))
    fresh = run(cfg(tmp_path / "fresh", inputs))
    assert first["reports"]["ok"] == 1 and second["reports"]["from_earlier_run"] == 1
    assert fresh["reports"]["skipped"] == {"b": "duplicate"}
    assert second["reports"]["skipped"] == fresh["reports"]["skipped"]


def test_sigterm_swallowed_by_library_code_still_stops_the_run(tmp_path, monkeypatch):
    # CI once saw a SIGTERM'd run exit 0: the handler's SystemExit can be swallowed where it is raised
    # (a bare except in a library, a Cython callback); the run loop must raise it again.
    import pipeline.runner as runner

    monkeypatch.setattr(runner, "_terminated", False)
    old = signal.getsignal(signal.SIGTERM)
    swallowed = []
    try:
        runner.exit_on_sigterm()
        try:  # what a library's bare ``except:`` does to the handler's exception
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        except BaseException as e:  # noqa: BLE001
            swallowed.append(e)
        with pytest.raises(SystemExit) as stop:
            run(cfg(tmp_path, FIXTURES / "raw"))
    finally:
        signal.signal(signal.SIGTERM, old)
    assert [type(e) for e in swallowed] == [SystemExit]
    assert stop.value.code == 143
    assert not (tmp_path / "r" / "annotations.jsonl").exists()
    assert not (tmp_path / "r" / "manifest.json").exists()
