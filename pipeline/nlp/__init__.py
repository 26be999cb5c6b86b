"""The one place that builds spaCy pipelines.

- :mod:`pipeline.nlp.load`: the model loaded once per process (``load_nlp``), the shared
  pipeline with the boundary component (``get_nlp``), sentence spans of a Doc (``sentences_of``);
- :mod:`pipeline.nlp.boundaries`: the sentence-boundary component of the guidelines;
- :mod:`pipeline.nlp.patterns`: entity pattern files and word lists;
- :mod:`pipeline.nlp.entities`: the entity components around spaCy's NER (``get_ner_nlp``).
"""
