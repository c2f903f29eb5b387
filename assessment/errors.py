"""One error hierarchy for the assessment package."""

from __future__ import annotations


class AssessmentError(ValueError):
    """Base class of every error the assessment package raises on bad input."""


class CalibrationError(AssessmentError):
    """A calibration cannot be fitted or read back (bad data, unknown format)."""


class BatchInputError(AssessmentError):
    """A line of a batch input or training file is malformed; ``line_no`` is 1-based."""

    def __init__(self, line_no: int, reason: str, *, file: str = "input") -> None:
        super().__init__(f"{file} line {line_no}: {reason}")
        self.line_no = line_no
        self.file = file
        self.reason = reason
