"""Shared fixtures: a small realistic badge catalogue embedded with the real MiniLM model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from embeddings import default_encoder
from recommender.catalog import BadgeItem, Catalog, badge_text
from recommender.index import BadgeIndex

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _badges() -> list[BadgeItem]:
    da = "Data Analyst"
    return [
        BadgeItem(
            "py1",
            "Python Foundations",
            "Write and run basic Python scripts.",
            ("Python",),
            "foundation",
            pathways=((da, 1),),
        ),
        BadgeItem(
            "sql1",
            "SQL Foundations",
            "Query relational databases with SELECT and JOIN.",
            ("SQL",),
            "foundation",
            pathways=((da, 2),),
        ),
        BadgeItem(
            "pandas",
            "Data Wrangling with pandas",
            "Clean and reshape tabular data.",
            ("Python", "Data analysis"),
            "practitioner",
            prerequisites=("py1",),
            pathways=((da, 3),),
        ),
        BadgeItem(
            "viz",
            "Data Visualisation",
            "Charts and dashboards that tell a story.",
            ("Data visualisation", "Data analysis"),
            "practitioner",
            pathways=((da, 4),),
        ),
        BadgeItem(
            "stats",
            "Applied Statistics",
            "Hypothesis tests and regression.",
            ("Statistics", "Data analysis"),
            "practitioner",
            prerequisites=("py1", "sql1"),
        ),
        BadgeItem(
            "py2",
            "Python Practitioner",
            "Packages, testing and typing in Python.",
            ("Python",),
            "practitioner",
            prerequisites=("py1",),
        ),
        BadgeItem(
            "py3",
            "Advanced Python",
            "Concurrency, performance and C extensions.",
            ("Python",),
            "advanced",
            prerequisites=("py2",),
        ),
        BadgeItem(
            "ml",
            "Machine Learning Basics",
            "Train and evaluate supervised models.",
            ("Machine learning", "Python"),
            "advanced",
            prerequisites=("stats", "pandas"),
        ),
        BadgeItem(
            "sec", "Security Awareness", "Phishing, passwords and safe data handling.", ("Security",), "foundation"
        ),
        BadgeItem(
            "gdpr",
            "GDPR Essentials",
            "Personal data protection rules in the EU.",
            ("Privacy", "Security"),
            "foundation",
        ),
        BadgeItem("lead", "Leading Teams", "Coaching, feedback and delegation.", ("Leadership",), "practitioner"),
        BadgeItem(
            "old", "Legacy Excel Macros", "VBA macros for spreadsheets.", ("Excel",), "practitioner", active=False
        ),
        BadgeItem(
            "soon",
            "Cloud Data Pipelines",
            "Batch and streaming pipelines in the cloud.",
            ("Data engineering", "Python"),
            "advanced",
            available_from=datetime(2027, 1, 1, tzinfo=UTC),
        ),
        BadgeItem(
            "gone",
            "Hadoop MapReduce",
            "Batch processing on Hadoop clusters.",
            ("Data engineering",),
            "advanced",
            available_until=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        BadgeItem(
            "excel",
            "Spreadsheet Analysis",
            "Pivot tables and lookups in spreadsheets.",
            ("Excel", "Data analysis"),
            "foundation",
        ),
    ]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog(_badges())


@pytest.fixture(scope="session")
def encoder():  # type: ignore[no-untyped-def]
    return default_encoder()


@pytest.fixture(scope="session")
def index(catalog: Catalog, encoder) -> BadgeIndex:  # type: ignore[no-untyped-def]
    ids = list(catalog)
    vectors = encoder.encode([badge_text(catalog[b]) for b in ids])
    return BadgeIndex.build(ids, vectors, model_version=encoder.version)
