"""Character alignment of a predicted clean text to a gold clean text.

``evaluate`` scores spans of a system's text against spans of a gold text that
may differ a little (boilerplate kept or dropped, repairs done differently, a
paragraph duplicated). It aligns the two texts character by character and maps
every predicted span into gold offsets.

Method:

1. The longest common subsequence of the two texts (``rapidfuzz.distance.Indel``
   opcodes: bit-parallel, a few tenths of a second on 30k-character reports).
   Consecutive insertions and deletions form one *diff block*.
2. Chance matches are undone. Where the two sides differ over a long stretch
   (a dateline the system kept where the gold kept a heading, or the title
   amid kept navigation), the LCS is free to thread its matches through scattered
   letters and spaces, and entities of one passage would land in the other. An
   equal run no longer than the diff blocks on both its sides is folded into
   them (the rule of ``diff_cleanupSemantic`` in Neil Fraser's diff-match-patch,
   https://github.com/google/diff-match-patch), repeatedly; unlike there, only
   runs shorter than ``anchor`` characters, so that a real title between two
   stretches of kept navigation is not folded away with them.
3. Inside each diff block that has text on both sides, real shared passages
   are found again the Ratcliff/Obershelp way (``difflib.SequenceMatcher``,
   longest common substring first, then left and right of it), keeping only
   matches of at least ``anchor`` characters.
4. A remaining diff block whose two sides are both short (``max_sub``
   characters) is the same text written differently (a repair done otherwise:
   ``Ò-72``/``T-72``, ``Lukanhesko``/``Lukashenko``): its characters
   correspond, in proportion. In a longer block, or one with an empty side,
   nothing corresponds: predicted characters there are text the gold does not
   have, gold characters there are text the system dropped.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass

from rapidfuzz.distance import Indel

# Both sides of a diff block at most this long: the same text, written differently.
MAX_SUB = 20
# Shortest equal run trusted as a real match when the text around it differs.
ANCHOR = 10


@dataclass
class Block:
    """A run of the alignment: ``gold[g1:g2]`` against ``pred[p1:p2]``.

    ``equal`` runs are identical text; other runs are differences.
    """

    equal: bool
    g1: int
    g2: int
    p1: int
    p2: int

    @property
    def glen(self) -> int:
        return self.g2 - self.g1

    @property
    def plen(self) -> int:
        return self.p2 - self.p1

    @property
    def size(self) -> int:
        """The larger side: how much differs here."""
        return max(self.glen, self.plen)


def _merge(blocks: list[Block]) -> list[Block]:
    """Drop empty blocks and join consecutive blocks of the same kind."""
    out: list[Block] = []
    for b in blocks:
        if b.glen == 0 and b.plen == 0:
            continue
        if out and b.equal == out[-1].equal:
            out[-1] = Block(b.equal, out[-1].g1, b.g2, out[-1].p1, b.p2)
        else:
            out.append(b)
    return out


def _blocks(gold: str, pred: str) -> list[Block]:
    """Step 1: equal runs and diff blocks of the LCS alignment, in order."""
    return _merge([Block(op.tag == "equal", op.src_start, op.src_end, op.dest_start, op.dest_end)
                   for op in Indel.opcodes(gold, pred)])


def _unscatter(blocks: list[Block], anchor: int) -> list[Block]:
    """Step 2: fold short equal runs lying between no smaller differences, until none is left.

    A run at either end of the text has one neighbour and is judged by it alone.
    """
    changed = True
    while changed:
        changed = False
        out: list[Block] = []
        for i, b in enumerate(blocks):
            prev = blocks[i - 1] if i > 0 else None
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            sides = [n.size for n in (prev, nxt) if n is not None]
            if b.equal and sides and b.glen < anchor and all(b.glen <= s for s in sides):
                out.append(Block(False, b.g1, b.g2, b.p1, b.p2))
                changed = True
            else:
                out.append(b)
        blocks = _merge(out)
    return blocks


def _refine(gold: str, pred: str, b: Block, anchor: int) -> list[Block]:
    """Step 3: recover shared passages of at least ``anchor`` characters inside a diff block."""
    if b.equal or not b.glen or not b.plen or min(b.glen, b.plen) < anchor:
        return [b]
    # On the block's own text, so each search costs its size, not the report's;
    # autojunk off, or every common letter would be ignored.
    sm = difflib.SequenceMatcher(None, gold[b.g1:b.g2], pred[b.p1:b.p2], autojunk=False)
    out: list[Block] = []

    def split(g1: int, g2: int, p1: int, p2: int) -> None:  # offsets relative to the block
        m = sm.find_longest_match(g1, g2, p1, p2) if g1 < g2 and p1 < p2 else None
        if m is None or m.size < anchor:
            out.append(Block(False, b.g1 + g1, b.g1 + g2, b.p1 + p1, b.p1 + p2))
            return
        split(g1, m.a, p1, m.b)
        out.append(Block(True, b.g1 + m.a, b.g1 + m.a + m.size, b.p1 + m.b, b.p1 + m.b + m.size))
        split(m.a + m.size, g2, m.b + m.size, p2)

    split(0, b.glen, 0, b.plen)
    return out


def _trim(gold: str, pred: str, b: Block) -> list[Block]:
    """Step 3b: move the common prefix and suffix of a diff block's two sides into equal runs.

    After step 2 the title ``Russia and …`` may sit at the end of a folded block
    (``RUS … Publications⏎⏎Russia`` against ``Russia``) next to the equal run
    `` and Kazakhstan…``; the shared ``Russia`` belongs to that run (as in
    diff-match-patch's ``diff_cleanupMerge``).
    """
    if b.equal or not b.glen or not b.plen:
        return [b]
    g, p = gold[b.g1:b.g2], pred[b.p1:b.p2]
    common = lambda x, y: len(os.path.commonprefix([x, y]))  # noqa: E731
    # Prefix first or suffix first: the order giving the longer single run wins
    # (``Russia`` against ``RUS…Russia`` is one suffix, not ``R`` + ``ussia``).
    pre = common(g, p)
    suf = common(g[pre:][::-1], p[pre:][::-1])
    suf2 = common(g[::-1], p[::-1])
    pre2 = common(g[:len(g) - suf2], p[:len(p) - suf2])
    if max(pre2, suf2) > max(pre, suf):
        pre, suf = pre2, suf2
    return [Block(True, b.g1, b.g1 + pre, b.p1, b.p1 + pre),
            Block(False, b.g1 + pre, b.g2 - suf, b.p1 + pre, b.p2 - suf),
            Block(True, b.g2 - suf, b.g2, b.p2 - suf, b.p2)]


class Alignment:
    """Character correspondence between a gold text and a predicted text.

    Attributes:
        gold, pred: the two texts.
        blocks: the cleaned runs, covering both texts in order.
        p_lo, p_hi: per predicted character, the gold range ``[lo, hi)`` it stands
            for, or ``-1`` when it has no counterpart (text the gold does not have).
        g_at: per gold character, the predicted character it corresponds to, or ``-1``.
        g_exact, p_exact: per character, True when it lies in an equal run.
    """

    def __init__(self, gold: str, pred: str, max_sub: int = MAX_SUB, anchor: int = ANCHOR):
        self.gold, self.pred = gold, pred
        blocks = _unscatter(_blocks(gold, pred), anchor)
        blocks = _merge([r for b in blocks for r in _refine(gold, pred, b, anchor)])
        self.blocks = _merge([r for b in blocks for r in _trim(gold, pred, b)])
        self.p_lo = [-1] * len(pred)
        self.p_hi = [-1] * len(pred)
        self.g_at = [-1] * len(gold)
        self.g_exact = [False] * len(gold)
        self.p_exact = [False] * len(pred)
        for b in self.blocks:
            if b.equal:
                for k in range(b.glen):
                    self.p_lo[b.p1 + k], self.p_hi[b.p1 + k] = b.g1 + k, b.g1 + k + 1
                    self.g_at[b.g1 + k] = b.p1 + k
                    self.g_exact[b.g1 + k] = self.p_exact[b.p1 + k] = True
            elif 0 < b.glen <= max_sub and 0 < b.plen <= max_sub:
                for k in range(b.plen):  # proportional: 1:1 when both sides have the same length
                    self.p_lo[b.p1 + k] = b.g1 + k * b.glen // b.plen
                    self.p_hi[b.p1 + k] = b.g1 + -(-(k + 1) * b.glen // b.plen)
                for k in range(b.glen):
                    self.g_at[b.g1 + k] = b.p1 + k * b.plen // b.glen

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Map a predicted span ``[start, end)`` to gold offsets.

        The span's characters without a counterpart are ignored (a name the
        system kept together with a navigation word the gold removed keeps its
        name part).

        Returns:
            ``(gold_start, gold_end)``, ``end`` exclusive, or None when no
            character of the span has a counterpart in the gold text.
        """
        first = next((i for i in range(start, end) if self.p_lo[i] >= 0), None)
        if first is None:
            return None
        last = next(i for i in range(end - 1, start - 1, -1) if self.p_lo[i] >= 0)
        return self.p_lo[first], self.p_hi[last]

    def text_stats(self) -> dict[str, float | int]:
        """Shares of non-space characters kept and added (whitespace is layout, not content).

        Returns:
            ``gold_chars``, ``pred_chars`` (non-space counts), ``gold_kept``
            (share of gold characters found identical in the prediction, 0..1)
            and ``pred_extra`` (share of predicted characters not in the gold).
        """
        g = [ex for ch, ex in zip(self.gold, self.g_exact) if not ch.isspace()]
        p = [ex for ch, ex in zip(self.pred, self.p_exact) if not ch.isspace()]
        return {
            "gold_chars": len(g),
            "pred_chars": len(p),
            "gold_kept": sum(g) / len(g) if g else 1.0,
            "pred_extra": (len(p) - sum(p)) / len(p) if p else 0.0,
        }

    def passages(self, width: int = 120) -> list[dict]:
        """The differing passages, whitespace-only differences left out.

        Returns:
            One dict per diff block: ``gold_start``, ``gold_end``, ``gold`` (the
            gold side), ``pred_start``, ``pred_end``, ``pred``; texts cut in the
            middle to at most ``width`` characters.
        """
        out = []
        for b in self.blocks:
            gs, ps = self.gold[b.g1:b.g2], self.pred[b.p1:b.p2]
            if b.equal or (not gs.strip() and not ps.strip()):
                continue
            out.append({"gold_start": b.g1, "gold_end": b.g2, "gold": shorten(gs, width),
                        "pred_start": b.p1, "pred_end": b.p2, "pred": shorten(ps, width)})
        return out


def shorten(s: str, width: int) -> str:
    """``s`` cut in the middle with `` … `` to at most ``width`` characters."""
    if len(s) <= width:
        return s
    half = (width - 3) // 2
    return f"{s[:half]} … {s[len(s) - (width - 3 - half):]}"


def align(gold: str, pred: str, max_sub: int = MAX_SUB, anchor: int = ANCHOR) -> Alignment:
    """Align ``pred`` to ``gold``; see :class:`Alignment` and the module docstring."""
    return Alignment(gold, pred, max_sub, anchor)
