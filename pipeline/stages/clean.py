"""Clean: keep the title, headings and body paragraphs once each; remove the rest.

First version: every non-blank line is a block; exact duplicate blocks
(after whitespace and case folding) are removed, keeping the first. The kept
blocks are laid out as paragraphs separated by one blank line. Removed blocks
are logged as edits and listed in ``meta.removed`` with their reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pipeline.config import Params
from pipeline.document import Change, Document
from pipeline.registry import register
from pipeline.stages.base import Stage

PARAGRAPH_SEP = "\n\n"


@dataclass
class Block:
    """A non-blank line of the current text: ``text[start:end]`` without outer whitespace."""

    start: int
    end: int
    text: str
    keep: bool = True
    reason: str = ""


def split_blocks(text: str) -> list[Block]:
    return [Block(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s](?:[^\n]*[^\s])?", text)]


def norm_key(text: str) -> str:
    return hashlib.sha1(re.sub(r"\W+", " ", text).strip().casefold().encode()).hexdigest()


def layout(doc: Document, blocks: list[Block], stage: str) -> None:
    """Remove dropped blocks, then join the kept ones with one blank line.

    Both steps are logged: removals with their block's reason (and listed in
    ``meta.removed`` with raw offsets), whitespace changes as ``layout``.
    ``blocks`` must be the blocks of ``doc.text``; dropped ones have ``keep=False``.
    """
    dropped = [b for b in blocks if not b.keep]
    removed = doc.meta.setdefault("removed", [])
    for b in dropped:
        raw_start, raw_end = doc.raw_span(b.start, b.end)
        removed.append({"reason": b.reason, "text": b.text, "start": raw_start, "end": raw_end})
    doc.remove(((b.start, b.end, b.reason) for b in dropped), stage)
    changes, pos = [], 0
    for i, b in enumerate(split_blocks(doc.text)):
        changes.append(Change(pos, b.start, PARAGRAPH_SEP if i else "", "layout"))
        pos = b.end
    changes.append(Change(pos, len(doc.text), "", "layout"))
    doc.apply(changes, stage)


class CleanParams(Params):
    exact_duplicates: bool = True


@register("clean.v1")
class Clean(Stage):
    Params = CleanParams

    def process(self, doc: Document) -> None:
        blocks = split_blocks(doc.text)
        if self.params.exact_duplicates:
            seen: set[str] = set()
            for b in blocks:
                key = norm_key(b.text)
                if key in seen:
                    b.keep, b.reason = False, "duplicate_paragraph"
                    self.counts["duplicate_paragraph"] += 1
                seen.add(key)
        layout(doc, blocks, self.name)
