"""Stages: one module each. Every stage maps ``Iterable[Document] -> Iterator[Document]``."""
