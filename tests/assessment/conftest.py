"""Fixtures for the pre-scoring tests: the real model, Mohler data, fitted calibrations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

# Test modules import the helper modules next to this file by their (unique) names.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from prescore_fixtures import HISTORY_QUESTIONS, MOHLER, PASS_MARK, mohler_item  # noqa: E402

from assessment import Calibration, GradedExample, fit_calibration  # noqa: E402
from embeddings import CachedEncoder, default_encoder  # noqa: E402


@pytest.fixture(scope="session")
def encoder() -> CachedEncoder:
    return default_encoder()


@pytest.fixture(scope="session")
def mohler_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in MOHLER.open(encoding="utf-8")]


@pytest.fixture(scope="session")
def global_calibration(mohler_rows: list[dict[str, Any]], encoder: CachedEncoder) -> Calibration:
    """Global calibration fitted on all answers of the 12 questions not used as test badges."""
    train_q = sorted({r["question_id"] for r in mohler_rows} - set(HISTORY_QUESTIONS))
    examples = [GradedExample(mohler_item(r), r["score"] / 5.0) for r in mohler_rows if r["question_id"] in train_q]
    return fit_calibration(examples, encoder, pass_mark=PASS_MARK)
