"""The encoder's token-budget batches: every text once, longest first, within the budget, and
the same vectors as one plain model call."""

from __future__ import annotations

import numpy as np

from embeddings import MiniLMEncoder
from embeddings.encoder import estimated_tokens, length_batches
from embeddings.model import load_model


def test_batches_cover_every_text_once_longest_first_within_the_budget() -> None:
    texts = ["word"] * 150 + ["a sentence of middling length, about twenty tokens long " * 2] * 40 + ["x" * 2000] * 9
    batches = length_batches(texts, budget=1024, max_batch=64)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(texts)))
    lengths = [len(texts[i]) for i in flat]
    assert lengths == sorted(lengths, reverse=True)
    for batch in batches:
        assert len(batch) <= 64
        assert len(batch) * estimated_tokens(texts[batch[0]]) <= 1024
    # 256-token texts go four at a time (the ninth shares its batch with shorter ones, padded
    # to its length); one-word texts fill whole batches of 64.
    assert [len(b) for b in batches][:3] == [4, 4, 4]
    assert [len(b) for b in length_batches(["word"] * 150, budget=1024, max_batch=64)] == [64, 64, 22]


def test_a_text_longer_than_the_budget_goes_alone() -> None:
    assert length_batches(["y" * 5000, "z" * 4000, "w"], budget=100) == [[0], [1], [2]]
    assert length_batches([], budget=100) == []


def test_budget_batches_give_the_vectors_of_one_plain_model_call() -> None:
    texts = [f"Evidence sentence {i} about " + "data pipelines and their owners " * (i % 9) for i in range(120)]
    texts += ["pipeline", "owner", "lineage"]
    plain = load_model().encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)
    vectors = MiniLMEncoder().encode(texts)
    assert vectors.shape == (123, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, plain, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
