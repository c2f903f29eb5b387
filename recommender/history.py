"""What learners with similar histories earned next: item-item co-occurrence and transitions.

Fitted from learners' histories (badge ids, oldest first). Two sparse item x item matrices:

- ``similar``: how much holding i predicts holding j. Up to ``EASE_MAX_ITEMS`` items it is
  EASE (Steck, WWW 2019: the closed-form ridge regression of each item's column on all the
  others, ``B = I - P / diag(P)`` with ``P = (X'X + lambda I)^-1``), which on coco-udemy
  beats cosine co-occurrence by ~30% NDCG@10 (benchmarks/recommend_quality.py). The inverse is
  dense (n^2 floats, n^3 time: ~30 s and 0.3 GB at 8k items), so larger catalogues fall back
  to co-occurrence within a history (order ignored), normalised as
  ``c(i, j) / (n_i^alpha * n_j^(1 - alpha))`` — cosine at alpha 0.5;
- ``following``: i earned *before* j, weighted ``decay^(gap - 1)`` by the number of steps
  between them, normalised the same way — "learners who earned X often earn this next".

Each row keeps its ``neighbours`` strongest entries so memory stays linear in the catalogue.
Scoring a learner reads only the rows of the badges they hold (sparse), never a dense matrix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.errors import ModelFormatError

FORMAT = 1
# Dense EASE up to this many distinct items in the histories (float32: n^2 * 4 B, ~0.6 GB at 12k).
EASE_MAX_ITEMS = 12_000
EASE_LAMBDA = 80.0


@dataclass(frozen=True)
class HistoryScores:
    """Per-candidate collaborative scores for one learner, with the strongest source item."""

    rows: np.ndarray  # item rows (positions in CoOccurrence.ids)
    similar: np.ndarray
    following: np.ndarray
    because: np.ndarray  # row of the held item that contributed most to `following`+`similar`


class CoOccurrence:
    """Item-item co-occurrence and transition model fitted on learner histories."""

    def __init__(
        self,
        ids: list[str],
        popularity: np.ndarray,
        similar: Any,
        following: Any,
        method: str = "cosine",
    ) -> None:
        self.method = method
        self.ids = ids
        self.popularity = popularity
        # float32 weights: half the memory (31.7M stored pairs at 100k badges / 1M learners)
        self.similar = similar.tocsr().astype(np.float32)
        self.following = following.tocsr().astype(np.float32)
        self._positions = {item: row for row, item in enumerate(ids)}
        self._popular: list[str] = []
        top = float(np.log1p(popularity.max(initial=0.0)))
        scaled = np.log1p(popularity) / top if top > 0 else np.zeros(len(ids))
        # log-scaled popularity in [0, 1]: the cold-start and tie-breaking signal
        self.popularity_score: dict[str, float] = dict(zip(ids, scaled.tolist(), strict=True))

    def position(self, item_id: str) -> int | None:
        """Return the row of ``item_id``, or None if no history contained it."""
        return self._positions.get(item_id)

    @classmethod
    def fit(
        cls,
        histories: Iterable[Sequence[str]],
        *,
        method: str = "auto",
        ease_lambda: float = EASE_LAMBDA,
        alpha: float = 0.5,
        decay: float = 0.8,
        window: int = 50,
        neighbours: int = 300,
    ) -> CoOccurrence:
        """Fit the model on histories (ids oldest first; repeats within one history dropped).

        ``method`` is "ease", "cosine" or "auto" (EASE up to ``EASE_MAX_ITEMS`` items).
        ``window`` caps the distance between two items counted as a pair (long histories
        would otherwise cost quadratic time). Raises ValueError on a bad parameter.
        """
        if not 0.0 <= alpha <= 1.0 or not 0.0 < decay <= 1.0 or window < 1 or neighbours < 1:
            raise ValueError("alpha in [0, 1], decay in (0, 1], window and neighbours >= 1")
        if method not in ("auto", "ease", "cosine") or ease_lambda <= 0:
            raise ValueError("method must be auto, ease or cosine; ease_lambda > 0")
        positions: dict[str, int] = {}
        flat: list[int] = []
        owner: list[int] = []
        for learner, history in enumerate(histories):
            seen: set[str] = set()
            for item in history:
                if item in seen:
                    continue
                seen.add(item)
                flat.append(positions.setdefault(str(item), len(positions)))
                owner.append(learner)
        return cls.fit_arrays(
            list(positions),
            np.asarray(flat, dtype=np.int64),
            np.asarray(owner, dtype=np.int64),
            method=method,
            ease_lambda=ease_lambda,
            alpha=alpha,
            decay=decay,
            window=window,
            neighbours=neighbours,
        )

    @classmethod
    def fit_arrays(
        cls,
        ids: list[str],
        items: np.ndarray,
        users: np.ndarray,
        *,
        method: str = "auto",
        ease_lambda: float = EASE_LAMBDA,
        alpha: float = 0.5,
        decay: float = 0.8,
        window: int = 50,
        neighbours: int = 300,
    ) -> CoOccurrence:
        """Fit from integer arrays: ``items[e]`` (a row of ``ids``) was earned by ``users[e]``.

        Events must be grouped by user, oldest first within a user, and a user's repeats
        already dropped — how a service streams awards ordered by (learner, awarded_at)
        without building a string per award. Raises ValueError on a bad parameter or array.
        """
        if not 0.0 <= alpha <= 1.0 or not 0.0 < decay <= 1.0 or window < 1 or neighbours < 1:
            raise ValueError("alpha in [0, 1], decay in (0, 1], window and neighbours >= 1")
        if method not in ("auto", "ease", "cosine") or ease_lambda <= 0:
            raise ValueError("method must be auto, ease or cosine; ease_lambda > 0")
        n = len(ids)
        items = np.asarray(items, dtype=np.int64)
        users = np.asarray(users, dtype=np.int64)
        if items.shape != users.shape or (items.size and (items.min() < 0 or items.max() >= n)):
            raise ValueError("items and users must be equal-length arrays of rows into ids")
        if users.size > 1 and np.any(np.diff(users) < 0):
            raise ValueError("events must be grouped by user (users non-decreasing)")
        popularity = np.bincount(items, minlength=n).astype(np.float64)
        before_parts, after_parts, gap_parts = [], [], []
        for gap in range(1, window + 1):
            if gap >= len(items):
                break
            same = users[:-gap] == users[gap:]
            if not same.any():
                break
            before_parts.append(items[:-gap][same])
            after_parts.append(items[gap:][same])
            gap_parts.append(np.full(int(same.sum()), gap, dtype=np.int64))
        before = np.concatenate(before_parts) if before_parts else np.zeros(0, np.int64)
        after = np.concatenate(after_parts) if after_parts else np.zeros(0, np.int64)
        gaps = np.concatenate(gap_parts) if gap_parts else np.zeros(0, np.int64)
        weights = decay ** (gaps - 1).astype(np.float64)
        following = sp.coo_matrix((weights, (before, after)), shape=(n, n)).tocsr()
        following = _top_per_row(_normalise(following, popularity, alpha), neighbours)
        if method == "ease" or (method == "auto" and 0 < n <= EASE_MAX_ITEMS):
            holdings = sp.csr_matrix(
                (np.ones(len(items), np.float32), (users, items)),
                shape=(int(users.max(initial=-1)) + 1, n),
            )
            similar = _ease(holdings, ease_lambda, neighbours)
            return cls(ids, popularity, similar, following, "ease")
        ones = np.ones(len(before), dtype=np.float64)
        pair = sp.coo_matrix((ones, (before, after)), shape=(n, n)).tocsr()
        similar = _top_per_row(_normalise(pair + pair.T, popularity, alpha), neighbours)
        return cls(ids, popularity, similar, following, "cosine")

    def scores(self, history: Sequence[str], *, decay: float = 0.8, limit: int = 300) -> HistoryScores:
        """Score items for a learner holding ``history`` (oldest first); best ``limit`` kept.

        The most recent item weighs 1, the one before ``decay``, and so on. Items not seen in
        training are ignored. Held items themselves are not removed here (ranking does that).
        """
        rows, weights = [], []
        for back, item in enumerate(reversed(history)):
            row = self._positions.get(item)
            if row is not None:
                rows.append(row)
                weights.append(decay**back)
        sim_src, sim_item, sim_val = _gather(self.similar, rows, weights)
        fol_src, fol_item, fol_val = _gather(self.following, rows, weights)
        items = np.concatenate([sim_item, fol_item])
        if items.size == 0:
            empty = np.zeros(0)
            return HistoryScores(np.zeros(0, np.int64), empty, empty, np.zeros(0, np.int64))
        # Sparse accumulation: only the held items' neighbour lists are read, never n floats.
        candidates, slot = np.unique(items, return_inverse=True)
        split = len(sim_item)
        similar = np.bincount(slot[:split], weights=sim_val, minlength=len(candidates))
        following = np.bincount(slot[split:], weights=fol_val, minlength=len(candidates))
        sources = np.concatenate([sim_src, fol_src])
        values = np.concatenate([sim_val, fol_val])
        order = np.lexsort((-values, slot))
        first = np.ones(len(order), dtype=bool)
        first[1:] = slot[order][1:] != slot[order][:-1]
        because = sources[order][first]
        keep = np.union1d(_top(similar, limit), _top(following, limit))
        keep = keep[np.argsort(-(similar[keep] + following[keep]), kind="stable")]
        return HistoryScores(candidates[keep], similar[keep], following[keep], because[keep])

    def most_popular(self, limit: int) -> list[str]:
        """Return the ``limit`` most frequent items in the training histories."""
        limit = min(limit, len(self.ids))
        if limit <= 0:
            return []
        if limit > len(self._popular):
            # computed once per size bucket: a request must not sort the whole catalogue
            size = min(len(self.ids), max(limit, 1000))
            top = np.argpartition(-self.popularity, size - 1)[:size]
            top = top[np.argsort(-self.popularity[top], kind="stable")]
            self._popular = [self.ids[i] for i in top]
        return self._popular[:limit]

    def save(self, path: Path) -> None:
        """Write the model to an uncompressed ``.npz`` at ``path`` (fast at 100k badges, unlike JSON)."""
        arrays: dict[str, Any] = {"format": np.array(FORMAT), "method": np.array(self.method)}
        arrays["ids"] = np.array(self.ids, dtype=object).astype(str)
        arrays["popularity"] = self.popularity
        for name in ("similar", "following"):
            matrix = getattr(self, name)
            arrays[f"{name}_indptr"] = matrix.indptr
            arrays[f"{name}_indices"] = matrix.indices
            arrays[f"{name}_data"] = matrix.data
        tmp = Path(path).with_name(Path(path).name + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> CoOccurrence:
        """Read a model written by :meth:`save`; raises ModelFormatError if it is unreadable."""
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != FORMAT:
                    raise ValueError(f"unsupported format {int(data['format'])}")
                ids = [str(i) for i in data["ids"].tolist()]
                n = len(ids)
                parts = {
                    name: sp.csr_matrix(
                        (data[f"{name}_data"], data[f"{name}_indices"], data[f"{name}_indptr"]),
                        shape=(n, n),
                    )
                    for name in ("similar", "following")
                }
                return cls(ids, data["popularity"], parts["similar"], parts["following"], str(data["method"]))
        except (OSError, ValueError, KeyError) as exc:
            raise ModelFormatError(f"cannot read co-occurrence model {path}: {exc}") from exc

    def to_json(self) -> str:
        """Serialise the fitted model to a JSON string."""
        return json.dumps(
            {
                "format": FORMAT,
                "method": self.method,
                "ids": self.ids,
                "popularity": self.popularity.tolist(),
                "similar": _csr_to_dict(self.similar),
                "following": _csr_to_dict(self.following),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> CoOccurrence:
        """Load a model written by :meth:`to_json`; raises ModelFormatError if malformed."""
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"unsupported format {data.get('format')!r}")
            ids = [str(i) for i in data["ids"]]
            n = len(ids)
            return cls(
                ids,
                np.asarray(data["popularity"], dtype=np.float64),
                _csr_from_dict(data["similar"], n),
                _csr_from_dict(data["following"], n),
                str(data.get("method", "cosine")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelFormatError(f"cannot read co-occurrence model: {exc}") from exc


def _gather(matrix: Any, rows: list[int], weights: list[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (source row, item, weighted value) for every stored entry of ``rows``."""
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    indptr = matrix.indptr
    starts, ends = indptr[rows], indptr[np.asarray(rows) + 1]
    lengths = ends - starts
    positions = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
    sources = np.repeat(np.asarray(rows, dtype=np.int64), lengths)
    values = matrix.data[positions] * np.repeat(np.asarray(weights), lengths)
    return sources, matrix.indices[positions].astype(np.int64), values


def _top(values: np.ndarray, limit: int) -> np.ndarray:
    """Return the indices of the ``limit`` largest positive ``values`` (unordered)."""
    positive = np.flatnonzero(values > 0)
    if len(positive) <= limit:
        return positive
    return positive[np.argpartition(-values[positive], limit - 1)[:limit]]


def _ease(holdings: Any, ease_lambda: float, keep: int) -> Any:
    """Return EASE item weights, each row cut to its ``keep`` largest positive entries."""
    n = holdings.shape[1]
    gram = (holdings.T @ holdings).toarray().astype(np.float32)
    gram[np.diag_indices(n)] += np.float32(ease_lambda)
    inverse = np.linalg.inv(gram)
    del gram
    weights = -inverse / np.diag(inverse)[None, :]
    del inverse
    weights[np.diag_indices(n)] = 0.0
    keep = min(keep, max(1, n - 1))
    rows, cols, vals = [], [], []
    for start in range(0, n, 1024):  # chunks bound the temporary index arrays
        block = weights[start : start + 1024]
        top = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
        top_vals = np.take_along_axis(block, top, axis=1)
        positive = top_vals > 0
        rows.append(np.nonzero(positive)[0] + start)
        cols.append(top[positive])
        vals.append(top_vals[positive])
    return sp.csr_matrix(
        (np.concatenate(vals).astype(np.float64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )


def _normalise(counts: Any, popularity: np.ndarray, alpha: float) -> Any:
    safe = np.where(popularity > 0, popularity, 1.0)
    left = sp.diags(safe**-alpha)
    right = sp.diags(safe ** -(1.0 - alpha))
    return (left @ counts @ right).tocsr()


def _top_per_row(matrix: Any, keep: int) -> Any:
    """Keep each row's ``keep`` largest entries (ties broken arbitrarily)."""
    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    lengths = np.diff(matrix.indptr)
    if lengths.size == 0 or lengths.max() <= keep:
        return matrix
    data, indices = matrix.data, matrix.indices
    mask = np.ones(len(data), dtype=bool)
    for row in np.flatnonzero(lengths > keep):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        drop = np.argpartition(-data[start:end], keep - 1)[keep:]
        mask[start + drop] = False
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)[mask]
    return sp.csr_matrix((data[mask], (rows, indices[mask])), shape=matrix.shape)


def _csr_to_dict(matrix: Any) -> dict[str, list[Any]]:
    return {
        "indptr": matrix.indptr.tolist(),
        "indices": matrix.indices.tolist(),
        "data": matrix.data.tolist(),
    }


def _csr_from_dict(data: dict[str, list[Any]], n: int) -> Any:
    return sp.csr_matrix(
        (
            np.asarray(data["data"], dtype=np.float64),
            np.asarray(data["indices"], dtype=np.int64),
            np.asarray(data["indptr"], dtype=np.int64),
        ),
        shape=(n, n),
    )
