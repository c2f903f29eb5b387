"""Trending badges: recent award counts as a ranking signal with its own reason."""

from __future__ import annotations

from recommender.profile import LearnerProfile
from recommender.ranking import recommend
from recommender.trending import Trending

from .conftest import NOW

DAY = 86_400.0


def test_counts_only_the_window_before_until():
    events = [("sec", 100 * DAY), ("sec", 95 * DAY), ("gdpr", 99 * DAY), ("lead", 10 * DAY)]
    trending = Trending.from_events(events, until=100 * DAY + 1, days=30)
    assert trending.top == ("sec", "gdpr")
    assert trending.scores["sec"] == 1.0 and 0 < trending.scores["gdpr"] < 1
    assert "lead" not in trending.scores
    assert Trending.from_counts({}).top == ()


def test_trending_badges_are_suggested_with_their_reason(catalog, index):
    trending = Trending.from_counts({"lead": 40, "sec": 3})
    result = recommend(LearnerProfile("new"), catalog, index, now=NOW, k=3, trending=trending)
    assert result.items[0].badge_id == "lead"
    assert result.items[0].reasons == ("many learners have earned it recently",)
