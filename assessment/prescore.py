"""Pre-scoring: evidence items in, calibrated scores, bands, passages and flags out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assessment.calibration import DEFAULT_CALIBRATION, Calibration
from assessment.featurize import EncodedItem, build_idf, criterion_rows, encode_items, item_row
from assessment.flags import flags_for
from assessment.scoring import band_of, calibrated, history_rows, raw_scores
from assessment.submission import (
    CriterionScore,
    EvidenceItem,
    Flag,
    Passage,
    Peer,
    PreScore,
)
from embeddings import Encoder

__all__ = [
    "CriterionScore",
    "EvidenceItem",
    "Flag",
    "Passage",
    "Peer",
    "PreScore",
    "prescore_batch",
]

PASSAGES_PER_CRITERION = 3
# Gaming flags cap the score: such evidence goes to a reviewer, never to likely_pass.
GAMING_CAP = {"restates_prompt": 0.2, "keyword_stuffing": 0.3, "off_topic": 0.1}


def _passages(enc: EncodedItem, criterion_index: int) -> tuple[Passage, ...]:
    cv = enc.criteria[criterion_index]
    if not enc.chunks or cv.target_vecs.shape[0] == 0:
        return ()
    sims = (enc.chunk_vecs @ cv.target_vecs.T).max(axis=1)
    top = np.argsort(-sims)[:PASSAGES_PER_CRITERION]
    return tuple(
        Passage(
            source=enc.chunks[i].source,
            locator=enc.chunks[i].locator,
            start=enc.chunks[i].start,
            end=enc.chunks[i].end,
            text=enc.chunks[i].text,
            similarity=float(sims[i]),
        )
        for i in top
    )


def _confidence(score: float, cal: Calibration, flags: Sequence[Flag]) -> float:
    """How far the score sits from the undecided middle, shrunk for thin calibration and flags."""
    margin = abs(score - 0.5) * 2.0
    support = 1.0 if cal.history else (0.8 if cal.n_examples else 0.5)
    penalty = 0.5 if flags else 1.0
    return float(np.clip(margin * support * penalty, 0.0, 1.0))


def prescore_batch(
    items: Sequence[EvidenceItem],
    encoder: Encoder,
    *,
    calibrations: Mapping[str, Calibration] | None = None,
    peers: Mapping[str, Sequence[Peer]] | None = None,
    global_calibration: Calibration | None = None,
) -> list[PreScore]:
    """Pre-score ``items`` with one model call for all their new texts.

    ``calibrations`` maps badge ids to per-badge calibrations (a missing badge uses
    ``global_calibration``, else the hand-set default); ``peers`` maps badge ids to other
    submissions for duplicate search (items of the same badge in this batch are peers too).
    """
    calibrations = calibrations or {}
    fallback = global_calibration or DEFAULT_CALIBRATION
    encoded = encode_items(items, encoder)
    idf = build_idf(encoded)
    batch_peers: dict[str, list[Peer]] = {}
    for enc in encoded:
        batch_peers.setdefault(enc.item.badge_id, []).append(
            Peer(enc.item.id, enc.item.owner, enc.doc_vec)
        )
    results: list[PreScore] = []
    for enc in encoded:
        cal = calibrations.get(enc.item.badge_id, fallback)
        crit = criterion_rows(enc, idf)
        rows = np.vstack([item_row(enc, crit)[None, :], crit])
        hist = history_rows(cal, np.repeat(enc.doc_vec[None, :], len(rows), axis=0))
        raw = raw_scores(cal, rows, hist)
        probs = calibrated(cal, raw, with_history=hist is not None)
        has_text = bool(enc.chunks)
        if not has_text:
            probs = np.zeros_like(probs)
        best_cos = float(crit[:, 0].max()) if crit.size else 0.0
        flags = flags_for(
            enc, best_cos, [*peers.get(enc.item.badge_id, ()), *batch_peers[enc.item.badge_id]]
        ) if peers is not None else flags_for(enc, best_cos, batch_peers[enc.item.badge_id])
        score = float(probs[0])
        for f in flags:
            score = min(score, GAMING_CAP.get(f.code, 1.0))
        criteria = tuple(
            CriterionScore(
                id=cv.criterion.id,
                score=float(raw[i + 1]) if has_text else 0.0,
                probability=float(probs[i + 1]),
                passages=_passages(enc, i),
            )
            for i, cv in enumerate(enc.criteria)
        )
        results.append(
            PreScore(
                item_id=enc.item.id,
                score=score,
                band=band_of(cal, score),
                confidence=_confidence(score, cal, flags),
                criteria=criteria,
                flags=tuple(flags),
                model_version=str(encoder.version),
                calibration_version=cal.version,
                vector=enc.doc_vec,
            )
        )
    return results
