"""A versioned FAISS index over badge vectors, saved as a snapshot that replicas load.

The index is built from (badge id, vector) pairs. Its ``version`` is a content hash of the ids,
the vectors and the embedding model version, so two builds from the same data agree and a
replica can tell whether the snapshot on disk is newer than the one it serves.

Small catalogues are searched exactly (a numpy matvec is faster than faiss's flat scan on a
single query); from ``APPROXIMATE_FROM`` badges on an HNSW graph is built. faiss is imported
lazily so that importing this module costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recommender.errors import IndexFormatError

# Below this many badges an exact scan takes < 2 ms on one core: no graph needed.
APPROXIMATE_FROM = 20_000
# HNSW parameters chosen by benchmarks/recommend_speed.py at 100k badges (see README).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
SIDECAR_FORMAT = 1


def configure_threads(threads: int) -> None:
    """Cap faiss's OpenMP and numpy's BLAS threads for this process (web workers: 1).

    A single-query search gains nothing from a second thread, and on a busy host a waiting
    BLAS thread turns a 0.15 ms matvec into a 15 ms one (measured on the shared dev box).
    """
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(max(1, threads))
    threadpool_limits(limits=max(1, threads), user_api="blas")


def content_version(ids: Sequence[str], vectors: np.ndarray, model_version: str) -> str:
    """Return the content hash (hex, 20 chars) of ``ids``, ``vectors`` and ``model_version``."""
    digest = hashlib.sha256()
    digest.update(model_version.encode("utf-8"))
    digest.update(b"\0")
    digest.update("\n".join(ids).encode("utf-8"))
    digest.update(b"\0")
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()[:20]


def _normalised(vectors: np.ndarray) -> np.ndarray:
    arr = np.array(vectors, dtype=np.float32, copy=True)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"vectors must be a non-empty 2-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("vectors contain NaN or infinity")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    arr /= norms
    return arr


class BadgeIndex:
    """Badge vectors in a FAISS index, with the id mapping and a content version."""

    def __init__(self, ids: list[str], index: Any, *, version: str, model_version: str, kind: str) -> None:
        self.ids = ids
        self.version = version
        self.model_version = model_version
        self.kind = kind
        self.ef_search = HNSW_EF_SEARCH
        self._index = index
        self._positions = {badge_id: row for row, badge_id in enumerate(ids)}
        self._matrix = self._vector_view()

    @property
    def dim(self) -> int:
        """Return the vector dimension."""
        return int(self._index.d)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, badge_id: object) -> bool:
        return badge_id in self._positions

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        model_version: str,
        approximate: bool | None = None,
        hnsw_m: int = HNSW_M,
        ef_construction: int = HNSW_EF_CONSTRUCTION,
    ) -> BadgeIndex:
        """Build an index from ids and their vectors (rows are L2-normalised on the way in).

        ``approximate`` forces HNSW (True) or exact search (False); by default HNSW is used from
        ``APPROXIMATE_FROM`` badges. Raises ValueError on empty, mismatched, duplicate or
        non-finite input.
        """
        import faiss

        id_list = [str(i) for i in ids]
        matrix = _normalised(vectors)
        if len(id_list) != matrix.shape[0]:
            raise ValueError(f"{len(id_list)} ids but {matrix.shape[0]} vectors")
        if len(set(id_list)) != len(id_list):
            raise ValueError("badge ids must be unique")
        use_hnsw = len(id_list) >= APPROXIMATE_FROM if approximate is None else approximate
        dim = matrix.shape[1]
        index: Any
        if use_hnsw:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            kind = "hnsw"
        else:
            index = faiss.IndexFlatIP(dim)
            kind = "flat"
        index.add(matrix)
        version = content_version(id_list, matrix, model_version)
        return cls(id_list, index, version=version, model_version=model_version, kind=kind)

    def _vector_view(self) -> np.ndarray:
        """Return a zero-copy (n, d) view of the vectors stored inside the faiss index."""
        import faiss

        flat: Any = self._index
        if self.kind != "flat":
            flat = faiss.downcast_index(self._index.storage)
        self._storage = flat  # keeps the storage object alive as long as the view
        count, dim = len(self.ids), self.dim
        return faiss.rev_swig_ptr(flat.get_xb(), count * dim).reshape(count, dim)

    @property
    def matrix(self) -> np.ndarray:
        """Return all vectors as a read-only (n, d) float32 view, rows in ``ids`` order."""
        view = self._matrix.view()
        view.flags.writeable = False
        return view

    def position(self, badge_id: str) -> int | None:
        """Return the row of ``badge_id``, or None if it is not indexed."""
        return self._positions.get(badge_id)

    def vector(self, badge_id: str) -> np.ndarray | None:
        """Return a copy of the unit vector of ``badge_id``, or None if it is not indexed."""
        row = self._positions.get(badge_id)
        return None if row is None else np.array(self._matrix[row], copy=True)

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Return up to ``k`` (badge id, cosine) pairs nearest to ``query``, best first.

        Exact for flat indexes, HNSW with ``ef_search`` otherwise. Raises ValueError if the
        query's dimension differs from the index's.
        """
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query has dimension {q.shape[0]}, index has {self.dim}")
        k = min(int(k), len(self.ids))
        if k <= 0:
            return []
        if self.kind == "flat":
            scores = self._matrix @ q
            top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
            top = top[np.argsort(-scores[top], kind="stable")]
            return [(self.ids[i], float(scores[i])) for i in top]
        import faiss

        params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
        params.efSearch = max(self.ef_search, k)
        dists, rows = self._index.search(q.reshape(1, -1), k, params=params)
        return [(self.ids[int(r)], float(d)) for d, r in zip(dists[0], rows[0], strict=True) if r >= 0]

    def save(self, folder: Path) -> Path:
        """Write ``badges-<version>.faiss`` and a JSON sidecar into ``folder``; return the sidecar.

        Both files are written under temporary names and renamed, the sidecar last, so a reader
        never sees a half-written snapshot. Also points ``folder/CURRENT`` at this snapshot.
        """
        import faiss

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"badges-{self.version}"
        index_path = folder / f"{stem}.faiss"
        sidecar_path = folder / f"{stem}.json"
        tmp_index = folder / f".{stem}.faiss.tmp"
        faiss.write_index(self._index, str(tmp_index))
        os.replace(tmp_index, index_path)
        sidecar = {
            "format": SIDECAR_FORMAT,
            "version": self.version,
            "model_version": self.model_version,
            "kind": self.kind,
            "dim": self.dim,
            "count": len(self.ids),
            "index_file": index_path.name,
            "ids": self.ids,
        }
        _write_atomically(sidecar_path, json.dumps(sidecar))
        _write_atomically(folder / "CURRENT", sidecar_path.name + "\n")
        return sidecar_path

    @classmethod
    def load(cls, path: Path, *, verify: bool = True) -> BadgeIndex:
        """Load a snapshot from its sidecar (or ``.faiss``) path, or a folder's CURRENT one.

        With ``verify`` the content hash is recomputed and must equal the recorded version.
        Raises IndexFormatError if files are missing, malformed or do not match.
        """
        import faiss

        sidecar_path = _resolve_sidecar(Path(path))
        try:
            meta = json.loads(sidecar_path.read_text(encoding="utf-8"))
            ids = [str(i) for i in meta["ids"]]
            index_path = sidecar_path.parent / str(meta["index_file"])
            kind, version = str(meta["kind"]), str(meta["version"])
            model_version = str(meta["model_version"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexFormatError(f"cannot read index sidecar {sidecar_path}: {exc}") from exc
        if kind not in ("flat", "hnsw"):
            raise IndexFormatError(f"{sidecar_path}: unknown index kind {kind!r}")
        try:
            index = faiss.read_index(str(index_path))
        except RuntimeError as exc:
            raise IndexFormatError(f"cannot read index file {index_path}: {exc}") from exc
        if index.ntotal != len(ids):
            raise IndexFormatError(f"{index_path} holds {index.ntotal} vectors, sidecar {len(ids)}")
        loaded = cls(ids, index, version=version, model_version=model_version, kind=kind)
        if verify and content_version(ids, loaded._matrix, model_version) != version:
            raise IndexFormatError(f"{index_path} does not match version {version}")
        return loaded


def current_snapshot(folder: Path) -> Path | None:
    """Return the sidecar path that ``folder/CURRENT`` names, or None if there is none yet."""
    pointer = Path(folder) / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return Path(folder) / name if name else None


def _resolve_sidecar(path: Path) -> Path:
    if path.is_dir():
        current = current_snapshot(path)
        if current is None:
            raise IndexFormatError(f"{path} has no CURRENT snapshot")
        return current
    if path.suffix == ".faiss":
        return path.with_suffix(".json")
    return path


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
