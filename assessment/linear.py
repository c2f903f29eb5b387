"""Small JSON-serialisable models: ridge-style linear scorers and isotonic maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    """``link(intercept + weights . x)`` over named features; link is identity or logistic."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    link: str = "identity"

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Return predictions for rows of ``x`` (columns in ``names`` order), clipped to [0, 1]."""
        z = np.atleast_2d(x) @ np.asarray(self.weights) + self.intercept
        if self.link == "logistic":
            z = 1.0 / (1.0 + np.exp(-z))
        return np.clip(z, 0.0, 1.0)

    def to_json(self) -> dict[str, Any]:
        """Return this model as a JSON-safe dict."""
        return {
            "names": list(self.names),
            "weights": [float(w) for w in self.weights],
            "intercept": float(self.intercept),
            "link": self.link,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        """Rebuild a model from :meth:`to_json` output."""
        return cls(
            names=tuple(str(n) for n in data["names"]),
            weights=tuple(float(w) for w in data["weights"]),
            intercept=float(data["intercept"]),
            link=str(data.get("link", "identity")),
        )


def fit_ridge(x: np.ndarray, y: np.ndarray, names: Sequence[str], alpha: float = 1.0) -> LinearModel:
    """Fit ridge regression on standardised columns and fold the scaling into the weights."""
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-9] = 1.0
    z = (x - mu) / sd
    ym = float(y.mean())
    a = z.T @ z + alpha * np.eye(z.shape[1])
    beta = np.linalg.solve(a, z.T @ (y - ym))
    w = beta / sd
    return LinearModel(tuple(names), tuple(float(v) for v in w), float(ym - mu @ w))


@dataclass(frozen=True)
class IsotonicMap:
    """A monotone piecewise-linear map from raw model output to calibrated score."""

    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        """Map raw scores through the fitted curve (identity, clipped, if none was fitted)."""
        if len(self.xs) < 2:
            return np.clip(raw, 0.0, 1.0)
        return np.interp(raw, self.xs, self.ys)

    def to_json(self) -> dict[str, Any]:
        """Return the curve's knots as a JSON-safe dict."""
        return {"xs": [float(v) for v in self.xs], "ys": [float(v) for v in self.ys]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IsotonicMap:
        """Rebuild a map from :meth:`to_json` output."""
        return cls(tuple(float(v) for v in data["xs"]), tuple(float(v) for v in data["ys"]))


def fit_isotonic(raw: np.ndarray, y: np.ndarray) -> IsotonicMap:
    """Fit an increasing isotonic map from ``raw`` to ``y`` (both 1-D)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    iso.fit(raw, y)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    # Flat runs turn ties into equal scores; a tiny slope keeps the ranking of distinct inputs.
    ys = ys + 1e-4 * (xs - xs.min()) / max(float(xs.max() - xs.min()), 1e-9)
    return IsotonicMap(tuple(xs.tolist()), tuple(np.clip(ys, 0.0, 1.0).tolist()))
