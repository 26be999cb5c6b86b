"""Shared fixtures: the repo root as working directory, a run context, tiny documents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.runner import load_config
from pipeline.document import Document
from pipeline.stages.base import Context

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RAW = ROOT / "corpus" / "raw"
SEED = RAW / "caspian-institute_2024-05-20_azerbaijan-belarus.txt"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch):
    """Configs name paths relative to the repo root, as users run them."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def config():
    return load_config(ROOT / "config" / "default.toml")


@pytest.fixture
def ctx(config, tmp_path):
    return Context(config=config, out_dir=tmp_path)


def make_doc(text: str, doc_id: str = "t") -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", raw=text)
