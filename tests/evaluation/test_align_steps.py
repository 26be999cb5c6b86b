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


def test_a_short_difference_maps_in_proportion():
    from pipeline.evaluation.align import Alignment

    gold, pred = "Lukashenko met QQ in Minsk today.", "Lukashenko met RRRR in Minsk today."
    al = Alignment(gold, pred)
    assert [(b.equal, b.g1, b.g2, b.p1, b.p2) for b in al.blocks] == [(T, 0, 15, 0, 15), (F, 15, 17, 15, 19),
                                                                      (T, 17, 33, 19, 35)]
    # pred 15..18 ("RRRR") stand for gold 15..16 ("QQ"): two predicted characters a gold one
    assert list(zip(al.p_lo[14:20], al.p_hi[14:20])) == [(14, 15), (15, 16), (15, 16), (16, 17), (16, 17), (17, 18)]
    assert al.g_at[14:18] == [14, 15, 17, 19]
    assert al.map_span(15, 19) == (15, 17)
    assert al.g_exact[15:17] == [False, False] and al.p_exact[14] and not al.p_exact[15]


@pytest.mark.parametrize("n, mapped", [(20, True), (21, False)])
def test_a_difference_longer_than_max_sub_maps_nothing(n, mapped):
    from pipeline.evaluation.align import Alignment

    head, tail = "The talks in Baku ended with ", " signed by both sides on Friday."
    gold, pred = head + "a" * n + tail, head + "b" * n + tail
    al = Alignment(gold, pred)
    inside = range(len(head), len(head) + n)
    assert all((al.p_lo[i] >= 0) is mapped and (al.p_hi[i] >= 0) is mapped and (al.g_at[i] >= 0) is mapped
               for i in inside)
    if not mapped:  # no counterpart is written -1, exactly
        assert {al.p_lo[i] for i in inside} == {al.p_hi[i] for i in inside} == {al.g_at[i] for i in inside} == {-1}


def test_text_only_one_side_has_maps_to_nothing():
    from pipeline.evaluation.align import Alignment

    head, tail = "The talks in Baku ended with a deal", " signed by both sides on Friday."
    gold, pred = head + " (XYZ)" + tail, head + tail  # the system dropped six characters
    al = Alignment(gold, pred)
    # " (XYZ)" or "(XYZ) ": which space is kept is the LCS's choice; six gold characters have no counterpart
    assert al.g_at.count(-1) == 6 and al.g_at[:len(head)] == list(range(len(head)))
    al = Alignment(pred, gold)  # the other way: six predicted characters the gold does not have
    assert al.p_lo.count(-1) == al.p_hi.count(-1) == 6
