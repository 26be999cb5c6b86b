"""irnlp: an NLP pipeline for analytical reports on international relations.

Layout (imports only point down this list; ``lint-imports`` checks it, see pyproject.toml):

- ``cli`` (the ``irnlp`` command) → ``runner`` (builds and runs a config; ``load_config``) →
  ``executors`` (local, processes, Dask) and ``resume`` (reusing an earlier run's records);
- ``stages/``: one module (or package) a stage, the ``Stage`` base class and the table of built-in
  factories (``stages/factories.py``);
- ``writers/`` (the outputs of ``write``), ``textcat/`` (topic/stance features, lexicon, models,
  training), ``evaluation/`` (scoring against gold); ``formats/`` (validation, annotation-tool round trip);
- ``nlp/``: the one place that builds spaCy pipelines (loading, sentence boundaries, entity components);
- ``registry`` (factory names) → ``config`` (the TOML config; a leaf that imports no stage) →
  ``io``, ``document`` (the data model that flows through the stages) → ``contacts`` → ``errors``.
"""

__version__ = "0.1.0"
