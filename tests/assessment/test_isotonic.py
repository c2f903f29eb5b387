"""The calibration curve: calibrated like isotonic regression, without turning scores into ties."""

from __future__ import annotations

import numpy as np

from assessment.models import IsotonicMap, fit_isotonic


def _noisy_outcomes(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    raw = rng.uniform(0.0, 1.0, n)
    y = (rng.uniform(0.0, 1.0, n) < raw**2).astype(float)
    return raw, y


def test_distinct_raw_scores_stay_distinct_and_ordered() -> None:
    raw, y = _noisy_outcomes()
    curve = fit_isotonic(raw, y)
    mapped = curve(np.sort(raw))
    inside = (mapped > mapped.min()) & (mapped < mapped.max())
    assert np.all(np.diff(mapped) >= 0)
    assert np.all(np.diff(mapped[inside]) > 0), "scores inside the curve's range never tie"
    assert inside.mean() > 0.8, "only the extremes are clipped"


def test_curve_is_calibrated_like_isotonic_regression() -> None:
    from sklearn.isotonic import IsotonicRegression

    raw, y = _noisy_outcomes()
    ours = fit_isotonic(raw, y)(raw)
    steps = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y).predict(raw)
    assert abs(ours.mean() - y.mean()) < 0.02
    assert np.max(np.abs(ours - steps)) < 0.25
    # Ten bins of the curve's output each hold about the outcome rate they promise.
    order = np.argsort(ours)
    for chunk in np.array_split(order, 10):
        assert abs(ours[chunk].mean() - y[chunk].mean()) < 0.12


def test_a_constant_outcome_maps_every_score_to_it() -> None:
    raw = np.linspace(0.2, 0.8, 50)
    curve = fit_isotonic(raw, np.full(50, 0.75))
    assert np.allclose(curve(np.asarray([-1.0, 0.5, 2.0])), 0.75)


def test_finite_evidence_never_reads_as_certainty() -> None:
    raw = np.linspace(0.0, 1.0, 80)
    y = (raw > 0.5).astype(float)  # perfectly separated: 40 rejections, then 40 approvals
    mapped = fit_isotonic(raw, y)(np.asarray([-1.0, 0.0, 1.0, 2.0]))
    assert 0.0 < mapped[0] == mapped[1] < 0.01 and 0.99 < mapped[2] == mapped[3] < 1.0
    assert np.allclose(fit_isotonic(raw, np.ones(80))(raw), 80.5 / 81)


def test_an_unfitted_curve_is_the_clipped_identity() -> None:
    assert np.allclose(IsotonicMap()(np.asarray([-1.0, 0.5, 2.0])), [0.0, 0.5, 1.0])
