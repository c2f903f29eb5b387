"""The values that cross the package boundary: evidence in, pre-score out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assessment.evidence import Segment
from assessment.rubric import Criterion

BANDS = ("likely_pass", "needs_review", "likely_fail")
FLAG_CODES = (
    "near_duplicate",
    "restates_prompt",
    "keyword_stuffing",
    "too_little_text",
    "off_topic",
    "extraction_failed",
)


@dataclass(frozen=True)
class EvidenceItem:
    """One submission to pre-score: its badge's rubric and the evidence's text segments.

    ``owner`` is the learner (peers with the same owner are never duplicates), ``references``
    reference or exemplar answers for the whole badge, ``prompt`` the badge's name and
    description as shown to learners, ``failed_files`` files whose extraction failed.
    """

    id: str
    badge_id: str
    owner: str
    criteria: tuple[Criterion, ...]
    segments: tuple[Segment, ...]
    references: tuple[str, ...] = ()
    prompt: str = ""
    failed_files: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """Return all evidence text, segments joined by blank lines."""
        return "\n\n".join(s.text for s in self.segments if s.text.strip())


@dataclass(frozen=True)
class Passage:
    """A supporting passage; ``start``/``end`` are char offsets in the source's full text."""

    source: str
    locator: str
    start: int
    end: int
    text: str
    similarity: float

    def to_json(self) -> dict[str, Any]:
        """Return this passage as a JSON-safe dict."""
        return {
            "source": self.source,
            "locator": self.locator,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class CriterionScore:
    """A criterion's score (model scale, [0, 1]), probability it is met, and its passages."""

    id: str
    score: float
    probability: float
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at; ``code`` is one of FLAG_CODES."""

    code: str
    message: str
    related_id: str | None = None


@dataclass(frozen=True)
class Peer:
    """Another submission to the same badge, by its document vector (for duplicate search)."""

    id: str
    owner: str
    vector: np.ndarray = field(compare=False)


@dataclass(frozen=True)
class ScoreBasis:
    """What a pre-score rests on, so a reviewer can judge how far to trust it.

    ``calibration`` is ``"default"`` (hand-set, nothing learned yet), ``"global"`` (learned from
    reviewer decisions across badges) or ``"badge"`` (learned from this badge's own decisions),
    with the number of graded ``examples`` behind it; ``context`` is the stage that scored it:
    ``"content"`` (the evidence alone), ``"peers"`` (beside other submissions) or ``"history"``
    (beside the badge's graded submissions).
    """

    calibration: str
    examples: int
    context: str

    def to_json(self) -> dict[str, Any]:
        return {"calibration": self.calibration, "examples": self.examples, "context": self.context}


@dataclass(frozen=True)
class PreScore:
    """The pre-score of one submission.

    ``score`` estimates the probability that a reviewer approves; ``band`` is one of BANDS;
    ``vector`` is the evidence's document vector, for later peer search.
    """

    item_id: str
    score: float
    band: str
    confidence: float
    criteria: tuple[CriterionScore, ...]
    flags: tuple[Flag, ...]
    model_version: str
    calibration_version: str
    basis: ScoreBasis
    vector: np.ndarray = field(compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-safe dict of everything but the vector."""
        return {
            "score": round(self.score, 6),
            "band": self.band,
            "confidence": round(self.confidence, 6),
            "criteria": [
                {
                    "id": c.id,
                    "score": round(c.score, 6),
                    "probability": round(c.probability, 6),
                    "passages": [p.to_json() for p in c.passages],
                }
                for c in self.criteria
            ],
            "flags": [{"code": f.code, "message": f.message, "related_id": f.related_id} for f in self.flags],
            "model_version": self.model_version,
            "calibration_version": self.calibration_version,
            "basis": self.basis.to_json(),
        }
