"""The steps of the character alignment on hand-made blocks: which equal runs are folded, which shared
passages are found again. Expected blocks are worked out by hand from the rules in the module doc."""

import pytest

from pipeline.evaluation.align import Block, _refine, _trim, _unscatter


def blocks(spec):
    """(equal, gold length, pred length) runs laid end to end."""
    out, g, p = [], 0, 0
    for eq, gl, pl in spec:
        out.append(Block(eq, g, g + gl, p, p + pl))
        g, p = g + gl, p + pl
    return out


def spec(bs):
    return [(b.equal, b.glen, b.plen) for b in bs]


T, F = True, False


@pytest.mark.parametrize("runs, anchor, expected", [
    # folded when no longer than both neighbours; the fold repeats until nothing changes
    ([(F, 2, 2), (T, 1, 1), (F, 1, 1), (T, 3, 3), (F, 5, 5)], 10, [(F, 12, 12)]),
    ([(F, 2, 2), (T, 3, 3), (F, 5, 5)], 10, [(F, 2, 2), (T, 3, 3), (F, 5, 5)]),  # longer than one neighbour
    ([(F, 3, 3), (T, 3, 3), (F, 3, 0)], 10, [(F, 9, 6)]),  # as long as both: folded
    ([(F, 0, 4), (T, 3, 3), (F, 4, 0)], 10, [(F, 7, 7)]),  # a neighbour's size is its larger side
    ([(T, 3, 3), (F, 4, 0)], 10, [(F, 7, 3)]),  # at the start: one neighbour decides
    ([(F, 4, 4), (T, 4, 4)], 10, [(F, 8, 8)]),  # at the end too
    ([(F, 20, 20), (T, 9, 9), (F, 20, 20)], 10, [(F, 49, 49)]),
    ([(F, 20, 20), (T, 10, 10), (F, 20, 20)], 10, [(F, 20, 20), (T, 10, 10), (F, 20, 20)]),  # an anchor stays
    ([(T, 5, 5)], 10, [(T, 5, 5)]),  # nothing beside it
])
def test_unscatter(runs, anchor, expected):
    assert spec(_unscatter(blocks(runs), anchor)) == expected


def refined(gold, pred, anchor=10, block=None):
    b = block or Block(False, 0, len(gold), 0, len(pred))
    return [(x.equal, x.g1, x.g2, x.p1, x.p2) for x in _refine(gold, pred, b, anchor) if x.glen or x.plen]


def test_refine_finds_the_shared_passage_again():
    gold, pred = "xxxxHELLO WORLDyyyy", "zzHELLO WORLDqqqqq"
    assert refined(gold, pred) == [(F, 0, 4, 0, 2), (T, 4, 15, 2, 13), (F, 15, 19, 13, 18)]
    assert refined(gold, pred, anchor=11) == [(F, 0, 4, 0, 2), (T, 4, 15, 2, 13), (F, 15, 19, 13, 18)]
    assert refined(gold, pred, anchor=12) == [(F, 0, 19, 0, 18)]  # 11 shared characters: too short


def test_refine_searches_left_and_right_of_the_longest_match():
    gold, pred = "AAAAAAAAAAxBBBBBBBBBBBBcc", "AAAAAAAAAAyyBBBBBBBBBBBBd"
    assert refined(gold, pred) == [(T, 0, 10, 0, 10), (F, 10, 11, 10, 12), (T, 11, 23, 12, 24),
                                   (F, 23, 25, 24, 25)]


def test_refine_works_inside_the_block_only():
    gold, pred = "HELLO WORLD..HELLO WORLD", "HELLO WORLD!!HELLO WORLD"
    block = Block(False, 13, 24, 13, 24)  # only the second copy is the diff block
    assert refined(gold, pred, block=block) == [(T, 13, 24, 13, 24)]


@pytest.mark.parametrize("block", [
    Block(True, 0, 12, 0, 12),  # an equal run
    Block(False, 0, 12, 0, 0),  # one side empty
    Block(False, 0, 0, 0, 12),
    Block(False, 0, 9, 0, 12),  # one side shorter than the anchor
])
def test_refine_leaves_blocks_it_cannot_split(block):
    gold = pred = "ABCDEFGHIJKL"
    assert _refine(gold, pred, block, 10) == [block]


def test_refine_at_exactly_the_anchor_length():
    assert refined("ABCDEFGHIJ", "xABCDEFGHIJx") == [(F, 0, 0, 0, 1), (T, 0, 10, 1, 11), (F, 10, 10, 11, 12)]


@pytest.mark.parametrize("gold, pred, expected", [
    ("RUS Publications\n\nRussia", "Russia", [(T, 0, 0), (F, 18, 0), (T, 6, 6)]),  # one suffix, not R + ussia
    ("Baku-xx-Minsk", "Baku-yyy-Minsk", [(T, 5, 5), (F, 2, 3), (T, 6, 6)]),
    ("abc", "xyz", [(T, 0, 0), (F, 3, 3), (T, 0, 0)]),
])
def test_trim_moves_the_common_ends_into_equal_runs(gold, pred, expected):
    assert spec(_trim(gold, pred, Block(False, 0, len(gold), 0, len(pred)))) == expected
