"""Encoders: text in, L2-normalised float32 vectors out, with a content-hash cache."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from embeddings.model import EMBEDDING_DIM, MODEL_VERSION, load_model
from embeddings.threads import CoreShare

# With core sharing on, texts go to the model this many batches at a time, so the thread
# count can follow the host's load within one large call.
BATCHES_PER_GROUP = 2


def content_hash(text: str) -> str:
    """Return the hex SHA-256 of ``text`` (UTF-8): the cache key for its vector."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Encoder(Protocol):
    """Anything that turns texts into unit vectors of one fixed dimension."""

    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows of unit length."""
        ...


class MiniLMEncoder:
    """The packaged all-MiniLM-L6-v2 model, batched and normalised."""

    version = MODEL_VERSION
    dim = EMBEDDING_DIM

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self._model = load_model(threads)
        self._share: CoreShare | None = None

    def share_cores(self) -> None:
        """From now on, use only the cores other processes on the host leave free.

        For a process with one encoding thread (the worker): torch's thread count is
        process-wide, so request threads encoding at once would fight over it.
        """
        import torch

        self._share = CoreShare(torch.get_num_threads())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts`` (sentence-transformers sorts them by length into batches)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._share is None:
            return self._encode(list(texts))
        import torch

        # Sorted once by length, as one model call would be, then a few batches at a time
        # with the thread count read before each group.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * BATCHES_PER_GROUP
        for start in range(0, len(order), step):
            group = order[start:start + step]
            torch.set_num_threads(self._share.threads())
            out[group] = self._encode([texts[i] for i in group])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


class CachedEncoder:
    """Wraps an encoder with an in-process LRU cache keyed by content hash.

    Only texts not seen before reach the model, and all of them in one call, so a batch of
    submissions that share rubric text pays for it once.
    """

    def __init__(self, inner: Encoder, max_items: int = 50_000) -> None:
        self.inner = inner
        self.version = inner.version
        self.dim = inner.dim
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts``, computing only the ones missing from the cache."""
        keys = [content_hash(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, str] = {}
        with self._lock:
            for i, key in enumerate(keys):
                vec = self._cache.get(key)
                if vec is None:
                    missing.setdefault(key, texts[i])
                else:
                    self._cache.move_to_end(key)
                    out[i] = vec
        if missing:
            fresh = self.inner.encode(list(missing.values()))
            with self._lock:
                for key, vec in zip(missing, fresh, strict=True):
                    self._cache[key] = vec
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
            by_key = dict(zip(missing, fresh, strict=True))
            for i, key in enumerate(keys):
                if key in by_key:
                    out[i] = by_key[key]
        return out


_default: CachedEncoder | None = None
_default_lock = threading.Lock()


def default_encoder() -> CachedEncoder:
    """Return this process's shared, cached MiniLM encoder (loading the model on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = CachedEncoder(MiniLMEncoder())
        return _default
