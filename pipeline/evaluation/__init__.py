"""Scoring annotations against a gold set (``irnlp evaluate``).

- :mod:`pipeline.evaluation.align`: character alignment of two versions of a text;
- :mod:`pipeline.evaluation.scorer`: pairing records and sentences, entity/topic/stance/target scores
  (no plotting imports);
- :mod:`pipeline.evaluation.baseline`: plain spaCy with majority labels;
- :mod:`pipeline.evaluation.report`: ``metrics.json``, ``report.md``, confusion matrices;
- :mod:`pipeline.evaluation.evaluate`: the command that ties them together.
"""
