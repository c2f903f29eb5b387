"""Review metrics and near-identical grouping: the arithmetic, on hand-made data."""

from __future__ import annotations

import numpy as np
import pytest

from service.operations.review_groups import cluster
from service.operations.review_metrics import auroc


def test_auroc_counts_pairs_and_ties() -> None:
    assert auroc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.9, 0.3, 0.6], [True, True, False]) == pytest.approx(0.5)
    assert auroc([0.9], [True]) is None


def _unit(v: np.ndarray) -> bytes:
    return (v / np.linalg.norm(v)).astype(np.float32).tobytes()


def test_cluster_groups_near_identical_vectors_greedily() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=384), rng.normal(size=384)
    vectors = [_unit(a), _unit(b), _unit(a + 0.05 * rng.normal(size=384)), _unit(b + 0.05 * rng.normal(size=384)),
               _unit(rng.normal(size=384)), _unit(a + 0.05 * rng.normal(size=384))]
    assert cluster(vectors) == [[0, 2, 5], [1, 3], [4]]
    assert cluster(vectors, threshold=1.01) == [[i] for i in range(6)]
    assert cluster([]) == []


def test_cluster_refuses_vectors_of_different_sizes() -> None:
    with pytest.raises(ValueError, match="different sizes"):
        cluster([np.ones(4, dtype=np.float32).tobytes(), np.ones(8, dtype=np.float32).tobytes()])
