"""Recommendations through the API: index built by a worker job, rules applied, reasons given,
a new catalogue snapshot swapped in without a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.jobs import build_badge_index
from service.models import User
from service.operations.credentials import award_badge


def _badge(make_badge: Any, name: str, skills: list[str], tier: str, prerequisites: list[str] | None = None) -> Any:
    return make_badge(name=name, skills=skills, tier=tier, description=f"{name}: {', '.join(skills)}.",
                      prerequisites=prerequisites or [])


def test_recommendations_follow_the_rules_and_explain_themselves(
    client: Any, make_user: Any, make_badge: Any, api_headers: Any, runtime: Any
) -> None:
    sql = _badge(make_badge, "SQL Foundations", ["SQL"], "foundation")
    sql_adv = _badge(make_badge, "Advanced SQL Reporting", ["SQL", "Reporting"], "practitioner", [sql.id])
    tuning = _badge(make_badge, "Query Performance Tuning", ["SQL", "Performance"], "advanced", [sql_adv.id])
    python = _badge(make_badge, "Python for Analysts", ["Python", "pandas"], "foundation")
    _badge(make_badge, "Cloud Cost Basics", ["Cloud", "FinOps"], "foundation")
    learner, peer = make_user("learner", password=None), make_user("learner", password=None)
    with runtime.db.unit_of_work() as session:
        for who, badges in ((learner, [sql]), (peer, [sql, sql_adv])):
            for b in badges:
                award_badge(session, learner=session.get(User, who.id), submission=None, badge_id=b.id,
                            settings=runtime.settings, now=datetime.now(UTC))
    headers = api_headers(learner)
    empty = client.get(f"/api/v1/learners/{learner.id}/recommendations", headers=headers).get_json()
    assert empty["items"] == [] and empty["index_version"] is None  # no index built yet: honest, not invented

    first = build_badge_index(runtime)
    body = client.get(f"/api/v1/learners/{learner.id}/recommendations?k=10", headers=headers).get_json()
    ids = [item["badge_id"] for item in body["items"]]
    assert body["index_version"] == first["version"]
    assert sql.id not in ids  # never an earned badge
    assert tuning.id not in ids and tuning.id in {lk["badge_id"] for lk in body["locked"]}  # unmet prerequisite
    assert ids[0] == sql_adv.id  # the next step, which a similar learner also earned next
    assert all(item["reasons"] for item in body["items"])
    assert python.id in ids

    other = make_user("learner", password=None)
    assert client.get(f"/api/v1/learners/{other.id}/recommendations",
                      headers=headers).status_code == 404  # someone else's

    _badge(make_badge, "Data Storytelling", ["Reporting", "Communication"], "practitioner")
    second = build_badge_index(runtime)
    assert second["version"] != first["version"]
    again = client.get(f"/api/v1/learners/{learner.id}/recommendations", headers=headers).get_json()
    assert again["index_version"] == second["version"]  # swapped in without a restart
