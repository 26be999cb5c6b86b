"""Entity pattern files (spaCy ``span_ruler`` JSONL) and the word lists that steer the span rules.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable


from pipeline.document import ENT_LABELS
from pipeline.errors import ConfigError
from pipeline.io import read_jsonl


BLOCK = "BLOCK"  # pattern label: the match is never (part of) an entity
TRIM_SEP = "|trim="  # a pattern's ``trim`` travels in its id: "<id>|trim=<left>,<right>"


# --- pattern files (paths relative to the working directory, like every path of a config) -----------
def pattern_files(paths: Iterable[str]) -> list[Path]:
    """The ``*.jsonl`` files named by ``paths`` (files or folders), sorted.

    Raises:
        ConfigError: a path does not exist.
    """
    files: list[Path] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            files.extend(sorted(p.glob("*.jsonl")))
        elif p.is_file():
            files.append(p)
        else:
            raise ConfigError(f"stages.ner.patterns: {path} not found; name pattern files or folders, "
                              "e.g. patterns = [\"corpus/patterns/entities\"]")
    return files


def load_patterns(paths: Iterable[str]) -> list[dict]:
    """Read entity patterns (one JSON object a line: ``label``, ``pattern``, optional ``id`` and ``trim``).

    The label ``BLOCK`` marks text that is never an entity (generic
    abbreviations such as ``NPP``, title phrases such as ``Head of State``).

    ``trim = [left, right]`` drops that many tokens of the match from the
    entity (context words: ``[0, 1]`` in ``Azerbaijani language`` -> LANGUAGE
    ``Azerbaijani``); it is carried in the pattern id (see ``TRIM_SEP``).

    Raises:
        ConfigError: unreadable file, bad JSON, unknown label or bad pattern, with file and line.
    """
    out = []
    for f in pattern_files(paths):
        for n, rec in read_jsonl(f, error=ConfigError):
            if rec.get("label") not in (*ENT_LABELS, BLOCK) or not isinstance(rec.get("pattern"), (str, list)):
                raise ConfigError(f"{f}:{n}: a pattern needs a label out of {', '.join(ENT_LABELS)} or {BLOCK} "
                                  "and a pattern (string or list of token dicts)")
            entry = {"label": rec["label"], "pattern": rec["pattern"], "id": rec.get("id", "")}
            if "trim" in rec:
                left, right = rec["trim"]
                entry["id"] = f"{entry['id']}{TRIM_SEP}{int(left)},{int(right)}"
            out.append(entry)
    return out


@lru_cache(maxsize=8)
def read_words(path: str) -> tuple[str, ...]:
    """Words of a list file (one a line, ``#`` comments)."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read word list ({e})") from None
    return tuple(w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#"))


def split_id(raw_id: str) -> tuple[str, int, int]:
    """``(id, trim_left, trim_right)`` of a pattern id."""
    if TRIM_SEP in raw_id:
        base, trim = raw_id.split(TRIM_SEP, 1)
        left, right = trim.split(",")
        return base, int(left), int(right)
    return raw_id, 0, 0


@lru_cache(maxsize=8)
def read_label_words(path: str) -> dict:
    """``{label: [words]}`` of a JSON file (keys starting with ``_`` are comments)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: cannot read word lists ({e})") from None
    return {k: frozenset(v) for k, v in data.items() if not k.startswith("_")}
