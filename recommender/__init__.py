"""Laurel's badge recommender: learner profiles, a FAISS badge index, ranking with reasons.

Importing this package imports neither faiss nor torch; faiss is loaded on first index use and
the encoder is only ever passed in by batch callers.
"""

from recommender.catalog import BadgeItem, Catalog, badge_text
from recommender.errors import (
    IndexFormatError,
    ModelFormatError,
    RecommenderError,
    RecommendInputError,
)
from recommender.history import CoOccurrence
from recommender.index import BadgeIndex
from recommender.profile import LearnerProfile
from recommender.ranking import Locked, Recommendation, RecommendationSet, recommend

__all__ = [
    "BadgeIndex",
    "BadgeItem",
    "Catalog",
    "CoOccurrence",
    "IndexFormatError",
    "LearnerProfile",
    "Locked",
    "ModelFormatError",
    "RecommendInputError",
    "Recommendation",
    "RecommendationSet",
    "RecommenderError",
    "badge_text",
    "recommend",
]
