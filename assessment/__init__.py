"""Evidence pre-scoring: chunking, rubric similarity, calibration from reviews, flags."""

from assessment.batch import run_backtest, run_prescore
from assessment.calibration import (
    DEFAULT_CALIBRATION,
    Calibration,
    GradedExample,
    fit_calibration,
)
from assessment.chunking import Chunk, chunk_segments
from assessment.errors import AssessmentError, BatchInputError, CalibrationError
from assessment.evidence import Segment
from assessment.featurize import warm_up_rubrics
from assessment.prescore import (
    CriterionScore,
    EvidenceItem,
    Flag,
    Passage,
    Peer,
    PreScore,
    ScoreBasis,
    prescore_batch,
)
from assessment.rubric import Criterion

__all__ = [
    "DEFAULT_CALIBRATION",
    "AssessmentError",
    "BatchInputError",
    "Calibration",
    "CalibrationError",
    "Chunk",
    "Criterion",
    "CriterionScore",
    "EvidenceItem",
    "Flag",
    "GradedExample",
    "Passage",
    "Peer",
    "PreScore",
    "ScoreBasis",
    "Segment",
    "chunk_segments",
    "fit_calibration",
    "prescore_batch",
    "run_backtest",
    "run_prescore",
    "warm_up_rubrics",
]
