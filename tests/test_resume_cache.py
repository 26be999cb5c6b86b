"""The resume cache and run key in isolation: which records an earlier run left are found, and when the key changes."""

import json

from pipeline.document import Document
from pipeline.resume import KEY_FILE, ResumeCache, model_files, run_key
from pipeline.runner import load_config
from pipeline.writers.jsonl import PARTS


def doc(doc_id: str, sha: str | None) -> Document:
    d = Document(id=doc_id, source=f"{doc_id}.txt", raw="x")
    if sha is not None:
        d.meta["input_sha256"] = sha
    return d


def earlier_run(out, key="k"):
    """A run folder as an interrupted run leaves it: the key file and one generation with one part."""
    gen = out / PARTS / "gen-00001"
    gen.mkdir(parents=True)
    (out / PARTS / KEY_FILE).write_text(json.dumps({"key": key}), encoding="utf-8")
    lines = [json.dumps({"id": "a", "meta": {"input_sha256": "s1"}, "text": "Short."}),
             "not json",  # a foreign line is skipped, and the offsets after it stay right
             json.dumps({"id": "b", "meta": {"input_sha256": "s2"}, "text": "A longer text, é ü."}, ensure_ascii=False),
             json.dumps({"id": "c", "meta": {}}),  # no hash: not indexed
             json.dumps({"id": "d", "meta": {"input_sha256": "s4"}, "text": "Last."})]
    (gen / "part-00000.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gen


def test_each_record_of_an_earlier_run_is_found_at_its_own_offset(tmp_path):
    gen = earlier_run(tmp_path / "run")
    cache = ResumeCache(tmp_path / "run", "k")
    assert cache.lookup(doc("a", "s1"))["text"] == "Short."
    assert cache.lookup(doc("b", "s2"))["text"] == "A longer text, é ü."
    assert cache.lookup(doc("d", "s4"))["text"] == "Last."
    assert cache.lookup(doc("b", "other")) is None  # the raw text changed
    assert cache.lookup(doc("c", None)) is None and cache.lookup(doc("c", "")) is None
    assert len(cache.index) == 3
    assert cache.old_generations == [gen]
    cache.drop_old()
    assert not gen.exists()
    cache.drop_old()  # already gone: no error


def test_another_key_starts_afresh(tmp_path):
    earlier_run(tmp_path / "run", key="old")
    cache = ResumeCache(tmp_path / "run", "new")
    assert cache.index == {} and cache.old_generations == []
    root = tmp_path / "run" / PARTS
    assert [p.name for p in root.iterdir()] == [KEY_FILE]
    assert json.loads((root / KEY_FILE).read_text(encoding="utf-8")) == {"key": "new"}


def test_a_disabled_cache_reads_and_writes_nothing(tmp_path):
    earlier_run(tmp_path / "run")
    cache = ResumeCache(tmp_path / "run", "k", enabled=False)
    assert cache.index == {} and cache.lookup(doc("a", "s1")) is None
    fresh = ResumeCache(tmp_path / "deep" / "new" / "run", "k", enabled=False)
    assert not (tmp_path / "deep").exists() and fresh.index == {}


def test_a_new_run_folder_is_created_with_its_key(tmp_path):
    ResumeCache(tmp_path / "deep" / "run", "k")
    assert json.loads((tmp_path / "deep" / "run" / PARTS / KEY_FILE).read_text(encoding="utf-8")) == {"key": "k"}


def model_config(tmp_path, folder, *overrides):
    return load_config("config/default.toml", [f"stages.classify.model_dir={json.dumps(str(folder))}",
                                               f"run.output_dir={json.dumps(str(tmp_path / 'out'))}", *overrides])


def test_model_files_hash_every_file_with_its_path(tmp_path):
    folder = tmp_path / "textcat"
    (folder / "sub").mkdir(parents=True)
    (folder / "meta.json").write_text("{}", encoding="utf-8")
    (folder / "sub" / "w.bin").write_bytes(b"\x00\x01")
    files = model_files(model_config(tmp_path, folder))
    assert str(folder) in files and len(files[str(folder)]) == 64
    first = files[str(folder)]
    (folder / "sub" / "w.bin").write_bytes(b"\x00\x02")  # retrained in place, one nested file
    second = model_files(model_config(tmp_path, folder))[str(folder)]
    assert second != first
    (folder / "sub" / "w.bin").rename(folder / "sub" / "v.bin")  # same bytes, another name
    assert model_files(model_config(tmp_path, folder))[str(folder)] != second


def test_stage_parameters_that_name_no_folder_are_not_hashed(tmp_path):
    files = model_files(model_config(tmp_path, tmp_path / "missing"))
    assert str(tmp_path / "missing") not in files
    files = model_files(model_config(tmp_path, ""))
    assert "" not in files and "." not in files


def test_the_run_key_changes_with_each_part_of_its_material(tmp_path):
    folder = tmp_path / "textcat"
    folder.mkdir()
    (folder / "meta.json").write_text("{}", encoding="utf-8")
    base = model_config(tmp_path, folder)
    key = run_key(base, {"spacy": "3.8.0"})
    assert key == run_key(model_config(tmp_path, folder), {"spacy": "3.8.0"})  # deterministic
    assert run_key(base, {"spacy": "3.8.1"}) != key
    assert run_key(model_config(tmp_path, folder, "stages.ner.canonical=false"), {"spacy": "3.8.0"}) != key
    assert run_key(model_config(tmp_path, folder, 'run.model="en_core_web_md"'), {"spacy": "3.8.0"}) != key
    (folder / "meta.json").write_text('{"retrained": true}', encoding="utf-8")
    assert run_key(base, {"spacy": "3.8.0"}) != key
