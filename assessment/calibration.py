"""Calibration: from features to the probability that a reviewer approves, learned from history.

A global calibration is fitted across badges from graded examples; a badge with enough graded
history of its own gets a per-badge calibration that adds its graded submissions (for nearest-
neighbour features) and thresholds learned from its own outcomes. Every calibration is
versioned by a hash of its parameters, so each pre-score records what produced it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assessment.errors import CalibrationError
from assessment.features import CONTENT_FEATURES, HISTORY_FEATURES
from assessment.linear import IsotonicMap, LinearModel
from assessment.submission import EvidenceItem

DEFAULT_PASS_THRESHOLD = 0.85
DEFAULT_FAIL_THRESHOLD = 0.25
MIN_BADGE_EXAMPLES = 20

# Hand-set before any reviewer decision exists: similarity to the targets dominates, word
# overlap (question words demoted) corroborates. Not fitted to any data set.
DEFAULT_CONTENT_MODEL = LinearModel(
    names=CONTENT_FEATURES,
    weights=tuple({"cos_max": 9.0, "ovl_recall": 3.0}.get(n, 0.0) for n in CONTENT_FEATURES),
    intercept=-9.0 * 0.45 - 3.0 * 0.3,
    link="logistic",
)
# Used by a badge calibration whose base has no fitted history model: half content, half kNN.
DEFAULT_HISTORY_WEIGHTS = {"content": 0.5, "knn": 0.5}


@dataclass(frozen=True)
class GradedExample:
    """A reviewed submission: its evidence and the outcome in [0, 1] (approve=1, reject=0)."""

    item: EvidenceItem
    score: float


@dataclass(frozen=True)
class HistoryEntry:
    """One graded submission kept in a badge calibration: its document vector and outcome."""

    vector: np.ndarray = field(compare=False)
    score: float = 0.0


@dataclass(frozen=True)
class Calibration:
    """Fitted parameters that turn features into a calibrated score and a band.

    ``badge_id`` is None for the global calibration. ``content_model`` scores evidence from
    content features alone; ``history_model`` (content + history features) is used when
    ``history`` holds graded submissions of the badge. ``pass_mark`` is the outcome at or above
    which an example counts as approved.
    """

    version: str
    badge_id: str | None
    content_model: LinearModel = DEFAULT_CONTENT_MODEL
    history_model: LinearModel | None = None
    content_iso: IsotonicMap = IsotonicMap()
    history_iso: IsotonicMap = IsotonicMap()
    pass_threshold: float = DEFAULT_PASS_THRESHOLD
    fail_threshold: float = DEFAULT_FAIL_THRESHOLD
    thresholds_learned: bool = False
    pass_mark: float = 0.5
    history: tuple[HistoryEntry, ...] = ()
    n_examples: int = 0
    model_version: str = ""
    stats: Mapping[str, float] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return every parameter as a JSON-safe dict (history vectors as base64 float16)."""
        return {
            "version": self.version,
            "badge_id": self.badge_id,
            "content_model": self.content_model.to_json(),
            "history_model": self.history_model.to_json() if self.history_model else None,
            "content_iso": self.content_iso.to_json(),
            "history_iso": self.history_iso.to_json(),
            "pass_threshold": self.pass_threshold,
            "fail_threshold": self.fail_threshold,
            "thresholds_learned": self.thresholds_learned,
            "pass_mark": self.pass_mark,
            "history": [
                {"v": _pack(h.vector), "s": round(float(h.score), 6)} for h in self.history
            ],
            "n_examples": self.n_examples,
            "model_version": self.model_version,
            "stats": {k: float(v) for k, v in self.stats.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration from :meth:`to_json` output; raises CalibrationError if bad."""
        try:
            hm = data.get("history_model")
            return cls(
                version=str(data["version"]),
                badge_id=None if data.get("badge_id") is None else str(data["badge_id"]),
                content_model=LinearModel.from_json(data["content_model"]),
                history_model=LinearModel.from_json(hm) if hm else None,
                content_iso=IsotonicMap.from_json(data.get("content_iso", {"xs": [], "ys": []})),
                history_iso=IsotonicMap.from_json(data.get("history_iso", {"xs": [], "ys": []})),
                pass_threshold=float(data.get("pass_threshold", DEFAULT_PASS_THRESHOLD)),
                fail_threshold=float(data.get("fail_threshold", DEFAULT_FAIL_THRESHOLD)),
                thresholds_learned=bool(data.get("thresholds_learned", False)),
                pass_mark=float(data.get("pass_mark", 0.5)),
                history=tuple(
                    HistoryEntry(_unpack(h["v"]), float(h["s"])) for h in data.get("history", [])
                ),
                n_examples=int(data.get("n_examples", 0)),
                model_version=str(data.get("model_version", "")),
                stats={str(k): float(v) for k, v in dict(data.get("stats", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"malformed calibration: {exc}") from exc

    def history_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the history's vectors (n x dim) and outcomes (n)."""
        if not self.history:
            return np.zeros((0, 0), np.float32), np.zeros(0)
        vecs = np.stack([h.vector for h in self.history]).astype(np.float32)
        return vecs, np.asarray([h.score for h in self.history], dtype=np.float64)


def _pack(vec: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vec, dtype="<f2").tobytes()).decode("ascii")


def _unpack(text: str) -> np.ndarray:
    arr = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
    norm = float(np.linalg.norm(arr))
    return arr / norm if norm else arr


def versioned(cal: Calibration) -> Calibration:
    """Return ``cal`` with its version set from a hash of its parameters."""
    body = cal.to_json()
    body.pop("version")
    body.pop("stats")
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    kind = "global" if cal.badge_id is None else "badge"
    return replace(cal, version=f"{kind}-n{cal.n_examples}-{digest}")


DEFAULT_CALIBRATION = versioned(Calibration(version="", badge_id=None))


def default_history_model() -> LinearModel:
    """Return the hand-set history model: the mean of the content score and the kNN outcome."""
    names = ("content", *HISTORY_FEATURES)
    return LinearModel(
        names=names,
        weights=tuple(DEFAULT_HISTORY_WEIGHTS.get(n, 0.0) for n in names),
        intercept=0.0,
    )


def fit_calibration(
    examples: Sequence[GradedExample],
    encoder: Any,
    *,
    badge_id: str | None = None,
    base: Calibration | None = None,
    pass_mark: float = 0.5,
    min_examples: int = MIN_BADGE_EXAMPLES,
) -> Calibration:
    """Fit a calibration from graded examples.

    With ``badge_id`` None, a global one across all examples' badges; otherwise one for that
    badge, built on ``base`` (the global one), when it has at least ``min_examples`` examples
    with both outcomes, else ``base`` itself. Raises CalibrationError on outcomes outside [0, 1].
    """
    from assessment.fitting import fit_badge, fit_global

    for ex in examples:
        if not 0.0 <= ex.score <= 1.0:
            raise CalibrationError(f"example {ex.item.id}: score {ex.score} not in [0, 1]")
    base = base or DEFAULT_CALIBRATION
    outcomes = [ex.score >= pass_mark for ex in examples]
    if len(examples) < min_examples or all(outcomes) or not any(outcomes):
        return base
    if badge_id is None:
        return versioned(fit_global(examples, encoder, pass_mark=pass_mark))
    own = [ex for ex in examples if ex.item.badge_id == badge_id] or list(examples)
    return versioned(fit_badge(own, encoder, badge_id=badge_id, base=base, pass_mark=pass_mark))
