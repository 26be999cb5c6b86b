"""Small parts of the runner and the writers' folder handling, each on its own."""

import logging

import pytest

from pipeline.document import Document, Status
from pipeline.errors import ConfigError
from pipeline import runner
from pipeline.writers import swap_in
from pipeline.nlp.patterns import read_label_words, read_words

from tests.util import make_doc


def test_progress_bar_and_log_lines_pass_every_report_through(capsys, caplog):
    docs = [make_doc("a", "r1"), make_doc("b", "r2")]
    assert list(runner._progress(iter(docs), "bar")) == docs
    assert "annotating" in capsys.readouterr().err
    with caplog.at_level(logging.INFO, logger=runner.log.name):
        assert list(runner._progress(iter(docs), "log")) == docs
    assert [r.getMessage() for r in caplog.records] == ["report 1 done: r1 (ok)", "report 2 done: r2 (ok)"]
    assert list(runner._progress(iter(docs), "off")) == docs


def test_resume_is_only_spliced_in_after_a_source_stage(ctx):
    class Upper:
        factory, name = "upper.v1", "upper"

        def __call__(self, docs):
            for d in docs:
                d.meta["seen"] = True
                yield d

    ctx.resume = object()  # never consulted: the first stage is not a source
    doc = make_doc("x")
    assert list(runner.chain_with_resume([Upper()], ctx)) == []
    assert list(runner.chain([Upper()], [doc])) == [doc] and doc.meta["seen"]


def test_no_malloc_trim_without_glibc(monkeypatch):
    import ctypes

    def no_libc(*_a, **_k):
        raise OSError("not found")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert runner._libc_trim() is None


def test_swap_in_replaces_an_existing_folder(tmp_path):
    target, new = tmp_path / "html", tmp_path / ".html.tmp"
    target.mkdir()
    (target / "old.html").write_text("old", encoding="utf-8")
    new.mkdir()
    (new / "new.html").write_text("new", encoding="utf-8")
    swap_in(new, target)
    assert [p.name for p in target.iterdir()] == ["new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]  # neither the temporary nor the old one is left


def test_word_lists_skip_comments_and_name_an_unreadable_file(tmp_path):
    f = tmp_path / "words.txt"
    f.write_text("# a comment\nBaku\n\n  Minsk \n  # indented comment\n", encoding="utf-8")
    assert read_words(str(f)) == ("Baku", "Minsk")
    with pytest.raises(ConfigError, match=r"missing\.txt: cannot read word list"):
        read_words(str(tmp_path / "missing.txt"))


def test_label_word_lists_drop_comment_keys_and_name_a_broken_file(tmp_path):
    f = tmp_path / "labels.json"
    f.write_text('{"_comment": ["x"], "ORG": ["Ministry", "Council"], "GPE": []}', encoding="utf-8")
    assert read_label_words(str(f)) == {"ORG": frozenset({"Ministry", "Council"}), "GPE": frozenset()}
    bad = tmp_path / "bad.json"
    bad.write_text('{"ORG": [', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json: cannot read word lists"):
        read_label_words(str(bad))
