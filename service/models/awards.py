"""Awards, their signed credentials, issuer keys, status lists, calibrations and their refits,
notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.models.badges import Badge
from service.models.base import JSONType, UTCDateTime, created_column, id_column
from service.models.users import User


class Award(Base):
    """A badge earned by a learner. Exactly one per approved submission (unique constraint)."""

    __tablename__ = "awards"

    id: Mapped[str] = id_column()
    submission_id: Mapped[str | None] = mapped_column(
        ForeignKey("submissions.id"), unique=True, nullable=True
    )
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20), default="review")  # review | import | demo

    badge: Mapped[Badge] = relationship(lazy="joined")
    learner: Mapped[User] = relationship(lazy="joined")
    credential: Mapped[Credential | None] = relationship(back_populates="award", uselist=False)


class Credential(Base):
    """The signed Open Badges 3.0 document of an award, as issued (never re-signed)."""

    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("status_list", "status_index"),)

    id: Mapped[str] = id_column()
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
    key_id: Mapped[str] = mapped_column(String(40))
    status_list: Mapped[str] = mapped_column(String(40), default="1")
    status_index: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    status_reason: Mapped[str | None] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_column()

    award: Mapped[Award] = relationship(back_populates="credential", lazy="joined")


class IssuerKey(Base):
    """An Ed25519 signing key; the private half encrypted with LAUREL_SECRET_KEY."""

    __tablename__ = "issuer_keys"

    id: Mapped[str] = id_column()
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    public_multibase: Mapped[str] = mapped_column(String(100))
    encrypted_private: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_column()
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CalibrationRecord(Base):
    """A fitted pre-score calibration, global (badge_id NULL) or per badge; never overwritten."""

    __tablename__ = "calibrations"

    id: Mapped[str] = id_column()
    badge_id: Mapped[str | None] = mapped_column(ForeignKey("badges.id"), index=True)
    version: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    examples: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_column()


class RefitAttempt(Base):
    """When a calibration refit last ran for a scope ("global"), whatever it found.

    A refit that stores nothing new (every decision an approval, too few rows per stage, the
    same version again) leaves no calibration row to count from; without this record the next
    decision would pay for the same futile fit again.
    """

    __tablename__ = "refit_attempts"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    decided: Mapped[int] = mapped_column(Integer)  # decisions counted when the fit ran
    stored: Mapped[bool] = mapped_column(Boolean)  # whether it stored a new calibration
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = created_column()
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxEmail(Base):
    """An email to send: written in the same transaction as what caused it, sent by a worker."""

    __tablename__ = "outbox_emails"

    id: Mapped[str] = id_column()
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
