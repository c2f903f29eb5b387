"""`laurel seed-demo`: a realistic, deterministic demo organisation (Northwind Analytics).

Content lives in service/demo/*.json; this module turns it into rows: departments, 45+ badges
with rubrics, pathways, the demo logins, 200+ learners with earned badges (real signed
credentials) and pending submissions for the workers to pre-score.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from service.auth import hash_password
from service.models import Award, Badge, Organisation, Pathway, PathwayStep, Submission, User
from service.operations.badges import create_badge
from service.operations.credentials import award_badge
from service.operations.users import create_user, department_named
from service.runtime import Runtime

DEMO_DIR = Path(__file__).parent / "demo"
DEMO_PASSWORD = "laurel-demo"  # noqa: S105 - the published demo login
SEED = 20261130
GENERATED_LEARNERS = 220


def _content() -> tuple[dict[str, Any], dict[str, Any]]:
    catalogue = json.loads((DEMO_DIR / "catalogue.json").read_text(encoding="utf-8"))
    people = json.loads((DEMO_DIR / "people.json").read_text(encoding="utf-8"))
    return catalogue, people


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of the fixed demo accounts."""
    _, people = _content()
    return [(a["email"], a["role"]) for a in people["fixed_accounts"]]


def seed_demo(runtime: Runtime, *, now: datetime, echo: Callable[[str], None] = lambda m: None) -> dict[str, int]:
    """Load the demo organisation once; a second call changes nothing. Returns counts."""
    catalogue, people = _content()
    rng = random.Random(SEED)
    db, settings = runtime.db, runtime.settings
    with db.unit_of_work() as session:
        if session.scalar(select(func.count(Badge.id))):
            echo("demo: the database already has badges; nothing loaded")
            return {"badges": 0, "learners": 0, "awards": 0, "submissions": 0}
        org = catalogue["organisation"]
        session.add(Organisation(id=1, name=org["name"], url=org.get("url"), email=org.get("email")))
        settings = settings.with_overrides(organisation_name=org["name"])
        for dept in catalogue["departments"]:
            department_named(session, dept["name"]).priority_skills = list(dept.get("priority_skills", []))
        admin = None
        fixed: list[User] = []
        for acc in people["fixed_accounts"]:
            u = create_user(session, email=acc["email"], role=acc["role"], name=acc["name"],
                            department=acc.get("department"), title=acc.get("title"), now=now)
            u.password_hash = hash_password(DEMO_PASSWORD)
            fixed.append(u)
            if acc["role"] == "admin":
                admin = u
        assert admin is not None
        badges = _load_badges(session, catalogue, admin, now)
        _load_pathways(session, catalogue, badges)
        echo(f"demo: {len(badges)} badges, {len(catalogue['pathways'])} pathways")
    learners = _load_learners(runtime, people, catalogue, rng, now)
    echo(f"demo: {len(learners)} learners")
    awards = _load_awards(runtime, catalogue, learners, fixed, rng, now, settings, echo)
    history = _load_review_history(runtime, catalogue, learners, rng, now, settings)
    echo(f"demo: {history} past submissions pre-scored and decided by the demo reviewers")
    from service.jobs import calibrate_global  # the model is loaded by now (pre-scored history)

    learned = calibrate_global(runtime)  # as the workers would after those decisions
    echo(f"demo: pre-score calibration learned from {learned['examples']} of those decisions")
    subs = _load_submissions(runtime, catalogue, learners, fixed, rng, now)
    echo(f"demo: {awards} signed credentials, {subs} submissions waiting for pre-scoring")
    return {"badges": len(catalogue["badges"]), "learners": len(learners), "awards": awards, "submissions": subs}


def _load_badges(session: Any, catalogue: dict[str, Any], admin: User, now: datetime) -> dict[str, Badge]:
    badges: dict[str, Badge] = {}
    for b in catalogue["badges"]:
        badge = create_badge(session, actor=admin, now=now, data={
            "slug": b["key"], "name": b["name"], "description": b["description"], "type": b["type"],
            "tier": b["tier"], "skills": b["skills"], "criteria_narrative": b.get("criteria_narrative", ""),
            "evidence_prompt": b.get("evidence_prompt", ""), "references": b.get("references", []),
            "validity_months": b.get("validity_months"),
            "criteria": [{"title": c["title"], "description": c["description"], "weight": c.get("weight", 1.0),
                          "levels": c.get("levels", [])} for c in b["criteria"]],
        })
        badge.domain = b.get("domain")
        if b["type"] == "certification":
            badge.required_approvals = 1
        badges[b["key"]] = badge
    for b in catalogue["badges"]:
        badges[b["key"]].prerequisites = [badges[k] for k in b.get("prerequisites", [])]
    session.flush()
    return badges


def _load_pathways(session: Any, catalogue: dict[str, Any], badges: dict[str, Badge]) -> None:
    for p in catalogue["pathways"]:
        pathway = Pathway(name=p["name"], description=p.get("description", ""))
        pathway.steps = [PathwayStep(badge_id=badges[k].id, position=i) for i, k in enumerate(p["steps"])]
        session.add(pathway)
    session.flush()


def _load_learners(runtime: Runtime, people: dict[str, Any], catalogue: dict[str, Any], rng: random.Random,
                   now: datetime) -> list[str]:
    depts = [d["name"] for d in catalogue["departments"]]
    ids: list[str] = []
    used: set[str] = set()
    with runtime.db.unit_of_work() as session:
        while len(ids) < GENERATED_LEARNERS:
            first, last = rng.choice(people["first_names"]), rng.choice(people["last_names"])
            email = f"{first}.{last}".lower().replace(" ", "").replace("'", "") + "@northwind.example"
            if email in used:
                continue
            used.add(email)
            dept = rng.choice(depts)
            titles = people.get("job_titles", {}).get(dept) or ["Specialist"]
            joined = now - timedelta(days=rng.randint(20, 900))
            u = create_user(session, email=email, role="learner", name=f"{first} {last}", department=dept,
                            title=rng.choice(titles), now=joined)
            ids.append(u.id)
    return ids


def _earnable_sequence(catalogue: dict[str, Any], rng: random.Random) -> list[str]:
    """A plausible order of badges to earn: follow a pathway, or pick foundation badges."""
    if rng.random() < 0.6:
        path = rng.choice(catalogue["pathways"])["steps"]
        return list(path[: rng.randint(1, max(1, len(path) - 1))])
    # Outside a pathway people start with entry-level badges, not expert certifications.
    no_prereq = [b["key"] for b in catalogue["badges"]
                 if not b.get("prerequisites") and b["tier"] in ("foundation", "practitioner")]
    return rng.sample(no_prereq, k=min(len(no_prereq), rng.randint(1, 3)))


def _load_awards(runtime: Runtime, catalogue: dict[str, Any], learners: list[str], fixed: list[User],
                 rng: random.Random, now: datetime, settings: Any, echo: Callable[[str], None]) -> int:
    prereqs = {b["key"]: set(b.get("prerequisites", [])) for b in catalogue["badges"]}
    plan: list[tuple[str, str, datetime]] = []
    for learner_id in learners:
        if rng.random() < 0.15:
            continue  # some learners have earned nothing yet
        earned: set[str] = set()
        when = now - timedelta(days=rng.randint(120, 540))
        for key in _earnable_sequence(catalogue, rng):
            if prereqs[key] <= earned:
                earned.add(key)
                when = min(now - timedelta(days=1), when + timedelta(days=rng.randint(10, 90)))
                plan.append((learner_id, key, when))
    demo_learner = next(u for u in fixed if u.role == "learner")
    first_path = catalogue["pathways"][0]["steps"]
    for i, key in enumerate(first_path[:2]):
        plan.append((demo_learner.id, key, now - timedelta(days=90 - 30 * i)))
    count = 0
    with runtime.db.sessions() as session:
        slugs = {b.slug: b.id for b in session.scalars(select(Badge))}
    for start in range(0, len(plan), 50):
        with runtime.db.unit_of_work() as session:
            for learner_id, key, when in plan[start:start + 50]:
                learner = session.get(User, learner_id)
                assert learner is not None
                award_badge(session, learner=learner, submission=None, badge_id=slugs[key], settings=settings,
                            now=when, source="demo")
                count += 1
        echo(f"demo: signed {count}/{len(plan)} credentials")
    return count


REJECTION = "Thanks for this. It describes the topic but not what you did: add the concrete work, tools and results."


def _sentences(texts: list[str]) -> list[str]:
    return [t.strip().rstrip(".") + "." for text in texts for t in text.split(". ") if t.strip()]


def _load_review_history(runtime: Runtime, catalogue: dict[str, Any], learners: list[str], rng: random.Random,
                         now: datetime, settings: Any) -> int:
    """Past submissions, pre-scored by the real model and decided by the demo reviewers, so the
    reviewer dashboard, the outbox and calibration have a history to show."""
    from assessment import prescore_batch
    from embeddings import default_encoder
    from service.operations.reviews import decide
    from service.operations.scoring import evidence_item, load_for_scoring, scored_key, store_prescore

    samples: dict[str, Any] = catalogue.get("sample_evidence", {})
    created: list[tuple[str, bool, datetime]] = []
    with runtime.db.unit_of_work() as session:
        slugs = {b.slug: b.id for b in session.scalars(select(Badge))}
        earned = {(a.learner_id, a.badge_id) for a in session.scalars(select(Award))}
        pool = list(learners)
        rng.shuffle(pool)
        for key, texts in sorted(samples.items()):
            # The history draws on its own samples (the queue shows the others), so the queue's
            # evidence is new to the pre-scorer and no near-duplicate of a decided submission.
            strong, weak = _sentences(texts["strong"][1:]), _sentences(texts["weak"][1:])
            for good in (True, True, True, False, False):
                bank = strong if good else weak
                if not bank:
                    continue
                text = " ".join(rng.sample(bank, min(len(bank), rng.randint(4, 7))))
                learner_id = next(lid for lid in pool if (lid, slugs[key]) not in earned)
                pool.remove(learner_id)
                when = now - timedelta(days=rng.randint(15, 150), hours=rng.randint(0, 23))
                sub = Submission(badge_id=slugs[key], learner_id=learner_id, status="scoring", version=1,
                                 statement=text, links=[], created_at=when, submitted_at=when, updated_at=when)
                session.add(sub)
                session.flush()
                created.append((sub.id, good, when))
    with runtime.db.unit_of_work() as session:
        subs = load_for_scoring(session, [sid for sid, _, _ in created])
        results = prescore_batch([evidence_item(s) for s in subs], default_encoder())
        for sub, result in zip(subs, results, strict=True):
            store_prescore(session, submission_id=sub.id, result=result, key=scored_key(sub),
                           now=sub.submitted_at or now)
        reviewers = list(session.scalars(select(User).where(User.role == "reviewer").order_by(User.email)))
        for i, (sid, good, when) in enumerate(created):
            decide(session, reviewer=reviewers[i % len(reviewers)], submission_id=sid,
                   decision="approve" if good else "reject", comment="" if good else REJECTION,
                   settings=settings, now=when + timedelta(hours=rng.randint(3, 90)))
    return len(created)


def _load_submissions(runtime: Runtime, catalogue: dict[str, Any], learners: list[str], fixed: list[User],
                      rng: random.Random, now: datetime) -> int:
    """The review queue: per badge one strong, one borderline and one weak submission, none seen
    in the decided history. The demo learner's own pending submission is one of them."""
    samples: dict[str, Any] = catalogue.get("sample_evidence", {})
    steps = catalogue["pathways"][0]["steps"]
    third = steps[2] if len(steps) > 2 else None
    demo_learner = next(u for u in fixed if u.role == "learner")
    count = 0
    with runtime.db.unit_of_work() as session:
        slugs = {b.slug: b.id for b in session.scalars(select(Badge))}
        earned = {(a.learner_id, a.badge_id) for a in session.scalars(select(Award))}
        pool = list(learners)
        rng.shuffle(pool)
        for key, texts in sorted(samples.items()):
            for text in (texts["strong"][0], *texts.get("partial", []), texts["weak"][0]):
                if key == third and text == texts["strong"][0]:
                    learner_id, submitted = demo_learner.id, now
                else:
                    learner_id = next(lid for lid in pool if (lid, slugs[key]) not in earned)
                    pool.remove(learner_id)
                    submitted = now - timedelta(hours=rng.randint(2, 24 * 9))
                session.add(Submission(badge_id=slugs[key], learner_id=learner_id, status="queued",
                                       version=1, statement=text, links=[], created_at=submitted,
                                       submitted_at=submitted, updated_at=submitted))
                count += 1
    return count


__all__ = ["DEMO_PASSWORD", "demo_logins", "seed_demo"]
