"""HTML and Markdown remnants, and hard line breaks of text wrapped at a fixed width.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Iterator

from pipeline.stages.clean.evidence import ends_sentence

# --- markup --------------------------------------------------------------------
HTML_TAGS = (
    "a|abbr|address|article|aside|audio|b|big|blockquote|body|br|button|caption|center|cite|code|col|"
    "dd|del|details|div|dl|dt|em|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|"
    "iframe|img|input|ins|kbd|label|li|link|main|mark|meta|nav|noscript|object|ol|p|param|picture|pre|"
    "q|s|script|section|small|source|span|strike|strong|style|sub|summary|sup|svg|table|tbody|td|"
    "template|tfoot|th|thead|time|title|tr|track|tt|u|ul|video|wbr"
)
# Elements whose content is not text of the report (code, media players, captions).
DROP_ELEMENTS = "script|style|noscript|audio|video|iframe|figcaption|svg|object|template|button|form"
# Inline markup: every alternative starts with `<`, `{`, `!`, `[`, `*`, `_`, `=`, `~` or `&`,
# so the scan skips plain text quickly (checked by the look-ahead).
INLINE_MARKUP_RE = re.compile(
    r"(?=[<{!\[*_=~&])(?:"
    rf"(?P<element><(?P<tag>{DROP_ELEMENTS})\b[^<>]*>.*?</(?P=tag)\s*>)"
    r"|(?P<comment><!--.*?-->)"
    r"|(?P<liquid>\{%.*?%\}|\{\{.*?\}\}|\{:[^}\n]*\})"  # Liquid tags, kramdown attribute lists
    rf"|(?P<tagx></?(?:{HTML_TAGS})(?:\s[^<>]*)?/?>)"
    r"|(?P<image>!\[[^\]\n]*\]\([^)\n]*\))"
    r"|(?P<link>\[(?P<ltext>[^\]\n]+)\]\((?P<lurl>[^)\s]+)(?:\s+\"[^\"\n]*\")?\))"
    r"|(?P<deco>[*_=~]{4,})"
    r"|(?P<emph>(?<![\w*_])(?P<mark>\*{1,3}|_{2,3})(?=[^\s*_])[^\n]*?[^\s*_](?P=mark)(?![\w*_]))"
    r"|(?P<entity>&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});))",
    re.I | re.S,
)
# Markdown markers at the start of a line: rules, heading hashes, quote marks, list bullets.
LINE_MARKUP_RE = re.compile(
    r"^(?:(?P<rule>[ \t]*(?:[-*_][ \t]*){3,}$)"
    r"|(?P<heading>[ \t]{0,3}#{1,6}[ \t]+)"
    r"|(?P<quote>[ \t]{0,3}(?:>[ \t]?)+))",
    re.M,
)
# A list bullet opening a line: evidence of a list item (the bullet is kept).
BULLET_RE = re.compile(r"^[-*+•▪–]\s+(?=\S)")
BLOCK_TAG_RE = re.compile(r"</?(br|p|div|h[1-6]|li|tr|hr|figure|blockquote)\b", re.I)


def markup_changes(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` that strip HTML and Markdown remnants, keeping the words.

    Tags, comments and Liquid tags go; scripts, styles, media players and
    figure captions go with their content; Markdown keeps the text of a link and
    of emphasis but loses its markers (list bullets stay: the clean stage uses
    them as evidence of a list); character entities are decoded
    (``&amp;`` -> ``&``, ``&nbsp;`` -> space). Literal brackets (`[4]`, `[trucks]`)
    stay. Apply repeatedly until it returns nothing (stripping can expose markup).
    """
    out: list[tuple[int, int, str]] = []
    for m in INLINE_MARKUP_RE.finditer(text):
        if m.group("link") is not None:
            out.append((m.start(), m.start("ltext"), ""))
            out.append((m.end("ltext"), m.end(), ""))
        elif m.group("emph") is not None:
            k = len(m.group("mark"))
            out.append((m.start(), m.start() + k, ""))
            out.append((m.end() - k, m.end(), ""))
        elif m.group("entity") is not None:
            rep = html.unescape(m.group()).replace("\xa0", " ")
            if rep != m.group():
                out.append((m.start(), m.end(), rep))
        elif m.group("tagx") is not None and BLOCK_TAG_RE.match(m.group()):
            out.append((m.start(), m.end(), "\n"))  # block-level tags separate lines
        else:
            out.append((m.start(), m.end(), ""))
    line_marks = [(m.start(), m.end(), "") for m in LINE_MARKUP_RE.finditer(text) if m.end() > m.start()]
    return merge_spans(out + line_marks)


# --- hard line breaks -----------------------------------------------------------
def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each line without its line break."""
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body)
        pos += len(line)


def hard_wrap_joins(text: str, min_pairs: int = 3) -> list[tuple[int, int]]:
    """Spans (line break plus indentation) to replace by one space to undo hard wrapping.

    A text is hard-wrapped when, among pairs of consecutive non-blank lines, at
    least half break mid-sentence and at least 30% continue with a lowercase
    letter (prose wrapped at a fixed width: azernews). Then every break inside
    a paragraph (a run of non-blank lines) is joined, except after a line much
    shorter than the wrap width that ends a sentence (a short heading or
    sign-off keeps its own line).
    """
    lines = [(s, e) for s, e in line_spans(text)]
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if text[a[0]:a[1]].strip() and text[b[0]:b[1]].strip()]
    if len(pairs) < min_pairs:
        return []
    firsts = [text[a[0]:a[1]].strip() for a, _ in pairs]
    nexts = [text[b[0]:b[1]].strip() for _, b in pairs]
    open_share = sum(not ends_sentence(t) for t in firsts) / len(pairs)
    lower_share = sum(t[:1].islower() for t in nexts) / len(pairs)
    if open_share < 0.5 or lower_share < 0.3:
        return []
    widths = sorted(len(t) for t in firsts)
    wrap = widths[int(0.9 * (len(widths) - 1))]
    out = []
    for (a, b), first, nxt in zip(pairs, firsts, nexts):
        if len(first) < 0.5 * wrap and ends_sentence(first) and not nxt[:1].islower():
            continue
        end_a = a[0] + len(text[a[0]:a[1]].rstrip())
        start_b = b[0] + (len(text[b[0]:b[1]]) - len(text[b[0]:b[1]].lstrip()))
        out.append((end_a, start_b))
    return out


def merge_spans(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop spans that overlap an earlier-starting or longer one (first come, first kept)."""
    out: list[tuple[int, int, str]] = []
    for s, e, r in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if s >= e:
            continue
        if out and s < out[-1][1]:
            continue
        out.append((s, e, r))
    return out
