"""HTML report of a run: ``report/index.html`` and one page per report.

Self-contained pages (inline CSS, no script, no network) that work with a
screen reader: ``lang`` set, real headings, tables with captions and header
cells, labels written as text next to every colour, bars hidden from
assistive technology because the number beside them says the same.

- ``index.html``: counts per report (linked to its page), a topic-by-stance
  table with bars, key terms per topic, the reports a stage skipped.
- ``<report>.html``: the clean text with entities highlighted by displaCy
  (``spacy.displacy.render(..., style="ent", manual=True)``), each sentence
  prefixed with its topic and stance (colour and words; the probabilities in
  the ``title`` attribute, shown on hover), the report's key terms, the blocks
  removed from the text (``meta.removed``) and the repairs (edits of op
  ``replace``) with their reasons.

The folder is built beside the target and swapped in when the run ends, so a
failed run leaves the previous report in place.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import escape
from typing import Iterable, Iterator

from pipeline import __version__
from pipeline.document import Document, ENT_LABELS, STANCES, Sentence, Status, TOPICS
from pipeline.writers import Writer, swap_in, temp_folder

FOLDER = "report"

TOPIC_COLOURS = {  # pale backgrounds: dark text on them keeps a contrast ratio above 7:1
    "diplomacy": "#dbe9ff", "economy_trade": "#fff1c2", "agriculture_food": "#dff5d8",
    "industry_technology": "#e6e1f7", "energy": "#ffe0cc", "defense_security": "#f9d9dc",
    "reconstruction_infrastructure": "#d9f2f2", "culture_society": "#f7e0f2", "environment": "#e4f2d0",
    "other": "#ececec",
}
STANCE_MARKS = {"FAVOR": ("+", "#1b7a36"), "AGAINST": ("−", "#b3261e"), "NONE": ("·", "#6b6b6b")}

CSS = """
:root { color: #111; background: #fff; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; } h2 { font-size: 1.25rem; margin-top: 2rem; }
a { color: #0b4fa8; } a:focus { outline: 3px solid #f0a500; }
.sub, .help { color: #333; }
code { font-size: .9em; background: #f3f3f3; padding: 0 .2em; }
.para { margin: 0 0 1.2rem; }
.sent { margin: .2rem 0; padding: .1rem .5rem; border-left: .45rem solid #ccc; line-height: 2.4; }
.tag { display: inline-block; font-size: .78rem; line-height: 1.3; padding: .05rem .4rem; margin-right: .4rem;
       border-radius: .3rem; border: 1px solid #777; vertical-align: middle; }
.tag .s { font-weight: 700; }
.stance-FAVOR .tag .s { color: #1b7a36; } .stance-AGAINST .tag .s { color: #b3261e; }
.low { font-style: italic; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #bbb; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
.bar { display: inline-block; height: .8em; margin-right: .35rem; vertical-align: baseline; }
.ws { color: #555; }
mark.entity { color: #111; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
"""


def slug(report_id: str, taken: set[str]) -> str:
    """A file name for a report page, unique within the run: letters and digits of any script, ``.``,
    ``_`` and ``-``; every other run of characters (separators, punctuation, spaces) becomes one hyphen."""
    base = re.sub(r"[^\w.-]+", "-", report_id).strip(".-_")[:100] or "report"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name.lower())
    return name + ".html"


WHITESPACE_SIGNS = {"\n": "⏎", "\u00a0": "⍽", "\t": "⇥"}


def visible(text: str) -> str:
    """Escape ``text`` and show whitespace that would otherwise vanish.

    A newline shows as ``⏎``, a no-break space as ``⍽``, a tab as ``⇥``; in a
    text of whitespace only, spaces show as ``␠``.
    """
    if not text:
        return '<span class="ws">(nothing)</span>'
    blank = not text.strip()
    out = []
    for ch in text:
        sign = WHITESPACE_SIGNS.get(ch) or ("␠" if blank and ch == " " else None)
        out.append(f'<span class="ws">{sign}</span>' if sign else escape(ch))
    return "".join(out)


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="data:,">\n'  # no favicon request
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f'<footer><p class="sub">Made by irnlp {escape(__version__)}.</p></footer>\n</body>\n</html>\n'
    )


def _prob(probs: dict[str, float], label: str) -> str:
    p = probs.get(label)
    return f" (p = {p:.2f})" if isinstance(p, (int, float)) else ""


def sentence_title(s: Sentence, method: str | None) -> str:
    """The hover text of a sentence: its labels with their probabilities."""
    text = f"Topic: {s.topic}{_prob(s.topic_probs, s.topic)}; stance: {s.stance}{_prob(s.stance_probs, s.stance)}"
    if not s.topic_probs and not s.stance_probs:
        text += f" (no probabilities{': method ' + method if method else ''})"
    return text + ("; low confidence" if s.low_confidence else "")


def render_entities(text: str, ents: list[dict]) -> str:
    """displaCy's entity markup of ``text`` without its outer ``<div>`` (so it fits inside a ``<p>``)."""
    from spacy import displacy

    with warnings.catch_warnings():  # displaCy warns (W006) on a sentence without entities
        warnings.simplefilter("ignore", UserWarning)
        markup = displacy.render({"text": text, "ents": ents, "title": None}, style="ent", manual=True,
                                 page=False, jupyter=False)
    inner = markup[markup.index(">") + 1: markup.rindex("</div>")]
    return inner.strip("\n").replace("</br>", "<br>")


def sentence_html(doc: Document, s: Sentence, method: str | None) -> tuple[str, int]:
    """One sentence as a ``<p>``; returns ``(html, entities rendered)``."""
    ents = [{"start": e.start - s.start, "end": e.end - s.start, "label": e.label}
            for e in doc.ents if e.start >= s.start and e.end <= s.end]
    mark, _ = STANCE_MARKS.get(s.stance, ("?", "#6b6b6b"))
    low = ' <span class="low">(low confidence)</span>' if s.low_confidence else ""
    tag = (f'<span class="tag" style="background:{TOPIC_COLOURS.get(s.topic, "#fff")}">'
           f'<span class="t">{escape(s.topic)}</span> <span class="s">{mark} {escape(s.stance)}</span>{low}</span>')
    colour = STANCE_MARKS.get(s.stance, ("", "#ccc"))[1]
    return (f'<p class="sent topic-{escape(s.topic)} stance-{escape(s.stance)}" style="border-left-color:{colour}" '
            f'title="{escape(sentence_title(s, method))}">{tag}{render_entities(doc.text[s.start:s.end], ents)}</p>',
            len(ents))


def text_html(doc: Document) -> tuple[str, int]:
    """The clean text as paragraphs of sentences; returns ``(html, entities rendered)``.

    Text that no unit covers (the guidelines allow none) is shown as an unlabelled paragraph.
    """
    method = doc.meta.get("method")
    paras: list[list[str]] = [[]]
    pos, shown = 0, 0
    for s in sorted(doc.sents, key=lambda s: s.start):
        gap = doc.text[pos:s.start]
        if gap.strip():
            paras[-1].append(f'<p class="sent"><span class="tag">no unit</span>{escape(gap.strip())}</p>')
        if "\n" in gap and paras[-1]:
            paras.append([])
        html, n = sentence_html(doc, s, method)
        paras[-1].append(html)
        shown += n
        pos = max(pos, s.end)
    if doc.text[pos:].strip():
        paras[-1].append(f'<p class="sent"><span class="tag">no unit</span>{escape(doc.text[pos:].strip())}</p>')
    return "\n".join(f'<div class="para">\n{chr(10).join(p)}\n</div>' for p in paras if p), shown


def tr(cells: list[str], numeric: set[int] = frozenset()) -> str:
    """One table row; cells are HTML already escaped by the caller."""
    return "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                            for i, c in enumerate(cells)) + "</tr>"


def table(caption: str, head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """An accessible table; cells are HTML already escaped by the caller."""
    th = "".join(f'<th scope="col">{h}</th>' for h in head)
    body = "\n".join(tr(r, numeric) for r in rows)
    return f"<table>\n<caption>{caption}</caption>\n<thead><tr>{th}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def keyterm_list(terms: list[dict]) -> str:
    if not terms:
        return "<p>No key terms (key terms are switched off, or the text is too short).</p>"
    items = "".join(f'<li>{escape(t["term"])} <span class="sub">({t["score"]:.3f})</span></li>' for t in terms)
    return f'<ol class="terms">{items}</ol>'


def report_title(doc: Document) -> str:
    title = doc.meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    if doc.sents:
        first = doc.text[doc.sents[0].start:doc.sents[0].end]
        return first if len(first) <= 120 else first[:117] + "…"
    return doc.id


def report_page(doc: Document, index_href: str = "index.html") -> tuple[str, dict[str, int]]:
    """The page of one report; returns ``(html, counts)``."""
    from spacy import explain

    title = report_title(doc)
    text, shown = text_html(doc)
    removed = [r for r in doc.meta.get("removed", []) if isinstance(r, dict)]
    repairs = [e for e in doc.edits if e.op == "replace"]
    labels = sorted({e.label for e in doc.ents}, key=lambda x: ENT_LABELS.index(x) if x in ENT_LABELS else 99)
    date = doc.meta.get("date")
    facts = [f"id <code>{escape(doc.id)}</code>", f"source <code>{escape(doc.source)}</code>"]
    if date:
        facts.append(f"date {escape(str(date))}")
    facts += [f"{len(doc.sents)} sentences", f"{len(doc.ents)} entities"]
    if doc.meta.get("method"):
        facts.append(f"classifier: {escape(str(doc.meta['method']))}")
    legend = "".join(f"<dt>{escape(lab)}</dt><dd>{escape(explain(lab) or lab)}</dd>" for lab in labels)
    removed_rows = [[escape(str(r.get("reason", ""))), visible(str(r.get("text", ""))),
                     "" if r.get("start") is None else f'{r["start"]}–{r.get("end", "")}'] for r in removed]
    repair_rows = [[escape(e.stage), escape(e.reason), visible(e.before), visible(e.after), f"{e.start}–{e.end}"]
                   for e in repairs]
    body = f"""<header>
<nav aria-label="Run"><a href="{escape(index_href)}">All reports of this run</a></nav>
<h1>{escape(title)}</h1>
<p class="sub">{" · ".join(facts)}</p>
</header>
<main>
<section aria-labelledby="h-text">
<h2 id="h-text">Text</h2>
<p class="help">Each sentence starts with its topic and its stance (+ FAVOR, − AGAINST, · NONE); hover a sentence
to see the classifier's probabilities. Entities are highlighted, each followed by its type.</p>
{text}
</section>
<section aria-labelledby="h-terms">
<h2 id="h-terms">Key terms</h2>
{keyterm_list(doc.meta.get("keyterms") or [])}
</section>
<section aria-labelledby="h-types">
<h2 id="h-types">Entity types in this report</h2>
{f"<dl>{legend}</dl>" if legend else "<p>No entities.</p>"}
</section>
<section aria-labelledby="h-removed">
<h2 id="h-removed">Removed blocks ({len(removed)})</h2>
{table("Text removed from the clean text, with the reason and its offsets in the raw file", ["Reason", "Text", "Raw offsets"], removed_rows) if removed else "<p>Nothing was removed.</p>"}
</section>
<section aria-labelledby="h-repairs">
<h2 id="h-repairs">Repairs ({len(repairs)})</h2>
{table("Text replaced in the clean text: stage, reason, before and after (⏎ is a line break), offsets in the raw file", ["Stage", "Reason", "Before", "After", "Raw offsets"], repair_rows) if repairs else "<p>Nothing was repaired.</p>"}
</section>
</main>"""
    counts = {"sentences": len(doc.sents), "entities": len(doc.ents), "entities_shown": shown,
              "removed": len(removed), "repairs": len(repairs)}
    return page(f"{title} – irnlp report", body), counts


@dataclass
class Summary:
    """What the index shows of one report."""

    id: str
    title: str
    href: str | None
    status: str = "ok"
    date: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    topics: Counter = field(default_factory=Counter)
    grid: Counter = field(default_factory=Counter)  # (topic, stance) -> sentences


REPORT_NUMERIC = {2, 3, 4, 5, 7, 8, 9}
TOTALS = ("sentences", "entities", "removed", "repairs")


def report_row(r: Summary) -> str:
    """The index's table row of an annotated report."""
    main = r.topics.most_common(1)[0][0] if r.topics else ""
    return tr([f'<a href="{escape(r.href or "")}">{escape(r.title)}</a><br><code>{escape(r.id)}</code>',
               escape(r.date), *(str(r.counts.get(k, 0)) for k in TOTALS),
               escape(main), *(str(sum(v for (t, s), v in r.grid.items() if s == st)) for st in STANCES)],
              REPORT_NUMERIC)


def skipped_row(r: Summary) -> str:
    """The index's table row of a report a stage skipped."""
    return tr([f"<code>{escape(r.id)}</code>", escape(r.status)])


@dataclass
class IndexTotals:
    """The run-wide numbers of the index; their size does not grow with the run."""

    ok: int = 0
    skipped: int = 0
    grid: Counter = field(default_factory=Counter)  # (topic, stance) -> sentences
    counts: Counter = field(default_factory=Counter)  # TOTALS -> sum over annotated reports

    def add(self, r: Summary) -> None:
        if r.status != Status.OK:
            self.skipped += 1
            return
        self.ok += 1
        self.grid.update(r.grid)
        self.counts.update({k: r.counts.get(k, 0) for k in TOTALS})


def bar(n: int, top: int, colour: str) -> str:
    width = 8 * n / top if top else 0
    return f'<span class="bar" style="width:{width:.2f}em;background:{colour}" aria-hidden="true"></span>'


ROWS, SKIPPED = "\x00report rows\x00", "\x00skipped rows\x00"  # where the spooled rows go


def index_chunks(run: str, totals: IndexTotals, topic_terms: dict[str, list[dict]],
                 report_rows: Iterable[str], skipped_rows: Iterable[str]) -> Iterator[str]:
    """The run's index page in pieces, the report rows streamed from ``report_rows`` (one row a report).

    The per-report rows are passed as an iterable (the writer spools them to a
    temporary file), so the page is written without holding a row per report in memory.
    """
    grid, top = totals.grid, max(totals.grid.values(), default=0)
    grid_rows = []
    for t in TOPICS:
        cells = [f"{bar(grid[t, s], top, STANCE_MARKS[s][1])}{grid[t, s]}" for s in STANCES]
        grid_rows.append([f'<span class="tag" style="background:{TOPIC_COLOURS[t]}">{t}</span>', *cells,
                          str(sum(grid[t, s] for s in STANCES))])
    grid_rows.append(["<strong>All topics</strong>", *(str(sum(grid[t, s] for t in TOPICS)) for s in STANCES),
                      str(sum(grid.values()))])
    term_rows = [[escape(t), ", ".join(f'<span title="summed score {x["score"]:.3f} over {x["reports"]} report(s)">'
                                        f'{escape(x["term"])}</span>' for x in terms)]
                 for t, terms in topic_terms.items() if terms]
    stance_heads = ["FAVOR (+)", "AGAINST (−)", "NONE (·)"]
    n = totals.counts
    reports = table("Annotated reports: follow a title to read the report with its labels",
                    ["Report", "Date", "Sentences", "Entities", "Removed", "Repairs", "Main topic", *stance_heads],
                    [[ROWS]]).replace(f"<tr><td>{ROWS}</td></tr>", ROWS)
    skipped = table("Reports that a stage skipped, with the reason", ["Report", "Reason"],
                    [[SKIPPED]]).replace(f"<tr><td>{SKIPPED}</td></tr>", SKIPPED)
    body = f"""<header>
<h1>Run “{escape(run)}”: {totals.ok} annotated reports</h1>
<p class="sub">{n["sentences"]} sentences, {n["entities"]} entities, {n["removed"]} removed blocks,
{n["repairs"]} repairs{f"; {totals.skipped} reports skipped" if totals.skipped else ""}.</p>
</header>
<main>
<section aria-labelledby="h-grid">
<h2 id="h-grid">Sentences by topic and stance</h2>
{table("Number of sentences of each topic (rows) and stance (columns); bars repeat the numbers", ["Topic", *stance_heads, "Total"], grid_rows, numeric={1, 2, 3, 4})}
</section>
<section aria-labelledby="h-reports">
<h2 id="h-reports">Reports</h2>
{reports if totals.ok else "<p>No report was annotated.</p>"}
</section>
<section aria-labelledby="h-terms">
<h2 id="h-terms">Key terms per topic</h2>
{table("Top key terms of each topic's sentences (SGRank, summed over reports; hover a term for its score)", ["Topic", "Key terms"], term_rows) if term_rows else "<p>No key terms (switched off in the config, or no text).</p>"}
</section>
{f'''<section aria-labelledby="h-skipped">
<h2 id="h-skipped">Skipped reports ({totals.skipped})</h2>
{skipped}
</section>''' if totals.skipped else ""}
</main>"""
    html = page(f"Run {run} – irnlp report", body)
    for piece, rows in ((ROWS, report_rows), (SKIPPED, skipped_rows)):
        if piece in html:
            before, html = html.split(piece)
            yield before
            yield from rows
    yield html


def index_page(run: str, reports: list[Summary], topic_terms: dict[str, list[dict]]) -> str:
    """The run's index page of ``reports`` as one string (:func:`index_chunks` with the rows in memory)."""
    totals = IndexTotals()
    for r in reports:
        totals.add(r)
    ok = "\n".join(report_row(r) for r in reports if r.status == Status.OK)
    skipped = "\n".join(skipped_row(r) for r in reports if r.status != Status.OK)
    return "".join(index_chunks(run, totals, topic_terms, [ok], [skipped]))


class HtmlWriter(Writer):
    """``report/``: ``index.html`` and one page per annotated report.

    The index rows are spooled to temporary files as reports arrive (only the
    run totals stay in memory), so memory does not grow with the run.
    """

    def __init__(self, *args, run: str = "run", folder: str = FOLDER, **kwargs):
        super().__init__(*args, **kwargs)
        self.run, self.folder = run, folder
        self.totals = IndexTotals()
        self.taken: set[str] = {"index"}  # the index page keeps its name

    def open(self, stack: ExitStack) -> None:
        self.tmp = temp_folder(self.out_dir, self.folder, stack)
        # Unnamed temporary files beside the pages: gone when closed, whatever happens to the run.
        self.rows, self.skipped = (stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.tmp))
                                   for _ in range(2))

    def _note(self, r: Summary) -> None:
        self.totals.add(r)
        if r.status == Status.OK:
            self.rows.write(report_row(r) + "\n")
        else:
            self.skipped.write(skipped_row(r) + "\n")

    def add(self, doc: Document, record: dict, sdoc) -> None:
        href = slug(doc.id, self.taken)
        html, counts = report_page(doc)
        (self.tmp / href).write_text(html, encoding="utf-8")
        grid = Counter((s.topic, s.stance) for s in doc.sents)
        self._note(Summary(doc.id, report_title(doc), href, date=str(doc.meta.get("date") or ""),
                           counts=counts, topics=Counter(s.topic for s in doc.sents), grid=grid))
        self.counts["html_pages"] += 1
        self.counts["html_ents_not_shown"] += counts["entities"] - counts["entities_shown"]

    def skip(self, doc: Document) -> None:
        self._note(Summary(doc.id, doc.id, None, status=doc.status))

    def finish(self) -> None:
        for fh in (self.rows, self.skipped):
            fh.seek(0)
        chunks = index_chunks(self.run, self.totals, self.shared.get("topic_keyterms", {}), self.rows, self.skipped)
        with open(self.tmp / "index.html", "w", encoding="utf-8") as out:
            out.writelines(chunks)
        swap_in(self.tmp, self.out_dir / self.folder)
