"""Feature tables and stage selection: from encoded evidence to raw and calibrated scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assessment.calibration import DEFAULT_HISTORY_MODEL, Calibration, Stage
from assessment.features import (
    CONTENT_FEATURES,
    HISTORY_FEATURES,
    MIN_PEERS,
    PEER_FEATURES,
    Z_FEATURES,
    history_features,
    pair_alignment,
    word_matrix,
)
from assessment.featurize import EncodedItem
from assessment.lexical import Idf, cosine
from assessment.models import LinearModel, TreeEnsemble

COLUMNS = (*CONTENT_FEATURES, *PEER_FEATURES, *Z_FEATURES, *HISTORY_FEATURES, "content_score")
INDEX = {name: i for i, name in enumerate(COLUMNS)}
MIN_HISTORY = 5
_C = len(CONTENT_FEATURES)


def assemble(
    content: np.ndarray,
    peer: np.ndarray | None,
    z: np.ndarray | None,
    hist: np.ndarray | None,
) -> np.ndarray:
    """Return a table over COLUMNS: one row per content row, NaN where a group is missing."""
    out = np.full((content.shape[0], len(COLUMNS)), np.nan)
    out[:, :_C] = content
    for names, values in ((PEER_FEATURES, peer), (Z_FEATURES, z), (HISTORY_FEATURES, hist)):
        if values is not None:
            cols = [INDEX[n] for n in names]
            out[:, cols] = values
    return out


def predict(model: LinearModel | TreeEnsemble, table: np.ndarray) -> np.ndarray:
    """Return the model's predictions on its columns of ``table`` (missing values as 0)."""
    x = table[:, [INDEX[n] for n in model.names]]
    return model.predict(np.nan_to_num(x, nan=0.0))


def zscores(content: np.ndarray, stats: tuple[tuple[float, ...], tuple[float, ...]]) -> np.ndarray:
    """Return content features standardised by a badge history's mean and spread."""
    mean, sd = np.asarray(stats[0]), np.asarray(stats[1])
    out: np.ndarray = (content - mean) / np.maximum(sd, 1e-3)
    return out


def content_stats(content: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Return the mean and spread of content rows (the badge history's reference point)."""
    return tuple(content.mean(axis=0).tolist()), tuple(content.std(axis=0).tolist())


def demoted_stems(enc: EncodedItem) -> frozenset[str]:
    """Return the stems of every question the item's criteria ask (demoted in word overlap)."""
    out: set[str] = set()
    for cv in enc.criteria:
        out |= cv.question.stem_set
    return frozenset(out)


def lexical_sims(
    stems: Sequence[str], demoted: frozenset[str], others: Sequence[Sequence[str]], idf: Idf
) -> np.ndarray:
    """Return the tf-idf cosine of ``stems`` with each of ``others`` (question words demoted)."""
    v = idf.vector(stems, demoted)
    return np.asarray([cosine(v, idf.vector(o, demoted)) for o in others], dtype=np.float64)


def choose_stage(cal: Calibration, has_peers: bool, has_history: bool) -> tuple[str, Stage]:
    """Return the richest stage the evidence's context allows under ``cal``."""
    if has_history:
        if "history" in cal.stages:
            return "history", cal.stages["history"]
        return "history", Stage(DEFAULT_HISTORY_MODEL)
    if has_peers and "peers" in cal.stages:
        return "peers", cal.stages["peers"]
    return "content", cal.stages["content"]


def score_table(cal: Calibration, table: np.ndarray, stage: Stage) -> tuple[np.ndarray, np.ndarray]:
    """Fill ``content_score`` in ``table`` and return (raw, calibrated) scores of its rows."""
    table[:, INDEX["content_score"]] = predict(cal.stages["content"].model, table)
    raw = predict(stage.model, table)
    return raw, stage.iso(raw)


def item_table(
    enc: EncodedItem,
    content: np.ndarray,
    cal: Calibration,
    idf: Idf,
    peer_vecs: np.ndarray,
) -> tuple[np.ndarray, bool, bool]:
    """Return the feature table of one item's rows and whether peers / history were used."""
    from assessment.features import peer_features

    peer = peer_features(enc.doc_vec, peer_vecs) if peer_vecs.shape[0] >= MIN_PEERS else None
    hist = z = None
    if len(cal.history) >= MIN_HISTORY and enc.chunks:
        vecs, scores = cal.history_arrays()
        sims = lexical_sims(enc.evidence.stems, demoted_stems(enc), [h.stems for h in cal.history], idf)
        demoted = demoted_stems(enc)
        mine = word_matrix([w for w, _ in enc.evidence.content_words], demoted, enc.word_vecs)
        align = np.asarray([pair_alignment(mine, word_matrix(h.words, demoted, enc.word_vecs)) for h in cal.history])
        hist = history_features(enc.doc_vec, vecs, sims, scores, cal.pass_mark, align)
        if len(cal.history_stats[0]) == len(CONTENT_FEATURES):
            z = zscores(content, cal.history_stats)
    return assemble(content, peer, z, hist), peer is not None, hist is not None
