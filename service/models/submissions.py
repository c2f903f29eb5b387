"""Evidence submissions, their files and versions, and reviewer decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.models.badges import Badge
from service.models.base import JSONType, UTCDateTime, created_column, id_column, utcnow
from service.models.users import User

# draft -> queued -> scoring -> scored -> approved | rejected | changes_requested
# scoring_failed when extraction or scoring failed after retries (still reviewable by hand).
STATUSES = (
    "draft", "queued", "scoring", "scored", "scoring_failed",
    "approved", "rejected", "changes_requested",
)
REVIEWABLE = ("scored", "scoring_failed")
DECISIONS = ("approve", "reject", "request_changes")
BANDS = ("likely_pass", "needs_review", "likely_fail")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_queue", "status", "band", "score"),)

    id: Mapped[str] = id_column()
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="queued", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    statement: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = created_column()
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Idempotency key of the request that created it (API clients may retry safely).
    idempotency_key: Mapped[str | None] = mapped_column(String(100))

    # Pre-score of the current version (denormalised for the queue).
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(20))
    confidence: Mapped[float | None] = mapped_column(Float)
    prescore: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the score was computed for: "<submission version>:<rubric version>".
    scored_key: Mapped[str | None] = mapped_column(String(40))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    scoring_error: Mapped[str | None] = mapped_column(Text)
    # The database, not Redis, records what still needs scoring: a lease a dead worker loses.
    scoring_attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    badge: Mapped[Badge] = relationship(lazy="joined")
    learner: Mapped[User] = relationship(foreign_keys=[learner_id], lazy="joined")
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission", order_by="SubmissionFile.created_at", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="submission", order_by="Review.created_at", cascade="all, delete-orphan"
    )
    versions: Mapped[list[SubmissionVersion]] = relationship(
        order_by="SubmissionVersion.number", cascade="all, delete-orphan"
    )
    award: Mapped[Any] = relationship(
        "Award", uselist=False, viewonly=True, primaryjoin="Submission.id == foreign(Award.submission_id)"
    )


class SubmissionVersion(Base):
    """A frozen copy of an earlier version, kept when the learner resubmits."""

    __tablename__ = "submission_versions"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[str] = id_column()
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    statement: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSONType, default=list)
    prescore: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = created_column()


class SubmissionFile(Base):
    __tablename__ = "submission_files"

    id: Mapped[str] = id_column()
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # None for a refused upload: its name and reason are kept, its bytes never stored.
    digest: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    # pending | ok | no_text | failed | refused
    extraction_status: Mapped[str] = mapped_column(String(20), default="pending")
    extraction_message: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = created_column()

    submission: Mapped[Submission] = relationship(back_populates="files")


class Review(Base):
    """One reviewer decision: the audit trail keeps what the pre-score said at the time."""

    __tablename__ = "reviews"

    id: Mapped[str] = id_column()
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    prescore_score: Mapped[float | None] = mapped_column(Float)
    prescore_band: Mapped[str | None] = mapped_column(String(20))
    # Reviewer's per-criterion judgement where it differs from the pre-score: criterion id -> 0..1.
    overrides: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = created_column()

    submission: Mapped[Submission] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship(lazy="joined")
