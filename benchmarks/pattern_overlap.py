"""How many entity patterns name strings seen in only one gold file (a memorisation check).

A pattern "names a string" when it is a phrase pattern, or a token pattern
whose every token is one literal ``ORTH``/``TEXT``/``LOWER`` value; patterns
built on shapes and word lists (``T-72``-like model numbers, money amounts)
name no string and are counted apart. For each string the script counts the
gold files (``corpus/gold/*.jsonl``) whose text contains it as a whole word,
and whether it occurs in the unlabelled corpus (evidence that it is general
knowledge of the domain rather than picked from the gold).

Usage::

    python benchmarks/pattern_overlap.py [--list]

Prints the counts; ``--list`` also lists the strings found in one gold file only
and nowhere in the unlabelled corpus (the memorisation suspects).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.nlp.patterns import load_patterns  # noqa: E402

UNLABELLED = [Path("/work/shared/corpus/unlabelled"), ROOT.parent / "shared" / "corpus" / "unlabelled"]


def pattern_string(pattern: str | list) -> tuple[str, bool] | None:
    """``(string, case_sensitive)`` a pattern names, or ``None`` for a shape or list pattern."""
    if isinstance(pattern, str):
        return pattern, True
    words, sensitive = [], True
    for tok in pattern:
        keys = {k.upper(): v for k, v in tok.items()}
        if set(keys) - {"ORTH", "TEXT", "LOWER"} or len(keys) != 1:
            return None
        (key, value), = keys.items()
        if not isinstance(value, str):
            return None
        sensitive &= key != "LOWER"
        words.append(value)
    return " ".join(words), sensitive


def occurs(string: str, text: str, case_sensitive: bool) -> bool:
    """True if ``string`` occurs in ``text`` as whole words (any whitespace between its words)."""
    first = string.split()[0]
    if (first not in text) if case_sensitive else (first.lower() not in text.lower()):
        return False  # fast path: a plain substring test rules most strings out
    flags = 0 if case_sensitive else re.I
    pat = r"(?<![\w-])" + r"\s*".join(map(re.escape, string.split())) + r"(?![\w-])"
    return re.search(pat, text, flags) is not None


def overlap(patterns: list[dict], gold_texts: dict[str, str], other_text: str) -> dict:
    """Counts of patterns by how many gold files contain their string.

    Args:
        patterns: entries of :func:`pipeline.stages.ner.load_patterns`.
        gold_texts: gold file name -> all its texts joined.
        other_text: text of the unlabelled corpus, joined.

    Returns:
        ``{"patterns", "shapes", "strings", "in_gold", "one_gold_file", "one_gold_file_only", "suspects"}``;
        ``one_gold_file_only`` counts strings seen in one gold file and not in the unlabelled corpus,
        listed in ``suspects`` as ``(label, string, gold file)``.
    """
    out = {"patterns": len(patterns), "shapes": 0, "strings": 0, "in_gold": 0, "one_gold_file": 0,
           "one_gold_file_only": 0, "suspects": []}
    seen: set[tuple[str, str]] = set()
    for p in patterns:
        named = pattern_string(p["pattern"])
        if named is None:
            out["shapes"] += 1
            continue
        string, sensitive = named
        if (p["label"], string) in seen:
            continue
        seen.add((p["label"], string))
        out["strings"] += 1
        files = [name for name, text in gold_texts.items() if occurs(string, text, sensitive)]
        if files:
            out["in_gold"] += 1
        if len(files) == 1:
            out["one_gold_file"] += 1
            if not occurs(string, other_text, sensitive):
                out["one_gold_file_only"] += 1
                out["suspects"].append((p["label"], string, files[0]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", nargs="+", default=["corpus/patterns/entities"])
    ap.add_argument("--gold", nargs="+", default=sorted(str(p) for p in (ROOT / "corpus" / "gold").glob("*.jsonl")))
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    gold = {Path(g).name: "\n".join(json.loads(line)["text"] for line in open(g, encoding="utf-8") if line.strip())
            for g in args.gold}
    folder = next((d for d in UNLABELLED if d.exists()), None)
    other = "\n".join(json.loads(line)["text"] for f in sorted(folder.glob("*.jsonl")) for line in open(f)) \
        if folder else ""
    res = overlap(load_patterns(args.patterns), gold, other)
    print(f"{res['patterns']} patterns: {res['shapes']} shape/list patterns, {res['strings']} distinct strings")
    print(f"strings found in a gold file: {res['in_gold']}")
    print(f"strings found in exactly one gold file: {res['one_gold_file']}")
    print(f"  ... and nowhere in the unlabelled corpus (memorisation suspects): {res['one_gold_file_only']}")
    if args.list:
        for label, string, f in res["suspects"]:
            print(f"  {label:12} {string!r}  ({f})")


if __name__ == "__main__":
    main()
