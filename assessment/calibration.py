"""Calibration: from features to the probability that a reviewer approves, learned from history.

A calibration holds up to three *stages*, each a model with its isotonic curve and band
thresholds: ``content`` (the evidence against the rubric and references only), ``peers`` (plus
how it resembles other submissions to the badge) and ``history`` (plus the badge's graded
submissions). The global calibration is fitted across badges; a badge with enough graded
history gets its own, which carries that history and thresholds checked on it. Every
calibration is versioned by a hash of its parameters, so each pre-score records what made it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assessment.criteria import CRITERION_FEATURES, DEFAULT_CRITERION_MODEL
from assessment.errors import CalibrationError
from assessment.models import IsotonicMap, LinearModel, TreeEnsemble, model_from_json
from assessment.submission import EvidenceItem
from embeddings import Encoder

DEFAULT_PASS_THRESHOLD = 0.85
DEFAULT_FAIL_THRESHOLD = 0.25
MIN_BADGE_EXAMPLES = 10
MIN_STAGE_ROWS = 20  # a global stage is fitted only on at least this many examples
HAND_SET_BOUND = 0.01  # a hand-set criterion model says 99% at most
MAX_HISTORY = 500  # most recent graded submissions a badge calibration keeps
MAX_HISTORY_STEMS = 400
STAGES = ("content", "peers", "history")

# Hand-set before any reviewer decision exists: similarity to the targets dominates, word
# overlap with question words demoted corroborates. Deliberately not fitted to any data set.
DEFAULT_CONTENT_MODEL = LinearModel(
    names=("cos_max", "ovl_recall"),
    weights=(9.0, 3.0),
    intercept=-9.0 * 0.45 - 3.0 * 0.3,
    link="logistic",
)
# A badge with history but no fitted history stage: half content score, half kNN outcome.
DEFAULT_HISTORY_MODEL = LinearModel(names=("content_score", "knn"), weights=(0.5, 0.5), intercept=0.0)


@dataclass(frozen=True)
class GradedExample:
    """A reviewed submission: its evidence and the outcome in [0, 1] (approve=1, reject=0).

    ``criteria`` holds the reviewer's judgement of the criteria they judged (criterion id ->
    1 met, 0 not met); the criterion model learns from these.
    """

    item: EvidenceItem
    score: float
    criteria: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    """One scoring path: a model over named features, its isotonic curve, band thresholds."""

    model: LinearModel | TreeEnsemble
    iso: IsotonicMap = IsotonicMap()
    pass_threshold: float = DEFAULT_PASS_THRESHOLD
    fail_threshold: float = DEFAULT_FAIL_THRESHOLD
    thresholds_learned: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return this stage as a JSON-safe dict."""
        return {
            "model": self.model.to_json(),
            "iso": self.iso.to_json(),
            "pass_threshold": float(self.pass_threshold),
            "fail_threshold": float(self.fail_threshold),
            "thresholds_learned": bool(self.thresholds_learned),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stage:
        """Rebuild a stage from :meth:`to_json` output."""
        return cls(
            model=model_from_json(data["model"]),
            iso=IsotonicMap.from_json(data.get("iso", {"xs": [], "ys": []})),
            pass_threshold=float(data.get("pass_threshold", DEFAULT_PASS_THRESHOLD)),
            fail_threshold=float(data.get("fail_threshold", DEFAULT_FAIL_THRESHOLD)),
            thresholds_learned=bool(data.get("thresholds_learned", False)),
        )


@dataclass(frozen=True)
class HistoryEntry:
    """A graded submission kept in a badge calibration: document vector, stems, outcome."""

    vector: np.ndarray = field(compare=False)
    score: float = 0.0
    stems: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # distinct content words, for soft alignment


def _default_stages() -> dict[str, Stage]:
    return {"content": Stage(DEFAULT_CONTENT_MODEL)}


@dataclass(frozen=True)
class Calibration:
    """Fitted parameters that turn features into a calibrated score and a band.

    ``badge_id`` is None for the global calibration. ``pass_mark`` is the outcome at or above
    which an example counts as approved. ``history`` and ``history_stats`` (mean and spread of
    the content features over it) are set on badge calibrations; ``idf`` holds document
    frequencies of word stems seen in training (``n_docs`` documents). ``criteria`` turns the
    item's score and each criterion's own evidence into the probability it is met; it was
    fitted on ``criterion_labels`` reviewer judgements (0: hand-set).
    """

    version: str
    badge_id: str | None
    stages: Mapping[str, Stage] = field(default_factory=_default_stages)
    pass_mark: float = 0.5
    history: tuple[HistoryEntry, ...] = ()
    history_stats: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())
    idf: Mapping[str, int] = field(default_factory=dict, repr=False)
    n_docs: int = 0
    n_examples: int = 0
    model_version: str = ""
    criteria: LinearModel = DEFAULT_CRITERION_MODEL
    criterion_labels: int = 0
    stats: Mapping[str, float] = field(default_factory=dict, compare=False)

    @property
    def criterion_bound(self) -> float:
        """How close to 0 or 1 a criterion probability may come (rule of succession once fitted)."""
        return 0.5 / (self.criterion_labels + 1) if self.criterion_labels else HAND_SET_BOUND

    def to_json(self) -> dict[str, Any]:
        """Return every parameter as a JSON-safe dict (history vectors as base64 float16)."""
        return {
            "version": self.version,
            "badge_id": self.badge_id,
            "stages": {k: v.to_json() for k, v in sorted(self.stages.items())},
            "pass_mark": self.pass_mark,
            "history": [
                {"v": _pack(h.vector), "s": round(float(h.score), 6), "w": list(h.stems), "t": list(h.words)}
                for h in self.history
            ],
            "history_stats": [list(self.history_stats[0]), list(self.history_stats[1])],
            "idf": dict(sorted(self.idf.items())),
            "n_docs": self.n_docs,
            "n_examples": self.n_examples,
            "model_version": self.model_version,
            "criteria": self.criteria.to_json(),
            "criterion_labels": self.criterion_labels,
            "stats": {k: float(v) for k, v in sorted(self.stats.items())},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Calibration:
        """Rebuild a calibration from :meth:`to_json` output; raises CalibrationError if bad."""
        try:
            stats = data.get("history_stats") or [[], []]
            return cls(
                version=str(data["version"]),
                badge_id=None if data.get("badge_id") is None else str(data["badge_id"]),
                stages={str(k): Stage.from_json(v) for k, v in dict(data["stages"]).items()},
                pass_mark=float(data.get("pass_mark", 0.5)),
                history=tuple(
                    HistoryEntry(_unpack(h["v"]), float(h["s"]), tuple(h.get("w", ())), tuple(h.get("t", ())))
                    for h in data.get("history", [])
                ),
                history_stats=(
                    tuple(float(v) for v in stats[0]),
                    tuple(float(v) for v in stats[1]),
                ),
                idf={str(k): int(v) for k, v in dict(data.get("idf", {})).items()},
                n_docs=int(data.get("n_docs", 0)),
                n_examples=int(data.get("n_examples", 0)),
                model_version=str(data.get("model_version", "")),
                criteria=_criterion_model(data.get("criteria")),
                criterion_labels=int(data.get("criterion_labels", 0)),
                stats={str(k): float(v) for k, v in dict(data.get("stats", {})).items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise CalibrationError(f"malformed calibration: {exc}") from exc

    def history_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the history's vectors (n x dim) and outcomes (n)."""
        if not self.history:
            return np.zeros((0, 0), np.float32), np.zeros(0)
        vecs = np.stack([h.vector for h in self.history]).astype(np.float32)
        return vecs, np.asarray([h.score for h in self.history], dtype=np.float64)


def _criterion_model(data: Mapping[str, Any] | None) -> LinearModel:
    """The stored criterion model; the hand-set one for calibrations stored before it existed."""
    if data is None:
        return DEFAULT_CRITERION_MODEL
    model = model_from_json(data)
    if not isinstance(model, LinearModel) or model.names != CRITERION_FEATURES:
        raise CalibrationError(f"the criterion model must be linear over {', '.join(CRITERION_FEATURES)}")
    return model


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
    kind = "global" if cal.badge_id is None else f"badge-{cal.badge_id}"
    return replace(cal, version=f"{kind}-n{cal.n_examples}-{digest}")


DEFAULT_CALIBRATION = versioned(Calibration(version="", badge_id=None))


def fit_calibration(
    examples: Sequence[GradedExample],
    encoder: Encoder,
    *,
    badge_id: str | None = None,
    base: Calibration | None = None,
    pass_mark: float | None = None,
    min_examples: int = MIN_BADGE_EXAMPLES,
) -> Calibration:
    """Fit a calibration from graded examples.

    With ``badge_id`` None: a global one across all the examples' badges (from at least
    MIN_STAGE_ROWS examples with both outcomes). Otherwise: one for
    that badge (only its own examples are used), built on ``base`` (the global one), when it
    has at least ``min_examples`` examples with both outcomes; else ``base`` itself is returned.
    ``pass_mark`` defaults to the base's (0.5). Raises CalibrationError on outcomes outside [0, 1].
    """
    from assessment.fitting import fit_badge, fit_global

    for ex in examples:
        if not 0.0 <= ex.score <= 1.0:
            raise CalibrationError(f"example {ex.item.id}: score {ex.score} not in [0, 1]")
        for cid, value in ex.criteria.items():
            if not 0.0 <= value <= 1.0:
                raise CalibrationError(f"example {ex.item.id}: criterion {cid} judged {value}, not in [0, 1]")
    base = base or DEFAULT_CALIBRATION
    mark = base.pass_mark if pass_mark is None else pass_mark
    own = list(examples) if badge_id is None else [ex for ex in examples if ex.item.badge_id == badge_id]
    outcomes = [ex.score >= mark for ex in own]
    enough = min_examples if badge_id is not None else max(min_examples, MIN_STAGE_ROWS)
    if len(own) < enough or all(outcomes) or not any(outcomes):
        return base
    if badge_id is None:
        return versioned(fit_global(own, encoder, pass_mark=mark))
    return versioned(fit_badge(own[-MAX_HISTORY:], encoder, badge_id=badge_id, base=base))
