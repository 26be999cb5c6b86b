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

from pipeline.stages.clean.stage import Clean, CleanParams

__all__ = ["Clean", "CleanParams"]
