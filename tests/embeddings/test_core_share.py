"""The worker's encoder leaves other processes the cores they use, and still encodes the same."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest

from embeddings import MiniLMEncoder
from embeddings.threads import CoreShare


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.fixture
def busy_process() -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it start spinning
        yield
    finally:
        proc.kill()
        proc.wait()


def test_a_busy_process_beside_it_takes_a_thread_away(busy_process: None) -> None:
    share = CoreShare(8)
    time.sleep(0.5)
    assert share.threads() <= 7


def test_its_own_work_does_not_count_as_load() -> None:
    share = CoreShare(8)
    _spin(0.5)
    # One core of its own spinning; only others (below 1.5 cores of background) could lower it.
    assert share.threads() >= 7


def test_never_below_one_thread(busy_process: None) -> None:
    share = CoreShare(1)
    time.sleep(0.3)
    assert share.threads() == 1


def test_sharing_cores_encodes_the_same_vectors_in_the_same_order() -> None:
    import torch

    threads = torch.get_num_threads()
    texts = [f"Evidence sentence number {i} about " + "data pipelines " * (i % 7) for i in range(150)]
    plain = MiniLMEncoder().encode(texts)
    shared = MiniLMEncoder()
    shared.share_cores()
    try:
        vectors = shared.encode(texts)
    finally:
        torch.set_num_threads(threads)
    assert vectors.shape == plain.shape == (150, 384)
    np.testing.assert_allclose(vectors, plain, atol=1e-5)
