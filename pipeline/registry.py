"""Registry of stage factories under versioned names (``repair.v1``), as in spaCy.

A config names stages; ``[stages.<name>] factory = "..."`` picks the
implementation (default ``<name>.v1``), so a stage can be replaced from the
config by registering another factory. The built-in factories are registered
in one table, :mod:`pipeline.stages.factories` (as spaCy's
``pipeline/factories.py``); this module imports no stage.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import ValidationError

from pipeline.config import Config, explain
from pipeline.errors import ConfigError

STAGES: dict[str, type[Any]] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a :class:`~pipeline.stages.base.Stage` subclass available as ``name``.

    Raises:
        ValueError: another class is registered under ``name`` already.
    """

    def deco(cls: type) -> type:
        if name in STAGES and STAGES[name] is not cls:
            raise ValueError(f"stage factory {name!r} is registered twice")
        cls.factory = name
        STAGES[name] = cls
        return cls

    return deco


def get(name: str) -> type:
    """Look up a factory; ``KeyError`` names the known ones."""
    if name not in STAGES:
        raise KeyError(f"unknown stage factory {name!r}; known: {', '.join(sorted(STAGES))}")
    return STAGES[name]


def resolve(config: Config) -> Config:
    """Validate each stage table against its factory's ``Params``; set ``spec.params`` in place.

    Returns:
        ``config`` itself.

    Raises:
        ConfigError: an unknown factory or a bad stage parameter (all of them, one per line).
    """
    errors = []
    for spec in config.stages:
        if spec.factory not in STAGES:
            known = ", ".join(sorted(STAGES))
            errors.append(f"{config.path}: stages.{spec.name}: unknown stage factory {spec.factory!r} (known: {known})")
            continue
        cls = STAGES[spec.factory]
        try:
            spec.params = cls.Params(**spec.table)
        except ValidationError as e:
            errors.append(explain(config.path, f"stages.{spec.name}", e, cls.Params))
    if errors:
        raise ConfigError("\n".join(errors))
    check_order(config)
    return config


def check_order(config: Config) -> None:
    """Every attribute a stage ``requires`` must be ``assigns``-ed by an earlier stage of the config.

    Raises:
        ConfigError: names the stage, what it lacks and the registered stages that provide it.
    """
    available: set[str] = set()
    for spec in config.stages:
        cls = STAGES[spec.factory]
        for need in getattr(cls, "requires", ()):
            if need not in available:
                providers = sorted({f.split(".")[0] for f, c in STAGES.items() if need in getattr(c, "assigns", ())})
                raise ConfigError(f"{config.path}: stage {spec.name!r} needs {need}, which no stage before it sets; "
                                  f"add {' or '.join(repr(p) for p in providers) or 'a stage that sets it'} before "
                                  f"{spec.name!r} in pipeline.stages")
        available.update(getattr(cls, "assigns", ()))
