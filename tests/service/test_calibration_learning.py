"""Learning from reviewers through the API: decisions for one badge give it its own
calibration version, and the badge's undecided submissions are pre-scored again with it, so
the queue reviewers see ranks better."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from assessment import DEFAULT_CALIBRATION
from service.models import CalibrationRecord, Submission

BADGE = {
    "name": "Incident Postmortem Author",
    "description": "Writes blameless postmortems that help the organisation learn from incidents.",
    "type": "skill",
    "tier": "practitioner",
    "skills": ["Incident management", "Technical writing"],
    "criteria": [
        {
            "title": "Timeline and impact",
            "description": "Gives a timeline of the incident and its impact on customers.",
        },
        {"title": "Root cause", "description": "Explains the contributing causes without blaming individuals."},
        {"title": "Follow-up actions", "description": "Lists follow-up actions with owners and due dates."},
    ],
}
# What this badge's reviewers actually approve: specifics (numbers, owners, dates).
SPECIFIC = [
    "At 14:02 UTC checkout latency rose to 9 seconds and 3,400 orders failed over 47 minutes.",
    "The payment service exhausted its 200-connection pool after a config change doubled retries.",
    "I wrote the timeline from the pager log: alert 14:05, mitigation 14:31, all clear 14:49.",
    "Action: cap retries at 3 with jitter, owner Dana Kim, due 12 March; status tracked in JIRA OPS-311.",
    "We added a canary stage that rolls back automatically when error rate passes 2% for 5 minutes.",
    "Customer support received 412 tickets; refunds of 18,000 euros were issued within two days.",
    "The review meeting had 11 attendees and produced 6 actions, 5 of them closed within 30 days.",
    "Detection took 3 minutes because the SLO burn-rate alert fired at a 14x burn.",
]
# What they reject: on-topic, rubric words, nothing concrete.
GENERIC = [
    "I wrote a postmortem with a timeline, the impact and the root cause of the incident.",
    "The postmortem was blameless and focused on contributing causes rather than people.",
    "We identified follow-up actions and assigned owners to them.",
    "The incident had an impact on customers and we described it in the document.",
    "I explained the root cause and what we learned from the incident.",
    "Follow-up actions were agreed with the team and will be done soon.",
    "The timeline of the incident was included and reviewed with stakeholders.",
    "Our process for postmortems helps the organisation learn from incidents.",
]


def _evidence(rng: random.Random, good: bool) -> str:
    bank = SPECIFIC if good else GENERIC
    lead = "I was incident commander and wrote the postmortem for our checkout outage. "
    return lead + " ".join(rng.sample(bank, 4))


def _auroc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_reviewer_decisions_change_the_badge_calibration_and_improve_ranking(
    client: Any, make_user: Any, api_headers: Any, drain_queue: Any, runtime: Any
) -> None:
    rng = random.Random(7)
    admin, reviewer = make_user("admin", password=None), make_user("reviewer", password=None)
    badge = client.post("/api/v1/badges", json=BADGE, headers=api_headers(admin)).get_json()
    labels = [i % 2 == 0 for i in range(60)]
    subs = []
    for good in labels:
        learner = make_user("learner", password=None)
        resp = client.post(
            "/api/v1/submissions",
            json={"badge_id": badge["id"], "statement": _evidence(rng, good)},
            headers=api_headers(learner),
        )
        assert resp.status_code == 202
        subs.append(resp.get_json()["id"])
    drain_queue()

    train, held_out = list(zip(subs[:40], labels[:40], strict=True)), list(zip(subs[40:], labels[40:], strict=True))

    def stored_prescores() -> list[dict[str, Any]]:
        """The held-out submissions' pre-scores as the review queue shows them."""
        with runtime.db.sessions() as session:
            return [session.get(Submission, sid).prescore for sid, _ in held_out]  # type: ignore[union-attr]

    def auroc(scores: list[float]) -> float:
        return _auroc(scores, [y for _, y in held_out])

    first = stored_prescores()
    assert {p["calibration_version"] for p in first} == {DEFAULT_CALIBRATION.version}
    before = auroc([p["score"] for p in first])
    reviewer_h = api_headers(reviewer)
    for sid, good in train:
        decision = {"decision": "approve"} if good else {"decision": "reject", "comment": "No specifics."}
        assert client.post(f"/api/v1/submissions/{sid}/decision", json=decision, headers=reviewer_h).status_code == 200
    drain_queue()

    with runtime.db.sessions() as session:
        records = list(session.scalars(select(CalibrationRecord).where(CalibrationRecord.badge_id == badge["id"])))
    assert len(records) == 1
    assert records[0].version != DEFAULT_CALIBRATION.version and records[0].examples == 40
    # The refit sent the undecided submissions back through the scorer, in place.
    rescored = stored_prescores()
    assert {p["calibration_version"] for p in rescored} == {records[0].version}
    assert {p["basis"]["calibration"] for p in rescored} == {"badge"}
    after = auroc([p["score"] for p in rescored])
    assert after > before, (before, after)
    assert after >= 0.9, after
