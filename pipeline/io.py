"""File helpers: atomic writes, JSONL reading with line-precise errors, input paths, hashes."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
import tomllib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from pipeline.errors import ConfigError, FormatError, InputError, PipelineError


@contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    An interrupted write leaves the old ``path`` (or none) and no truncated file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_open(path) as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def read_jsonl(path: str | Path, error: type[PipelineError] = FormatError) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, record)`` for each non-blank line.

    Raises:
        FormatError (or ``error``): unreadable file, or a line that is not a JSON object (names the line).
    """
    path = Path(path)
    try:
        fh = open(path, encoding="utf-8")
    except OSError as e:
        raise error(f"{path}: cannot open ({e.strerror})") from None
    with fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as e:
                    raise error(f"{path}:{n}: not valid JSON ({e.msg} at column {e.colno}); fix or remove the line") from None
                if not isinstance(rec, dict):
                    raise error(f"{path}:{n}: expected a JSON object, got {type(rec).__name__}")
                yield n, rec
        except UnicodeDecodeError as e:
            raise error(f"{path}: not UTF-8 ({e.reason} at byte {e.start}); re-save the file as UTF-8") from None


def expand_paths(paths: Iterable[str], exclude: Iterable[str] = ()) -> list[Path]:
    """Files named by ``paths`` (files, folders, globs), sorted, without duplicates.

    Raises:
        InputError: a path matches nothing.
    """
    excluded = set(exclude)
    out: dict[Path, None] = {}
    for p in paths:
        if any(ch in p for ch in "*?["):
            matches = [Path(m) for m in sorted(glob.glob(p, recursive=True))]
        elif Path(p).is_dir():
            matches = sorted(f for f in Path(p).rglob("*") if f.is_file())
        else:
            matches = [Path(p)]
        if not matches or not all(m.exists() for m in matches):
            raise InputError(f"{p}: no such file or folder; fix stages.ingest.paths in the config")
        for m in matches:
            if m.is_file() and m.name not in excluded and not m.name.startswith("."):
                out[m] = None
    return list(out)


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def raw_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def read_toml(path: str | Path, what: str, fix: str) -> dict[str, Any]:
    """Read a UTF-8 TOML file (stdlib ``tomllib``); every failure is one line naming the file.

    Args:
        path: the file.
        what: what the file is, for messages (``"config file"``, ``"lexicon"``).
        fix: what the user should do, appended to every message.

    Raises:
        ConfigError: the path is missing or a folder, unreadable, not UTF-8, or not valid TOML.
    """
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found; {fix}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a {what} (a TOML file); {fix}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: {what} is not UTF-8 text (byte {e.start}: {e.reason}); "
                          f"save it as UTF-8; {fix}") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read {what} ({e.strerror or e}); {fix}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {what} is not valid TOML: {e}; {fix}") from None
