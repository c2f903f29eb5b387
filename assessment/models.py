"""Small JSON-serialisable models: linear scorers, boosted trees, isotonic maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assessment.errors import CalibrationError


class Model(Protocol):
    """Scores rows of named features."""

    names: tuple[str, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return one score per row of ``x`` (columns in ``names`` order)."""
        ...

    def to_json(self) -> dict[str, Any]:
        """Return the model as a JSON-safe dict."""
        ...


@dataclass(frozen=True)
class LinearModel:
    """``link(intercept + weights . x)`` over named features; link is identity or logistic."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    link: str = "identity"

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return predictions for rows of ``x``, clipped to [0, 1]."""
        z = np.atleast_2d(x) @ np.asarray(self.weights) + self.intercept
        if self.link == "logistic":
            z = 1.0 / (1.0 + np.exp(-z))
        return np.asarray(np.clip(z, 0.0, 1.0), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """Return this model as a JSON-safe dict."""
        return {
            "kind": "linear",
            "names": list(self.names),
            "weights": [float(w) for w in self.weights],
            "intercept": float(self.intercept),
            "link": self.link,
        }


@dataclass(frozen=True)
class Tree:
    """One regression tree in flat arrays (``left`` = -1 marks a leaf)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return the leaf value reached by each row of ``x``."""
        feat, thr = np.asarray(self.feature), np.asarray(self.threshold)
        left, right = np.asarray(self.left), np.asarray(self.right)
        node = np.zeros(x.shape[0], dtype=np.int64)
        rows = np.arange(x.shape[0])
        while True:
            inner = left[node] >= 0
            if not inner.any():
                break
            go_left = x[rows, np.maximum(feat[node], 0)] <= thr[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        return np.asarray(self.value)[node]


@dataclass(frozen=True)
class TreeEnsemble:
    """Gradient-boosted regression trees: ``init + rate * sum(tree(x))``, clipped to [0, 1]."""

    names: tuple[str, ...]
    init: float
    rate: float
    trees: tuple[Tree, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return predictions for rows of ``x``."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        out = np.full(x.shape[0], self.init)
        for tree in self.trees:
            out += self.rate * tree.predict(x)
        return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """Return this ensemble as a JSON-safe dict."""
        return {
            "kind": "trees",
            "names": list(self.names),
            "init": self.init,
            "rate": self.rate,
            "trees": [
                {
                    "f": list(t.feature),
                    "t": [round(v, 7) for v in t.threshold],
                    "l": list(t.left),
                    "r": list(t.right),
                    "v": [round(v, 7) for v in t.value],
                }
                for t in self.trees
            ],
        }


def model_from_json(data: Mapping[str, Any]) -> LinearModel | TreeEnsemble:
    """Rebuild a model from its ``to_json`` output; raises CalibrationError if unknown."""
    kind = data.get("kind", "linear")
    names = tuple(str(n) for n in data["names"])
    if kind == "linear":
        return LinearModel(
            names=names,
            weights=tuple(float(w) for w in data["weights"]),
            intercept=float(data["intercept"]),
            link=str(data.get("link", "identity")),
        )
    if kind == "trees":
        trees = tuple(
            Tree(
                feature=tuple(int(v) for v in t["f"]),
                threshold=tuple(float(v) for v in t["t"]),
                left=tuple(int(v) for v in t["l"]),
                right=tuple(int(v) for v in t["r"]),
                value=tuple(float(v) for v in t["v"]),
            )
            for t in data["trees"]
        )
        return TreeEnsemble(names, float(data["init"]), float(data["rate"]), trees)
    raise CalibrationError(f"unknown model kind {kind!r}")


def fit_ridge(x: np.ndarray, y: np.ndarray, names: Sequence[str], alpha: float = 1.0) -> LinearModel:
    """Fit ridge regression on standardised columns and fold the scaling into the weights."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-9] = 1.0
    z = (x - mu) / sd
    ym = float(y.mean())
    beta = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ (y - ym))
    w = beta / sd
    return LinearModel(tuple(names), tuple(float(v) for v in w), float(ym - mu @ w))


def fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    n_trees: int = 200,
    depth: int = 3,
    rate: float = 0.05,
    seed: int = 0,
) -> TreeEnsemble:
    """Fit gradient-boosted trees (squared loss, row subsampling) and export them flat."""
    from sklearn.ensemble import GradientBoostingRegressor

    gbr = GradientBoostingRegressor(
        n_estimators=n_trees, max_depth=depth, learning_rate=rate, subsample=0.8, random_state=seed
    )
    gbr.fit(x, y)
    trees = []
    for est in gbr.estimators_[:, 0]:
        t = est.tree_
        trees.append(
            Tree(
                feature=tuple(int(v) for v in t.feature),
                threshold=tuple(float(v) for v in t.threshold),
                left=tuple(int(v) for v in t.children_left),
                right=tuple(int(v) for v in t.children_right),
                value=tuple(float(v) for v in t.value[:, 0, 0]),
            )
        )
    init = float(np.asarray(gbr.init_.predict(x[:1])).ravel()[0])
    return TreeEnsemble(tuple(names), init, rate, tuple(trees))


@dataclass(frozen=True)
class IsotonicMap:
    """A monotone piecewise-linear map from raw model output to calibrated score."""

    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        """Map raw scores through the fitted curve (identity, clipped, if none was fitted)."""
        if len(self.xs) < 2:
            return np.asarray(np.clip(raw, 0.0, 1.0), dtype=np.float64)
        return np.asarray(np.interp(raw, self.xs, self.ys), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        """Return the curve's knots as a JSON-safe dict."""
        return {"xs": [float(v) for v in self.xs], "ys": [float(v) for v in self.ys]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IsotonicMap:
        """Rebuild a map from :meth:`to_json` output."""
        return cls(tuple(float(v) for v in data["xs"]), tuple(float(v) for v in data["ys"]))


def fit_isotonic(raw: np.ndarray, y: np.ndarray) -> IsotonicMap:
    """Fit an increasing map from ``raw`` to ``y`` (both 1-D): centred isotonic regression.

    Plain isotonic regression is a step function, so distinct raw scores on one step become
    ties and a reviewer's queue loses their order. Joining each step's value at the mean raw
    score of its members instead (Oron & Flournoy 2017) keeps the pooled calibration and makes
    the curve strictly increasing between the outermost step centres.

    The curve stays within [b, 1 - b], b = 0.5 / (n + 1) for n examples (the rule of
    succession's bound): forty approvals in a row are strong evidence, not a certainty.
    """
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    fitted = iso.fit(raw, y).predict(raw)
    levels = np.unique(fitted)
    xs = np.asarray([raw[fitted == v].mean() for v in levels], dtype=np.float64)
    lo, hi = float(raw.min()), float(raw.max())
    bound = 0.5 / (len(y) + 1)
    if len(xs) < 2:  # one outcome level: every score maps to it
        return IsotonicMap((lo, max(hi, lo + 1e-9)), (float(np.clip(levels[0], bound, 1 - bound)),) * 2)
    # Beyond the outer centres the curve goes on with its end segments' slopes (within [0, 1]),
    # so the highest and lowest scores keep their order too.
    slope_lo = (levels[1] - levels[0]) / (xs[1] - xs[0])
    slope_hi = (levels[-1] - levels[-2]) / (xs[-1] - xs[-2])
    xs = np.concatenate([[lo], xs, [hi]])
    ys = np.concatenate([[levels[0] - slope_lo * (xs[1] - lo)], levels, [levels[-1] + slope_hi * (hi - xs[-2])]])
    keep = np.concatenate([[xs[1] > lo], np.ones(len(levels), dtype=bool), [hi > xs[-2]]])
    return IsotonicMap(tuple(xs[keep].tolist()), tuple(np.clip(ys[keep], bound, 1 - bound).tolist()))
