"""Features of one piece of evidence against one criterion, and against a badge's history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assessment.lexical import Idf, cosine, overlap

# Content features: what the evidence says compared with what the criterion asks for.
CONTENT_FEATURES = (
    "cos_max",  # best chunk-target cosine
    "cos_doc",  # document vector vs target centroid
    "cos_q",  # best chunk-question cosine (restating the question scores here)
    "ovl_recall",  # share of target words (question words demoted) found in the evidence
    "ovl_precision",  # share of evidence words (question words demoted) found in the targets
    "tfidf",  # tf-idf cosine with question words demoted
    "len_ratio",  # log of evidence / target length in words
    "log_len",  # log of evidence length in words
    "q_share",  # share of evidence words that are question words
)
# History features: how the evidence compares with graded submissions to the same badge.
HISTORY_FEATURES = ("knn", "sim_pass", "sim_fail", "sim_gap")
KNN_K = 7


@dataclass(frozen=True)
class TextView:
    """A text's stems (as a list and a set) and its word count."""

    stems: tuple[str, ...]
    stem_set: frozenset[str]
    n_words: int


def view(stems: Sequence[str], n_words: int) -> TextView:
    """Return a :class:`TextView` of ``stems``."""
    return TextView(tuple(stems), frozenset(stems), n_words)


def content_features(
    chunk_vecs: np.ndarray,
    doc_vec: np.ndarray,
    evidence: TextView,
    target_vecs: np.ndarray,
    targets: Sequence[TextView],
    question_vec: np.ndarray | None,
    question: TextView,
    idf: Idf,
) -> np.ndarray:
    """Return the CONTENT_FEATURES of evidence against one criterion's targets."""
    out = np.zeros(len(CONTENT_FEATURES), dtype=np.float64)
    if chunk_vecs.shape[0] == 0 or target_vecs.shape[0] == 0 or not targets:
        return out
    sims = chunk_vecs @ target_vecs.T
    out[0] = float(sims.max())
    centroid = target_vecs.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    out[1] = float(doc_vec @ centroid / norm) if norm else 0.0
    out[2] = float((chunk_vecs @ question_vec).max()) if question_vec is not None else 0.0
    demoted = set(question.stem_set)
    recalls, precisions, tfidfs = [], [], []
    ev_tfidf = idf.vector(evidence.stems, demoted)
    for tgt in targets:
        r, p = overlap(set(evidence.stem_set), set(tgt.stem_set), demoted)
        recalls.append(r)
        precisions.append(p)
        tfidfs.append(cosine(ev_tfidf, idf.vector(tgt.stems, demoted)))
    out[3] = max(recalls)
    out[4] = max(precisions)
    out[5] = max(tfidfs)
    mean_target_len = sum(t.n_words for t in targets) / len(targets)
    out[6] = math.log((evidence.n_words + 1) / (mean_target_len + 1))
    out[7] = math.log1p(evidence.n_words)
    if evidence.stems:
        out[8] = sum(s in demoted for s in evidence.stems) / len(evidence.stems)
    return out


def history_features(
    doc_vec: np.ndarray, hist_vecs: np.ndarray, hist_scores: np.ndarray, pass_mark: float
) -> np.ndarray:
    """Return the HISTORY_FEATURES of a document vector against graded history vectors.

    ``knn`` is the similarity-weighted mean outcome of the nearest graded submissions,
    ``sim_pass``/``sim_fail`` the best similarity to an approved / rejected one.
    """
    out = np.zeros(len(HISTORY_FEATURES), dtype=np.float64)
    if hist_vecs.shape[0] == 0:
        return out
    sims = hist_vecs @ doc_vec
    k = min(KNN_K, sims.shape[0])
    top = np.argsort(-sims)[:k]
    w = np.exp(8.0 * sims[top])
    out[0] = float((w * hist_scores[top]).sum() / w.sum())
    passed = hist_scores >= pass_mark
    out[1] = float(sims[passed].max()) if passed.any() else 0.0
    out[2] = float(sims[~passed].max()) if (~passed).any() else 0.0
    out[3] = out[1] - out[2]
    return out
