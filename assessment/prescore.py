"""Pre-scoring: evidence items in, calibrated scores, bands, passages and flags out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assessment.calibration import DEFAULT_CALIBRATION, Calibration, Stage
from assessment.criteria import criterion_probabilities, criterion_table, own_targets
from assessment.featurize import EncodedItem, criterion_rows, encode_items, item_row
from assessment.flags import flags_for
from assessment.lexical import Idf
from assessment.passages import item_passages
from assessment.scoring import INDEX, choose_stage, item_table, score_table
from assessment.submission import (
    CriterionScore,
    EvidenceItem,
    Flag,
    Passage,
    Peer,
    PreScore,
    ScoreBasis,
)
from embeddings import Encoder

__all__ = [
    "CriterionScore",
    "EvidenceItem",
    "Flag",
    "Passage",
    "Peer",
    "PreScore",
    "ScoreBasis",
    "prescore_batch",
]

# Gaming flags cap the score: such evidence goes to a reviewer, never to likely_pass.
GAMING_CAP = {"restates_prompt": 0.1, "keyword_stuffing": 0.1, "off_topic": 0.05}


def _band(stage: Stage, score: float) -> str:
    if score >= stage.pass_threshold:
        return "likely_pass"
    if score <= stage.fail_threshold:
        return "likely_fail"
    return "needs_review"


def _confidence(score: float, stage: Stage, stage_name: str, flags: Sequence[Flag]) -> float:
    """Distance from the nearer band threshold, relative to the room on that side, shrunk
    when the stage is hand-set rather than learned and when flags were raised."""
    if score >= stage.pass_threshold:
        margin = 0.5 + 0.5 * (score - stage.pass_threshold) / max(1 - stage.pass_threshold, 1e-6)
    elif score <= stage.fail_threshold:
        margin = 0.5 + 0.5 * (stage.fail_threshold - score) / max(stage.fail_threshold, 1e-6)
    else:
        mid = (stage.pass_threshold + stage.fail_threshold) / 2
        half = max((stage.pass_threshold - stage.fail_threshold) / 2, 1e-6)
        margin = 0.5 * abs(score - mid) / half
    learned = 1.0 if stage.thresholds_learned else 0.6
    context = {"history": 1.0, "peers": 0.9, "content": 0.8}[stage_name]
    penalty = 0.5 if flags else 1.0
    return float(np.clip(margin * learned * context * penalty, 0.0, 1.0))


def _basis(cal: Calibration, stage_name: str) -> ScoreBasis:
    if cal.version == DEFAULT_CALIBRATION.version:
        return ScoreBasis("default", 0, stage_name)
    return ScoreBasis("global" if cal.badge_id is None else "badge", cal.n_examples, stage_name)


def _peer_vectors(enc: EncodedItem, cal: Calibration, peers: Sequence[Peer], batch: Sequence[Peer]) -> np.ndarray:
    """Document vectors of other submissions to the badge (never the item itself)."""
    vecs = [
        np.asarray(p.vector, dtype=np.float32)
        for p in (*peers, *batch)
        if p.id != enc.item.id and np.shape(p.vector) == enc.doc_vec.shape
    ]
    if cal.history:
        vecs.extend(h.vector for h in cal.history)
    return np.stack(vecs) if vecs else np.zeros((0, enc.doc_vec.shape[0]), np.float32)


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
    submissions (duplicate search and peer features; items of one badge in this batch are
    each other's peers too).
    """
    calibrations = calibrations or {}
    peers = peers or {}
    fallback = global_calibration or DEFAULT_CALIBRATION
    used = {calibrations.get(it.badge_id, fallback).version: calibrations.get(it.badge_id, fallback) for it in items}
    history_words = {w for cal in used.values() for h in cal.history for w in h.words}
    encoded = encode_items(items, encoder, extra_words=sorted(history_words))
    batch_peers: dict[str, list[Peer]] = {}
    for enc in encoded:
        batch_peers.setdefault(enc.item.badge_id, []).append(Peer(enc.item.id, enc.item.owner, enc.doc_vec))
    idfs: dict[str, Idf] = {}
    results: list[PreScore] = []
    for enc in encoded:
        cal = calibrations.get(enc.item.badge_id, fallback)
        if cal.version not in idfs:
            idf = Idf(df=cal.idf, n=cal.n_docs)
            for other in encoded:
                idf.add(other.evidence.stems)
            idfs[cal.version] = idf
        crit = criterion_rows(enc, idfs[cal.version])
        content = np.vstack([item_row(enc, crit)[None, :], crit])
        badge_peers = [*peers.get(enc.item.badge_id, ()), *batch_peers[enc.item.badge_id]]
        table, has_peers, has_history = item_table(
            enc, content, cal, idfs[cal.version], _peer_vectors(enc, cal, (), badge_peers)
        )
        stage_name, stage = choose_stage(cal, has_peers, has_history)
        raw, probs = score_table(cal, table, stage)
        if not enc.chunks:
            raw, probs = np.zeros_like(raw), np.zeros_like(probs)
        flags = flags_for(enc, float(crit[:, 0].max()), badge_peers)
        score = float(probs[0])
        for f in flags:
            score = min(score, GAMING_CAP.get(f.code, 1.0))
        evidence = item_passages(enc)
        if enc.chunks:
            focus = np.asarray([c.focus for c in evidence])
            rows = criterion_table(score, table[:, INDEX["content_score"]], focus, own_targets(enc.item))
            met = criterion_probabilities(cal.criteria, rows, cal.criterion_bound)
        else:
            met = np.zeros(len(enc.criteria))
        results.append(
            PreScore(
                item_id=enc.item.id,
                score=score,
                band=_band(stage, score),
                confidence=_confidence(score, stage, stage_name, flags),
                criteria=tuple(
                    CriterionScore(
                        id=cv.criterion.id,
                        score=float(raw[i + 1]),
                        probability=float(met[i]),
                        passages=evidence[i].passages,
                    )
                    for i, cv in enumerate(enc.criteria)
                ),
                flags=tuple(flags),
                model_version=str(encoder.version),
                calibration_version=cal.version,
                basis=_basis(cal, stage_name),
                vector=enc.doc_vec,
            )
        )
    return results
