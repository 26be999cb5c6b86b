"""Clean: keep the title, the section headings and the body paragraphs, once each.

What is kept and removed is defined by section 1 of the annotation guidelines
and by corpus/gold/NOTES.md. The stage works on lines (after undoing hard
wraps, a paragraph is one line) and decides from evidence a user can inspect:

1. *Markup*: HTML tags and Markdown markers are stripped, words kept
   (:func:`pipeline.boilerplate.markup_changes`); list bullets stay.
2. *Hard wraps*: a text wrapped at a fixed width has its paragraphs joined.
3. *Patterns* (``corpus/patterns/boilerplate.toml``): navigation labels,
   widgets, credits, legal notices, contact lines, age badges; a short line that
   matches is removed; a prose paragraph only loses its closing sentences when
   they match (a licence footer glued to the last paragraph, editor initials).
   Datelines (a short line that is a date) are removed, their date parsed.
4. *References*: a run of numbered items with URLs (or dates or Markdown
   footnotes, when the body cites them as ``[n]``) is parsed into
   ``meta.references`` and removed.
5. *Contacts*: e-mail addresses and phone numbers never stay in the text.
6. *Duplicates* within the report: exact, contained (a shorter tail of an
   earlier paragraph), near (MinHash); the first occurrence is kept.
7. *Position*: the body runs from the first to the last prose paragraph (or
   bulleted list). Before it, only the title is kept (the line nearest the
   dateline, else the last title-like line that is not a name alone) and short
   sentences leading into the body (a speech's salutation). Inside it, a line
   goes only on evidence: a pattern, a menu label's shape next to menu items or
   heading nothing, a link title after "Read also". After it, short sentences
   right after the body stay and everything from the first other line on is a
   footer (bylines, author bios, related links). An inline dateline
   (``ASTANA (TCA) — ``) opening the body is removed.
8. *Truncation*: a final fragment cut off mid-sentence is removed (``truncated``).

Removed spans are logged as edits and listed in ``meta.removed`` with their
reason (contact details redacted there by default), and the kept lines are laid
out as paragraphs separated by one blank line. The result is planned again
until nothing more goes (at most ``max_passes``), so that cleaning is
idempotent. Last, the report is compared with the reports seen before it: a
near duplicate gets ``status = "duplicate"`` and ``meta.duplicate_of``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from pydantic import Field

from pipeline import boilerplate as bp
from pipeline.config import Params
from pipeline.dedup import CorpusDeduper, ParagraphDeduper
from pipeline.document import Change, Document
from pipeline.errors import ConfigError
from pipeline.registry import register
from pipeline.stages.base import Stage

PARAGRAPH_SEP = "\n\n"
# Removed lines that may sit between a heading and its paragraph.
TRANSPARENT = {"photo_credit", "dateline", "separator", "markup"}
# Removed lines after which a short prose line is taken for part of the footer (a widget's sentence).
FOOTER_REASONS = {"legal", "widget", "contact", "age_badge", "references"}


@dataclass
class Block:
    """A non-blank line of the current text: ``text[start:end]`` without outer whitespace.

    ``lo``/``hi`` delimit the part that is kept (relative to ``start``): an inline
    dateline moves ``lo``, a closing notice or a cut-off fragment moves ``hi``.
    ``cuts`` are further inline removals ``(rel_start, rel_end, reason)``.
    """

    start: int
    end: int
    text: str
    keep: bool = True
    reason: str = ""
    lo: int = 0
    hi: int = -1
    lo_reason: str = ""
    hi_reason: str = ""
    cuts: list[tuple[int, int, str]] = field(default_factory=list)
    prose: bool = False
    bullet: bool = False
    date: str | None = None

    def __post_init__(self) -> None:
        if self.hi < 0:
            self.hi = len(self.text)

    @property
    def live(self) -> str:
        """The line between its inline dateline and its closing notice (``lo:hi``)."""
        return self.text[self.lo:self.hi]

    @property
    def kept_text(self) -> str:
        """What stays of the line: ``live`` without the inline cuts (contact details)."""
        parts, pos = [], self.lo
        for s, e, _ in self._cuts():
            parts.append(self.text[pos:s])
            pos = e
        parts.append(self.text[pos:self.hi])
        return "".join(parts)

    def _cuts(self) -> list[tuple[int, int, str]]:
        return sorted(c for c in self.cuts if self.lo <= c[0] and c[1] <= self.hi)

    def drop(self, reason: str) -> None:
        self.keep, self.reason = False, reason

    def spans(self) -> list[tuple[int, int, str]]:
        """Removal spans in offsets of the current text."""
        if not self.keep:
            return [(self.start, self.end, self.reason)]
        out = [(self.start, self.start + self.lo, self.lo_reason)] if self.lo else []
        out += [(self.start + s, self.start + e, r) for s, e, r in self._cuts()]
        if self.hi < len(self.text):
            out.append((self.start + self.hi, self.end, self.hi_reason))
        return out


def split_blocks(text: str) -> list[Block]:
    return [Block(m.start(), m.end(), m.group()) for m in re.finditer(r"[^\s](?:[^\n]*[^\s])?", text)]


def layout(doc: Document, removals: list[tuple[int, int, str]], stage: str, redact: bool = True) -> None:
    """Remove spans, then join the kept lines with one blank line.

    Both steps are logged: removals with their reason (and listed in
    ``meta.removed`` with raw offsets, contact details redacted when ``redact``),
    whitespace changes as ``layout``. ``removals`` are ``(start, end, reason)``
    spans of ``doc.text`` that do not overlap.
    """
    removed = doc.meta.setdefault("removed", [])
    for s, e, reason in removals:
        raw_start, raw_end = doc.raw_span(s, e)
        text = doc.text[s:e].strip()
        removed.append({"reason": reason, "text": bp.redact(text, reason == "contact") if redact else text,
                        "start": raw_start, "end": raw_end})
    doc.remove(removals, stage)
    changes, pos = [], 0
    for i, b in enumerate(split_blocks(doc.text)):
        changes.append(Change(pos, b.start, PARAGRAPH_SEP if i else "", "layout"))
        pos = b.end
    changes.append(Change(pos, len(doc.text), "", "layout"))
    doc.apply(changes, stage)


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
        corpus_threshold: Jaccard similarity of word shingles for near-duplicate reports.
        corpus_shingle_size: words per shingle for reports.
        corpus_min_words: shorter reports are never marked as duplicates.
        drop_truncated: remove a last fragment cut off mid-sentence.
        redact_contacts: redact e-mails and phone numbers in ``meta.removed``.
        max_passes: plans per report at most: the result is planned again until a plan removes nothing.
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
    corpus_threshold: float = Field(0.8, gt=0, le=1)
    corpus_shingle_size: int = Field(5, ge=1)
    corpus_min_words: int = Field(50, ge=1)
    drop_truncated: bool = True
    redact_contacts: bool = True
    max_passes: int = Field(3, ge=1)


@dataclass
class Plan:
    """What :class:`Cleaner` decided for one report."""

    blocks: list[Block]
    title: str | None = None
    date: str | None = None
    references: list[dict] = field(default_factory=list)

    def removals(self) -> list[tuple[int, int, str]]:
        return bp.merge_spans(s for b in self.blocks for s in b.spans())


class Cleaner:
    """The decisions of the clean stage for one report's lines (no side effects on the document)."""

    def __init__(self, params: CleanParams, patterns: bp.Patterns):
        self.p, self.pat = params, patterns
        self.langs = tuple(params.date_languages)

    # --- shape helpers ---------------------------------------------------
    def prose(self, text: str) -> bool:
        """A body paragraph by shape: enough words and a sentence end (at its end or inside),
        or so long that it must be a paragraph (one cut off mid-sentence)."""
        if bp.has_words(text, self.p.long_line_words):
            return True
        return bp.has_words(text, self.p.prose_min_words) and (
            bp.ends_sentence(text) or len(bp.sentence_spans(text)) > 1)

    def title_like(self, b: Block, min_words: int = 1) -> bool:
        """Shape of a title or heading: a few words, capitalised, not ending like a sentence
        (a question mark is allowed: headlines ask questions)."""
        t = b.live
        if not b.keep or len(t) > 20 * self.p.title_max_words:
            return False
        n = bp.word_count(t)
        return (min_words <= n <= self.p.title_max_words and bp.starts_like_title(t)
                and not t.rstrip().endswith((".", ";", ",", ":", "!", "…")) and bool(bp.LETTER_RE.search(t)))

    def label_like(self, text: str) -> bool:
        """A menu label by shape: at most three capitalised words, no digits, not continued (no final comma)."""
        words = text.split()
        return (len(words) <= 3 and not re.search(r"\d", text) and not text.rstrip().endswith((",", "—", "-"))
                and all(w.lstrip("\"'“‘«([").isupper() or w.lstrip("\"'“‘«([")[:1].isupper() for w in words))

    # --- steps ---------------------------------------------------------
    def plan(self, text: str, prior_title: str | None = None) -> Plan:
        """Decide, for each line of ``text``, what is kept; see the module docstring for the order."""
        plan = Plan(split_blocks(text))
        blocks = plan.blocks
        for b in blocks:
            self.classify(b)
        plan.references = self.references(blocks)
        self.contacts(blocks)
        self.duplicates(blocks)
        prose = [i for i, b in enumerate(blocks) if b.keep and b.prose]
        items = self.list_items(blocks)
        if not prose and not items:  # no body: keep what no pattern removed, the first title-like line is the title
            title = self.pick_title(blocks, range(len(blocks)), prior_title, first_wins=True)
            plan.title = blocks[title].live if title is not None else None
            plan.date = next((b.date for b in blocks if b.date), None)
            return plan
        first = min(prose[:1] + items[:1])
        last = max(([self.body_end(blocks, prose)] if prose else []) + items[-1:])
        title = self.header(blocks, first, prior_title, plan)
        plan.title = blocks[title].live if title is not None else None
        self.body(blocks, first, last)
        self.footer(blocks, last)
        if self.p.drop_truncated:
            self.truncation(blocks, last)
        self.inline_dateline(blocks, first, last)
        return plan

    def classify(self, b: Block) -> None:
        """Pattern evidence: drop a boilerplate line, or cut boilerplate sentences closing a paragraph.

        A line opening with a list bullet is remembered: list items are content. The bullet
        stays in the text (it is the author's list, and the evidence for a second run).
        """
        b.bullet = bool(bp.BULLET_RE.match(b.text))
        text = b.live
        b.prose = self.prose(text)
        if not b.prose:
            reason = self.pat.line_reason(text)
            if reason:
                b.drop(reason)
                return
            b.date = bp.dateline_date(text, self.pat, self.langs)
            if b.date:
                b.drop("dateline")
            return
        sents = bp.tail_sentence_spans(text)
        cut = None
        for k, (s, e) in enumerate(reversed(sents)):
            reason = self.pat.sentence_reason(text[s:e])
            if not reason:
                if k == 0 and len(sents) > 1 and not bp.ends_sentence(text[s:e]):
                    continue  # a cut-off fragment after the notice goes with it
                break
            cut = (s, reason)
        if cut is not None:
            if cut[0] == 0:
                b.drop(cut[1])
                return
            b.hi = b.lo + len(text[:cut[0]].rstrip())
            b.hi_reason = cut[1]
            b.prose = self.prose(b.live)

    def references(self, blocks: list[Block]) -> list[dict]:
        """Find numbered reference lists, parse them, drop them; items repeated with the same number are listed once."""
        items = [i for i, b in enumerate(blocks) if b.keep or b.reason == "contact"]
        items = [i for i in items if bp.ref_number(blocks[i].text) is not None]
        if not items:
            return []
        runs: list[list[int]] = []
        for i in items:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        in_runs = {i for r in runs for i in r}
        cited = {int(n) for j, b in enumerate(blocks) if j not in in_runs for n in bp.CITATION_RE.findall(b.text)}
        refs: list[dict] = []
        seen: set[tuple[int, str]] = set()
        for run in runs:
            parsed = [bp.parse_reference(blocks[i].text, self.langs) for i in run]
            with_url = sum("url" in r for r in parsed)
            # Without URLs, the body must cite the items, and they must look like sources
            # (a date) or be Markdown footnotes (`[^1]: …`).
            sourced = all("url" in r or "date" in r or bp.FOOTNOTE_RE.match(blocks[i].text)
                          for i, r in zip(run, parsed))
            if not (with_url * 2 >= len(parsed) or (sourced and cited & {r["n"] for r in parsed})):
                continue
            for i, r in zip(run, parsed):
                blocks[i].drop("references")
                key = (r["n"], r["text"])
                if key not in seen:
                    seen.add(key)
                    refs.append(r)
        bp.flag_duplicate_references(refs)
        return refs

    def duplicates(self, blocks: list[Block]) -> None:
        """Drop repeated paragraphs and repeated titles/headings, keeping the first.

        Other short lines may repeat in a report ("Dear compatriots!" in a speech) and are kept.
        """
        if not self.p.exact_duplicates:
            return
        dd = ParagraphDeduper(self.p.near_duplicate_threshold, self.p.shingle_size, self.p.num_perm,
                              self.p.containment_min_words)
        for b in blocks:
            if b.keep and (b.prose or self.title_like(b)):
                reason = dd.check(b.kept_text, near=self.p.near_duplicates and b.prose)
                if reason:
                    b.drop(reason)

    def duplicate_of_earlier(self, blocks: list[Block], i: int) -> str | None:
        """Why line ``i`` (changed after the duplicate pass) now repeats an earlier kept line, or None."""
        if not self.p.exact_duplicates:
            return None
        dd = ParagraphDeduper(self.p.near_duplicate_threshold, self.p.shingle_size, self.p.num_perm,
                              self.p.containment_min_words)
        for b in blocks[:i]:
            if b.keep and (b.prose or self.title_like(b)):
                dd.check(b.kept_text, near=self.p.near_duplicates and b.prose)
        return dd.check(blocks[i].kept_text, near=self.p.near_duplicates and blocks[i].prose)

    def list_items(self, blocks: list[Block]) -> list[int]:
        """Indices of kept bulleted lines in runs of two or more: a list, content wherever it stands."""
        out, run = [], []
        for i, b in enumerate(blocks + [Block(0, 0, "")]):
            if b.keep and b.bullet:
                run.append(i)
                continue
            if b.keep or b.reason not in TRANSPARENT:
                if len(run) >= 2:
                    out += run
                run = []
        return out

    def body_end(self, blocks: list[Block], prose: list[int]) -> int:
        """Index of the last body paragraph: the last prose line that is not an author bio, nor a
        short prose line right after a pattern-matched footer line (a widget sentence)."""
        for i in reversed(prose):
            if i == prose[0]:
                return i
            b = blocks[i]
            if bp.is_terse_list(b.live):
                continue
            prev = blocks[i - 1]
            if not bp.has_words(b.live, 2 * self.p.prose_min_words) and not prev.keep and prev.reason in FOOTER_REASONS:
                continue
            return i
        return prose[0]

    def pick_title(self, blocks: list[Block], zone, prior_title: str | None, datelines=(),
                   first_wins: bool = False) -> int | None:
        """The title among the lines of ``zone``.

        With a title from the input's metadata, the line most like it (or none).
        Otherwise the title-like line nearest before the first dateline, else the
        first one after it; without a dateline, the last title-like line (the
        first with ``first_wins``, for a text without a body).
        """
        cands = [i for i in zone if self.title_like(blocks[i], 2) and not bp.is_doubled(blocks[i].live)]
        if not prior_title:  # a name alone (`Alexander Shpakovsky`) is a byline when another line can be the title
            cands = [i for i in cands if not bp.is_name_like(blocks[i].live)] or cands
        if prior_title:
            from rapidfuzz import fuzz

            scored = [(fuzz.token_set_ratio(blocks[i].live.casefold(), prior_title.casefold()), i) for i in cands]
            best = max(scored, default=(0, None))
            return best[1] if best[0] >= 85 else None
        if not cands:
            return None
        if datelines:
            before = [i for i in cands if i < datelines[0]]
            if before:
                return before[-1]
            return cands[0]
        return cands[0] if first_wins else cands[-1]

    def header(self, blocks: list[Block], first: int, prior_title: str | None, plan: Plan) -> int | None:
        """Before the body keep the title, and short sentences right before the body (a salutation
        such as "Dear Party Members!" opening a speech); take the date of the first dateline."""
        lead = first
        while lead > 0 and blocks[lead - 1].keep and not blocks[lead - 1].live.rstrip().endswith("?") \
                and (bp.ends_sentence(blocks[lead - 1].live) or blocks[lead - 1].live.rstrip().endswith(",")):
            lead -= 1
        zone = range(lead)
        datelines = [i for i in range(first) if blocks[i].date]
        plan.date = blocks[datelines[0]].date if datelines else None
        title = self.pick_title(blocks, zone, prior_title, datelines)
        for i in zone:
            b = blocks[i]
            if i == title or not b.keep:
                continue
            if bp.is_doubled(b.live) or (title is not None and i > title and bp.is_name_like(b.live)):
                b.drop("byline")
            else:
                b.drop("tagline" if title is not None and i < title else "header")
        return title

    def heads_prose(self, blocks: list[Block], i: int, depth: int = 1) -> bool:
        """True if the next line that counts after ``i`` is a kept prose paragraph (or a heading of one)."""
        j = i + 1
        while j < len(blocks) and not blocks[j].keep and blocks[j].reason in TRANSPARENT:
            j += 1
        if j >= len(blocks) or not blocks[j].keep:
            return False
        if blocks[j].prose or blocks[j].bullet:
            return True
        return depth > 0 and self.title_like(blocks[j]) and self.heads_prose(blocks, j, depth - 1)

    def body(self, blocks: list[Block], first: int, last: int) -> None:
        """Inside the body a line goes only on evidence: a pattern (already applied), or the shape
        of a menu label (a few capitalised words) next to menu items or not heading a paragraph.
        Short sentences, list items and verse lines stay."""
        # Lines the patterns found to be menu items (before this pass, so that it does not spread).
        menu = {j for j, x in enumerate(blocks) if not x.keep and x.reason in ("navigation", "widget")}
        links = False  # inside the list of links after "Read also"
        for i in range(first, last + 1):
            b = blocks[i]
            if not b.keep:
                links = links or self.pat.is_link_intro(b.text)
                continue
            if links and not b.prose and not bp.ends_sentence(b.live):
                b.drop("related_link")
                continue
            links = False
            if not b.keep or b.prose or bp.ends_sentence(b.live) or not self.label_like(b.live):
                continue
            if {i - 1, i + 1} & menu:
                b.drop("navigation")  # a label among menu items is one too
            elif not (self.title_like(b) and self.heads_prose(blocks, i)):
                b.drop("short_line")

    def footer(self, blocks: list[Block], last: int) -> None:
        """After the body: short sentences right after it stay; from the first other line on, all is footer."""
        started = False
        for b in blocks[last + 1:]:
            if not b.keep:
                started = True
                continue
            if not started and not b.prose and bp.ends_sentence(b.live):
                continue
            started = True
            if bp.is_terse_list(b.live):
                b.drop("author_bio")
            elif bp.is_doubled(b.live) or bp.is_name_like(b.live):
                b.drop("byline")
            else:
                b.drop("footer")

    def truncation(self, blocks: list[Block], last: int) -> None:
        """Drop a final fragment cut off mid-sentence (the page was saved truncated).

        Only when the last body paragraph is the last line kept (a footer after it
        is gone by now, so that cleaning twice changes nothing more) and does not
        end a sentence: the fragment after its last sentence end goes, or the
        whole paragraph when it has no sentence end and the paragraph before it
        is complete.
        """
        b = blocks[last]
        if any(x.keep for x in blocks[last + 1:]) or not b.keep or not b.prose or bp.ends_sentence(b.live):
            return
        sents = bp.sentence_spans(b.live)
        keep = b.live[:sents[-1][0]].rstrip() if len(sents) > 1 else ""
        if self.prose(keep):
            b.hi = b.lo + len(keep)
            b.hi_reason = "truncated"
            reason = self.duplicate_of_earlier(blocks, last)  # the complete part may repeat an earlier one
            if reason:
                b.drop(reason)
            return
        # What is left would not be a paragraph: the whole line goes if the text before it is complete.
        prev = next((x for x in reversed(blocks[:last]) if x.keep), None)
        if prev is None or bp.ends_sentence(prev.live):
            b.drop("truncated")

    def inline_dateline(self, blocks: list[Block], first: int, last: int) -> None:
        """Remove a dateline opening the first body paragraph (`ASTANA (TCA) — `), if prose remains."""
        b = next((x for x in blocks[first:last + 1] if x.keep and x.prose), None)
        if b is None:
            return
        while (n := bp.inline_dateline(b.live)) and self.prose(b.live[n:]):
            b.lo += n
            b.lo_reason = "dateline"

    def contacts(self, blocks: list[Block]) -> None:
        """Cut e-mails and phone numbers out of kept lines (a line left without words, or a
        paragraph left too short to be one, goes whole)."""
        for b in blocks:
            if not b.keep:
                continue
            spans = bp.contact_spans(b.live)
            if not spans:
                continue
            rest = b.live
            for s, e in reversed(spans):
                rest = rest[:s] + rest[e:]
            if not bp.LETTER_RE.search(rest) or (b.prose and not self.prose(rest)):
                b.drop("contact")  # mostly contact details: what is left would not stand as a paragraph
            else:
                b.cuts += [(b.lo + s, b.lo + e, "contact") for s, e in spans]


@register("clean.v1")
class Clean(Stage):
    """Remove boilerplate, references and duplicates; set ``meta.title``, ``meta.date``, ``meta.references``.

    Keeps one MinHash signature per kept report across the stream to mark
    syndicated copies (``status = "duplicate"``, ``meta.duplicate_of``).

    Raises:
        ConfigError: the pattern file is missing or malformed.
    """

    Params = CleanParams
    parallel_safe = False  # the corpus-wide deduplication keeps signatures across reports: runs in the driver

    def __init__(self, name, params, ctx):
        super().__init__(name, params, ctx)
        try:
            self.patterns = bp.Patterns.load(params.patterns)
        except (OSError, tomllib.TOMLDecodeError, re.error) as e:
            raise ConfigError(f"{params.patterns}: cannot load boilerplate patterns ({e}); "
                              f"fix the file or set stages.clean.patterns") from None
        self.cleaner = Cleaner(params, self.patterns)
        self.corpus = (CorpusDeduper(params.corpus_threshold, params.corpus_shingle_size, params.num_perm,
                                     params.corpus_min_words) if params.corpus_duplicates else None)

    def run(self, docs: Iterable[Document]) -> Iterator[Document]:
        return super().run(self._remember_cached(docs))

    def _remember_cached(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Reports reused from an earlier run (pipeline.resume) are not cleaned again, but they were
        kept then: later reports must still be compared with them, as in a fresh run."""
        for doc in docs:
            if doc.status == "cached" and self.corpus is not None:
                self.corpus.check(doc.id, doc.text)
                self.counts["dedup_from_earlier_run"] += 1
            yield doc

    def process(self, doc: Document) -> None:
        if self.params.strip_markup:
            self.counts["markup"] += self.strip_markup(doc)
        if self.params.join_hard_wraps:
            joins = bp.hard_wrap_joins(doc.text)
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
        if not doc.text.strip():
            doc.status = "empty"
            self.counts["empty"] += 1
        elif self.corpus is not None:
            kept = self.corpus.check(doc.id, doc.text)
            if kept is not None:
                doc.status = "duplicate"
                doc.meta["duplicate_of"] = kept
                self.counts["duplicate_report"] += 1

    def apply(self, doc: Document, plan: Plan) -> None:
        removals = plan.removals()
        for _, _, reason in removals:
            self.counts[reason] += 1
        layout(doc, removals, self.name, self.params.redact_contacts)

    def strip_markup(self, doc: Document, rounds: int = 5) -> int:
        """Strip HTML/Markdown remnants until none is left (stripping can expose more)."""
        n = 0
        for _ in range(rounds):
            changes = bp.markup_changes(doc.text)
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
            iso = bp.parse_date(doc.meta["date"], tuple(self.params.date_languages))
            if iso and iso != doc.meta["date"]:
                doc.meta["date_text"] = doc.meta["date"]
                doc.meta["date"] = iso
        else:
            doc.meta.setdefault("date", None)
        if plan.references:
            doc.meta["references"] = plan.references
