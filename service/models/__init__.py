"""SQLAlchemy models, one module per domain; imported here so metadata is complete."""

from service.models.awards import (
    Award,
    CalibrationRecord,
    Credential,
    IssuerKey,
    Notification,
    OutboxEmail,
    RefitAttempt,
)
from service.models.badges import (
    BADGE_STATUSES,
    BADGE_TYPES,
    TIERS,
    Badge,
    Criterion,
    Pathway,
    PathwayStep,
)
from service.models.submissions import (
    BANDS,
    DECISIONS,
    REVIEWABLE,
    STATUSES,
    Review,
    Submission,
    SubmissionFile,
    SubmissionVersion,
)
from service.models.users import ROLES, ApiToken, Department, Organisation, User

__all__ = [
    "BADGE_STATUSES",
    "BADGE_TYPES",
    "BANDS",
    "DECISIONS",
    "REVIEWABLE",
    "ROLES",
    "STATUSES",
    "TIERS",
    "ApiToken",
    "Award",
    "Badge",
    "CalibrationRecord",
    "Credential",
    "Criterion",
    "Department",
    "IssuerKey",
    "Notification",
    "Organisation",
    "OutboxEmail",
    "Pathway",
    "PathwayStep",
    "RefitAttempt",
    "Review",
    "Submission",
    "SubmissionFile",
    "SubmissionVersion",
    "User",
]
