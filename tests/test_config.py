"""Config validation: bad configs stop the run before any work, naming file, key and what is allowed."""

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
    assert [s.name for s in config.stages] == ["ingest", "repair", "clean", "segment", "ner", "classify", "write"]
    assert config.stage("classify").factory == "sklearn.v1"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


def test_toml_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[run\nname="))


def test_unknown_key_lists_allowed_keys(tmp_path):
    p = write(tmp_path, BASE + "[stages.repair]\nmojibak = true\n")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert "c.toml: stages.repair.mojibak: unknown key" in msg and "mojibake" in msg


def test_wrong_type(tmp_path):
    with pytest.raises(ConfigError, match=r"run\.batch_size"):
        load_config(write(tmp_path, BASE.replace('name = "t"', 'name = "t"\nbatch_size = "many"')))


def test_unknown_stage_factory(tmp_path):
    p = write(tmp_path, BASE.replace('"repair"', '"repairs"'))
    with pytest.raises(ConfigError, match=r"stages\.repairs: unknown stage factory 'repairs\.v1' \(known: .*repair\.v1"):
        load_config(p)


def test_stage_table_not_in_pipeline(tmp_path):
    with pytest.raises(ConfigError, match=r"\[stages\.ner\] is not in pipeline\.stages"):
        load_config(write(tmp_path, BASE + "[stages.ner]\n"))


def test_unknown_section(tmp_path):
    with pytest.raises(ConfigError, match="unknown section"):
        load_config(write(tmp_path, BASE + "[extra]\na = 1\n"))


def test_disabled_stage_is_left_out(tmp_path):
    cfg = load_config(write(tmp_path, BASE + "[stages.repair]\nenabled = false\n"))
    assert [s.name for s in cfg.stages] == ["ingest", "write"]


def test_stage_replaced_by_factory(tmp_path):
    cfg = load_config(write(tmp_path, BASE.replace('"repair", ', '"repair", "classify", ') + '[stages.classify]\nfactory = "lexicon.v1"\n'))
    assert cfg.stage("classify").factory == "lexicon.v1"


def test_set_overrides_values(tmp_path):
    cfg = load_config(write(tmp_path, BASE), ["run.name=other", "run.batch_size=4", 'stages.ingest.paths=["a.txt"]'])
    assert cfg.run.name == "other" and cfg.run.batch_size == 4
    assert cfg.stage("ingest").params.paths == ["a.txt"]


def test_set_needs_key_value(tmp_path):
    with pytest.raises(ConfigError, match="expected section.key=value"):
        load_config(write(tmp_path, BASE), ["run.name"])
