"""'For you' shows progress along each pathway: earned steps, the one in progress, the next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.models import Pathway, PathwayStep, User
from service.operations.credentials import award_badge
from service.operations.recommendations import pathway_progress


def test_pathway_progress_marks_earned_and_next_steps(runtime: Any, make_user: Any, make_badge: Any) -> None:
    steps = [make_badge(name=f"Data Analyst step {i}") for i in range(1, 5)]
    learner = make_user("learner", password=None)
    with runtime.db.unit_of_work() as session:
        pathway = Pathway(name="Data Analyst", description="From SQL to storytelling.")
        pathway.steps = [PathwayStep(badge_id=b.id, position=i) for i, b in enumerate(steps)]
        session.add(pathway)
        award_badge(session, learner=session.get(User, learner.id), submission=None, badge_id=steps[0].id,
                    settings=runtime.settings, now=datetime.now(UTC))
    with runtime.db.sessions() as session:
        [progress] = pathway_progress(session, learner=session.get(User, learner.id))
    assert progress.earned == 1
    assert [s.state for s in progress.steps] == ["earned", "next", "later", "later"]


def test_the_for_you_page_shows_pathways(client: Any, runtime: Any, make_user: Any, make_badge: Any) -> None:
    badge = make_badge(name="Cloud step 1")
    learner = make_user("learner", password="correct-horse-battery")
    with runtime.db.unit_of_work() as session:
        pathway = Pathway(name="Cloud Platform Engineer", description="")
        pathway.steps = [PathwayStep(badge_id=badge.id, position=0)]
        session.add(pathway)
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"email": learner.email, "password": "correct-horse-battery", "csrf_token": token})
    html = client.get("/me/recommendations").get_data(as_text=True)
    assert "Your pathways" in html and "Pathways you can start" in html and "Cloud Platform Engineer" in html
    assert "start with" in html and "Cloud step 1" in html
