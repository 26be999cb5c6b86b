"""Language: which language each report is in (``meta.language``); reports in a language the config
does not allow are not annotated (status ``other_language``) and keep their clean text in
``other_languages.jsonl``.

Method: py3langid (a fork of langid.py, Lui & Baldwin 2012: a naive Bayes classifier over byte
n-grams, its model inside the package, nothing downloaded) on every paragraph long enough to judge;
the report's language is the one with most characters. So an English report quoting a Russian source
in one paragraph stays English, and a Russian report with an English title is Russian.
"""

from __future__ import annotations

from collections import Counter

from pydantic import Field

from pipeline.config import Params
from pipeline.document import Document, Status
from pipeline.stages.base import Stage


class LanguageParams(Params):
    """``[stages.language]``.

    Attributes:
        allowed: ISO 639-1 codes of the languages the later stages can annotate (the models are English).
        candidates: the languages to tell apart (ISO 639-1; empty: all 97 of langid's model). Restricting
            them to the region's avoids near misses: on its own, langid takes a short Russian paragraph for
            Macedonian or Bulgarian.
        min_chars: shorter paragraphs (a heading, a dateline) do not vote: langid needs some text.
    """

    allowed: list[str] = ["en"]
    candidates: list[str] = ["en", "ru", "uk", "be", "kk", "uz", "az", "hy", "ka", "tr", "fa", "ky", "tg", "tk",
                             "de", "fr", "es", "it", "pl", "lt", "lv", "et", "ro", "ar", "zh"]
    min_chars: int = Field(40, ge=1)


_CANDIDATES: dict[str, tuple[str, ...]] = {}


def paragraph_languages(text: str, min_chars: int, candidates: tuple[str, ...] = ()) -> Counter:
    """Characters per detected language over the paragraphs (blank-line or line separated) of ``text``,
    among ``candidates`` (empty: every language of the model)."""
    import py3langid

    if _CANDIDATES.get("set") != candidates:  # re-slicing the model is not free: only on a change
        py3langid.set_languages(list(candidates) or None)
        _CANDIDATES["set"] = candidates
    votes: Counter = Counter()
    for para in text.split("\n"):
        para = para.strip()
        if len(para) >= min_chars:
            votes[py3langid.classify(para)[0]] += len(para)
    return votes


class Language(Stage):
    """``language.v1``: ``meta.language`` (and ``meta.languages``: share of characters per language) of each
    report; a report in a language outside ``allowed`` gets status ``other_language``.

    Params: :class:`LanguageParams`. Method: py3langid (Lui & Baldwin 2012, langid.py) per paragraph,
    weighted by characters.
    """

    Params = LanguageParams
    requires = ("text",)
    assigns = ("meta.language",)

    def process(self, doc: Document) -> None:
        votes = paragraph_languages(doc.text, self.params.min_chars, tuple(self.params.candidates))
        if not votes:  # too little text to judge: leave it to the English models
            doc.meta["language"] = None
            self.counts["undetermined"] += 1
            return
        total = sum(votes.values())
        lang = votes.most_common(1)[0][0]
        doc.meta["language"] = lang
        doc.meta["languages"] = {k: round(v / total, 3) for k, v in votes.most_common()}
        self.counts[f"language_{lang}"] += 1
        if lang not in self.params.allowed:
            doc.status = Status.OTHER_LANGUAGE
            self.counts["other_language"] += 1
