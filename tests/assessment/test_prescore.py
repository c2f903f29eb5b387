"""prescore_batch: one model call per batch, per-criterion scores, passages, flags, JSON."""

from __future__ import annotations

import json

import numpy as np
from prescore_fixtures import CountingEncoder
from rubric_badge import CRITERIA, GENUINE, PROMPT, badge_item

from assessment import (
    DEFAULT_CALIBRATION,
    EvidenceItem,
    Peer,
    Segment,
    chunk_segments,
    prescore_batch,
    warm_up_rubrics,
)
from assessment.featurize import text_view
from embeddings import CachedEncoder


def test_one_model_call_for_a_batch_and_none_for_cached_texts(encoder: CachedEncoder) -> None:
    counting = CountingEncoder(encoder.inner)
    cached = CachedEncoder(counting)
    items = [badge_item(f"s{i}", t) for i, t in enumerate(GENUINE)]
    results = prescore_batch(items, cached)
    assert len(counting.calls) == 1
    assert [r.item_id for r in results] == [it.id for it in items]
    prescore_batch(items, cached)
    assert len(counting.calls) == 1  # rubric, chunks and words all came from the cache


def test_a_rubric_encoded_ahead_leaves_only_the_evidence_for_the_first_batch(encoder: CachedEncoder) -> None:
    counting = CountingEncoder(encoder.inner)
    cached = CachedEncoder(counting)
    assert warm_up_rubrics([badge_item("rubric", "")], cached) > len(CRITERIA)
    counting.texts.clear()
    item = badge_item("s1", GENUINE[0])
    [warmed] = prescore_batch([item], cached)
    evidence = {ch.text for ch in chunk_segments(item.segments)} | {w for w, _ in text_view(GENUINE[0]).content_words}
    assert counting.texts and set(counting.texts) <= evidence  # nothing of the rubric was encoded again
    [cold] = prescore_batch([item], CachedEncoder(encoder.inner))
    assert abs(warmed.score - cold.score) < 1e-3


def test_result_shape_and_json(encoder: CachedEncoder) -> None:
    [r] = prescore_batch([badge_item("s1", GENUINE[1])], encoder)
    assert 0.0 <= r.score <= 1.0 and 0.0 <= r.confidence <= 1.0
    assert r.band in ("likely_pass", "needs_review", "likely_fail")
    assert r.model_version == encoder.version
    assert r.calibration_version == DEFAULT_CALIBRATION.version
    assert r.vector.shape == (encoder.dim,) and abs(float(np.linalg.norm(r.vector)) - 1) < 1e-4
    data = json.loads(json.dumps(r.to_json()))
    assert set(data) == {"score", "band", "confidence", "criteria", "flags", "model_version", "calibration_version",
                         "basis"}
    # Nothing learned and no other submissions: the reviewer is told so.
    assert data["basis"] == {"calibration": "default", "examples": 0, "context": "content"}
    assert [c["id"] for c in data["criteria"]] == [c.id for c in CRITERIA]
    for c in data["criteria"]:
        assert 0 <= c["probability"] <= 1 and c["passages"]
        assert set(c["passages"][0]) == {"source", "locator", "start", "end", "text", "similarity"}


def test_passages_point_at_the_supporting_text_in_each_file(encoder: CachedEncoder) -> None:
    statement = "I led the response to our checkout outage last month."
    timeline = (
        "At 14:03 the alert fired, at 14:20 we found the refused connections, at 14:32 we failed "
        "back and errors stopped at 14:35."
    )
    actions = (
        "Actions: add a connectivity check to the runbook (owner: Ana, by Friday) and move rules "
        "to Terraform (owner: Ben)."
    )
    doc_page2 = "Some preamble that is not relevant to anything at all. " + timeline
    item = EvidenceItem(
        id="multi",
        badge_id="postmortem",
        owner="u1",
        criteria=CRITERIA,
        segments=(
            Segment(statement, source="statement"),
            Segment(doc_page2, source="report.pdf", locator="page 2", offset=500),
            Segment(actions, source="report.pdf", locator="page 3", offset=500 + len(doc_page2) + 1),
        ),
        prompt=PROMPT,
    )
    [r] = prescore_batch([item], encoder)
    by_id = {c.id: c for c in r.criteria}
    best_timeline = by_id["timeline"].passages[0]
    assert best_timeline.locator == "page 2" and "14:03" in best_timeline.text
    full_pdf = " " * 500 + doc_page2 + "\n" + actions
    assert full_pdf[best_timeline.start : best_timeline.end] == best_timeline.text
    best_actions = by_id["actions"].passages[0]
    assert best_actions.locator == "page 3"
    assert full_pdf[best_actions.start : best_actions.end] == best_actions.text


def test_each_criterion_points_at_its_own_sentences_of_one_paragraph(encoder: CachedEncoder) -> None:
    sentences = {
        "timeline": "At 14:03 the alert fired, at 14:20 we found the refused connections and at 14:35 errors stopped.",
        "root_cause": "The trigger was a firewall change, but the root cause was that no test covered the "
                      "database connectivity the change broke.",
        "actions": "Actions: add a connectivity check to the runbook (owner: Ana, by Friday) and move the "
                   "firewall rules to Terraform (owner: Ben, next sprint).",
    }
    statement = "I led the response to our checkout outage last month. " + " ".join(sentences.values())
    [r] = prescore_batch([badge_item("one-paragraph", statement)], encoder)
    for c in r.criteria:
        if c.id in sentences:
            best = c.passages[0]
            assert best.text == sentences[c.id], (c.id, best.text)
            assert statement[best.start : best.end] == best.text


def test_flags_duplicates_of_other_learners_only(encoder: CachedEncoder) -> None:
    [first] = prescore_batch([badge_item("a", GENUINE[2], owner="alice")], encoder)
    peers = {
        "postmortem": [
            Peer("a", "alice", first.vector),
            Peer("own-earlier", "bob", first.vector),
        ]
    }
    [copy] = prescore_batch([badge_item("b", GENUINE[2] + " ", owner="carol")], encoder, peers=peers)
    dup = [f for f in copy.flags if f.code == "near_duplicate"]
    assert dup and dup[0].related_id in ("a", "own-earlier")
    [resubmission] = prescore_batch(
        [badge_item("c", GENUINE[2], owner="bob")],
        encoder,
        peers={"postmortem": [Peer("own-earlier", "bob", first.vector)]},
    )
    assert not [f for f in resubmission.flags if f.code == "near_duplicate"]
    [different] = prescore_batch([badge_item("d", GENUINE[3], owner="dan")], encoder, peers=peers)
    assert not [f for f in different.flags if f.code == "near_duplicate"]


def test_extraction_failure_and_empty_evidence(encoder: CachedEncoder) -> None:
    item = EvidenceItem(
        id="x",
        badge_id="postmortem",
        owner="u",
        criteria=CRITERIA,
        segments=(),
        prompt=PROMPT,
        failed_files=("scan.pdf",),
    )
    [r] = prescore_batch([item], encoder)
    codes = {f.code for f in r.flags}
    assert {"extraction_failed", "too_little_text"} <= codes
    assert "scan.pdf" in next(f.message for f in r.flags if f.code == "extraction_failed")
    assert r.score == 0.0 and r.band == "likely_fail"
    assert all(c.probability == 0.0 and c.passages == () for c in r.criteria)


def test_criterion_scores_follow_what_the_evidence_covers(encoder: CachedEncoder) -> None:
    only_actions = (
        "Preventive actions: add client timeouts (owner: Priya, by 1 March), add a saturation "
        "alert (owner: Tom, next sprint) and put timeouts on the review checklist (owner: Jo)."
    )
    [r] = prescore_batch([badge_item("a", only_actions)], encoder)
    by_id = {c.id: c for c in r.criteria}
    assert by_id["actions"].probability > by_id["timeline"].probability
    assert by_id["actions"].probability > by_id["root_cause"].probability


def test_item_without_criteria_is_scored_against_its_references(encoder: CachedEncoder) -> None:
    item = EvidenceItem(
        id="n",
        badge_id="b",
        owner="u",
        criteria=(),
        segments=(Segment("A stack is last in, first out: push and pop at the top.", source="statement"),),
        references=("A stack is a LIFO structure with push and pop at one end.",),
        prompt="Explain what a stack is.",
    )
    [r] = prescore_batch([item], encoder)
    assert [c.id for c in r.criteria] == ["overall"] and r.score > 0.5
