"""Gamed evidence scores below the 25th percentile of a badge's genuine passing submissions."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from prescore_fixtures import HISTORY_QUESTIONS, PASS_MARK, mohler_item
from rubric_badge import CRITERIA, GENUINE, OFF_TOPIC, OTHER_BADGE_PASSING, PROMPT, badge_item

from assessment import (
    Calibration,
    GradedExample,
    PreScore,
    fit_calibration,
    prescore_batch,
)
from assessment.lexical import content_stems, words
from embeddings import CachedEncoder


def _stuffed(texts: list[str], seed: int = 0) -> str:
    """Keywords of the references and rubric strung together without sentences, repeated."""
    kws = [w for t in texts for w in words(t) if content_stems(w)]
    rng = random.Random(seed)
    kws = kws * 3
    rng.shuffle(kws)
    return " ".join(kws)


def _gamed_variants(question: str, references: list[str], other_passing: str) -> dict[str, str]:
    return {
        "restated_prompt": question,
        "keyword_stuffing": _stuffed([*references, question]),
        "off_topic": OFF_TOPIC,
        "empty": "",
        "other_badge_passing": other_passing,
    }


def _score(items: list[Any], encoder: CachedEncoder, cals: dict[str, Calibration], **kw: Any) -> list[PreScore]:
    return prescore_batch(items, encoder, calibrations=cals, **kw)


@pytest.mark.parametrize("question_id", HISTORY_QUESTIONS)
def test_gamed_mohler_evidence_scores_below_genuine_passes(
    question_id: str,
    mohler_rows: list[dict[str, Any]],
    encoder: CachedEncoder,
    global_calibration: Calibration,
) -> None:
    rows = [r for r in mohler_rows if r["question_id"] == question_id]
    history = [GradedExample(mohler_item(r), r["score"] / 5) for r in rows if r["split_ua"] == "train"]
    badge = f"q{question_id}"
    cal = fit_calibration(history, encoder, badge_id=badge, base=global_calibration, pass_mark=PASS_MARK)
    assert cal.badge_id == badge and cal.history
    genuine = [mohler_item(r) for r in rows if r["split_ua"] == "test" and r["score"] >= 4]
    genuine_scores = [p.score for p in _score(genuine, encoder, {badge: cal})]
    p25 = float(np.percentile(genuine_scores, 25))
    other = next(
        r for r in mohler_rows if r["question_id"].split(".")[0] != question_id.split(".")[0] and r["score"] == 5
    )
    template = rows[0]
    for kind, text in _gamed_variants(template["question"], template["references"], other["answer"]).items():
        row = {**template, "id": f"gamed-{kind}", "answer": text}
        [result] = _score([mohler_item(row)], encoder, {badge: cal})
        assert result.score < p25, f"{kind}: {result.score:.3f} not below p25 {p25:.3f} of {genuine_scores}"
        assert result.band != "likely_pass", kind


def test_gamed_rubric_evidence_scores_below_genuine_passes(
    encoder: CachedEncoder, global_calibration: Calibration
) -> None:
    genuine = [badge_item(f"g{i}", t) for i, t in enumerate(GENUINE)]
    genuine_scores = [p.score for p in prescore_batch(genuine, encoder, global_calibration=global_calibration)]
    p25 = float(np.percentile(genuine_scores, 25))
    rubric_words = [c.title + " " + c.description for c in CRITERIA]
    gamed = {
        "restated_prompt": PROMPT + " " + " ".join(rubric_words),
        "keyword_stuffing": _stuffed([e for c in CRITERIA for e in c.exemplars]),
        "off_topic": OFF_TOPIC,
        "empty": "",
        "other_badge_passing": OTHER_BADGE_PASSING,
    }
    peers = {"postmortem": []}
    for kind, text in gamed.items():
        [result] = prescore_batch(
            [badge_item(f"gamed-{kind}", text)], encoder, global_calibration=global_calibration, peers=peers
        )
        assert result.score < p25, f"{kind}: {result.score:.3f} not below p25 {p25:.3f} of {genuine_scores}"
        assert result.band != "likely_pass", kind


def test_gamed_evidence_raises_its_flag(encoder: CachedEncoder, global_calibration: Calibration) -> None:
    cases = {
        "restates_prompt": PROMPT,
        "keyword_stuffing": _stuffed([e for c in CRITERIA for e in c.exemplars]),
        "off_topic": OFF_TOPIC,
        "too_little_text": "Fixed it.",
    }
    items = [badge_item(code, text) for code, text in cases.items()]
    for code, result in zip(cases, prescore_batch(items, encoder, global_calibration=global_calibration), strict=True):
        assert code in {f.code for f in result.flags}, (code, result.flags)
    genuine = prescore_batch([badge_item("g", GENUINE[0])], encoder, global_calibration=global_calibration)
    assert not genuine[0].flags
