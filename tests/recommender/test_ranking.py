"""Ranking rules, pathway logic, cold start and reasons, on real MiniLM badge vectors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from recommender.catalog import BadgeItem, Catalog
from recommender.history import CoOccurrence
from recommender.profile import LearnerProfile, profile_vector, skill_levels
from recommender.ranking import recommend
from recommender.signals import Weights, tier_step

from .conftest import NOW

HISTORIES = (
    [["py1", "py2"]] * 6
    + [["py1", "sql1", "stats"]] * 5
    + [["sec", "gdpr"]] * 5
    + [["py1", "pandas", "viz"]] * 4
    + [["excel", "viz"]] * 3
)


@pytest.fixture(scope="module")
def model() -> CoOccurrence:
    return CoOccurrence.fit(HISTORIES)


def _ids(result) -> list[str]:
    return [r.badge_id for r in result.items]


def test_never_recommends_held_blocked_retired_or_out_of_window(catalog, index, model):
    profile = LearnerProfile("u", earned=("py1", "sql1"), in_progress=("pandas",), not_interested=("stats",))
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=20)
    shown = set(_ids(result))
    assert shown.isdisjoint({"py1", "sql1", "pandas", "stats", "old", "soon", "gone"})
    assert result.index_version == index.version
    assert all(r.reasons for r in result.items)


def test_unmet_prerequisites_are_locked_not_recommended(catalog, index, model):
    profile = LearnerProfile("u", earned=("py1",))
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=20)
    assert "ml" not in _ids(result) and "py3" not in _ids(result) and "stats" not in _ids(result)
    locked = {lk.badge_id: lk.missing for lk in result.locked}
    assert locked["stats"] == ("sql1",)  # py1 is already earned: only sql1 is missing
    for badge_id in _ids(result):
        assert all(p == "py1" for p in catalog[badge_id].prerequisites)


def test_pathway_successor_and_builds_on_reasons(catalog, index, model):
    profile = LearnerProfile("u", earned=("py1",))
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=5)
    by_id = {r.badge_id: r for r in result.items}
    assert "sql1" in by_id
    assert "next step in the Data Analyst pathway" in by_id["sql1"].reasons
    assert "builds on Python Foundations, which you earned" in by_id["py2"].reasons
    assert by_id["py2"].reasons[0] in {
        "builds on Python Foundations, which you earned",
        "learners who earned Python Foundations often earn this next",
        "often earned together with Python Foundations",
    }


def test_cooccurrence_reason_names_the_earned_badge(catalog, index, model):
    profile = LearnerProfile("u", earned=("sec",))
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=3)
    top = result.items[0]
    assert top.badge_id == "gdpr"
    assert any("Security Awareness" in reason for reason in top.reasons)


def test_team_priorities_are_explained_with_counts(catalog, index, model):
    profile = LearnerProfile(
        "u",
        earned=("lead",),
        team_priority_skills=("Data analysis", "Data visualisation", "Privacy"),
    )
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=5)
    viz = next(r for r in result.items if r.badge_id == "viz")
    assert "covers 2 of the 3 skills your team prioritises" in viz.reasons
    assert _ids(result)[0] == "viz"  # covers the most priorities


def test_cold_start_uses_team_popularity_and_goals(catalog, index, model):
    newcomer = LearnerProfile("new", popular_in_team=("sec", "excel"), goal_skills=("Excel",))
    result = recommend(newcomer, catalog, index, cooccurrence=model, now=NOW, k=4)
    ids = _ids(result)
    assert ids[0] in {"excel", "sec"}
    assert "popular in your team" in next(r for r in result.items if r.badge_id == "sec").reasons
    assert any("goals" in reason for reason in result.items[ids.index("excel")].reasons)
    empty = recommend(LearnerProfile("x"), catalog, index, cooccurrence=model, now=NOW, k=3)
    assert len(empty.items) == 3
    assert all(r.reasons == ("popular with learners across the organisation",) for r in empty.items)


def test_goal_reason_counts_the_goal_skills_covered(catalog, index, model):
    profile = LearnerProfile(
        "u", earned=("sec",), goal_skills=("Statistics", "Data analysis"), target_role="Data Analyst"
    )
    result = recommend(profile, catalog, index, cooccurrence=model, now=NOW, k=10)
    reasons = {r.badge_id: r.reasons for r in result.items}
    assert "covers 1 of the 2 skills in your goals for Data Analyst" in reasons["viz"]
    assert "stats" in {lk.badge_id for lk in result.locked}  # covers both, but py1 and sql1 missing


def test_tier_progression_prefers_the_next_tier(catalog, index):
    holder = skill_levels(LearnerProfile("u", earned=("py1",)), catalog)
    assert holder["python"].top_tier == 0
    assert tier_step(catalog["py2"], holder) == 1.0  # practitioner after foundation
    assert tier_step(catalog["py3"], holder) == -0.5  # advanced skips a tier
    expert = skill_levels(LearnerProfile("u", earned=("py1", "py2")), catalog)
    assert tier_step(catalog["py1"], expert) == -1.0  # below what is held
    assert tier_step(catalog["sec"], holder) == 0.0  # unrelated skill
    strong = Weights(tier=1.0, builds_on=0.0, pathway=0.0)
    result = recommend(LearnerProfile("u", earned=("py1",)), catalog, index, now=NOW, k=3, weights=strong)
    py2 = next(r for r in result.items if r.badge_id == "py2")
    assert py2.reasons[0] == "the next tier up in Python"


def test_diversity_caps_one_main_skill(index):
    items = [BadgeItem(f"p{i}", f"Python topic {i}", skills=("Python",)) for i in range(8)]
    items += [BadgeItem(f"s{i}", f"SQL topic {i}", skills=("SQL",)) for i in range(3)]
    ids = [b.id for b in items]
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(len(ids), index.dim)).astype(np.float32)
    base = vecs[0].copy()
    vecs[:8] += 5 * base  # the Python badges are all near one another
    vecs[8:] += 2 * base  # the SQL ones less so
    from recommender.index import BadgeIndex

    small = BadgeIndex.build(ids, vecs, model_version="t")
    cat = Catalog(items)
    profile = LearnerProfile("u", earned=("p0",))
    result = recommend(profile, cat, small, now=NOW, k=5, max_per_skill=3)
    main_skills = [cat[b].skills[0] for b in _ids(result)]
    assert main_skills.count("Python") == 3 and main_skills.count("SQL") == 2
    wide = recommend(profile, cat, small, now=NOW, k=10, max_per_skill=3)
    assert len(wide.items) == 10  # a catalogue too narrow for the cap still fills k


def test_evidence_and_goal_vectors_shape_the_profile(catalog, index, encoder):
    evidence = encoder.encode(["I analysed GDPR data-subject requests and privacy risks"])[0]
    profile = LearnerProfile("u", evidence_vectors=(evidence,))
    vec = profile_vector(profile, index)
    assert vec is not None
    result = recommend(profile, catalog, index, now=NOW, k=2)
    assert "gdpr" in _ids(result)
    with pytest.raises(ValueError, match="dimension"):
        profile_vector(replace(profile, evidence_vectors=(np.ones(3),)), index)
    assert profile_vector(LearnerProfile("nobody"), index) is None


def test_k_must_be_positive(catalog, index):
    with pytest.raises(ValueError):
        recommend(LearnerProfile("u"), catalog, index, now=NOW, k=0)


def test_request_path_never_imports_torch(tmp_path):
    code = """
import sys
from datetime import UTC, datetime
import numpy as np
from recommender import BadgeIndex, BadgeItem, CoOccurrence, LearnerProfile, recommend
from recommender.snapshot import IndexHolder
items = {f"b{i}": BadgeItem(f"b{i}", f"Badge {i}") for i in range(50)}
vecs = np.random.default_rng(0).normal(size=(50, 384)).astype("float32")
BadgeIndex.build(list(items), vecs, model_version="m").save(sys.argv[1])
index = IndexHolder(sys.argv[1]).current()
model = CoOccurrence.fit([["b1", "b2"], ["b1", "b3"]])
out = recommend(LearnerProfile("u", earned=("b1",)), items, index, cooccurrence=model,
                now=datetime.now(UTC))
assert out.items
assert "torch" not in sys.modules and "sentence_transformers" not in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
