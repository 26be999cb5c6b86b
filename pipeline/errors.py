"""Errors users see: each names the file, the problem and the fix."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class; ``str(err)`` is the one line shown to the user."""

    exit_code = 1


class ConfigError(PipelineError):
    """The config file is missing, unreadable or invalid (nothing was run)."""

    exit_code = 2


class InputError(PipelineError):
    """An input file cannot be read or decoded."""

    exit_code = 3


class ModelError(PipelineError):
    """A model is missing, corrupt or incompatible."""

    exit_code = 4


class FormatError(PipelineError):
    """A JSONL gold or output file does not follow the format."""

    exit_code = 5
