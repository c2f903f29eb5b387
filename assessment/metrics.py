"""Agreement of pre-scores with known outcomes: correlation, AUROC, triage coverage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Return Pearson's r (0 when either side is constant)."""
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share their mean rank)."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sx = x[order]
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0
        i = j + 1
    return ranks


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Return Spearman's rho."""
    return pearson(_ranks(x), _ranks(y))


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Return the area under the ROC curve (0.5 when one class is missing)."""
    pos = positive.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return 0.5
    r = _ranks(scores) + 1
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def within_group_pearson(x: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> float:
    """Return the mean Pearson r inside groups of at least 3 with varying outcomes."""
    vals = []
    garr = np.asarray(groups)
    for g in sorted(set(groups)):
        m = garr == g
        if m.sum() >= 3 and np.std(y[m]) > 0:
            vals.append(pearson(x[m], y[m]))
    return float(np.mean(vals)) if vals else 0.0


def pooled_within_group_pearson(x: np.ndarray, y: np.ndarray, groups: Sequence[str]) -> float:
    """Return one Pearson r over all items after centring each group on its own means.

    A different summary from :func:`within_group_pearson`: averaging many small-group r's
    pulls towards 0, pooling does not. Reported beside it, not instead of it.
    """
    garr = np.asarray(groups)
    xc, yc = np.asarray(x, dtype=np.float64).copy(), np.asarray(y, dtype=np.float64).copy()
    for g in set(groups):
        m = garr == g
        xc[m] -= xc[m].mean()
        yc[m] -= yc[m].mean()
    return pearson(xc, yc)


def band_metrics(bands: Sequence[str], positive: np.ndarray) -> dict[str, float]:
    """Return the share and precision of the likely_pass and likely_fail bands."""
    b = np.asarray(bands)
    out: dict[str, float] = {}
    for band, want in (("likely_pass", True), ("likely_fail", False)):
        m = b == band
        out[f"{band}_share"] = float(m.mean()) if len(b) else 0.0
        out[f"{band}_precision"] = float((positive[m] == want).mean()) if m.any() else 0.0
    return out


def summary(
    pred: np.ndarray,
    truth: np.ndarray,
    groups: Sequence[str],
    bands: Sequence[str],
    pass_mark: float,
) -> dict[str, float]:
    """Return the backtest metrics of predictions ``pred`` against outcomes ``truth``."""
    positive = truth >= pass_mark
    out = {
        "n": float(len(pred)),
        "pearson": pearson(pred, truth),
        "spearman": spearman(pred, truth),
        "pearson_within_badge": within_group_pearson(pred, truth, groups),
        "auroc": auroc(pred, positive),
        "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))) if len(pred) else 0.0,
        "pass_rate": float(positive.mean()) if len(pred) else 0.0,
    }
    out.update(band_metrics(bands, positive))
    return out
