"""The criterion model: features, hand-set default, learning from reviewers' judgements."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from rubric_badge import CRITERIA, GENUINE, badge_item

from assessment import Calibration, CalibrationError, EvidenceItem, GradedExample, Segment, fit_calibration
from assessment.calibration import DEFAULT_CALIBRATION
from assessment.criteria import (
    DEFAULT_CRITERION_MODEL,
    MIN_CRITERION_LABELS,
    criterion_table,
    fit_criterion_model,
    own_targets,
)
from assessment.rubric import Criterion
from embeddings import CachedEncoder

# Where each genuine postmortem's preventive actions begin: cut there, it leaves them out.
ACTIONS_START = ("Actions:", "Preventive actions:", "We will", "Actions with owners:", "We will", "Actions:")


def test_only_criteria_with_targets_of_their_own_move_by_their_content_score() -> None:
    shared = EvidenceItem(id="s", badge_id="b", owner="o", segments=(Segment("text", "statement"),),
                          references=("ref",), criteria=(Criterion("a", "A"), Criterion("b", "B"),
                                    Criterion("c", "C", exemplars=("model answer",))))
    assert own_targets(shared).tolist() == [False, False, True]
    table = criterion_table(0.5, np.asarray([0.6, 0.9, 0.3, 0.2]), np.asarray([0.5, 0.3, 0.4]), own_targets(shared))
    np.testing.assert_allclose(table[:, 0], 0.0, atol=1e-12)  # log-odds of 0.5
    np.testing.assert_allclose(table[:, 1], [0.0, 0.0, -0.4], atol=1e-12)
    np.testing.assert_allclose(table[:, 2], [0.1, -0.1, 0.0], atol=1e-12)


def test_the_criterion_model_is_fitted_only_on_enough_judgements_of_both_kinds() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(MIN_CRITERION_LABELS - 1, 3))
    assert fit_criterion_model(x, (x[:, 2] > 0).astype(float)) is None
    x = rng.normal(size=(60, 3))
    assert fit_criterion_model(x, np.r_[np.zeros(4), np.ones(56)]) is None  # 4 not met: too few
    model = fit_criterion_model(x, (x[:, 2] > 0).astype(float))
    assert model is not None and model.weights[2] > 1 and abs(model.weights[0]) < model.weights[2]


def _postmortems() -> list[GradedExample]:
    """Six complete postmortems (approved, every criterion met) and the same six without
    their preventive actions (rejected: the reviewer marked 'actions' not met)."""
    out = []
    for i, (text, cut) in enumerate(zip(GENUINE, ACTIONS_START, strict=True)):
        out.append(GradedExample(badge_item(f"full{i}", text), 1.0, {c.id: 1.0 for c in CRITERIA}))
        partial = text[: text.index(cut)]
        out.append(GradedExample(badge_item(f"cut{i}", partial), 0.0, {"timeline": 1.0, "root_cause": 1.0,
                                                                       "actions": 0.0}))
    return out


def test_reviewer_judgements_give_a_versioned_criterion_model(
    encoder: CachedEncoder, global_calibration: Calibration
) -> None:
    examples = _postmortems()
    cal = fit_calibration(examples, encoder, badge_id="postmortem", base=global_calibration)
    unjudged = fit_calibration([replace(ex, criteria={}) for ex in examples], encoder, badge_id="postmortem",
                               base=global_calibration)
    assert cal.criterion_labels == 36 and unjudged.criterion_labels == global_calibration.criterion_labels
    assert cal.criteria != DEFAULT_CRITERION_MODEL and unjudged.criteria == global_calibration.criteria
    assert cal.version != unjudged.version
    assert cal.criterion_bound == pytest.approx(0.5 / 37)
    copy = Calibration.from_json(json.loads(json.dumps(cal.to_json())))
    assert copy.criteria == cal.criteria and copy.version == cal.version


def test_a_calibration_stored_before_criterion_models_loads_with_the_hand_set_one() -> None:
    data = DEFAULT_CALIBRATION.to_json()
    del data["criteria"], data["criterion_labels"]
    old = Calibration.from_json(data)
    assert old.criteria == DEFAULT_CRITERION_MODEL and old.criterion_labels == 0 and old.criterion_bound == 0.01
    with pytest.raises(CalibrationError):
        Calibration.from_json({**data, "criteria": {"kind": "linear", "names": ["x"], "weights": [1], "intercept": 0}})


def test_a_criterion_judgement_outside_0_to_1_is_refused(encoder: CachedEncoder) -> None:
    with pytest.raises(CalibrationError, match="criterion actions"):
        fit_calibration([GradedExample(badge_item("x", GENUINE[0]), 1.0, {"actions": 2.0})], encoder)
