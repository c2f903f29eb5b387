"""Fitting calibrations: ridge models, isotonic curves and band thresholds from history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from assessment.calibration import (
    DEFAULT_FAIL_THRESHOLD,
    DEFAULT_PASS_THRESHOLD,
    Calibration,
    GradedExample,
    HistoryEntry,
)
from assessment.features import CONTENT_FEATURES, HISTORY_FEATURES, history_features
from assessment.featurize import build_idf, criterion_rows, encode_items, item_row
from assessment.linear import IsotonicMap, fit_isotonic, fit_ridge
from assessment.scoring import calibrated, history_model_of, raw_scores

PASS_PRECISION = 0.95
FAIL_PRECISION = 0.90
MIN_HISTORY_FOR_FEATURES = 5
N_FOLDS = 5


def example_features(
    examples: Sequence[GradedExample], encoder: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Return content rows, document vectors, outcomes and badge ids of ``examples``."""
    enc = encode_items([ex.item for ex in examples], encoder)
    idf = build_idf(enc)
    rows = np.stack([item_row(e, criterion_rows(e, idf)) for e in enc])
    docs = np.stack([e.doc_vec for e in enc])
    y = np.asarray([ex.score for ex in examples], dtype=np.float64)
    return rows, docs, y, [ex.item.badge_id for ex in examples]


def loo_history(
    docs: np.ndarray, y: np.ndarray, groups: Sequence[str], pass_mark: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return leave-one-out history features within each badge and a mask of rows that have any."""
    out = np.zeros((len(y), len(HISTORY_FEATURES)))
    has = np.zeros(len(y), dtype=bool)
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    for idx in by_group.values():
        if len(idx) <= MIN_HISTORY_FOR_FEATURES:
            continue
        for i in idx:
            others = [j for j in idx if j != i]
            out[i] = history_features(docs[i], docs[others], y[others], pass_mark)
            has[i] = True
    return out, has


def _folds(groups: Sequence[str]) -> list[np.ndarray]:
    """Fold index arrays grouped by badge (so a fold's badges are unseen), or by row if one."""
    uniq = sorted(set(groups))
    n = len(groups)
    if len(uniq) >= 2:
        k = min(N_FOLDS, len(uniq))
        fold_of = {g: i % k for i, g in enumerate(uniq)}
        return [np.asarray([i for i in range(n) if fold_of[groups[i]] == f]) for f in range(k)]
    k = min(N_FOLDS, n)
    return [np.arange(f, n, k) for f in range(k)]


def cv_ridge(x: np.ndarray, y: np.ndarray, groups: Sequence[str], names: Sequence[str]) -> np.ndarray:
    """Return out-of-fold ridge predictions (folds grouped by badge)."""
    pred = np.zeros(len(y))
    for test in _folds(groups):
        train = np.setdiff1d(np.arange(len(y)), test)
        if len(train) == 0:
            continue
        pred[test] = fit_ridge(x[train], y[train], names).predict(x[test])
    return pred


def learn_thresholds(
    scores: np.ndarray, passed: np.ndarray, min_count: int = 5
) -> tuple[float, float, bool]:
    """Return (pass, fail, learned): the widest bands whose precision held on ``scores``.

    likely_pass needs precision >= PASS_PRECISION and likely_fail >= FAIL_PRECISION over at
    least ``min_count`` examples; where it does not hold, the conservative default is kept.
    """
    pass_t, fail_t, learned = DEFAULT_PASS_THRESHOLD, DEFAULT_FAIL_THRESHOLD, False
    order = np.argsort(-scores)
    s, p = scores[order], passed[order].astype(float)
    prec = np.cumsum(p) / np.arange(1, len(p) + 1)
    ok = [i for i in range(min_count - 1, len(s)) if prec[i:].size and prec[i] >= PASS_PRECISION]
    # Walk down from the top while the running precision holds; stop at the first breach.
    best = -1
    for i in range(len(s)):
        if prec[i] < PASS_PRECISION:
            break
        best = i
    if ok and best >= min_count - 1:
        pass_t, learned = float(s[best]), True
    order = np.argsort(scores)
    s, f = scores[order], (~passed[order]).astype(float)
    fprec = np.cumsum(f) / np.arange(1, len(f) + 1)
    best = -1
    for i in range(len(s)):
        if fprec[i] < FAIL_PRECISION:
            break
        best = i
    if best >= min_count - 1:
        fail_t, learned = min(float(s[best]), pass_t - 1e-6), True
    return pass_t, fail_t, learned


def fit_global(examples: Sequence[GradedExample], encoder: Any, *, pass_mark: float) -> Calibration:
    """Fit the content and history models across all badges' examples."""
    rows, docs, y, groups = example_features(examples, encoder)
    content = fit_ridge(rows, y, CONTENT_FEATURES)
    content_cv = cv_ridge(rows, y, groups, CONTENT_FEATURES)
    content_iso = fit_isotonic(content_cv, y)
    passed = y >= pass_mark
    pass_t, fail_t, learned = learn_thresholds(content_iso(content_cv), passed)
    hist, has = loo_history(docs, y, groups, pass_mark)
    history_model, history_iso = None, IsotonicMap()
    stats: dict[str, float] = {}
    if has.sum() >= 20:
        names = ("content", *HISTORY_FEATURES)
        hx = np.column_stack([content_cv, hist])[has]
        hg = [g for g, h in zip(groups, has, strict=True) if h]
        history_model = fit_ridge(hx, y[has], names)
        hcv = cv_ridge(hx, y[has], hg, names)
        history_iso = fit_isotonic(hcv, y[has])
        hp, hf, hl = learn_thresholds(history_iso(hcv), passed[has])
        if hl:
            stats = {"history_pass_threshold": hp, "history_fail_threshold": hf}
    return Calibration(
        version="",
        badge_id=None,
        content_model=content,
        history_model=history_model,
        content_iso=content_iso,
        history_iso=history_iso,
        pass_threshold=pass_t,
        fail_threshold=fail_t,
        thresholds_learned=learned,
        pass_mark=pass_mark,
        n_examples=len(examples),
        model_version=str(getattr(encoder, "version", "")),
        stats=stats,
    )


def fit_badge(
    examples: Sequence[GradedExample],
    encoder: Any,
    *,
    badge_id: str,
    base: Calibration,
    pass_mark: float,
) -> Calibration:
    """Fit a badge's calibration: its graded history plus thresholds where its precision held."""
    rows, docs, y, groups = example_features(examples, encoder)
    hist, _ = loo_history(docs, y, [badge_id] * len(y), pass_mark)
    cal = replace(
        base,
        badge_id=badge_id,
        history_model=history_model_of(base),
        history=tuple(HistoryEntry(d, float(s)) for d, s in zip(docs, y, strict=True)),
        n_examples=len(examples),
        pass_mark=pass_mark,
        model_version=str(getattr(encoder, "version", "")),
    )
    scores = calibrated(cal, raw_scores(cal, rows, hist), with_history=True)
    pass_t, fail_t, learned = learn_thresholds(scores, y >= pass_mark, min_count=5)
    return replace(
        cal, pass_threshold=pass_t, fail_threshold=fail_t, thresholds_learned=learned, stats={}
    )
