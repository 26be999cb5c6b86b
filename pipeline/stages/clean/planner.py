"""The decisions of the clean stage for one report: which lines are the title, headings and body,
and which spans go, with their reason (see the package docstring for the rules).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


from pipeline import contacts
from pipeline.config import Params
from pipeline.stages.clean import dates, evidence, markup, references
from pipeline.stages.clean.dedup import ParagraphDeduper


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




@dataclass
class Plan:
    """What :class:`Cleaner` decided for one report."""

    blocks: list[Block]
    title: str | None = None
    date: str | None = None
    references: list[dict] = field(default_factory=list)

    def removals(self) -> list[tuple[int, int, str]]:
        return markup.merge_spans(s for b in self.blocks for s in b.spans())


class Cleaner:
    """The decisions of the clean stage for one report's lines (no side effects on the document)."""

    def __init__(self, params: Params, patterns: evidence.Patterns):
        """``params``: the stage's :class:`~pipeline.stages.clean.stage.CleanParams`."""
        self.p, self.pat = params, patterns
        self.langs = tuple(params.date_languages)

    # --- shape helpers ---------------------------------------------------
    def prose(self, text: str) -> bool:
        """A body paragraph by shape: enough words and a sentence end (at its end or inside),
        or so long that it must be a paragraph (one cut off mid-sentence)."""
        if evidence.has_words(text, self.p.long_line_words):
            return True
        return evidence.has_words(text, self.p.prose_min_words) and (
            evidence.ends_sentence(text) or len(evidence.sentence_spans(text)) > 1)

    def title_like(self, b: Block, min_words: int = 1) -> bool:
        """Shape of a title or heading: a few words, capitalised, not ending like a sentence
        (a question mark is allowed: headlines ask questions)."""
        t = b.live
        if not b.keep or len(t) > 20 * self.p.title_max_words:
            return False
        n = evidence.word_count(t)
        return (min_words <= n <= self.p.title_max_words and evidence.starts_like_title(t)
                and not t.rstrip().endswith((".", ";", ",", ":", "!", "…")) and bool(evidence.LETTER_RE.search(t)))

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
        self.time_lines(blocks)
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
        b.bullet = bool(markup.BULLET_RE.match(b.text))
        text = b.live
        b.prose = self.prose(text)
        if not b.prose:
            reason = self.pat.line_reason(text)
            if reason:
                b.drop(reason)
                return
            b.date = dates.dateline_date(text, self.pat, self.langs)
            if b.date:
                b.drop("dateline")
            return
        sents = evidence.tail_sentence_spans(text)
        cut = None
        for k, (s, e) in enumerate(reversed(sents)):
            reason = self.pat.sentence_reason(text[s:e])
            if not reason:
                if k == 0 and len(sents) > 1 and not evidence.ends_sentence(text[s:e]):
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

    @staticmethod
    def time_lines(blocks: list[Block]) -> None:
        """A line holding only a clock time right after a dateline (``April 2, 2019`` / ``16:25``) is part of it."""
        for prev, b in zip(blocks, blocks[1:]):
            if b.keep and prev.date and dates.is_time_line(b.live):
                b.drop("dateline")

    def references(self, blocks: list[Block]) -> list[dict]:
        """Find numbered reference lists, parse them, drop them; items repeated with the same number are listed once."""
        items = [i for i, b in enumerate(blocks) if b.keep or b.reason == "contact"]
        items = [i for i in items if references.ref_number(blocks[i].text) is not None]
        if not items:
            return []
        runs: list[list[int]] = []
        for i in items:
            if runs and i == runs[-1][-1] + 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        in_runs = {i for r in runs for i in r}
        cited = {int(n) for j, b in enumerate(blocks) if j not in in_runs for n in references.CITATION_RE.findall(b.text)}
        refs: list[dict] = []
        seen: set[tuple[int, str]] = set()
        for run in runs:
            parsed = [references.parse_reference(blocks[i].text, self.langs) for i in run]
            with_url = sum("url" in r for r in parsed)
            # Without URLs, the body must cite the items, and they must look like sources
            # (a date) or be Markdown footnotes (`[^1]: …`).
            sourced = all("url" in r or "date" in r or references.FOOTNOTE_RE.match(blocks[i].text)
                          for i, r in zip(run, parsed))
            if not (with_url * 2 >= len(parsed) or (sourced and cited & {r["n"] for r in parsed})):
                continue
            for i, r in zip(run, parsed):
                blocks[i].drop("references")
                key = (r["n"], r["text"])
                if key not in seen:
                    seen.add(key)
                    refs.append(r)
        references.flag_duplicate_references(refs)
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
            if evidence.is_terse_list(b.live):
                continue
            prev = blocks[i - 1]
            if not evidence.has_words(b.live, 2 * self.p.prose_min_words) and not prev.keep and prev.reason in FOOTER_REASONS:
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
        cands = [i for i in zone if self.title_like(blocks[i], 2) and not evidence.is_doubled(blocks[i].live)]
        if prior_title:  # the metadata title's own line, title-shaped or not (a lowercase URL-slug title put in)
            exact = " ".join(prior_title.split()).casefold()
            cands += [i for i in zone if i not in cands and blocks[i].keep
                      and " ".join(blocks[i].live.split()).casefold() == exact]
        if not prior_title:  # a name alone (`Alexander Shpakovsky`) is a byline when another line can be the title
            cands = [i for i in cands if not evidence.is_name_like(blocks[i].live)] or cands
        if prior_title:
            from rapidfuzz import fuzz

            # token_set_ratio finds the title among lines that add to it or leave out words; on a tie the
            # line closest to it as a whole (ratio), then the first, wins: a re-plan picks the same title.
            # Whitespace made plain on both sides: rapidfuzz splits tokens on ASCII spaces only, and metadata
            # titles keep the page's no-break spaces (`a\xa0message on\xa0forming`) that repair removed from the text.
            def plain(t: str) -> str:
                return " ".join(t.split()).casefold()

            prior = plain(prior_title)
            lines = {i: plain(blocks[i].live) for i in cands}
            scored = [(fuzz.token_set_ratio(lines[i], prior), fuzz.ratio(lines[i], prior), -i) for i in cands]
            best = max(scored, default=(0, 0, None))
            return -best[2] if best[0] >= 85 else None
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
                and (evidence.ends_sentence(blocks[lead - 1].live) or blocks[lead - 1].live.rstrip().endswith(",")):
            lead -= 1
        zone = range(lead)
        datelines = [i for i in range(first) if blocks[i].date]
        plan.date = blocks[datelines[0]].date if datelines else None
        title = self.pick_title(blocks, zone, prior_title, datelines)
        if title is not None and prior_title:
            self.trim_title(blocks[title], prior_title)
        # Reports with sections: a heading can stand between the title (and dateline) and the first paragraph.
        sectioned = any(blocks[i].keep and self.title_like(blocks[i]) and self.heads_prose(blocks, i)
                        for i in range(first + 1, len(blocks)))
        for i in zone:
            b = blocks[i]
            if i == title or not b.keep:
                continue
            if self.first_heading(blocks, i, title, datelines, sectioned):
                continue
            if evidence.is_doubled(b.live) or (title is not None and i > title and evidence.is_name_like(b.live)):
                b.drop("byline")
            else:
                b.drop("tagline" if title is not None and i < title else "header")
        return title

    @staticmethod
    def trim_title(b: Block, prior_title: str, max_words: int = 2) -> None:
        """Cut a label that a hard-wrap join put before the metadata title on its line (``Events Telephone
        conversation with …``: the site's section name): at most ``max_words`` capitalised words, the title
        running to the end of the line. A prefix with a lowercase word (``Talks between``) is the title's own."""
        words = prior_title.split()
        m = re.search(r"\s+".join(map(re.escape, words)) + r"\s*$", b.live, re.I) if words else None
        prefix = b.live[:m.start()].split() if m else []
        if prefix and len(prefix) <= max_words and all(w[:1].isupper() for w in prefix):
            b.lo += m.start()
            b.lo_reason = "navigation"

    def first_heading(self, blocks: list[Block], i: int, title: int | None, datelines: list[int], sectioned: bool) -> bool:
        """True if line ``i``, after the title and the datelines, is the first section heading: heading-shaped,
        right before the body, and not a name alone unless the report has other headings (``sectioned``)."""
        b = blocks[i]
        if title is None or i < title or any(i < d for d in datelines) or evidence.is_doubled(b.live):
            return False
        if not (self.title_like(b) and self.heads_prose(blocks, i, depth=0)):
            return False
        return sectioned or not evidence.is_name_like(b.live)

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
            if links and not b.prose and not evidence.ends_sentence(b.live):
                b.drop("related_link")
                continue
            links = False
            if not b.keep or b.prose or evidence.ends_sentence(b.live) or not self.label_like(b.live):
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
            if not started and not b.prose and evidence.ends_sentence(b.live):
                continue
            started = True
            if evidence.is_terse_list(b.live):
                b.drop("author_bio")
            elif evidence.is_doubled(b.live) or evidence.is_name_like(b.live):
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
        if any(x.keep for x in blocks[last + 1:]) or not b.keep or not b.prose or evidence.ends_sentence(b.live):
            return
        sents = evidence.sentence_spans(b.live)
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
        if prev is None or evidence.ends_sentence(prev.live):
            b.drop("truncated")

    def inline_dateline(self, blocks: list[Block], first: int, last: int) -> None:
        """Remove a dateline opening the first body paragraph (`ASTANA (TCA) — `), or a later one with a
        date or a bracketed agency (`Baku, Aug 6, IRNA -- `: agency copy pasted into a report), if prose remains."""
        body = [x for x in blocks[first:last + 1] if x.keep and x.prose]
        for k, b in enumerate(body):
            while (n := dates.inline_dateline(b.live, strict=k > 0)) and self.prose(b.live[n:]):
                b.lo += n
                b.lo_reason = "dateline"

    def contacts(self, blocks: list[Block]) -> None:
        """Cut e-mails and phone numbers out of kept lines (a line left without words, or a
        paragraph left too short to be one, goes whole)."""
        for b in blocks:
            if not b.keep:
                continue
            spans = contacts.contact_spans(b.live)
            if not spans:
                continue
            rest = b.live
            for s, e in reversed(spans):
                rest = rest[:s] + rest[e:]
            if not evidence.LETTER_RE.search(rest) or (b.prose and not self.prose(rest)):
                b.drop("contact")  # mostly contact details: what is left would not stand as a paragraph
            else:
                b.cuts += [(b.lo + s, b.lo + e, "contact") for s, e in spans]
