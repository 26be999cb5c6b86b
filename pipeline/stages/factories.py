"""The built-in stage factories, in one table (as spaCy's ``pipeline/factories.py``).

Importing this module registers them; the runner and the executors import it
before they resolve a config. A user's own stage is registered the same way:
``pipeline.registry.register("mystage.v1")(MyStage)``.
"""

from __future__ import annotations

from pipeline.registry import register
from pipeline.stages.classify import LexiconClassifier, SklearnClassifier
from pipeline.stages.clean import Clean
from pipeline.stages.ingest import Ingest
from pipeline.stages.language import Language
from pipeline.stages.ner import Ner
from pipeline.stages.repair import Repair
from pipeline.stages.segment import Segment
from pipeline.stages.write import Write

BUILTIN = (
    ("ingest.v1", Ingest),
    ("repair.v1", Repair),
    ("clean.v1", Clean),
    ("language.v1", Language),
    ("segment.v1", Segment),
    ("ner.v1", Ner),
    ("lexicon.v1", LexiconClassifier),
    ("classify.v1", LexiconClassifier),  # the default name of the classify stage: the lexicon baseline
    ("sklearn.v1", SklearnClassifier),
    ("write.v1", Write),
)

for _name, _cls in BUILTIN:
    register(_name)(_cls)
