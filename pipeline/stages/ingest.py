"""Ingest: read reports from files, folders and glob patterns.

Formats, chosen by file extension:
- plain text (``.txt``, ``.text``, anything else): bytes decoded as
  UTF-8 when valid, otherwise with the encoding charset-normalizer detects;
- HTML (``.html``, ``.htm``): main text extracted with trafilatura; the page's other
  lines go to ``meta.removed`` (reason ``html``);
- Markdown (``.md``, ``.markdown``): parsed with markdown-it-py (:func:`markdown_text`):
  title and headings, paragraphs, list items as their own paragraphs, tables in
  ``meta.tables``, front matter ``title``/``date`` in ``meta``;
- JSONL (``.jsonl``): one report a line, ``{"text": ..., "id"?: ..., "meta"?: {...}}``.

An unreadable file is recorded in the run's failures and skipped, or stops the
run when ``run.strict`` is true.
"""

from __future__ import annotations

import hashlib
import re
import json
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.config import Params
from pipeline.document import Document, Status
from pipeline.errors import InputError
from pipeline.io import expand_paths, raw_sha256
from pipeline.stages.base import Stage

TEXT_EXT = {".txt", ".text"}
MARKDOWN_EXT = {".md", ".markdown"}
HTML_EXT = {".html", ".htm"}
JSONL_EXT = {".jsonl"}
SKIP_NAMES = {"SOURCES.md", "README.md"}  # documentation shipped beside a corpus


class IngestParams(Params):
    """``[stages.ingest]``.

    Attributes:
        paths: files, folders (read recursively) and glob patterns.
        exclude: file names never read (documentation beside the corpus).
    """

    paths: list[str] = ["corpus/raw"]
    exclude: list[str] = sorted(SKIP_NAMES)


PREFERRED = ("utf_8", "cp1251", "cp1252", "latin_1", "utf_16", "koi8_r", "iso8859_5")
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\x1f\x8b", b"PK\x03\x04", b"\xff\xd8\xff", b"GIF8", b"BZh", b"\x7fELF")


def decode(data: bytes, path: Path) -> str:
    """Decode bytes: UTF-8 (with or without BOM) first, then charset-normalizer's best guess.

    Raises:
        InputError: the bytes look binary (a known file signature, or NUL bytes
            outside UTF-16/32) or no encoding fits.
    """
    binary = InputError(f"{path}: not text (binary data or unknown encoding); "
                        "convert it to UTF-8 text or remove it from the input")
    if data.startswith(BINARY_MAGIC):
        raise binary
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" not in data:  # UTF-8 text never holds NUL; UTF-16/32 almost always does
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise binary
    # Close calls between sibling code pages (Mac Cyrillic vs Windows-1251 differ in a few
    # letters) go to the one far more common on the web.
    for m in matches:
        if m.encoding in PREFERRED and m.encoding != best.encoding and m.chaos <= best.chaos + 0.05:
            best = m
            break
    if b"\x00" in data and not best.encoding.startswith(("utf_16", "utf_32")):
        raise binary
    return str(best)


CHROME_TAGS = ("nav", "header", "footer", "aside", "script", "style", "form")


def without_chrome(html: str) -> str:
    """The page without navigation, header, footer, aside, script, style and form elements."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return html
    for el in tree.xpath("|".join(f"//{t}" for t in CHROME_TAGS)):
        el.drop_tree()
    return lxml.html.tostring(tree, encoding="unicode")


BLOCK_TAGS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 figcaption figure footer header nav aside section article "
                       "blockquote td th tr table dd dt br form button".split())


def page_lines(html: str) -> list[str]:
    """Every line of text a reader sees on the page, block by block (whitespace folded), without ``<head>``,
    scripts and styles: what :func:`removed_from_page` compares with the extracted main text."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    for el in tree.xpath("//head|//script|//style|//noscript|//template"):
        el.drop_tree()
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS:
            el.text, el.tail = "\n" + (el.text or ""), "\n" + (el.tail or "")
    return [" ".join(line.split()) for line in tree.text_content().split("\n") if line.strip()]


def removed_from_page(html: str, text: str) -> list[dict]:
    """The page's lines that the main-text extraction left out (navigation, bylines, captions, cookie banners,
    footers), as ``meta.removed`` entries with reason ``html`` and no raw offsets: they are not in the raw text
    the pipeline edits (the extracted text), but nothing of the page is lost."""
    kept = " ".join(text.split())
    return [{"reason": "html", "text": line, "start": None, "end": None}
            for line in dict.fromkeys(page_lines(html)) if line not in kept]


# --- Markdown ----------------------------------------------------------------------
# Markdown input: the text a reader sees, block by block, parsed with markdown-it-py (CommonMark).
# 
# Used by the ingest stage for ``.md`` files: the title and headings without their ``#``, paragraphs
# with links and emphasis reduced to their words, every list item a paragraph of its own with its
# marker (``- `` or ``1. ``), tables kept out of the text (``meta.tables``: rows of cells), and a YAML
# front matter's ``title`` and ``date`` in ``meta``. Blocks are separated by a blank line.
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """``(key: value pairs of a leading front matter block, the text after it)``; simple ``key: value`` lines."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and value.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[m.end():]


def _inline(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def markdown_text(source: str) -> tuple[str, dict]:
    """``(plain text, meta)`` of a Markdown document (see the module docstring).

    ``meta`` may hold ``title`` and ``date`` (front matter, else the first level-1 heading as title) and
    ``tables`` (``[[[cell, ...], ...], ...]``, one list of rows a table).
    """
    from markdown_it import MarkdownIt

    fm, body = front_matter(source)
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    blocks: list[str] = []
    tables: list[list[list[str]]] = []
    markers: list[str] = []  # the marker of each open list level ("-" or a running number)
    table: list[list[str]] | None = None
    title = None
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            table = []
        elif tok.type == "table_close":
            tables.append(table or [])
            table = None
        elif tok.type == "tr_open" and table is not None:
            table.append([])
        elif tok.type == "inline" and table is not None:
            table[-1].append(_inline(tok))
        elif tok.type == "bullet_list_open":
            markers.append("-")
        elif tok.type == "ordered_list_open":
            markers.append(str(int(tok.attrGet("start") or 1) - 1))
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            markers.pop()
        elif tok.type == "list_item_open" and markers and markers[-1] != "-":
            markers[-1] = str(int(markers[-1]) + 1)
        elif tok.type == "inline":
            text = _inline(tok)
            if not text:
                continue
            opener = tokens[i - 1]
            if opener.type == "heading_open" and opener.tag == "h1" and title is None:
                title = text
            in_item = markers and opener.type == "paragraph_open" and tokens[i - 2].type == "list_item_open"
            if in_item:
                text = ("- " if markers[-1] == "-" else f"{markers[-1]}. ") + text
            blocks.append(text)
    meta: dict = {k: fm[k] for k in ("title", "date") if k in fm}
    if title and "title" not in meta:
        meta["title"] = title
    if tables:
        meta["tables"] = tables
    return "\n\n".join(blocks), meta


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Ingest(Stage):
    """``ingest.v1``: the source stage; passes through incoming documents, then yields one per report read.

    Params: :class:`IngestParams`. Method: plain text decoded with charset-normalizer, HTML main text
    with trafilatura (Barbaresi 2021), JSONL records as given.
    """

    Params = IngestParams
    assigns = ("text",)
    parallel_safe = False  # a source: reads the inputs in the driver

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        # Resolve the inputs when the run is built, so a wrong path stops it before any work.
        self.files = expand_paths(self.params.paths, self.params.exclude)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        yield from docs
        seen: set[str] = set()
        for path in self.files:
            try:
                data = path.read_bytes()
                self.ctx.inputs[str(path)] = file_hash(data)
                new_docs = list(self.read(path, data))
            except (InputError, OSError) as e:
                msg = str(e) if isinstance(e, InputError) else f"{path}: cannot read ({e.strerror}); check the file's permissions"
                if self.ctx.config.run.strict:
                    raise InputError(msg) from None
                self.ctx.failures.append({"path": str(path), "stage": self.name, "error": msg})
                self.counts["failed"] += 1
                continue
            for doc in new_docs:
                if doc.id in seen:  # ids must be unique within a run
                    n = 2
                    while f"{doc.id}-{n}" in seen:
                        n += 1
                    self.counts["renamed_duplicate_id"] += 1
                    doc.meta["original_id"] = doc.id
                    doc.id = f"{doc.id}-{n}"
                seen.add(doc.id)
                doc.meta["input_sha256"] = raw_sha256(doc.raw)  # the resume key of this report
                if not doc.raw.strip():
                    doc.status = Status.EMPTY
                    self.counts["empty"] += 1
                yield doc

    def read(self, path: Path, data: bytes) -> Iterator[Document]:
        ext = path.suffix.lower()
        if ext in JSONL_EXT:
            yield from self.read_jsonl(path, decode(data, path))
        elif ext in HTML_EXT:
            yield self.read_html(path, decode(data, path))
        elif ext in MARKDOWN_EXT:
            text, meta = markdown_text(decode(data, path))
            yield Document(id=path.stem, source=str(path), raw=text, meta={"markdown": True, **meta})
        else:
            yield Document(id=path.stem, source=str(path), raw=decode(data, path))

    def read_html(self, path: Path, html: str) -> Document:
        import trafilatura

        # trafilatura falls back to any text on a page without an article, such as a bare
        # menu; site chrome is therefore dropped first, so a navigation-only page is empty.
        text = trafilatura.extract(without_chrome(html), include_comments=False, include_tables=False,
                                   favor_precision=True) or ""
        meta = {}
        md = trafilatura.extract_metadata(html)
        if md is not None:
            meta = {k: v for k, v in {"title": md.title, "date": md.date, "url": md.url}.items() if v}
        return Document(id=path.stem, source=str(path), raw=text,
                        meta={"html": True, **meta, "removed": removed_from_page(html, text)})

    def read_jsonl(self, path: Path, content: str) -> Iterator[Document]:
        for n, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    raise ValueError('expected an object with a string "text"')
            except ValueError as e:
                msg = f"{path}:{n}: bad JSONL line ({e}); fix or delete that line"
                if self.ctx.config.run.strict:
                    raise InputError(msg) from None
                self.ctx.failures.append({"path": f"{path}:{n}", "stage": self.name, "error": msg})
                self.counts["failed"] += 1
                continue
            meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
            rid = str(rec.get("id") or f"{path.stem}-{n}")
            yield Document(id=rid, source=f"{path}:{n}", raw=rec["text"], meta=dict(meta))
