"""Batch pre-scoring and backtesting over JSON lines."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rubric_badge import GENUINE, OFF_TOPIC

from assessment import BatchInputError, run_backtest, run_prescore
from embeddings import CachedEncoder


def _line(i: int, evidence: str, badge: str = "pm", **extra: Any) -> str:
    return json.dumps(
        {
            "id": f"s{i}",
            "badge_id": badge,
            "criteria": [
                {"id": "c1", "title": "Postmortem", "description": "Timeline, root cause and actions of an incident."}
            ],
            "references": [GENUINE[0]],
            "evidence": evidence,
            **extra,
        }
    )


def test_prescore_writes_one_line_per_input_in_order(encoder: CachedEncoder) -> None:
    lines = [_line(i, t) for i, t in enumerate(GENUINE[1:4])] + [_line(9, OFF_TOPIC)]
    out = io.StringIO()
    assert run_prescore(lines, out, encoder) == 4
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["s0", "s1", "s2", "s9"]
    for r in rows:
        assert set(r) == {"id", "score", "band", "criteria"}
        assert 0 <= r["score"] <= 1 and r["band"] in ("likely_pass", "needs_review", "likely_fail")
        assert r["criteria"][0]["id"] == "c1" and 0 <= r["criteria"][0]["score"] <= 1
    assert rows[-1]["score"] < min(r["score"] for r in rows[:-1])


def test_criterion_exemplars_in_a_line_are_what_its_evidence_is_compared_with(encoder: CachedEncoder) -> None:
    def line(exemplars: list[str]) -> str:
        criterion = {"id": "c1", "title": "Postmortem", "description": "An incident write-up.", "exemplars": exemplars}
        return json.dumps({"id": "s1", "badge_id": "pm", "criteria": [criterion], "evidence": GENUINE[1]})

    scores = []
    for exemplars in ([], [GENUINE[1]]):
        out = io.StringIO()
        run_prescore([line(exemplars)], out, encoder)
        scores.append(json.loads(out.getvalue())["criteria"][0]["score"])
    assert scores[1] > scores[0] + 0.1, scores


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "not a JSON object"),
        (json.dumps({"id": 5, "badge_id": "pm", "evidence": "x"}), '"id"'),
        (json.dumps({"id": "a", "badge_id": "pm"}), '"evidence"'),
        (json.dumps({"id": "a", "badge_id": "pm", "evidence": "x", "criteria": [{"title": "t"}]}), '"id"'),
        (json.dumps({"id": "a", "badge_id": "pm", "evidence": "x", "references": "ref"}), '"references"'),
        (json.dumps({"id": "a", "badge_id": "pm", "evidence": "x", "criteria": [{"id": "c", "exemplars": "e"}]}),
         '"exemplars"'),
    ],
)
def test_malformed_input_line_stops_the_run_with_its_number(encoder: CachedEncoder, bad: str, needle: str) -> None:
    out = io.StringIO()
    with pytest.raises(BatchInputError) as err:
        run_prescore([_line(1, GENUINE[1]), "", bad], out, encoder)
    assert err.value.line_no == 3 and "line 3" in str(err.value) and needle in str(err.value)
    assert out.getvalue() == ""


def test_malformed_training_line_names_the_training_file(encoder: CachedEncoder) -> None:
    train = [_line(1, GENUINE[1], score=1.0), _line(2, GENUINE[2], score=1.5)]
    with pytest.raises(BatchInputError) as err:
        run_prescore([_line(3, GENUINE[3])], io.StringIO(), encoder, train_lines=train)
    assert err.value.line_no == 2 and err.value.file == "train"
    with pytest.raises(BatchInputError):
        run_prescore([_line(3, GENUINE[3])], io.StringIO(), encoder, train_lines=[_line(1, "x", decision="maybe")])


def test_backtest_reports_metrics_against_known_decisions(encoder: CachedEncoder) -> None:
    good = [_line(i, t, decision="approve") for i, t in enumerate(GENUINE[1:])]
    bad = [
        _line(10, OFF_TOPIC, decision="reject"),
        _line(11, "I fixed the bug.", decision="reject"),
        _line(12, "incident root cause timeline actions owner", decision="reject"),
    ]
    out = io.StringIO()
    preds = io.StringIO()
    metrics = run_backtest(good + bad, out, encoder, predictions=preds)
    assert json.loads(out.getvalue()) == pytest.approx({k: round(v, 4) for k, v in metrics.items()})
    assert metrics["n"] == 8 and metrics["auroc"] > 0.9
    assert len(preds.getvalue().splitlines()) == 8
    with pytest.raises(BatchInputError):
        run_backtest([_line(1, "x")], io.StringIO(), encoder)  # no known outcome
