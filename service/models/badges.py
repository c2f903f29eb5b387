"""The catalogue: badges, their rubric criteria, prerequisites, pathways, reviewers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.models.base import JSONType, UTCDateTime, created_column, id_column, utcnow

BADGE_TYPES = ("skill", "knowledge", "achievement", "participation", "certification")
TIERS = ("foundation", "practitioner", "advanced", "expert")
BADGE_STATUSES = ("draft", "active", "retired")

badge_prerequisites = Table(
    "badge_prerequisites",
    Base.metadata,
    Column("badge_id", ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True),
    Column("required_id", ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True),
)

badge_reviewers = Table(
    "badge_reviewers",
    Base.metadata,
    Column("badge_id", ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Badge(Base):
    __tablename__ = "badges"

    id: Mapped[str] = id_column()
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    badge_type: Mapped[str] = mapped_column(String(20), default="skill")
    tier: Mapped[str] = mapped_column(String(20), default="foundation")
    domain: Mapped[str | None] = mapped_column(String(40))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    criteria_narrative: Mapped[str] = mapped_column(Text, default="")
    evidence_prompt: Mapped[str] = mapped_column(Text, default="")
    # Badge-level model answers, used for criteria without exemplars of their own. Never shown to learners.
    references: Mapped[list[str]] = mapped_column(JSONType, default=list)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    # Bumped whenever the rubric changes: pre-scores record the version they were made for.
    rubric_version: Mapped[int] = mapped_column(Integer, default=1)
    required_approvals: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="badge", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    prerequisites: Mapped[list[Badge]] = relationship(
        secondary=badge_prerequisites,
        primaryjoin=lambda: Badge.id == badge_prerequisites.c.badge_id,
        secondaryjoin=lambda: Badge.id == badge_prerequisites.c.required_id,
    )
    reviewers: Mapped[list[Any]] = relationship("User", secondary=badge_reviewers)


class Criterion(Base):
    __tablename__ = "criteria"

    id: Mapped[str] = id_column()
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(default=1.0)
    levels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Model answers for this criterion: what the pre-scorer compares evidence with. Never shown to learners.
    exemplars: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")

    badge: Mapped[Badge] = relationship(back_populates="criteria")


class Pathway(Base):
    __tablename__ = "pathways"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[PathwayStep]] = relationship(
        order_by="PathwayStep.position", cascade="all, delete-orphan"
    )


class PathwayStep(Base):
    __tablename__ = "pathway_steps"

    pathway_id: Mapped[str] = mapped_column(
        ForeignKey("pathways.id", ondelete="CASCADE"), primary_key=True
    )
    badge_id: Mapped[str] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    badge: Mapped[Badge] = relationship(lazy="joined")
