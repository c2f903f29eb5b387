"""Encoders: text in, L2-normalised float32 vectors out, with a content-hash cache."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from embeddings.model import EMBEDDING_DIM, MAX_SEQ_TOKENS, MODEL_VERSION, load_model
from embeddings.threads import CoreShare

# Texts go to the model longest first, in batches of at most TOKEN_BUDGET padded tokens (and
# at most MAX_BATCH texts). On CPU a fixed batch size suits no length: evidence chunks of
# 64-256 tokens run fastest about 8 at a time, one-word texts 64 at a time. On the texts of a
# 500-submission burst this encodes 1.28x faster than batches of 32 on 2 threads, 1.26x on 1
# (benchmarks/encode_batching.py).
TOKEN_BUDGET = 1024
MAX_BATCH = 64
CHARS_PER_TOKEN = 4  # WordPiece on English prose; only used to size batches


def estimated_tokens(text: str) -> int:
    """About how many tokens the model sees for ``text`` ([CLS] and [SEP] included)."""
    return min(MAX_SEQ_TOKENS, len(text) // CHARS_PER_TOKEN + 2)


def length_batches(texts: Sequence[str], *, budget: int = TOKEN_BUDGET, max_batch: int = MAX_BATCH) -> list[list[int]]:
    """Indices of ``texts``, longest first, cut into batches whose padded size (texts times the
    longest one's tokens) stays within ``budget``; a text longer than the budget goes alone."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # Longest first: the batch's padded length is its first text's.
        longest = estimated_tokens(texts[current[0]]) if current else estimated_tokens(texts[i])
        if current and (len(current) >= max_batch or (len(current) + 1) * longest > budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


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

    def __init__(self, token_budget: int = TOKEN_BUDGET, threads: int | None = None, *,
                 max_batch: int = MAX_BATCH) -> None:
        self.token_budget = token_budget
        self.max_batch = max_batch
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
        """Encode ``texts`` in length-sorted batches of about ``token_budget`` padded tokens.

        With core sharing on, the thread count is read again before each batch (a batch is a
        fraction of a second), so it follows the host's load within one large call.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch in length_batches(texts, budget=self.token_budget, max_batch=self.max_batch):
            if self._share is not None:
                import torch

                torch.set_num_threads(self._share.threads())
            out[batch] = self._encode([texts[i] for i in batch])
        return out

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            texts,
            batch_size=len(texts),
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
