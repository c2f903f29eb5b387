"""Model answers: badge references and per-criterion exemplars steer the pre-scorer, stay with staff,
and changing them is a new rubric version (recalibrated and rescored)."""

from __future__ import annotations

import copy
from typing import Any

from redis import Redis

from service.models import Badge, Submission
from service.queue import scoring_queue, waiting_job_id

DEDUP = ("I removed duplicate customer records by hashing each email address into a dictionary and keeping "
         "the first record for each address, which takes one linear pass over the export.")
EXEMPLAR = ("Deduplicated the customer export by hashing email addresses into a dictionary and keeping the first "
            "record of each, in a single linear pass.")
CRITERIA = [
    {"title": "Explains the approach", "description": "Describes how the work was done."},
    {"title": "Shows the result", "description": "Says what changed for the team."},
]


def test_model_answers_are_for_staff_only(
    client: Any, make_user: Any, api_headers: Any, badge_body: Any
) -> None:
    admin_h = api_headers(make_user("admin"))
    body = copy.deepcopy(badge_body)
    body["criteria"][0]["exemplars"] = [EXEMPLAR]
    created = client.post("/api/v1/badges", headers=admin_h, json=body)
    assert created.status_code == 201, created.get_json()
    badge = created.get_json()
    assert badge["criteria"][0]["exemplars"] == [EXEMPLAR] and badge["criteria"][1]["exemplars"] == []
    assert badge["references"] == body["references"]

    reviewer = client.get(f"/api/v1/badges/{badge['id']}", headers=api_headers(make_user("reviewer")))
    assert reviewer.get_json()["criteria"][0]["exemplars"] == [EXEMPLAR]
    for headers in ({}, api_headers(make_user("learner"))):
        shown = client.get(f"/api/v1/badges/{badge['id']}", headers=headers).get_data(as_text=True)
        assert EXEMPLAR not in shown and body["references"][0] not in shown
        listed = client.get("/api/v1/badges?limit=500", headers=headers).get_data(as_text=True)
        assert badge["id"] in listed and EXEMPLAR not in listed and '"references"' not in listed
    page = client.get(f"/badges/{badge['id']}").get_data(as_text=True)
    assert "Deduplicated the customer export" not in page


def test_model_answers_are_validated(client: Any, make_user: Any, api_headers: Any, badge_body: Any) -> None:
    admin_h = api_headers(make_user("admin"))
    body = copy.deepcopy(badge_body)
    body["criteria"][1]["exemplars"] = "one long text, not a list"
    body["references"] = [f"Model answer {i}" for i in range(21)]
    resp = client.post("/api/v1/badges", headers=admin_h, json=body)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert errors["criteria[1].exemplars"] == "Must be a list of strings."
    assert errors["references"] == "At most 20 model answers."
    body = copy.deepcopy(badge_body)
    body["references"] = ["x" * 5001]
    resp = client.post("/api/v1/badges", headers=admin_h, json=body)
    assert resp.status_code == 422 and "at most 5000 characters" in resp.get_json()["errors"]["references"]


def test_an_exemplar_changes_the_rubric_and_steers_the_criterion_score(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge(criteria=CRITERIA, references=[])
    resp = client.post("/api/v1/submissions", json={"badge_id": badge.id, "statement": DEDUP},
                       headers=api_headers(make_user("learner", password=None)))
    sid = resp.get_json()["id"]
    drain_queue()
    with runtime.db.sessions() as session:
        before = session.get(Submission, sid).prescore["criteria"][0]["score"]

    admin_h = api_headers(make_user("admin"))
    with_exemplar = [{**CRITERIA[0], "exemplars": [EXEMPLAR]}, CRITERIA[1]]
    resp = client.patch(f"/api/v1/badges/{badge.id}", headers=admin_h, json={"criteria": with_exemplar})
    assert resp.status_code == 200 and resp.get_json()["rubric_version"] == 2
    connection = Redis.from_url(runtime.settings.redis_url)
    queue = scoring_queue(connection, runtime.settings.queue_name)
    assert queue.job_ids[0].startswith(f"calibrate-{badge.id}_")  # the calibration is refitted first
    assert waiting_job_id(connection, queue, f"score-{sid}") is not None
    drain_queue()
    with runtime.db.sessions() as session:
        sub = session.get(Submission, sid)
        assert sub.status == "scored" and sub.scored_key.endswith(":2")
        after = sub.prescore["criteria"][0]["score"]
    assert after > before + 0.1, (before, after)  # now compared with a model answer it closely matches

    # The same rubric again is no new version; new badge-level model answers are.
    same = client.patch(f"/api/v1/badges/{badge.id}", headers=admin_h, json={"criteria": with_exemplar})
    assert same.get_json()["rubric_version"] == 2
    refs = client.patch(f"/api/v1/badges/{badge.id}", headers=admin_h, json={"references": [EXEMPLAR]})
    assert refs.get_json()["rubric_version"] == 3
    renamed = client.patch(f"/api/v1/badges/{badge.id}", headers=admin_h, json={"name": "Customer Data Hygiene"})
    assert renamed.get_json()["rubric_version"] == 3
    with runtime.db.sessions() as session:
        stored = session.get(Badge, badge.id)
        assert stored.references == [EXEMPLAR] and stored.criteria[0].exemplars == [EXEMPLAR]
