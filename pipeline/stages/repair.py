"""Repair: fix encoding damage and whitespace without rewriting the author's words.

First version: ftfy per line for UTF-8 mojibake, Unicode NFC, non-breaking and
doubled spaces, zero-width and control characters, broken URL schemes.
Every change goes through :meth:`Document.apply`, so it is logged with raw offsets.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.config import Params
from pipeline.document import Change, Document
from pipeline.registry import register
from pipeline.stages.base import Stage

ZERO_WIDTH_RE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SPACES_RE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
BROKEN_SCHEME_RE = re.compile(r"(?<![A-Za-z])(ttps?|htps?|htp|hhttps?)://")


class RepairParams(Params):
    mojibake: bool = True
    normalize_spaces: bool = True
    url_schemes: bool = True


def line_spans(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body), body
        pos += len(line)


def fix_mojibake(doc: Document) -> list[Change]:
    import ftfy

    out = []
    for start, end, line in line_spans(doc.text):
        fixed = ftfy.fix_encoding(line)
        if fixed != line:
            out.append(Change(start, end, fixed, "mojibake"))
    return out


def fix_spaces(text: str) -> list[Change]:
    out = [Change(m.start(), m.end(), "", "control_char") for m in ZERO_WIDTH_RE.finditer(text)]
    out += [Change(m.start(), m.end(), " ", "spaces") for m in SPACES_RE.finditer(text)]
    return out


def fix_url_schemes(text: str) -> list[Change]:
    out = []
    for m in BROKEN_SCHEME_RE.finditer(text):
        scheme = "https" if "s" in m.group(1) else "http"
        out.append(Change(m.start(), m.end(), scheme + "://", "url_scheme"))
    return out


@register("repair.v1")
class Repair(Stage):
    Params = RepairParams

    def process(self, doc: Document) -> None:
        if self.params.mojibake:
            self.counts["mojibake"] += doc.apply(fix_mojibake(doc), self.name)
        nfc = unicodedata.normalize("NFC", doc.text)
        if nfc != doc.text:
            # NFC changes are rare and local; log them line by line.
            changes = [Change(s, e, unicodedata.normalize("NFC", t), "nfc") for s, e, t in line_spans(doc.text)]
            self.counts["nfc"] += doc.apply(changes, self.name)
        if self.params.normalize_spaces:
            self.counts["spaces"] += doc.apply(fix_spaces(doc.text), self.name)
        if self.params.url_schemes:
            self.counts["url_scheme"] += doc.apply(fix_url_schemes(doc.text), self.name)
