"""irnlp: an NLP pipeline for analytical reports on international relations."""

__version__ = "0.1.0"
