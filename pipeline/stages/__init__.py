"""Stages: one module (``clean``: one package) each. Every stage maps ``Iterable[Document] -> Iterator[Document]``.

``base.py`` holds the ``Stage`` class and the run ``Context``; ``factories.py`` registers the built-in
stages under their factory names (``ingest.v1`` …). A stage never imports another stage: what two
stages share lives below them (``pipeline.nlp``, ``pipeline.textcat``, ``pipeline.document``).
"""
