"""Key terms per report and per topic with textacy's SGRank.

Method: SGRank (Danesh, Sumner and Martin, *SEM 2015) as implemented in
``textacy.extract.keyterms.sgrank``: candidate n-grams of nouns, proper nouns
and adjectives (lemmatised), weighted by position of first use, frequency and
length, then ranked by PageRank over their co-occurrence graph.

Kept cheap:

- ``window_size`` is the whole document. textacy slides its default window of
  1,500 tokens one token at a time and rescans every candidate at each step,
  which took 262 s on the 4,493-token seed report; one window over the whole
  document took 1.3 s and ranks the same four terms first (Alexander
  Lukashenko, Ilham Aliyev, Azerbaijan, Belarus; textacy issue #140 reports
  the slowness).
- Documents are cut to their first :data:`MAX_TOKENS` tokens (the cost grows
  with the square of the candidate occurrences).
- Topic terms cost no second SGRank run: each report term's score is split
  over the topics of the sentences it occurs in (by share of occurrences),
  and a topic's shares are summed over the reports. ``reports`` is the number
  of reports whose key terms occur in sentences of that topic. (A second
  SGRank run on each topic's sentences would about double the cost.)

Memory stays flat however long the run: each report's terms are spooled to a
temporary file and the per-topic sums kept in a temporary on-disk SQLite table
(the standard library's ``sqlite3``; its page cache is bounded), then
``keyterms.json`` is streamed from them when the run ends.

Outputs: ``meta.keyterms`` of each JSONL record (``[{"term", "score"}]``, best
first) and ``keyterms.json`` in the run folder (``{"reports": {id: [...]},
"topics": {topic: [{"term", "score", "reports"}]}}``); the HTML report shows both.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
from bisect import bisect_right
from collections import Counter, defaultdict
from contextlib import ExitStack, closing
from typing import Iterator

from pipeline.document import Document, Status
from pipeline.io import atomic_open
from pipeline.writers import Writer

log = logging.getLogger("irnlp")

MAX_TOKENS = 5000
FILE = "keyterms.json"


def keyterms(sdoc, topn: int = 10) -> list[dict]:
    """SGRank key terms of a tagged spaCy ``Doc``.

    Args:
        sdoc: a ``Doc`` with POS tags (candidates are filtered by POS).
        topn: how many terms to return.

    Returns:
        ``[{"term": str, "score": float}]``, best first; ``[]`` for docs under
        two tokens or without tags.
    """
    from textacy.extract.keyterms import sgrank

    if len(sdoc) > MAX_TOKENS:
        sdoc = sdoc[:MAX_TOKENS].as_doc()
    if len(sdoc) < 2 or not sdoc.has_annotation("POS"):
        return []
    try:
        terms = sgrank(sdoc, topn=topn, window_size=len(sdoc))
    except (ValueError, ZeroDivisionError) as e:  # degenerate docs (no candidate with weight > 0)
        log.debug("sgrank failed on a doc of %d tokens: %s", len(sdoc), e)
        return []
    return [{"term": t, "score": round(s, 4)} for t, s in terms]


def topic_shares(sdoc, sents, terms: list[dict]) -> dict[str, dict[str, float]]:
    """Split each report term over the topics of the sentences it occurs in.

    SGRank terms are lemmas joined by spaces, so an occurrence is a run of
    tokens with those lemmas.

    Args:
        sdoc: the report's tagged ``Doc``.
        sents: its :class:`~pipeline.document.Sentence` list (character offsets of ``sdoc.text``).
        terms: the report's key terms (:func:`keyterms`).

    Returns:
        ``{topic: {term: share}}``: the share of the term's occurrences that fall
        in sentences of that topic (shares of a term sum to 1; terms never found
        are left out).
    """
    starts = [s.start for s in sents]
    lemmas = [t.lemma_ for t in sdoc]
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for t in terms:
        words = t["term"].split(" ")
        k = len(words)
        hits: Counter = Counter()
        for i in range(len(lemmas) - k + 1):
            if lemmas[i:i + k] == words:
                j = bisect_right(starts, sdoc[i].idx) - 1
                if j >= 0 and sdoc[i].idx < sents[j].end:
                    hits[sents[j].topic] += 1
        total = sum(hits.values())
        for topic, n in hits.items():
            out[topic][t["term"]] = n / total
    return out


class TopicTerms:
    """Per-topic sums of report term scores, in a temporary on-disk SQLite table.

    Exact (no pruning), with memory bounded by SQLite's page cache: the table
    grows with the distinct (topic, term) pairs of the run, which at 15,570
    reports was about 10 times the reports.
    """

    def __init__(self):
        self.db = sqlite3.connect("")  # "": a private temporary database on disk, deleted on close
        self.db.execute("CREATE TABLE terms (topic TEXT, term TEXT, score REAL, reports INTEGER, "
                        "PRIMARY KEY (topic, term)) WITHOUT ROWID")

    def add(self, topic: str, term: str, score: float) -> None:
        self.db.execute("INSERT INTO terms VALUES (?, ?, ?, 1) ON CONFLICT (topic, term) DO UPDATE SET "
                        "score = score + excluded.score, reports = reports + 1", (topic, term, score))

    def top(self, n: int) -> dict[str, list[dict]]:
        """``{topic: [{"term", "score", "reports"}]}``: the ``n`` best per topic (topics sorted; ties by term)."""
        rows = self.db.execute(
            "SELECT topic, term, score, reports FROM (SELECT *, ROW_NUMBER() OVER "
            "(PARTITION BY topic ORDER BY score DESC, term) AS k FROM terms) WHERE k <= ? ORDER BY topic, k", (n,))
        out: dict[str, list[dict]] = {}
        for topic, term, score, reports in rows:
            out.setdefault(topic, []).append({"term": term, "score": round(score, 4), "reports": reports})
        return out

    def close(self) -> None:
        self.db.close()


class KeytermWriter(Writer):
    """Adds ``meta.keyterms`` to each report and writes ``keyterms.json``.

    Puts the topic terms in ``shared["topic_keyterms"]`` for the HTML report.
    """

    needs_doc = True
    needs_tags = True

    def __init__(self, *args, topn: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.topn = topn

    def open(self, stack: ExitStack) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # One line a report: its id and terms as JSON, joined into keyterms.json at the end.
        self.spool = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.out_dir))
        self.topic_terms = stack.enter_context(closing(TopicTerms()))

    def annotate(self, doc: Document, sdoc) -> None:
        terms = keyterms(sdoc, self.topn)
        doc.meta["keyterms"] = terms
        self._spool(doc.id, terms)
        scores = {t["term"]: t["score"] for t in terms}
        for topic, shares in topic_shares(sdoc, doc.sents, terms).items():
            for term, share in shares.items():
                self.topic_terms.add(topic, term, scores[term] * share)

    def _spool(self, report_id: str, terms: list[dict]) -> None:
        self.spool.write(f"{json.dumps(report_id, ensure_ascii=False)}: {json.dumps(terms, ensure_ascii=False)}\n")
        self.counts["keyterms"] += len(terms)

    def add(self, doc: Document, record: dict, sdoc) -> None:
        # The terms travel in the record's meta. A report reused from an earlier run (not annotated
        # again, so without a tagged Doc) lists its stored terms, but adds nothing to the topic sums.
        if doc.status == Status.CACHED:
            self._spool(doc.id, record.get("meta", {}).get("keyterms") or [])

    def topics(self) -> dict[str, list[dict]]:
        """Top terms per topic: summed SGRank score over reports, best first (ties by term)."""
        return self.topic_terms.top(self.topn)

    def _json(self, topics: dict) -> Iterator[str]:
        """``keyterms.json`` in pieces: the report entries are copied line by line from the spool."""
        yield f'{{\n  "method": "textacy sgrank",\n  "topn": {self.topn},\n  "reports": {{'
        self.spool.seek(0)
        for i, line in enumerate(self.spool):
            yield ("\n    " if i == 0 else ",\n    ") + line.rstrip("\n")
        yield "\n  },\n  \"topics\": " + json.dumps(topics, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield "\n}\n"

    def finish(self) -> None:
        topics = self.topics()
        self.shared["topic_keyterms"] = topics
        with atomic_open(self.out_dir / FILE) as fh:
            fh.writelines(self._json(topics))
