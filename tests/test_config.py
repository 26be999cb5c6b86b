"""Config validation: bad configs stop the run before any work, naming file, key and what is allowed."""

import re

import pytest

from pipeline.runner import load_config
from pipeline.errors import ConfigError

BASE = """
[run]
name = "t"
[pipeline]
stages = ["ingest", "repair", "write"]
"""


def write(tmp_path, text):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_config_loads_every_stage(config):
    assert [s.name for s in config.stages] == ["ingest", "repair", "clean", "language", "segment", "ner", "classify", "write"]
    assert config.stage("classify").factory == "sklearn.v1"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("text, message", [
    ("[run\nname=", r"c\.toml: config file is not valid TOML"),
    (BASE + "[stages.repair]\nmojibak = true\n", r"c\.toml: stages\.repair\.mojibak: unknown key \(allowed: .*mojibake"),
    (BASE.replace('name = "t"', 'name = "t"\nbatch_size = "many"'), r"c\.toml: run\.batch_size: .*\(got 'many'\)"),
    (BASE.replace('"repair"', '"repairs"'), r"stages\.repairs: unknown stage factory 'repairs\.v1' \(known: .*repair\.v1"),
    (BASE + "[stages.ner]\n", r"\[stages\.ner\] is not in pipeline\.stages"),
    (BASE + "[extra]\na = 1\n", r"unknown section\(s\) \['extra'\]"),
    (BASE.replace('"ingest", "repair", "write"', '"ingest", "repair", "ingest"'), r"names a stage twice"),
], ids=["toml", "unknown-key", "wrong-type", "unknown-factory", "stray-table", "unknown-section", "twice"])
def test_a_bad_config_is_one_error_naming_file_key_and_fix(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_disabled_stage_is_left_out(tmp_path):
    cfg = load_config(write(tmp_path, BASE + "[stages.repair]\nenabled = false\n"))
    assert [s.name for s in cfg.stages] == ["ingest", "write"]


def test_stage_replaced_by_factory(tmp_path):
    cfg = load_config(write(tmp_path, BASE.replace('"repair", ', '"repair", "segment", "classify", ') + '[stages.classify]\nfactory = "lexicon.v1"\n'))
    assert cfg.stage("classify").factory == "lexicon.v1"


def test_set_overrides_values(tmp_path):
    cfg = load_config(write(tmp_path, BASE), ["run.name=other", "run.batch_size=4", 'stages.ingest.paths=["a.txt"]'])
    assert cfg.run.name == "other" and cfg.run.batch_size == 4
    assert cfg.stage("ingest").params.paths == ["a.txt"]


def test_set_needs_key_value(tmp_path):
    with pytest.raises(ConfigError, match="expected section.key=value"):
        load_config(write(tmp_path, BASE), ["run.name"])


@pytest.mark.parametrize("command", ["run", "train"])
@pytest.mark.parametrize("case, message", [
    ("latin1", r"latin1\.toml: (config file|training config) is not UTF-8 text \(byte 17: invalid"),
    ("folder", r"folder: is a folder, not a (config file|training config) \(a TOML file\)"),
    ("missing", r"missing\.toml: (config file|training config) not found"),
    ("bad", r"bad\.toml: (config file|training config) is not valid TOML"),
])
def test_every_toml_the_cli_reads_fails_in_one_line(tmp_path, command, case, message):
    from typer.testing import CliRunner

    from pipeline.cli import app

    paths = {"latin1": tmp_path / "latin1.toml", "folder": tmp_path / "folder",
             "missing": tmp_path / "missing.toml", "bad": tmp_path / "bad.toml"}
    paths["latin1"].write_bytes('[run]\nname = "caf\u00e9"\n'.encode("latin-1"))  # byte 17 is the é
    paths["folder"].mkdir()
    paths["bad"].write_text("[run\n", encoding="utf-8")
    res = CliRunner().invoke(app, [command, str(paths[case])])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output  # not a traceback
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and re.search(message, lines[0]), res.output


def test_the_lexicon_is_read_by_the_same_reader(tmp_path):
    from pipeline.textcat.lexicon import read_lexicon

    with pytest.raises(ConfigError, match=r"is a folder, not a lexicon \(a TOML file\); set stages\.classify\.lexicon"):
        read_lexicon(str(tmp_path))


@pytest.mark.parametrize("stages, message", [
    ('"ingest", "repair", "classify", "write"', r"stage 'classify' needs sents, which no stage before it sets; add 'segment' before 'classify'"),
    ('"ingest", "classify", "segment", "write"', r"stage 'classify' needs sents.*add 'segment' before 'classify'"),
    ('"repair", "write"', r"stage 'repair' needs text, which no stage before it sets; add 'clean' or 'ingest' or 'repair'"),
])
def test_a_stage_without_what_it_needs_is_a_config_error(tmp_path, stages, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, BASE.replace('"ingest", "repair", "write"', stages)))


def test_each_stage_declares_what_it_needs_and_sets():
    from pipeline.stages import factories

    declared = {name: (cls.requires, cls.assigns) for name, cls in factories.BUILTIN}
    assert declared["segment.v1"] == (("text",), ("sents", "spacy_doc"))
    assert declared["sklearn.v1"][0] == declared["lexicon.v1"][0] == ("sents",)
    assert "ents" in declared["ner.v1"][1] and "text" in declared["ingest.v1"][1]
