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

Outputs: ``meta.keyterms`` of each JSONL record (``[{"term", "score"}]``, best
first) and ``keyterms.json`` in the run folder (``{"reports": {id: [...]},
"topics": {topic: [{"term", "score", "reports"}]}}``); the HTML report shows both.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import Counter, defaultdict

from pipeline.document import Document
from pipeline.io import write_json
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


class KeytermWriter(Writer):
    """Adds ``meta.keyterms`` to each report and writes ``keyterms.json``.

    Puts the topic terms in ``shared["topic_keyterms"]`` for the HTML report.
    """

    needs_doc = True
    needs_tags = True

    def __init__(self, *args, topn: int = 10, **kwargs):
        super().__init__(*args, **kwargs)
        self.topn = topn
        self.reports: dict[str, list[dict]] = {}
        self.topic_scores: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.topic_reports: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def annotate(self, doc: Document, sdoc) -> None:
        terms = keyterms(sdoc, self.topn)
        doc.meta["keyterms"] = terms
        self.reports[doc.id] = terms
        self.counts["keyterms"] += len(terms)
        scores = {t["term"]: t["score"] for t in terms}
        for topic, shares in topic_shares(sdoc, doc.sents, terms).items():
            for term, share in shares.items():
                self.topic_scores[topic][term] += scores[term] * share
                self.topic_reports[topic][term] += 1

    def add(self, doc: Document, record: dict, sdoc) -> None:
        pass  # the terms travel in the record's meta

    def topics(self) -> dict[str, list[dict]]:
        """Top terms per topic: summed SGRank score over reports, best first (ties by term)."""
        out = {}
        for topic in sorted(self.topic_scores):
            scores = self.topic_scores[topic]
            best = sorted(scores, key=lambda t: (-scores[t], t))[: self.topn]
            out[topic] = [{"term": t, "score": round(scores[t], 4), "reports": self.topic_reports[topic][t]}
                          for t in best]
        return out

    def finish(self) -> None:
        topics = self.topics()
        self.shared["topic_keyterms"] = topics
        write_json(self.out_dir / FILE, {"method": "textacy sgrank", "topn": self.topn,
                                         "reports": self.reports, "topics": topics})
