"""Compile the hand-written gold sources in ``corpus/gold/src/`` into JSONL.

The sources are written by people, sentence by sentence, so that a reviewer can
read every label in place. One source file holds one or more reports::

    # id: caspian-institute_2024-05-20_azerbaijan-belarus
    # source: corpus/raw/caspian-institute_2024-05-20_azerbaijan-belarus.txt
    # meta: {"title": "...", "date": "2024-05-20", "references": [...]}
    diplomacy NONE | [Azerbaijan]{GPE} and [Belarus]{GPE} Take Bilateral Relations ...

    diplomacy FAVOR | First sentence of a paragraph about [Minsk]{GPE>FAVOR} ...
    economy_trade NONE | Second sentence of the same paragraph.

Rules:
- one line = one sentence (unit) ``TOPIC STANCE | text``; consecutive sentence
  lines form one paragraph and are joined with a single space; a blank line
  starts a new paragraph (paragraphs are joined with ``\\n\\n``);
- ``[span]{LABEL}`` marks an entity, ``[span]{LABEL>FAVOR}`` or
  ``[span]{LABEL>AGAINST}`` marks an entity that is also a stance target;
  brackets not followed by ``{`` (citation markers ``[4]``) are literal text;
- ``# continue: <id>`` at the top of a file appends its paragraphs to a report
  started in an earlier file (files are read in name order);
- lines starting with ``#`` elsewhere are comments.

Usage: ``python corpus/gold/build_gold.py`` writes ``seed.jsonl`` and
``similar.jsonl`` next to this script (which reports go where is set in
``OUTPUTS`` below) and fails loudly on any malformed line.
``python corpus/gold/build_gold.py SRC_DIR OUT.jsonl`` compiles every report of
``SRC_DIR`` into one file (used for the training data in ``corpus/train/``).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUTPUTS = {"seed.jsonl": ("caspian-institute_",), "similar.jsonl": ("0", "1")}

TOPICS = {
    "diplomacy", "economy_trade", "agriculture_food", "industry_technology", "energy",
    "defense_security", "reconstruction_infrastructure", "culture_society", "environment", "other",
}
STANCES = {"FAVOR", "AGAINST", "NONE"}
LABELS = {
    "PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
    "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL",
}
ENT_RE = re.compile(r"\[([^\[\]]+)\]\{([A-Z_]+)(?:>(FAVOR|AGAINST))?\}")
LINE_RE = re.compile(r"^(\S+)\s+(\S+)\s*\|\s?(.*)$")


class GoldSyntaxError(ValueError):
    pass


def parse_sentence(markup: str, where: str):
    """Strip entity markup from one sentence line.

    Returns ``(text, ents, targets)`` with offsets relative to ``text``.
    """
    out, ents, targets, pos = [], [], [], 0
    for m in ENT_RE.finditer(markup):
        out.append(markup[pos:m.start()])
        start = sum(len(p) for p in out)
        span, label, stance = m.group(1), m.group(2), m.group(3)
        if label not in LABELS:
            raise GoldSyntaxError(f"{where}: unknown entity label {label!r}")
        if span != span.strip():
            raise GoldSyntaxError(f"{where}: entity {span!r} has outer spaces")
        out.append(span)
        ents.append({"start": start, "end": start + len(span), "label": label})
        if stance:
            targets.append({"start": start, "end": start + len(span), "stance": stance})
        pos = m.end()
    out.append(markup[pos:])
    text = "".join(out)
    if re.search(r"\]\{", text):
        raise GoldSyntaxError(f"{where}: unparsed entity markup in {text!r}")
    return text, ents, targets


def parse_file(path: Path, reports: dict) -> None:
    current = None
    paragraph: list = []

    def flush():
        if paragraph:
            current["paragraphs"].append(list(paragraph))
            paragraph.clear()

    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{n}"
        if line.startswith("# id:"):
            flush()
            rid = line.split(":", 1)[1].strip()
            current = reports.setdefault(rid, {"id": rid, "source": "", "meta": {}, "paragraphs": []})
            continue
        if line.startswith("# continue:"):
            flush()
            rid = line.split(":", 1)[1].strip()
            if rid not in reports:
                raise GoldSyntaxError(f"{where}: continues unknown report {rid!r}")
            current = reports[rid]
            continue
        if line.startswith("# source:"):
            current["source"] = line.split(":", 1)[1].strip()
            continue
        if line.startswith("# meta:"):
            current["meta"] = json.loads(line.split(":", 1)[1])
            continue
        if line.startswith("#"):
            continue
        if not line.strip():
            flush()
            continue
        if current is None:
            raise GoldSyntaxError(f"{where}: sentence before any '# id:' line")
        m = LINE_RE.match(line)
        if not m:
            raise GoldSyntaxError(f"{where}: expected 'TOPIC STANCE | text'")
        topic, stance, markup = m.groups()
        if topic not in TOPICS:
            raise GoldSyntaxError(f"{where}: unknown topic {topic!r}")
        if stance not in STANCES:
            raise GoldSyntaxError(f"{where}: unknown stance {stance!r}")
        text, ents, targets = parse_sentence(markup.strip(), where)
        paragraph.append({"topic": topic, "stance": stance, "text": text, "ents": ents, "targets": targets})
    flush()


def assemble(report: dict) -> dict:
    """Join paragraphs into the clean text and shift offsets into it."""
    text, ents, sents = "", [], []
    for p_i, para in enumerate(report["paragraphs"]):
        if p_i:
            text += "\n\n"
        for s_i, sent in enumerate(para):
            if s_i:
                text += " "
            base = len(text)
            text += sent["text"]
            ents += [{**e, "start": e["start"] + base, "end": e["end"] + base} for e in sent["ents"]]
            rec = {"start": base, "end": base + len(sent["text"]), "topic": sent["topic"], "stance": sent["stance"]}
            if sent["targets"]:
                rec["targets"] = [{**t, "start": t["start"] + base, "end": t["end"] + base} for t in sent["targets"]]
            sents.append(rec)
    return {"id": report["id"], "source": report["source"], "text": text, "meta": report["meta"],
            "ents": ents, "sents": sents}


def main(argv: list[str]) -> int:
    src, outputs = SRC, {HERE / name: prefixes for name, prefixes in OUTPUTS.items()}
    if len(argv) == 2:
        src, outputs = Path(argv[0]), {Path(argv[1]): ("",)}
    reports: dict = {}
    for path in sorted(src.glob("*.txt")):
        parse_file(path, reports)
    for out_name, prefixes in outputs.items():
        records = [assemble(r) for rid, r in sorted(reports.items()) if rid.startswith(prefixes)]
        with open(out_name, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n_s = sum(len(r["sents"]) for r in records)
        n_e = sum(len(r["ents"]) for r in records)
        print(f"{Path(out_name).name}: {len(records)} reports, {n_s} sentences, {n_e} entities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
