"""Atomic writing: an interrupted write never leaves a truncated or partial file."""

import pytest

from pipeline.errors import FormatError
from pipeline.io import atomic_open, read_jsonl


def test_interrupted_write_keeps_the_old_file(tmp_path):
    p = tmp_path / "out.jsonl"
    p.write_text("old complete content\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(p) as fh:
            fh.write("half of the new")
            raise RuntimeError("killed")
    assert p.read_text(encoding="utf-8") == "old complete content\n"
    assert list(tmp_path.iterdir()) == [p]  # no temporary file left behind


def test_successful_write_replaces(tmp_path):
    p = tmp_path / "sub" / "out.txt"
    with atomic_open(p) as fh:
        fh.write("new")
    assert p.read_text(encoding="utf-8") == "new"


def test_read_jsonl_names_the_bad_line(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text('{"id": 1}\n\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"g\.jsonl:3: expected a JSON object"):
        list(read_jsonl(p))
    p.write_text('{"id": 1}\n{"id": \n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"g\.jsonl:2: not valid JSON"):
        list(read_jsonl(p))
