"""Sentence topic and stance classifiers: features, lexicon, model files, training.

- :mod:`pipeline.textcat.features`: a :class:`Unit` per sentence and the scikit-learn pipeline;
- :mod:`pipeline.textcat.lexicon`: the topic and evaluative word lists (features and the baseline);
- :mod:`pipeline.textcat.model`: saving and loading with skops, prediction;
- :mod:`pipeline.textcat.train`: ``irnlp train`` (grouped cross-validation, model card).
"""

# skops model files name their feature classes by this package's path (``pipeline.textcat.ReportTfidf``):
# models saved before the package was split still load.
from pipeline.textcat.features import (EmbeddingFeatures, LexiconFeatures, ReportTfidf, StaticEmbeddings, get_context,
                                       get_text)

__all__ = ["EmbeddingFeatures", "LexiconFeatures", "ReportTfidf", "StaticEmbeddings", "get_context", "get_text"]
