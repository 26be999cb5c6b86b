"""Shared fixtures: the repo root as working directory, a run context. Helpers live in tests/util.py."""

from __future__ import annotations

import pytest

from pipeline.runner import load_config
from pipeline.stages.base import Context
from tests.util import ROOT


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
