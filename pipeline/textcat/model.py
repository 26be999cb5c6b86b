"""Saving, loading and applying the trained models (skops; only trusted types are loaded).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from sklearn.pipeline import Pipeline

from pipeline.errors import ModelError
from pipeline.textcat.features import EmbeddingFeatures, Unit


# --- saving and loading with skops: only trusted types are loaded ---------------------------------
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "pipeline.textcat.", "collections.")


def save_model(model: Pipeline, path: Path) -> None:
    import skops.io as sio

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    # skops stores vocabularies verbosely (54 MB for one model); deflate brings it to ~2 MB.
    sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    tmp.replace(path)


def load_model(path: str | Path, labels: Iterable[str]) -> Pipeline:
    """Load a skops model, refusing any type outside scikit-learn, numpy, scipy and this module.

    Raises:
        ModelError: missing or corrupt file, untrusted types, or a label set other than ``labels``.
    """
    import skops.io as sio

    path = Path(path)
    fix = "retrain it with `irnlp train config/train.toml`"
    if not path.exists():
        raise ModelError(f"{path}: model file not found; {fix}, or use factory = \"lexicon.v1\"")
    try:
        untrusted = sio.get_untrusted_types(file=path)
        bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if bad:
            raise ModelError(f"{path}: model holds untrusted types {bad}; it will not be loaded. {fix}")
        model = sio.load(path, trusted=untrusted)
    except ModelError:
        raise
    except Exception as e:  # skops raises many kinds on a corrupt or foreign file
        raise ModelError(f"{path}: cannot load model ({type(e).__name__}: {e}); {fix}") from None
    got = [str(c) for c in getattr(model, "classes_", [])]
    if sorted(got) != sorted(labels):
        raise ModelError(f"{path}: model labels {got} differ from the expected {sorted(labels)}; {fix}")
    _load_encoders(model)
    return model


def _load_encoders(model: Pipeline) -> None:
    """Load the sentence encoder of a model that uses one now, so that a missing optional extra is one
    error at start-up (ModelError naming the install command), not a failure on every report."""
    union = getattr(model, "named_steps", {}).get("features")
    for _, part in getattr(union, "transformer_list", []):
        if isinstance(part, EmbeddingFeatures):
            part._encoder()


def read_meta(path: str | Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: cannot read model metadata ({e}); retrain with `irnlp train config/train.toml`") from None


def predict_proba(model: Pipeline, units: list[Unit]) -> tuple[list[str], np.ndarray]:
    """Return ``(classes, probabilities)`` with shape ``(len(units), len(classes))``."""
    if not units:
        return [str(c) for c in model.classes_], np.zeros((0, len(model.classes_)))
    return [str(c) for c in model.classes_], model.predict_proba(units)
