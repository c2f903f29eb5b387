"""Criterion probabilities: how likely each criterion is met, given the item's score and how the
evidence for that criterion compares with the evidence for the item's other criteria.

The stages learn from item-level decisions, so on their own they give every criterion nearly the
item's probability. The criterion model starts from the item's probability (in log-odds) and
moves each criterion by its own evidence relative to the item: the content model's output on the
criterion's row against its output on the item's row, and how well the criterion's best sentence
window matches its own words and exemplars against the item's mean over criteria. It is hand-set
until reviewers have judged enough criteria (their per-criterion Met / Not met), then a logistic
regression on those judgements.
"""

from __future__ import annotations

import numpy as np

from assessment.featurize import item_criteria
from assessment.models import LinearModel
from assessment.rubric import criterion_targets
from assessment.submission import EvidenceItem

CRITERION_FEATURES = (
    "item_logit",  # log-odds of the item's calibrated score
    "content_rel",  # content model on the criterion's row minus on the item's row (own targets only)
    "focus_rel",  # the criterion's best sentence-window match minus the item's mean
)
# Hand-set, not fitted to any data set: a criterion follows the item unless its own evidence
# stands out. On Mohler answers combined into three-criterion badges these weights lift the
# criterion AUROC from 0.74 to 0.80 (benchmarks/criterion_quality.py).
DEFAULT_CRITERION_MODEL = LinearModel(
    names=CRITERION_FEATURES, weights=(1.0, 4.0, 4.0), intercept=0.0, link="logistic"
)
MIN_CRITERION_LABELS = 20  # judged criteria (with both outcomes) before a model is fitted
MIN_EACH_OUTCOME = 5
LOGIT_BOUND = 1e-3  # the item's score is kept within [b, 1 - b] before taking log-odds


def own_targets(item: EvidenceItem) -> np.ndarray:
    """Per criterion: whether no other criterion of the item compares evidence with the same
    texts. Criteria that share the badge's references differ only in how the evidence echoes
    their wording, so their content rows say nothing about which of them the evidence meets."""
    targets = [criterion_targets(c, item.references) for c in item_criteria(item)]
    return np.asarray([targets.count(t) == 1 for t in targets], dtype=bool)


def criterion_table(item_score: float, content_raw: np.ndarray, focus: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Return one CRITERION_FEATURES row per criterion.

    ``content_raw`` is the content model's output on the item's row followed by each
    criterion's; ``focus`` the best sentence-window match of each criterion; ``own`` which
    criteria have targets of their own (:func:`own_targets`).
    """
    p = float(np.clip(item_score, LOGIT_BOUND, 1 - LOGIT_BOUND))
    n = len(focus)
    focus = np.asarray(focus, dtype=np.float64)
    relative = np.asarray(content_raw[1:], dtype=np.float64) - float(content_raw[0])
    return np.column_stack([
        np.full(n, np.log(p / (1 - p))),
        np.where(own, relative, 0.0),
        focus - (focus.mean() if n else 0.0),
    ])


def fit_criterion_model(x: np.ndarray, y: np.ndarray) -> LinearModel | None:
    """Fit a logistic regression (L2, C = 1, standardised columns) on judged criteria; None when there are too few
    (fewer than MIN_CRITERION_LABELS, or fewer than MIN_EACH_OUTCOME of either outcome)."""
    met = np.asarray(y) >= 0.5
    if len(met) < MIN_CRITERION_LABELS or min(met.sum(), (~met).sum()) < MIN_EACH_OUTCOME:
        return None
    from sklearn.linear_model import LogisticRegression

    # Standardised columns, so the penalty treats a feature with a narrow range (the sentence
    # match) like one with a wide range (the item's log-odds); the scaling folds into the weights.
    x = np.asarray(x, dtype=np.float64)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd < 1e-9] = 1.0
    lr = LogisticRegression(C=1.0, max_iter=1000).fit((x - mu) / sd, met)
    w = lr.coef_[0] / sd
    return LinearModel(
        names=CRITERION_FEATURES,
        weights=tuple(float(v) for v in w),
        intercept=float(lr.intercept_[0] - mu @ w),
        link="logistic",
    )


def criterion_probabilities(model: LinearModel, table: np.ndarray, bound: float) -> np.ndarray:
    """Return each criterion's probability of being met, within [bound, 1 - bound]."""
    if table.shape[0] == 0:
        return np.zeros(0)
    return np.asarray(np.clip(model.predict(table), bound, 1 - bound), dtype=np.float64)

