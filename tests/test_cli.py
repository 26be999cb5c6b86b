"""End to end: `irnlp run` on small fixtures cut from the real reports."""

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import ENT_LABELS, STANCES, TOPICS

from tests.util import FIXTURES, ROOT

pytestmark = pytest.mark.model

runner = CliRunner()


def run_cli(tmp_path, *extra):
    args = ["run", "config/default.toml", "--quiet", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
            "--set", "run.name=t", "--set", f'stages.ingest.paths=[{json.dumps(str(FIXTURES / "raw"))}]', *extra]
    return runner.invoke(app, args)


def check_record(rec):
    text = rec["text"]
    covered = [0] * len(text)
    for s in rec["sents"]:
        assert 0 <= s["start"] < s["end"] <= len(text)
        assert s["topic"] in TOPICS and s["stance"] in STANCES
        for i in range(s["start"], s["end"]):
            covered[i] += 1
    assert all(c == 1 for ch, c in zip(text, covered) if not ch.isspace()), "non-space char outside one sentence"
    for e in rec["ents"]:
        assert 0 <= e["start"] < e["end"] <= len(text) and e["label"] in ENT_LABELS


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    import os

    from tests.util import ROOT

    os.chdir(ROOT)
    res = run_cli(tmp)
    return res, tmp / "t"


def test_run_writes_one_valid_line_per_report(outputs):
    res, out = outputs
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in (out / "annotations.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in recs) == ["news_am", "seed_head"]
    for rec in recs:
        check_record(rec)
        assert rec["meta"]["method"] == "sklearn"
        assert all(set(s["topic_probs"]) and abs(sum(s["stance_probs"].values()) - 1) < 1e-3 for s in rec["sents"])
    assert "2 reports annotated, 0 skipped, 0 failed" in res.output


def test_manifest_records_config_versions_inputs_counts(outputs):
    _, out = outputs
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in m["stages"]] == ["ingest", "repair", "clean", "language", "segment", "ner", "classify", "write"]
    assert m["versions"]["spacy"].startswith("3.8")
    assert len(m["inputs"]) == 2 and all(len(h) == 64 for h in m["inputs"].values())
    assert m["counts"]["write"]["written"] == 2
    assert set(m["timings_s"]) >= {"total", "ingest", "ner"}


def test_edit_log_accounts_for_every_raw_character(outputs):
    """Replaying the logged edits backwards on the clean text gives the raw file back."""
    _, out = outputs
    for line in (out / "annotations.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        text = rec["text"]
        for e in reversed(rec["meta"]["edits"]):
            text = text[:e["at"]] + e["before"] + text[e["at"] + len(e["after"]):]
        raw = (FIXTURES / "raw" / (rec["id"] + ".txt")).read_text(encoding="utf-8")
        assert text == raw


def test_bad_config_exits_2_with_one_line(tmp_path):
    res = run_cli(tmp_path, "--set", "stages.repair.nonsense=1")
    assert res.exit_code == 2
    assert "stages.repair.nonsense: unknown key" in res.output


def test_failed_input_gives_exit_1_and_keeps_others(tmp_path):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "ok.txt").write_text("Baku and Minsk signed agreements on agriculture.", encoding="utf-8")
    (bad / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    res = runner.invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
                              "--set", f"stages.ingest.paths=[{json.dumps(str(bad))}]"])
    assert res.exit_code == 1
    assert "bin.txt: not text" in res.output
    out = tmp_path / "default" / "annotations.jsonl"
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["ok"]


def test_every_subcommand_has_help():
    from typer.main import get_command

    commands = get_command(app).commands
    assert {"run", "validate", "evaluate", "train"} <= set(commands)
    for name in commands:
        sub = runner.invoke(app, [name, "--help"])
        assert sub.exit_code == 0 and len(sub.output) > 100, name
    # Bracketed text of the help is shown as written, not taken for markup and dropped.
    assert "[stages.write]" in runner.invoke(app, ["run", "--help"]).output
    assert "[train]" in runner.invoke(app, ["train", "--help"]).output
    assert "<pred folder>/eval-<gold" in " ".join(runner.invoke(app, ["evaluate", "--help"]).output.split())


def test_version():
    from pipeline import __version__

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"irnlp {__version__}"


def test_missing_input_path_stops_before_any_work(tmp_path):
    res = runner.invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
                              "--set", 'stages.ingest.paths=["no/such/folder"]'])
    assert res.exit_code == 3
    assert "no/such/folder: no such file or folder" in res.output
    assert not (tmp_path / "default").exists()  # no empty run folder left behind


def test_unwritable_output_folder_is_a_config_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    res = runner.invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(blocker))}"])
    assert res.exit_code == 2
    assert "output folder is not writable" in res.output


def test_the_edit_log_replays_the_seed_report_to_its_raw_file(tmp_path):
    """The default run is lossless: the record's edits, replayed backwards on its text, give the raw file."""
    seed = ROOT / "corpus" / "raw" / "caspian-institute_2024-05-20_azerbaijan-belarus.txt"
    for redact in (False, True):
        out = tmp_path / f"redact-{redact}"
        res = runner.invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(out))}",
                                  "--set", f"stages.ingest.paths=[{json.dumps(str(seed))}]",
                                  "--set", f"stages.clean.redact_contacts={str(redact).lower()}"])
        assert res.exit_code == 0, res.output
        rec = json.loads((out / "default" / "annotations.jsonl").read_text(encoding="utf-8"))
        text = rec["text"]
        for e in reversed(rec["meta"]["edits"]):
            text = text[:e["at"]] + e["before"] + text[e["at"] + len(e["after"]):]
        manifest = json.loads((out / "default" / "manifest.json").read_text(encoding="utf-8"))
        raw = seed.read_text(encoding="utf-8")
        if redact:  # the seed's footer has an e-mail and two phone numbers
            assert text != raw and "_EMAIL_" in text and manifest["reports"]["not_replayable"] == [rec["id"]]
        else:
            assert text == raw and manifest["reports"]["not_replayable"] == []
            assert "info@caspian.institute" in json.dumps(rec["meta"]["removed"])
