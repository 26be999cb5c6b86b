"""The ``clean.v1`` stage: plans, applies and logs the removals; corpus-wide duplicates.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from pydantic import Field

from pipeline.config import Params
from pipeline.document import Change, Document, Status
from pipeline.errors import ConfigError
from pipeline.stages.base import Stage
from pipeline import contacts
from pipeline.stages.clean import dates, evidence, markup
from pipeline.stages.clean.dedup import CorpusDeduper
from pipeline.stages.clean.planner import PARAGRAPH_SEP, Cleaner, Plan, split_blocks


def layout(doc: Document, removals: list[tuple[int, int, str]], stage: str, redact: bool = False) -> bool:
    """Remove spans, then join the kept lines with one blank line.

    Both steps are logged: removals with their reason (and listed in
    ``meta.removed`` with raw offsets, contact details redacted when ``redact``),
    whitespace changes as ``layout``. ``removals`` are ``(start, end, reason)``
    spans of ``doc.text`` that do not overlap. Returns whether any contact detail was redacted.
    """
    removed, redacted = doc.meta.setdefault("removed", []), False
    for s, e, reason in removals:
        raw_start, raw_end = doc.raw_span(s, e)
        text = doc.text[s:e].strip()
        shown = contacts.redact(text, reason == "contact") if redact else text
        redacted |= shown != text
        removed.append({"reason": reason, "text": shown, "start": raw_start, "end": raw_end})
    doc.remove(removals, stage)
    changes, pos = [], 0
    for i, b in enumerate(split_blocks(doc.text)):
        changes.append(Change(pos, b.start, PARAGRAPH_SEP if i else "", "layout"))
        pos = b.end
    changes.append(Change(pos, len(doc.text), "", "layout"))
    doc.apply(changes, stage)
    return redacted


SITE_SEPARATOR = re.compile(r"\s+[-–—|]\s+")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def title_line(title: str, outlet: str | None) -> str:
    """The metadata title as a clean-text line: whitespace made plain, and a trailing site name
    (``… - News Central Asia (nCa)`` for outlet ``News Central Asia``) removed, as the labelled reports have it.

    The last ``-``/``–``/``—``/``|``-separated part is the site name when every word of ``outlet`` is in it,
    so that a title's own dash (``… - Independence Day``, ``… - Russia`` for outlet ``President of Russia``) stays.
    A title that is only the site name gives ``""``.
    """
    line = " ".join(title.split())
    if not outlet:
        return line
    site = _words(outlet)
    if _words(line) <= site:
        return ""
    parts = SITE_SEPARATOR.split(line)
    if len(parts) > 1 and site <= _words(parts[-1]):
        line = line[:line.rfind(parts[-1])].rstrip(" -–—|")
    return line


class CleanParams(Params):
    """``[stages.clean]``.

    Attributes:
        patterns: boilerplate lists (TOML), relative to the working directory.
        strip_markup: strip HTML tags and Markdown markers.
        join_hard_wraps: join lines of a text wrapped at a fixed width.
        prose_min_words: a line with a sentence end and at least this many words is prose.
        long_line_words: a line this long is prose even without a sentence end (a cut-off paragraph).
        title_max_words: longest title or heading.
        date_languages: languages dateparser tries on datelines.
        exact_duplicates: remove repeated paragraphs (same words after case folding).
        near_duplicates: also remove contained and near-duplicate paragraphs (MinHash).
        near_duplicate_threshold: Jaccard similarity of word shingles for near-duplicate paragraphs.
        shingle_size: words per shingle for paragraphs.
        containment_min_words: shorter paragraphs are only compared exactly.
        num_perm: MinHash permutations.
        corpus_duplicates: mark near-duplicate reports across the stream as ``status = "duplicate"``.
        corpus_threshold: Jaccard similarity of word shingles from which reports are candidate copies (LSH).
        corpus_similarity: word-level similarity (rapidfuzz Indel, 0-1) that makes a candidate a copy.
        corpus_shingle_size: words per shingle for reports.
        corpus_min_words: shorter reports are never marked as duplicates.
        drop_truncated: remove a last fragment cut off mid-sentence.
        redact_contacts: replace e-mails and phone numbers (``_EMAIL_``, ``_PHONE_``) in ``meta.removed`` and
            in the logged removals, so that contact details never reach an output; those reports can then
            no longer be replayed to their raw text (``meta.redacted_contacts``; the manifest lists them
            under ``reports.not_replayable``). Off by default: nothing of the raw input is lost.
        max_passes: plans per report at most: the result is planned again until a plan removes nothing.
        title_from_meta: when no line of the text is the input's ``meta.title`` (scrapes that keep the title
            only in metadata), put it in as the first paragraph (:func:`title_line`), logged as an insertion
            (reason ``title_from_meta``), as the guidelines keep the title in the clean text.
    """

    patterns: str = "corpus/patterns/boilerplate.toml"
    strip_markup: bool = True
    join_hard_wraps: bool = True
    prose_min_words: int = Field(8, ge=1)
    long_line_words: int = Field(25, ge=1)
    title_max_words: int = Field(25, ge=1)
    date_languages: list[str] = ["en", "ru"]
    exact_duplicates: bool = True
    near_duplicates: bool = True
    near_duplicate_threshold: float = Field(0.8, gt=0, le=1)
    shingle_size: int = Field(3, ge=1)
    containment_min_words: int = Field(8, ge=1)
    num_perm: int = Field(128, ge=16)
    corpus_duplicates: bool = True
    corpus_threshold: float = Field(0.5, gt=0, le=1)
    corpus_similarity: float = Field(0.9, gt=0, le=1)
    corpus_shingle_size: int = Field(5, ge=1)
    corpus_min_words: int = Field(50, ge=1)
    drop_truncated: bool = True
    redact_contacts: bool = False
    max_passes: int = Field(3, ge=1)
    title_from_meta: bool = True



class Clean(Stage):
    """``clean.v1``: remove boilerplate, references and duplicates; set ``meta.title``, ``meta.date``,
    ``meta.references``.

    Params: :class:`CleanParams`. Methods: line-shape evidence after jusText (Pomikálek 2011) and
    trafilatura, pattern lists as data, dateparser for datelines, MinHash LSH (Broder 1997; datasketch)
    for near-duplicate paragraphs and reports.

    Keeps one MinHash signature per kept report across the stream to mark
    syndicated copies (``status = "duplicate"``, ``meta.duplicate_of``).

    Raises:
        ConfigError: the pattern file is missing or malformed.
    """

    Params = CleanParams
    requires = ("text",)
    assigns = ("text", "meta.title", "meta.date", "meta.references")
    parallel_safe = False  # the corpus-wide deduplication keeps signatures across reports: runs in the driver

    def __init__(self, name, params, ctx):
        super().__init__(name, params, ctx)
        try:
            self.patterns = evidence.Patterns.load(params.patterns)
        except re.error as e:
            raise ConfigError(f"{params.patterns}: cannot load boilerplate patterns ({e}); "
                              f"fix the file or set stages.clean.patterns") from None
        self.cleaner = Cleaner(params, self.patterns)
        self.corpus = (CorpusDeduper(params.corpus_threshold, params.corpus_shingle_size, params.num_perm,
                                     params.corpus_min_words, params.corpus_similarity)
                       if params.corpus_duplicates else None)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        return super().run(self._remember_cached(docs))

    def _remember_cached(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Reports reused from an earlier run (pipeline.resume) are not cleaned again, but they were
        kept then: later reports must still be compared with them, as in a fresh run."""
        for doc in docs:
            if doc.status == Status.CACHED and self.corpus is not None:
                self.corpus.check(doc.id, doc.text)
                self.counts["dedup_from_earlier_run"] += 1
            yield doc

    def process(self, doc: Document) -> None:
        if self.params.redact_contacts:  # what ingest set aside (HTML outside the main text), redacted like the rest
            for r in doc.meta.get("removed", []):
                shown = contacts.redact(r["text"], contact=True)
                if shown != r["text"]:
                    r["text"], doc.meta["redacted_contacts"] = shown, True
        if self.params.strip_markup:
            self.counts["markup"] += self.strip_markup(doc)
        if self.params.join_hard_wraps:
            joins = markup.hard_wrap_joins(doc.text)
            self.counts["hard_wrap"] += doc.apply([Change(s, e, " ", "hard_wrap") for s, e in joins], self.name)
        prior_title = doc.meta.get("title") if isinstance(doc.meta.get("title"), str) else None
        plan = self.cleaner.plan(doc.text, prior_title)
        self.apply(doc, plan)
        self.set_meta(doc, plan)
        # Clean is a fixed point: a removal can change the evidence for another line (a new last
        # paragraph, a new duplicate). Re-plan the result until nothing changes; on real reports
        # the second plan finds nothing (counted as "second_pass" when it does).
        for _ in range(self.params.max_passes - 1):
            again = self.cleaner.plan(doc.text, doc.meta.get("title"))
            if not again.removals():
                break
            self.counts["second_pass"] += 1
            self.apply(doc, again)
        if self.params.title_from_meta and prior_title and plan.title is None and doc.text.strip():
            self.insert_title(doc, prior_title)
        if not doc.text.strip():
            doc.status = Status.EMPTY
            self.counts["empty"] += 1
        elif self.corpus is not None:
            found = self.corpus.match(doc.id, doc.text)
            if found is not None:
                doc.status = Status.DUPLICATE
                doc.meta["duplicate_of"], doc.meta["duplicate_similarity"] = found
                self.counts["duplicate_report"] += 1

    def insert_title(self, doc: Document, title: str) -> None:
        """Put the metadata title before the text (an ``insert`` edit: it has no raw span), unless the first
        paragraph is the title already (``fuzz.ratio`` >= 85 as a whole: a lede that repeats the title's
        words is not the title)."""
        from rapidfuzz import fuzz

        line = title_line(title, doc.meta.get("outlet"))
        first = " ".join(doc.text.split(PARAGRAPH_SEP, 1)[0].split())
        if not line or fuzz.ratio(first.casefold(), line.casefold()) >= 85:
            return
        self.counts["title_from_meta"] += doc.apply([Change(0, 0, line + PARAGRAPH_SEP, "title_from_meta")],
                                                    self.name, op="insert")
        doc.meta["title"] = line

    def apply(self, doc: Document, plan: Plan) -> None:
        removals = plan.removals()
        for _, _, reason in removals:
            self.counts[reason] += 1
        if layout(doc, removals, self.name, self.params.redact_contacts):
            doc.meta["redacted_contacts"] = True

    def strip_markup(self, doc: Document, rounds: int = 5) -> int:
        """Strip HTML/Markdown remnants until none is left (stripping can expose more)."""
        n = 0
        for _ in range(rounds):
            changes = markup.markup_changes(doc.text)
            if not changes:
                break
            n += doc.apply([Change(s, e, r, "markup") for s, e, r in changes], self.name)
        return n

    def set_meta(self, doc: Document, plan: Plan) -> None:
        """Title, date (ISO) and references found in the text win over the input's metadata."""
        if plan.title is not None or "title" not in doc.meta:
            doc.meta["title"] = plan.title if plan.title is not None else doc.meta.get("title")
        if plan.date:
            doc.meta["date"] = plan.date
        elif isinstance(doc.meta.get("date"), str):
            iso = dates.parse_date(doc.meta["date"], tuple(self.params.date_languages))
            if iso and iso != doc.meta["date"]:
                doc.meta["date_text"] = doc.meta["date"]
                doc.meta["date"] = iso
        else:
            doc.meta.setdefault("date", None)
        if plan.references:
            doc.meta["references"] = plan.references
