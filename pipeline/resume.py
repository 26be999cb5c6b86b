"""Resume an interrupted run: completed reports are not annotated again.

The JSONL writer commits its records in small part files
(``<run>/parts/<generation>/part-NNNNN.jsonl``), each written atomically, so a
run killed at any moment leaves only complete parts. A new run with the same
*run key* (the stages with their parameters, the spaCy model, the files of
trained model folders and the package versions) indexes the records of earlier generations by ``(id, sha256 of the
raw text)``; a report whose raw text and key match is taken from there instead
of being annotated. Any change of config, model or versions starts afresh.
When a run ends, ``annotations.jsonl`` is built from the new generation and
older generations are deleted.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.document import Document
from pipeline.writers.jsonl import PARTS

KEY_FILE = "run_key.json"


MODEL_PARAMS = ("model", "model_dir")  # stage parameters that name a trained model folder


def model_files(config: Config) -> dict[str, str]:
    """``{folder: sha256 of its files}`` for the trained model folders the stages name (a model retrained
    in place changes the run key, so its old annotations are not reused)."""
    out = {}
    for spec in config.stages:
        for key in MODEL_PARAMS:
            folder = Path(str(getattr(spec.params, key, "") or ""))
            if str(folder) not in ("", ".") and folder.is_dir():
                h = hashlib.sha256()
                for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                    h.update(f.relative_to(folder).as_posix().encode() + b"\0" + f.read_bytes())
                out[str(folder)] = h.hexdigest()
    return out


def run_key(config: Config, versions: dict[str, str]) -> str:
    """Hash of what decides the annotations: stages and their parameters, model, trained model files, versions."""
    stages = [{"name": s.name, "factory": s.factory, "params": s.params.model_dump()} for s in config.stages]
    material = {"stages": stages, "model": config.run.model, "versions": versions, "model_files": model_files(config)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


class ResumeCache:
    """Index of records already written by earlier runs of the same run key.

    Holds ``(id, raw sha256) -> (file, byte offset)`` only, so memory stays small;
    a record is read from disk when it is used.
    """

    def __init__(self, out_dir: Path, key: str, enabled: bool = True):
        self.root = out_dir / PARTS
        self.index: dict[tuple[str, str], tuple[Path, int]] = {}
        self.old_generations: list[Path] = []
        if not enabled:
            return
        key_file = self.root / KEY_FILE
        if key_file.exists() and json.loads(key_file.read_text(encoding="utf-8")).get("key") == key:
            for gen in sorted(p for p in self.root.iterdir() if p.is_dir()):
                self.old_generations.append(gen)
                for part in sorted(gen.glob("part-*.jsonl")):
                    self._index_part(part)
        elif self.root.exists():
            shutil.rmtree(self.root)  # another config or model: nothing can be reused
        self.root.mkdir(parents=True, exist_ok=True)
        key_file.write_text(json.dumps({"key": key}), encoding="utf-8")

    def _index_part(self, part: Path) -> None:
        with open(part, "rb") as fh:
            offset = 0
            for line in fh:
                try:
                    rec = json.loads(line)
                    self.index[(rec["id"], rec["meta"]["input_sha256"])] = (part, offset)
                except (ValueError, KeyError, TypeError):
                    pass  # parts are written atomically; a bad line is not ours
                offset += len(line)

    def lookup(self, doc: Document) -> dict[str, Any] | None:
        hit = self.index.get((doc.id, doc.meta.get("input_sha256", "")))
        if hit is None:
            return None
        part, offset = hit
        with open(part, "rb") as fh:
            fh.seek(offset)
            return json.loads(fh.readline())

    def drop_old(self) -> None:
        for gen in self.old_generations:
            shutil.rmtree(gen, ignore_errors=True)


__all__ = ["ResumeCache", "run_key"]
