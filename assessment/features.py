"""Features of one piece of evidence: against a criterion, its peers, and graded history."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from assessment.lexical import Idf, cosine, overlap, stem

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
    "align_recall",  # mean best word-vector match of each target word in the evidence
    "align_recall_hit",  # share of target words with a close match (cos >= ALIGN_HIT)
    "align_precision",  # mean best match of each evidence word in the targets
    "align_precision_hit",
)
# Peer features: how much the evidence resembles other submissions to the same badge.
PEER_FEATURES = ("peer_top5", "peer_mean", "peer_close")
# History features: how the evidence compares with graded submissions to the same badge.
HISTORY_FEATURES = (
    "knn",  # similarity-weighted outcome of the nearest graded submissions (vectors)
    "sim_pass",  # best similarity to an approved one
    "sim_fail",  # best similarity to a rejected one
    "sim_gap",
    "lex_knn",  # the same over tf-idf similarity
    "lex_pass",
    "lex_fail",
    "lex_gap",
    "mix_knn",  # over the mean of both similarities
    "align_pass",  # best soft alignment: approved submission's words covered by the evidence
    "align_pass_precision",  # ... and the evidence's words covered by it
    "align_fail",
    "align_fail_precision",
)
Z_FEATURES = tuple(f"z_{n}" for n in CONTENT_FEATURES)  # content features vs the badge's history
KNN_K = 10
KNN_SHARPNESS = 10.0
ALIGN_HIT = 0.6
MIN_PEERS = 5


@dataclass(frozen=True)
class TextView:
    """A text's stems (list and set), word count and distinct content words."""

    stems: tuple[str, ...]
    stem_set: frozenset[str]
    n_words: int
    content_words: tuple[tuple[str, str], ...] = ()  # (word, stem), distinct words


def alignment(
    evidence: np.ndarray | None, targets: Sequence[np.ndarray | None]
) -> tuple[float, float, float, float]:
    """Return soft word alignment (recall, recall hits, precision, precision hits) in [0, 1].

    ``evidence`` and each of ``targets`` are word-vector matrices (see :func:`word_matrix`).
    Each target word is matched to its most similar evidence word, and each evidence word to
    its most similar target word; the best target counts.
    """
    best = [0.0, 0.0, 0.0, 0.0]
    if evidence is None:
        return (0.0, 0.0, 0.0, 0.0)
    for tgt in targets:
        if tgt is None:
            continue
        m = tgt @ evidence.T
        rec, prec = m.max(axis=1), m.max(axis=0)
        # ndarray.mean's Python wrapper costs more than the sums on vectors this small (called
        # for every criterion of every item); these give the same float32 means, bit for bit.
        cand = (
            float(np.add.reduce(rec) / rec.size),
            np.count_nonzero(rec >= ALIGN_HIT) / rec.size,
            float(np.add.reduce(prec) / prec.size),
            np.count_nonzero(prec >= ALIGN_HIT) / prec.size,
        )
        best = [max(a, b) for a, b in zip(best, cand, strict=True)]
    return (best[0], best[1], best[2], best[3])


def content_features(
    chunk_vecs: np.ndarray,
    doc_vec: np.ndarray,
    evidence: TextView,
    target_vecs: np.ndarray,
    targets: Sequence[TextView],
    question_vec: np.ndarray | None,
    question: TextView,
    idf: Idf,
    evidence_words: np.ndarray | None,
    target_words: Sequence[np.ndarray | None],
) -> np.ndarray:
    """Return the CONTENT_FEATURES of evidence against one criterion's targets.

    ``evidence_words`` and ``target_words`` are word-vector matrices with the question's
    words demoted (see :func:`word_matrix`), for soft alignment.
    """
    out = np.zeros(len(CONTENT_FEATURES), dtype=np.float64)
    if chunk_vecs.shape[0] == 0 or target_vecs.shape[0] == 0 or not targets:
        return out
    sims = chunk_vecs @ target_vecs.T
    out[0] = float(sims.max())
    centroid = target_vecs.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    out[1] = float(doc_vec @ centroid / norm) if norm else 0.0
    out[2] = float((chunk_vecs @ question_vec).max()) if question_vec is not None else 0.0
    demoted = question.stem_set
    recalls, precisions, tfidfs = [], [], []
    ev_tfidf = idf.vector(evidence.stems, demoted)
    for tgt in targets:
        r, p = overlap(evidence.stem_set, tgt.stem_set, demoted)
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
    out[9:13] = alignment(evidence_words, target_words)
    return out


def peer_features(doc_vec: np.ndarray, peer_vecs: np.ndarray) -> np.ndarray | None:
    """Return PEER_FEATURES against other submissions' vectors, or None if too few peers."""
    if peer_vecs.shape[0] < MIN_PEERS or not doc_vec.any():
        return None
    sims = np.sort(peer_vecs @ doc_vec)[::-1]
    return np.asarray([sims[:5].mean(), sims.mean(), (sims >= 0.8).mean()], dtype=np.float64)


def _knn(sims: np.ndarray, scores: np.ndarray) -> float:
    top = np.argsort(-sims)[:KNN_K]
    w = np.exp(KNN_SHARPNESS * (sims[top] - sims[top].max()))
    return float((w * scores[top]).sum() / w.sum())


def history_features(
    doc_vec: np.ndarray,
    hist_vecs: np.ndarray,
    lex_sims: np.ndarray,
    hist_scores: np.ndarray,
    pass_mark: float,
    align: np.ndarray | None = None,
) -> np.ndarray:
    """Return HISTORY_FEATURES of a document against graded history.

    ``hist_vecs`` are the history's document vectors, ``lex_sims`` the evidence's tf-idf
    cosine with each graded submission and ``align`` (n x 2) its soft word alignment with each.
    """
    out = np.zeros(len(HISTORY_FEATURES), dtype=np.float64)
    if hist_vecs.shape[0] == 0:
        return out
    passed = hist_scores >= pass_mark
    for base, sims in ((0, hist_vecs @ doc_vec), (4, lex_sims)):
        out[base] = _knn(sims, hist_scores)
        out[base + 1] = float(sims[passed].max()) if passed.any() else 0.0
        out[base + 2] = float(sims[~passed].max()) if (~passed).any() else 0.0
        out[base + 3] = out[base + 1] - out[base + 2]
    out[8] = _knn((hist_vecs @ doc_vec + lex_sims) / 2.0, hist_scores)
    if align is not None and align.shape[0] == len(hist_scores):
        for base, mask in ((9, passed), (11, ~passed)):
            if mask.any():
                out[base] = float(align[mask, 0].max())
                out[base + 1] = float(align[mask, 1].max())
    return out


@dataclass(frozen=True)
class WordVectors:
    """A text's distinct content words and their vectors, to select from per criterion."""

    stems: tuple[str, ...]
    rows: np.ndarray  # per word: its row in ``vectors``, -1 where the batch has no vector
    vectors: np.ndarray

    @classmethod
    def of(cls, content_words: Sequence[tuple[str, str]], word_vecs: Mapping[str, np.ndarray]) -> WordVectors:
        """Collect the vectors of ``content_words`` ((word, stem) pairs)."""
        found = [word_vecs[w] for w, _ in content_words if w in word_vecs]
        rows, k = [], 0
        for w, _ in content_words:
            rows.append(k if w in word_vecs else -1)
            k += w in word_vecs
        return cls(tuple(s for _, s in content_words), np.asarray(rows, dtype=np.int64),
                   np.stack(found) if found else np.zeros((0, 0), np.float32))

    def kept(self, demoted: AbstractSet[str]) -> np.ndarray | None:
        """The same as :func:`word_matrix`: vectors of the words whose stems are not demoted
        (all of them if none is left), None if none has a vector."""
        mask = np.asarray([s not in demoted for s in self.stems], dtype=bool)
        if not mask.any():
            mask[:] = True
        rows = self.rows[mask]
        rows = rows[rows >= 0]
        return self.vectors[rows] if rows.size else None


def word_matrix(
    words: Sequence[str], demoted: frozenset[str], word_vecs: Mapping[str, np.ndarray]
) -> np.ndarray | None:
    """Return the vectors of ``words`` whose stems are not demoted (all of them if none is left)."""
    kept = [w for w in words if stem(w) not in demoted] or list(words)
    vecs = [word_vecs[w] for w in kept if w in word_vecs]
    return np.stack(vecs) if vecs else None


def pair_alignment(evidence: np.ndarray | None, other: np.ndarray | None) -> tuple[float, float]:
    """Return (share of ``other``'s words matched in the evidence, and the reverse), soft."""
    if evidence is None or other is None:
        return 0.0, 0.0
    m = other @ evidence.T
    return float(m.max(axis=1).mean()), float(m.max(axis=0).mean())
