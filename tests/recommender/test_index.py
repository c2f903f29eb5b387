"""The versioned badge index: search, content version, snapshot files and hot swap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recommender.errors import IndexFormatError
from recommender.index import BadgeIndex, content_version, current_snapshot
from recommender.snapshot import IndexHolder


def _random(n: int, dim: int = 16, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    return [f"b{i}" for i in range(n)], vecs


def test_real_vectors_find_the_topical_neighbour(index, encoder):
    query = encoder.encode(["writing SQL queries against a database"])[0]
    hits = index.search(query, 3)
    assert hits[0][0] == "sql1"
    assert hits[0][1] >= hits[1][1] >= hits[2][1]


def test_exact_and_hnsw_agree_on_self_queries():
    ids, vecs = _random(500)
    flat = BadgeIndex.build(ids, vecs, model_version="m", approximate=False)
    hnsw = BadgeIndex.build(ids, vecs, model_version="m", approximate=True)
    assert (flat.kind, hnsw.kind) == ("flat", "hnsw")
    assert flat.version == hnsw.version  # the version is about content, not the index type
    for i in (0, 17, 499):
        assert flat.search(vecs[i], 5)[0][0] == ids[i]
        assert hnsw.search(vecs[i], 5)[0][0] == ids[i]
    exact = {b for b, _ in flat.search(vecs[3], 10)}
    approx = {b for b, _ in hnsw.search(vecs[3], 10)}
    assert len(exact & approx) >= 9


def test_version_is_a_content_hash():
    ids, vecs = _random(20)
    a = BadgeIndex.build(ids, vecs, model_version="m1")
    assert a.version == BadgeIndex.build(ids, vecs.copy(), model_version="m1").version
    assert a.version != BadgeIndex.build(ids, vecs, model_version="m2").version
    changed = vecs.copy()
    changed[3, 0] += 1.0
    assert a.version != BadgeIndex.build(ids, changed, model_version="m1").version
    renamed = ids[:-1] + ["other"]
    assert a.version != BadgeIndex.build(renamed, vecs, model_version="m1").version
    assert a.version == content_version(ids, a.matrix, "m1")


def test_vector_lookup_and_unknown_id():
    ids, vecs = _random(10)
    idx = BadgeIndex.build(ids, vecs, model_version="m")
    v = idx.vector("b4")
    assert v is not None and np.isclose(np.linalg.norm(v), 1.0)
    assert np.allclose(v, vecs[4] / np.linalg.norm(vecs[4]), atol=1e-6)
    assert idx.vector("nope") is None


@pytest.mark.parametrize(
    ("ids", "vecs", "message"),
    [
        (["a", "b"], np.ones((3, 4), np.float32), "2 ids but 3 vectors"),
        (["a", "a"], np.ones((2, 4), np.float32), "unique"),
        (["a"], np.array([[np.nan, 1, 1, 1]], np.float32), "NaN"),
        ([], np.zeros((0, 4), np.float32), "non-empty"),
    ],
)
def test_bad_build_input_is_rejected(ids, vecs, message):
    with pytest.raises(ValueError, match=message):
        BadgeIndex.build(ids, vecs, model_version="m")


def test_query_of_wrong_dimension_is_rejected():
    ids, vecs = _random(5)
    with pytest.raises(ValueError, match="dimension"):
        BadgeIndex.build(ids, vecs, model_version="m").search(np.ones(3), 2)


@pytest.mark.parametrize("approximate", [False, True])
def test_save_and_load_round_trip(tmp_path: Path, approximate: bool):
    ids, vecs = _random(300)
    idx = BadgeIndex.build(ids, vecs, model_version="m", approximate=approximate)
    sidecar = idx.save(tmp_path)
    meta = json.loads(sidecar.read_text())
    assert meta["version"] == idx.version and meta["model_version"] == "m"
    assert (tmp_path / meta["index_file"]).exists()
    assert current_snapshot(tmp_path) == sidecar
    for path in (sidecar, sidecar.with_suffix(".faiss"), tmp_path):
        loaded = BadgeIndex.load(path)
        assert loaded.version == idx.version and loaded.kind == idx.kind
        assert loaded.search(vecs[7], 3) == idx.search(vecs[7], 3)


def test_load_detects_a_snapshot_that_does_not_match_its_version(tmp_path: Path):
    ids, vecs = _random(30)
    sidecar = BadgeIndex.build(ids, vecs, model_version="m").save(tmp_path)
    meta = json.loads(sidecar.read_text())
    meta["ids"] = list(reversed(meta["ids"]))  # ids no longer line up with the vectors
    sidecar.write_text(json.dumps(meta))
    with pytest.raises(IndexFormatError, match="does not match"):
        BadgeIndex.load(sidecar)


def test_load_reports_missing_and_garbled_files(tmp_path: Path):
    with pytest.raises(IndexFormatError, match="no CURRENT"):
        BadgeIndex.load(tmp_path)
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(IndexFormatError, match="cannot read index sidecar"):
        BadgeIndex.load(tmp_path / "x.json")


def test_holder_swaps_in_a_new_snapshot_without_restart(tmp_path: Path):
    now = [0.0]
    holder = IndexHolder(tmp_path, check_every=5.0, clock=lambda: now[0])
    with pytest.raises(IndexFormatError):
        holder.current()
    ids, vecs = _random(40)
    first = BadgeIndex.build(ids, vecs, model_version="m")
    first.save(tmp_path)
    now[0] = 10.0
    assert holder.current().version == first.version
    second = BadgeIndex.build(ids + ["new"], np.vstack([vecs, vecs[:1] * -1]), model_version="m")
    second.save(tmp_path)
    now[0] = 12.0  # not yet due: the old snapshot is still served
    assert holder.current().version == first.version
    now[0] = 16.0
    served = holder.current()
    assert served.version == second.version and "new" in served
    # a corrupt newer snapshot is ignored and the working one kept
    (tmp_path / "badges-broken.json").write_text("{}")
    (tmp_path / "CURRENT").write_text("badges-broken.json\n")
    now[0] = 30.0
    assert holder.current().version == second.version
