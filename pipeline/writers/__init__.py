"""Writers: the outputs of the ``write`` stage, one module each.

The write stage (:mod:`pipeline.stages.write`) is a thin dispatcher: it builds
the writers that ``[stages.write]`` switches on, hands each annotated report to
every writer, and lets each one commit its files when the stream ends. A writer
never leaves a half-written file: streamed files go through
:func:`pipeline.io.atomic_open`, folders are built beside the target and
swapped in at the end.

Life of a writer::

    w = SomeWriter(out_dir, counts, shared)
    w.open(stack)                # open streamed files (closed by the stack)
    for each report:
        w.annotate(doc, sdoc)    # may add to doc.meta before the JSONL record is built
        w.add(doc, record, sdoc) # status "ok" reports
        w.skip(doc)              # reports a stage skipped (duplicate, empty...)
    w.finish()                   # after the last report, in writer order
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any, ClassVar

from pipeline.document import Document


class Writer:
    """Base class of the write stage's outputs.

    Attributes:
        needs_doc: ``add`` uses the spaCy ``Doc`` (tokens at least).
        needs_tags: ``annotate``/``add`` need POS tags (so a parsed ``Doc``).
        out_dir: the run folder.
        counts: the write stage's counters (end up in ``manifest.json``).
        shared: results passed from one writer to a later one (e.g. topic key terms).
    """

    needs_doc: ClassVar[bool] = False
    needs_tags: ClassVar[bool] = False

    def __init__(self, out_dir: Path, counts: Counter, shared: dict[str, Any]):
        self.out_dir, self.counts, self.shared = Path(out_dir), counts, shared

    def open(self, stack: ExitStack) -> None:
        """Open files that are written while the reports stream by."""

    def annotate(self, doc: Document, sdoc) -> None:
        """Add to ``doc.meta`` before the JSONL record is built (default: nothing)."""

    def add(self, doc: Document, record: dict, sdoc) -> None:  # pragma: no cover - abstract
        """Write one annotated report (``record`` is ``doc.to_record()``)."""
        raise NotImplementedError

    def skip(self, doc: Document) -> None:
        """Note a report that a stage skipped (default: nothing)."""

    def finish(self) -> None:
        """Write what needs the whole run; commit files held back until now."""


def temp_folder(out_dir: Path, name: str, stack: ExitStack) -> Path:
    """A new hidden folder ``out_dir/.<name>.*.tmp`` to build the folder ``name`` in (see :func:`swap_in`).

    ``stack`` removes it when the run's writers close, so a failed run leaves no temporary
    folder; once swapped in, the removal finds nothing.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir))
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes it 0700; outputs are for readers
    return tmp


def swap_in(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new`` (the old one is removed only once ``new`` is in place)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
