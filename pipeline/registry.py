"""Registry of stage factories under versioned names (``repair.v1``), as in spaCy.

A config names stages; ``[stages.<name>] factory = "..."`` picks the
implementation (default ``<name>.v1``), so a stage can be replaced from the
config by registering another factory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from pipeline.stages.base import Stage

STAGES: dict[str, type["Stage"]] = {}


def register(name: str) -> Callable[[type["Stage"]], type["Stage"]]:
    """Class decorator: make a :class:`~pipeline.stages.base.Stage` available as ``name``."""

    def deco(cls: type["Stage"]) -> type["Stage"]:
        if name in STAGES and STAGES[name] is not cls:
            raise ValueError(f"stage factory {name!r} is registered twice")
        cls.factory = name
        STAGES[name] = cls
        return cls

    return deco


def get(name: str) -> type["Stage"]:
    """Look up a factory; ``KeyError`` names the known ones."""
    load_builtin()
    if name not in STAGES:
        raise KeyError(f"unknown stage factory {name!r}; known: {', '.join(sorted(STAGES))}")
    return STAGES[name]


def load_builtin() -> None:
    """Import the built-in stage modules so that they register themselves."""
    from pipeline.stages import classify, classify_sklearn, clean, ingest, ner, repair, segment, write  # noqa: F401
