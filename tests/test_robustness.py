"""Bad input gives a correct result or one clear error; nothing already written is lost."""

import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.runner import load_config
from pipeline.errors import ConfigError, InputError
from pipeline.stages.ingest import decode
from pipeline.formats.validate import check_record

from tests.util import RAW

pytestmark = pytest.mark.model

runner = CliRunner()
BODY = ("Belarus and Azerbaijan signed agreements on agriculture and tourism in Baku. "
        "The parties agreed to expand trade to $500 mln a year.")


def run_on(tmp_path, files: dict[str, bytes], *extra):
    inp = tmp_path / "in"
    inp.mkdir()
    for name, data in files.items():
        (inp / name).write_bytes(data)
    res = runner.invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
                              "--set", "run.name=r", "--set", f"stages.ingest.paths=[{json.dumps(str(inp))}]",
                              "--set", "stages.write.html=false", "--set", "stages.write.docbin=false",
                              *[x for e in extra for x in ("--set", e)]])
    out = tmp_path / "r" / "annotations.jsonl"
    recs = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())} if out.exists() else {}
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text()) if (tmp_path / "r" / "manifest.json").exists() else {}
    return res, recs, manifest


def test_bad_files_fail_alone_with_a_clear_line(tmp_path):
    files = {
        "good.txt": BODY.encode(),
        "empty.txt": b"",
        "blank.txt": b"  \n\t\n ",
        "report.pdf.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "archive.txt": gzip.compress(BODY.encode()),
        "utf16.txt": ("\ufeff" + BODY).encode("utf-16-le"),
        "cp1251.txt": ("Президент Беларуси посетил Баку. " * 5 + BODY).encode("cp1251"),
        "latin1.txt": ("Zürich café São Paulo. " * 3 + BODY).encode("latin-1"),
        "crlf.txt": ("Title of the report\r\n\r\n" + BODY + "\r\n" + BODY.replace("Baku", "Minsk") + "\r").encode(),
        "controls.txt": ("Baku\u200b and\u202e Minsk \u2066signed 🤝 agreements. Ереван и Երևան. " + BODY).encode(),
        "nav.html": b"<html><body><nav><a href='/'>Home</a> <a href='/r'>Reports</a></nav></body></html>",
    }
    # cp1251.txt is mostly Russian (py3langid: Macedonian): no language stage here, this test is about decoding.
    res, recs, manifest = run_on(tmp_path, files, "stages.language.enabled=false")
    assert res.exit_code == 1  # some inputs failed; the rest were written
    failed = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in manifest["failed"]}
    assert set(failed) == {"report.pdf.txt", "image.txt", "archive.txt"}
    assert all("not text" in e and "convert it to UTF-8" in e for e in failed.values())
    assert set(manifest["reports"]["skipped"]) == {"empty", "blank", "nav"}
    assert set(recs) == {"good", "utf16", "cp1251", "latin1", "crlf", "controls"}
    for rec in recs.values():
        assert check_record(rec) == []
    assert "Президент Беларуси" in recs["cp1251"]["text"]
    assert "Zürich café São Paulo" in recs["latin1"]["text"]
    assert "\r" not in recs["crlf"]["text"] and "\u200b" not in recs["controls"]["text"]
    assert "Ереван и Երևան" in recs["controls"]["text"] and "🤝" in recs["controls"]["text"]


def test_jsonl_broken_line_and_duplicate_ids(tmp_path):
    lines = [json.dumps({"id": "a", "text": BODY}), '{"id": "b", "text": ', json.dumps({"id": "a", "text": BODY + " More."})]
    res, recs, manifest = run_on(tmp_path, {"batch.jsonl": "\n".join(lines).encode()})
    assert res.exit_code == 1
    assert "batch.jsonl:2: bad JSONL line" in manifest["failed"][0]["error"]
    assert set(recs) == {"a", "a-2"}


def test_a_one_megabyte_line_without_newline(tmp_path):
    line = " ".join([BODY] * 7600)  # ~1 MB, one line
    res, recs, _ = run_on(tmp_path, {"long.txt": line.encode()}, "stages.segment.piece_chars=50000",
                          "stages.write.tables=false", "stages.write.keyterms=0")
    assert res.exit_code == 0, res.output
    rec = recs["long"]
    assert check_record(rec) == []
    assert len(rec["text"]) > 900_000


def test_a_report_over_the_size_limit_fails_alone(tmp_path):
    big = (RAW / "caspian-institute_2024-05-20_azerbaijan-belarus.txt").read_bytes()  # ~28,000 clean characters
    res, recs, manifest = run_on(tmp_path, {"big.txt": big, "ok.txt": BODY.encode()},
                                 "stages.segment.piece_chars=1000", "stages.segment.max_chars=3000")
    assert res.exit_code == 1
    assert set(recs) == {"ok"}
    assert "more than stages.segment.max_chars" in manifest["failed"][0]["error"]


def test_two_outputs_on_one_file_is_a_config_error():
    with pytest.raises(ConfigError, match=r"stages\.write\.jsonl"):
        load_config("config/default.toml", ['stages.write.jsonl="manifest.json"'])


def test_real_report_with_every_stage_validates(tmp_path):
    res, recs, _ = run_on(tmp_path, {"seed.txt": (RAW / "caspian-institute_2024-05-20_azerbaijan-belarus.txt").read_bytes()})
    assert res.exit_code == 0
    assert check_record(recs["seed"]) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_decode_never_raises_anything_but_a_clear_input_error(data):
    from pathlib import Path

    try:
        text = decode(data, Path("x.txt"))
    except InputError as e:
        assert "x.txt: not text" in str(e)
    else:
        assert isinstance(text, str)
