"""Calibration: JSON round trip, versioning, fall-backs, and learning from decisions."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from prescore_fixtures import PASS_MARK, mohler_item
from rubric_badge import GENUINE, badge_item

from assessment import (
    DEFAULT_CALIBRATION,
    Calibration,
    CalibrationError,
    GradedExample,
    fit_calibration,
    prescore_batch,
)
from assessment.metrics import auroc
from embeddings import CachedEncoder

LEARNING_QUESTION = "3.4"


def test_calibration_json_round_trip_scores_the_same(
    global_calibration: Calibration, mohler_rows: list[dict[str, Any]], encoder: CachedEncoder
) -> None:
    rows = [r for r in mohler_rows if r["question_id"] == "11.1"]
    history = [GradedExample(mohler_item(r), r["score"] / 5) for r in rows[:20]]
    cal = fit_calibration(history, encoder, badge_id="q11.1", base=global_calibration)
    assert cal.badge_id == "q11.1" and cal.version != global_calibration.version
    for original in (global_calibration, cal):
        copy = Calibration.from_json(json.loads(json.dumps(original.to_json())))
        assert copy.version == original.version
        items = [mohler_item(r) for r in rows[20:]]
        a = prescore_batch(items, encoder, calibrations={"q11.1": original})
        b = prescore_batch(items, encoder, calibrations={"q11.1": copy})
        assert [x.calibration_version for x in a] == [original.version] * len(items)
        # history vectors travel as float16: scores agree to a few decimals
        np.testing.assert_allclose([x.score for x in a], [x.score for x in b], atol=2e-3)


def test_malformed_calibration_json_is_refused() -> None:
    with pytest.raises(CalibrationError):
        Calibration.from_json({"version": "x"})
    with pytest.raises(CalibrationError):
        Calibration.from_json(
            {**DEFAULT_CALIBRATION.to_json(), "stages": {"content": {"model": {"kind": "forest", "names": []}}}}
        )


def test_too_little_or_one_sided_history_keeps_the_base(
    encoder: CachedEncoder, global_calibration: Calibration
) -> None:
    few = [GradedExample(badge_item(f"g{i}", t), 1.0) for i, t in enumerate(GENUINE[:3])]
    assert fit_calibration(few, encoder, badge_id="postmortem", base=global_calibration) is global_calibration
    one_sided = [GradedExample(badge_item(f"g{i}", GENUINE[i % 6] + f" ({i})"), 1.0) for i in range(12)]
    assert fit_calibration(one_sided, encoder, badge_id="postmortem") is DEFAULT_CALIBRATION
    with pytest.raises(CalibrationError):
        fit_calibration([GradedExample(badge_item("bad", GENUINE[0]), 1.5)], encoder)


def test_recorded_decisions_change_the_version_and_raise_held_out_auroc(
    mohler_rows: list[dict[str, Any]], encoder: CachedEncoder, global_calibration: Calibration
) -> None:
    rows = [r for r in mohler_rows if r["question_id"] == LEARNING_QUESTION]
    decided, held_out = rows[0::2], rows[1::2]
    badge = f"q{LEARNING_QUESTION}"
    truth = np.asarray([r["score"] >= 4 for r in held_out])
    items = [mohler_item(r) for r in held_out]

    before = prescore_batch(items, encoder, calibrations={}, global_calibration=global_calibration)
    # Reviewers record approve / reject decisions on the first half.
    decisions = [GradedExample(mohler_item(r), 1.0 if r["score"] >= 4 else 0.0) for r in decided]
    cal = fit_calibration(decisions, encoder, badge_id=badge, base=global_calibration, pass_mark=0.5)
    after = prescore_batch(items, encoder, calibrations={badge: cal}, global_calibration=global_calibration)

    assert {r.calibration_version for r in before} == {global_calibration.version}
    assert {r.calibration_version for r in after} == {cal.version} != {global_calibration.version}
    # What each rests on: the global model before, this badge's own decisions after.
    assert {(r.basis.calibration, r.basis.examples) for r in before} == {("global", global_calibration.n_examples)}
    assert {(r.basis.calibration, r.basis.examples) for r in after} == {("badge", len(decisions))}
    assert {r.basis.context for r in after} == {"history"}
    auc_before = auroc(np.asarray([r.score for r in before]), truth)
    auc_after = auroc(np.asarray([r.score for r in after]), truth)
    assert auc_after > auc_before + 0.02, (auc_before, auc_after)

    # One more decision is a new calibration version.
    extra = GradedExample(mohler_item(held_out[0]), 1.0 if held_out[0]["score"] >= 4 else 0.0)
    again = fit_calibration([*decisions, extra], encoder, badge_id=badge, base=global_calibration, pass_mark=0.5)
    assert again.version != cal.version


def test_pass_mark_is_kept_and_thresholds_stay_ordered(global_calibration: Calibration) -> None:
    assert global_calibration.pass_mark == PASS_MARK
    for stage in global_calibration.stages.values():
        assert 0.0 <= stage.fail_threshold < stage.pass_threshold <= 1.0


def test_a_cleanly_separated_history_keeps_a_band_for_review() -> None:
    from assessment.fitting import learn_thresholds

    # Every approval above every rejection, with a gap: both cuts would fall in the gap.
    passes = np.array([0.3, 0.35, *[0.97] * 10])
    fails = np.array([0.2, 0.22, *[0.02] * 5])
    scores = np.concatenate([passes, fails])
    passed = np.array([True] * len(passes) + [False] * len(fails))
    pass_t, fail_t, learned = learn_thresholds(scores, passed)
    assert learned
    assert pass_t == 0.6  # "likely pass" never shows a near coin-flip
    assert fail_t == pytest.approx(0.22)  # so the approvals at 0.3 and 0.35 go to a reviewer
