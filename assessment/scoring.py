"""From feature rows to raw and calibrated scores under a calibration."""

from __future__ import annotations

import numpy as np

from assessment.calibration import Calibration, default_history_model
from assessment.features import history_features
from assessment.linear import LinearModel


def history_model_of(cal: Calibration) -> LinearModel:
    """Return the calibration's history model, or the hand-set default."""
    return cal.history_model or default_history_model()


def raw_scores(
    cal: Calibration, content_rows: np.ndarray, hist_rows: np.ndarray | None
) -> np.ndarray:
    """Return raw scores for content rows (n x CONTENT) and optional history rows (n x HISTORY)."""
    content = cal.content_model.predict(content_rows)
    if hist_rows is None:
        return content
    x = np.column_stack([content, hist_rows])
    return history_model_of(cal).predict(x)


def calibrated(cal: Calibration, raw: np.ndarray, with_history: bool) -> np.ndarray:
    """Map raw scores to calibrated ones with the calibration's isotonic curve."""
    return (cal.history_iso if with_history else cal.content_iso)(raw)


def history_rows(cal: Calibration, doc_vecs: np.ndarray) -> np.ndarray | None:
    """Return history features of each document against the calibration's history, if any."""
    if not cal.history:
        return None
    vecs, scores = cal.history_arrays()
    return np.stack([history_features(d, vecs, scores, cal.pass_mark) for d in doc_vecs])


def band_of(cal: Calibration, score: float) -> str:
    """Return the band of a calibrated score under the calibration's thresholds."""
    if score >= cal.pass_threshold:
        return "likely_pass"
    if score <= cal.fail_threshold:
        return "likely_fail"
    return "needs_review"
