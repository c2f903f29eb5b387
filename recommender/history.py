"""What learners with similar histories earned next: item-item co-occurrence and transitions.

Fitted from learners' histories (badge ids, oldest first). Two sparse item x item matrices:

- ``similar``: co-occurrence within a history (order ignored), normalised as
  ``c(i, j) / (n_i^alpha * n_j^(1 - alpha))`` — cosine at alpha 0.5; a larger alpha lets
  popular targets through, a smaller one favours niche ones;
- ``following``: i earned *before* j, weighted ``decay^(gap - 1)`` by the number of steps
  between them, normalised the same way — "learners who earned X often earn this next".

Each row keeps its ``neighbours`` strongest entries so memory stays linear in the catalogue.
Scoring a learner reads only the rows of the badges they hold (sparse), never a dense matrix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.errors import ModelFormatError

FORMAT = 1


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
        self, ids: list[str], popularity: np.ndarray, similar: Any, following: Any
    ) -> None:
        self.ids = ids
        self.popularity = popularity
        self.similar = similar.tocsr()
        self.following = following.tocsr()
        self._positions = {item: row for row, item in enumerate(ids)}

    def position(self, item_id: str) -> int | None:
        """Return the row of ``item_id``, or None if no history contained it."""
        return self._positions.get(item_id)

    @classmethod
    def fit(
        cls,
        histories: Iterable[Sequence[str]],
        *,
        alpha: float = 0.5,
        decay: float = 0.8,
        window: int = 50,
        neighbours: int = 200,
    ) -> CoOccurrence:
        """Fit the model on histories (ids oldest first; repeats within one history dropped).

        ``window`` caps the distance between two items counted as a pair (long histories
        would otherwise cost quadratic time). Raises ValueError on a bad parameter.
        """
        if not 0.0 <= alpha <= 1.0 or not 0.0 < decay <= 1.0 or window < 1 or neighbours < 1:
            raise ValueError("alpha in [0, 1], decay in (0, 1], window and neighbours >= 1")
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
        ids = list(positions)
        n = len(ids)
        items = np.asarray(flat, dtype=np.int64)
        users = np.asarray(owner, dtype=np.int64)
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
        ones = np.ones(len(before), dtype=np.float64)
        pair = sp.coo_matrix((ones, (before, after)), shape=(n, n)).tocsr()
        similar = pair + pair.T
        weights = decay ** (gaps - 1).astype(np.float64)
        following = sp.coo_matrix((weights, (before, after)), shape=(n, n)).tocsr()
        return cls(
            ids,
            popularity,
            _top_per_row(_normalise(similar, popularity, alpha), neighbours),
            _top_per_row(_normalise(following, popularity, alpha), neighbours),
        )

    def scores(
        self, history: Sequence[str], *, decay: float = 0.8, limit: int = 300
    ) -> HistoryScores:
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
        empty = np.zeros(0)
        if not rows:
            return HistoryScores(np.zeros(0, np.int64), empty, empty, np.zeros(0, np.int64))
        held = sp.csr_matrix(
            (np.asarray(weights), (np.zeros(len(rows), np.int64), np.asarray(rows))),
            shape=(1, len(self.ids)),
        )
        sim_part = self.similar[rows].multiply(np.asarray(weights)[:, None]).tocsc()
        fol_part = self.following[rows].multiply(np.asarray(weights)[:, None]).tocsc()
        similar = np.asarray((held @ self.similar).todense()).ravel()
        following = np.asarray((held @ self.following).todense()).ravel()
        total = similar + following
        candidates = np.flatnonzero(total)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-total[candidates], limit - 1)[:limit]]
        candidates = candidates[np.argsort(-total[candidates], kind="stable")]
        contribution = (sim_part[:, candidates] + fol_part[:, candidates]).toarray()
        because = np.asarray(rows)[np.argmax(contribution, axis=0)]
        return HistoryScores(candidates, similar[candidates], following[candidates], because)

    def most_popular(self, limit: int) -> list[str]:
        """Return the ``limit`` most frequent items in the training histories."""
        limit = min(limit, len(self.ids))
        if limit <= 0:
            return []
        top = np.argpartition(-self.popularity, limit - 1)[:limit]
        top = top[np.argsort(-self.popularity[top], kind="stable")]
        return [self.ids[i] for i in top]

    def to_json(self) -> str:
        """Serialise the fitted model to a JSON string."""
        return json.dumps(
            {
                "format": FORMAT,
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
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelFormatError(f"cannot read co-occurrence model: {exc}") from exc


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
