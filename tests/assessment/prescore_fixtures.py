"""Shared helpers for the pre-scoring tests (imported by name: see conftest.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assessment import Criterion, EvidenceItem, Segment

# A committed subset (see data/README.md): tests never depend on files outside the repository.
MOHLER = Path(__file__).resolve().parent / "data" / "mohler2011_subset.jsonl"
# Questions used as "badges with history" in the tests: a few, to keep the suite quick.
HISTORY_QUESTIONS = ("1.1", "3.4", "4.3", "11.1")
PASS_MARK = 0.8


class CountingEncoder:
    """The real encoder, counting model calls and texts (to check batching)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.version = inner.version
        self.dim = inner.dim
        self.calls: list[int] = []
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        self.texts.extend(texts)
        return self.inner.encode(texts)


def mohler_item(row: dict[str, Any]) -> EvidenceItem:
    """A Mohler answer as an evidence item (question -> badge, question text -> criterion)."""
    return EvidenceItem(
        id=row["id"],
        badge_id=f"q{row['question_id']}",
        owner=row["id"],
        criteria=(Criterion(id="answer", title="", description=row["question"]),),
        segments=(Segment(text=row["answer"], source="statement"),),
        references=tuple(row["references"]),
    )
