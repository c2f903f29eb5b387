"""Fitting calibrations: stage models, isotonic curves and band thresholds from graded history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from assessment.calibration import (
    DEFAULT_FAIL_THRESHOLD,
    DEFAULT_HISTORY_MODEL,
    DEFAULT_PASS_THRESHOLD,
    MAX_HISTORY_STEMS,
    MIN_STAGE_ROWS,
    Calibration,
    GradedExample,
    HistoryEntry,
    Stage,
)
from assessment.criteria import (
    DEFAULT_CRITERION_MODEL,
    criterion_table,
    fit_criterion_model,
    own_targets,
)
from assessment.features import (
    CONTENT_FEATURES,
    HISTORY_FEATURES,
    PEER_FEATURES,
    Z_FEATURES,
    history_features,
    pair_alignment,
    peer_features,
    word_matrix,
)
from assessment.featurize import EncodedItem, build_idf, criterion_rows, encode_items, item_row
from assessment.lexical import Idf
from assessment.models import LinearModel, TreeEnsemble, fit_isotonic, fit_ridge, fit_trees
from assessment.passages import item_passages
from assessment.scoring import (
    INDEX,
    MIN_HISTORY,
    assemble,
    content_stats,
    demoted_stems,
    lexical_sims,
    predict,
    zscores,
)
from embeddings import Encoder

PASS_PRECISION = 0.95
FAIL_PRECISION = 0.90
MIN_BAND_COUNT = 5
# A learned band never claims a near coin-flip: likely_pass starts at 0.6 at the lowest and
# likely_fail ends at 0.4, whatever the history's precision says. A small, cleanly separated
# history would otherwise put both cuts in its gap (seen in the demo: 0.236 for both, so
# "Likely pass 27%" and nothing left for a reviewer).
MIN_PASS_THRESHOLD = 0.6
MAX_FAIL_THRESHOLD = 0.4
N_FOLDS = 5
MIN_ROWS_FOR_TREES = 200
MAX_IDF_STEMS = 20_000
STAGE_FEATURES = {
    "content": CONTENT_FEATURES,
    "peers": (*CONTENT_FEATURES, *PEER_FEATURES),
    "history": (*CONTENT_FEATURES, *PEER_FEATURES, *Z_FEATURES, *HISTORY_FEATURES),
}


@dataclass(frozen=True)
class TrainingSet:
    """Graded examples as a feature table with leave-one-out peer and history features."""

    table: np.ndarray
    y: np.ndarray
    groups: list[str]
    has_peers: np.ndarray
    has_history: np.ndarray
    encoded: list[EncodedItem]
    content: np.ndarray
    criteria: list[np.ndarray]  # per example: its criteria's content rows
    idf: Idf


def training_set(
    examples: Sequence[GradedExample], encoder: Encoder, pass_mark: float, idf: Idf | None = None
) -> TrainingSet:
    """Encode examples and build their features; each example's peers and history are the
    other examples of its badge (leave one out), as they would be when it was submitted."""
    enc = encode_items([ex.item for ex in examples], encoder)
    if idf is None:
        idf = build_idf(enc)
    else:
        for e in enc:
            idf.add(e.evidence.stems)
    crit = [criterion_rows(e, idf) for e in enc]
    content = np.stack([item_row(e, rows) for e, rows in zip(enc, crit, strict=True)])
    y = np.asarray([ex.score for ex in examples], dtype=np.float64)
    groups = [ex.item.badge_id for ex in examples]
    docs = np.stack([e.doc_vec for e in enc])
    by_badge: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_badge.setdefault(g, []).append(i)
    mats = [word_matrix([w for w, _ in e.evidence.content_words], demoted_stems(e), e.word_vecs) for e in enc]
    rows, has_p, has_h = [], [], []
    for i, e in enumerate(enc):
        others = [j for j in by_badge[groups[i]] if j != i]
        peer = peer_features(e.doc_vec, docs[others]) if others else None
        hist = z = None
        if len(others) >= MIN_HISTORY and e.chunks:
            sims = lexical_sims(e.evidence.stems, demoted_stems(e), [enc[j].evidence.stems for j in others], idf)
            align = np.asarray([pair_alignment(mats[i], mats[j]) for j in others])
            hist = history_features(e.doc_vec, docs[others], sims, y[others], pass_mark, align)
            z = zscores(content[i : i + 1], content_stats(content[others]))
        rows.append(assemble(content[i : i + 1], peer, z, hist)[0])
        has_p.append(peer is not None)
        has_h.append(hist is not None)
    return TrainingSet(np.stack(rows), y, groups, np.asarray(has_p), np.asarray(has_h), enc, content, crit, idf)


def _folds(groups: Sequence[str]) -> list[np.ndarray]:
    """Fold index arrays grouped by badge (so each fold's badges are unseen), else by row."""
    uniq = sorted(set(groups))
    n = len(groups)
    if len(uniq) >= 2:
        k = min(N_FOLDS, len(uniq))
        fold_of = {g: i % k for i, g in enumerate(uniq)}
        return [np.asarray([i for i in range(n) if fold_of[groups[i]] == f]) for f in range(k)]
    k = min(N_FOLDS, n)
    return [np.arange(f, n, k) for f in range(k)]


def _fit_model(x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> LinearModel | TreeEnsemble:
    if len(y) >= MIN_ROWS_FOR_TREES:
        return fit_trees(x, y, names)
    return fit_ridge(x, y, names, alpha=3.0)


def fit_stage(
    table: np.ndarray, y: np.ndarray, groups: Sequence[str], names: Sequence[str], pass_mark: float
) -> tuple[Stage, np.ndarray]:
    """Fit a stage and return it with its out-of-fold calibrated scores."""
    x = np.nan_to_num(table[:, [INDEX[n] for n in names]], nan=0.0)
    oof = np.zeros(len(y))
    for test in _folds(groups):
        train = np.setdiff1d(np.arange(len(y)), test)
        if len(train) and len(test):
            oof[test] = _fit_model(x[train], y[train], names).predict(x[test])
    iso = fit_isotonic(oof, y)
    scores = iso(oof)
    pass_t, fail_t, learned = learn_thresholds(scores, y >= pass_mark)
    stage = Stage(_fit_model(x, y, names), iso, pass_t, fail_t, learned)
    return stage, scores


def pass_cut(scores: np.ndarray, positive: np.ndarray, precision: float, min_count: int) -> float | None:
    """Return the lowest threshold whose examples at or above it reach ``precision``, if any
    threshold covers at least ``min_count`` examples."""
    order = np.argsort(-scores, kind="mergesort")
    s, p = scores[order], positive[order].astype(float)
    prec = np.cumsum(p) / np.arange(1, len(p) + 1)
    ok = [i for i in range(min_count - 1, len(s)) if prec[i] >= precision]
    return float(s[max(ok)]) if ok else None


def learn_thresholds(scores: np.ndarray, passed: np.ndarray) -> tuple[float, float, bool]:
    """Return (pass, fail, learned): the widest bands whose precision held on ``scores``.

    likely_pass needs precision >= PASS_PRECISION, likely_fail >= FAIL_PRECISION, each over
    at least MIN_BAND_COUNT examples; where that does not hold the conservative default stays.
    Either way the scores between MAX_FAIL_THRESHOLD and MIN_PASS_THRESHOLD go to a reviewer.
    """
    pass_t = pass_cut(scores, passed, PASS_PRECISION, MIN_BAND_COUNT)
    fail_neg = pass_cut(-scores, ~passed, FAIL_PRECISION, MIN_BAND_COUNT)
    p = DEFAULT_PASS_THRESHOLD if pass_t is None else max(pass_t, MIN_PASS_THRESHOLD)
    f = DEFAULT_FAIL_THRESHOLD if fail_neg is None else min(-fail_neg, MAX_FAIL_THRESHOLD, p - 1e-6)
    return p, f, pass_t is not None or fail_neg is not None


def fit_global(examples: Sequence[GradedExample], encoder: Encoder, *, pass_mark: float) -> Calibration:
    """Fit content, peer and history stages across all badges' examples."""
    ts = training_set(examples, encoder, pass_mark)
    stages: dict[str, Stage] = {}
    stats: dict[str, float] = {}
    item_scores = np.zeros(len(ts.y))  # out of fold, from the richest stage each example reaches
    for name, mask in (
        ("content", np.ones(len(ts.y), dtype=bool)),
        ("peers", ts.has_peers),
        ("history", ts.has_history),
    ):
        if mask.sum() < MIN_STAGE_ROWS or len(set(ts.y[mask] >= pass_mark)) < 2:
            continue
        groups = [g for g, m in zip(ts.groups, mask, strict=True) if m]
        stage, scores = fit_stage(ts.table[mask], ts.y[mask], groups, STAGE_FEATURES[name], pass_mark)
        stages[name] = stage
        item_scores[mask] = scores
        stats[f"{name}_rows"] = float(mask.sum())
    if "content" not in stages:
        return Calibration(version="", badge_id=None, pass_mark=pass_mark)
    criteria, labels = fit_criteria(examples, ts, item_scores, stages["content"])
    if criteria is not None:
        stats["criterion_labels"] = float(labels)
    return Calibration(
        version="",
        badge_id=None,
        stages=stages,
        pass_mark=pass_mark,
        idf=ts.idf.frequent(MAX_IDF_STEMS),
        n_docs=ts.idf.n,
        n_examples=len(examples),
        model_version=str(getattr(encoder, "version", "")),
        criteria=criteria or DEFAULT_CRITERION_MODEL,
        criterion_labels=labels,
        stats=stats,
    )


def fit_criteria(
    examples: Sequence[GradedExample], ts: TrainingSet, item_scores: np.ndarray, content: Stage
) -> tuple[LinearModel | None, int]:
    """Fit the criterion model on the reviewers' per-criterion judgements, with each example's
    (out-of-fold where available) item score; (None, 0) when too few criteria were judged."""
    xs: list[np.ndarray] = []
    ys: list[float] = []
    for i, ex in enumerate(examples):
        enc = ts.encoded[i]
        if not ex.criteria or not enc.criteria:
            continue
        table = assemble(np.vstack([ts.content[i][None, :], ts.criteria[i]]), None, None, None)
        focus = np.asarray([c.focus for c in item_passages(enc)])
        raw = predict(content.model, table)
        rows = criterion_table(float(item_scores[i]), raw, focus, own_targets(ex.item))
        for row, cv in zip(rows, enc.criteria, strict=True):
            if cv.criterion.id in ex.criteria:
                xs.append(row)
                ys.append(float(ex.criteria[cv.criterion.id]))
    if not xs:
        return None, 0
    model = fit_criterion_model(np.stack(xs), np.asarray(ys))
    return (model, len(ys)) if model is not None else (None, 0)


def _badge_thresholds(stage: Stage, scores: np.ndarray, passed: np.ndarray) -> Stage:
    """Keep the pooled thresholds where this badge's own history confirms their precision;
    otherwise learn them from its history alone, or fall back to the defaults."""
    own_p, own_f, _ = learn_thresholds(scores, passed)
    above = scores >= stage.pass_threshold
    pass_ok = bool(
        stage.thresholds_learned and above.sum() >= MIN_BAND_COUNT and passed[above].mean() >= PASS_PRECISION
    )
    below = scores <= stage.fail_threshold
    fail_ok = bool(
        stage.thresholds_learned and below.sum() >= MIN_BAND_COUNT and (~passed[below]).mean() >= FAIL_PRECISION
    )
    pass_t = stage.pass_threshold if pass_ok else max(own_p, stage.pass_threshold)
    fail_t = stage.fail_threshold if fail_ok else min(own_f, DEFAULT_FAIL_THRESHOLD)
    return replace(
        stage,
        pass_threshold=pass_t,
        fail_threshold=min(fail_t, pass_t - 1e-6),
        thresholds_learned=bool(pass_ok or fail_ok or own_p != DEFAULT_PASS_THRESHOLD),
    )


def fit_badge(examples: Sequence[GradedExample], encoder: Encoder, *, badge_id: str, base: Calibration) -> Calibration:
    """Build a badge's calibration: its graded history, and thresholds checked against it."""
    idf = Idf(df=base.idf, n=base.n_docs)
    ts = training_set(examples, encoder, base.pass_mark, idf=idf)
    stage = base.stages.get("history") or Stage(DEFAULT_HISTORY_MODEL)
    table = ts.table.copy()
    table[:, INDEX["content_score"]] = predict(base.stages["content"].model, table)
    scores = stage.iso(predict(stage.model, table))
    mask = ts.has_history
    item_scores = np.where(mask, scores, base.stages["content"].iso(table[:, INDEX["content_score"]]))
    criteria, labels = fit_criteria(examples, ts, item_scores, base.stages["content"])
    stage = _badge_thresholds(stage, scores[mask], (ts.y >= base.pass_mark)[mask])
    history = tuple(
        HistoryEntry(
            e.doc_vec,
            float(s),
            e.evidence.stems[:MAX_HISTORY_STEMS],
            tuple(w for w, _ in e.evidence.content_words),
        )
        for e, s in zip(ts.encoded, ts.y, strict=True)
    )
    return replace(
        base,
        badge_id=badge_id,
        stages={**base.stages, "history": stage},
        history=history,
        history_stats=content_stats(ts.content),
        n_examples=len(examples),
        model_version=str(getattr(encoder, "version", "")),
        criteria=criteria or base.criteria,
        criterion_labels=labels if criteria is not None else base.criterion_labels,
        stats={"history_rows": float(mask.sum())},
    )
