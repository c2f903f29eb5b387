"""The one place that loads the sentence-transformers model.

Nothing heavy happens at import: torch and sentence-transformers are imported on the first
call to :func:`load_model` (or :func:`default_encoder`), once per process.
"""

from embeddings.encoder import CachedEncoder, Encoder, MiniLMEncoder, content_hash, default_encoder
from embeddings.model import EMBEDDING_DIM, MODEL_NAME, MODEL_VERSION, load_model, model_path

__all__ = [
    "EMBEDDING_DIM",
    "MODEL_NAME",
    "MODEL_VERSION",
    "CachedEncoder",
    "Encoder",
    "MiniLMEncoder",
    "content_hash",
    "default_encoder",
    "load_model",
    "model_path",
]
