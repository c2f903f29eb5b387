"""People: users, departments, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base
from service.models.base import JSONType, UTCDateTime, created_column, id_column

ROLES = ("learner", "reviewer", "admin")


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120), unique=True)
    priority_skills: Mapped[list[str]] = mapped_column(JSONType, default=list)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="learner")
    title: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"), index=True)
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Salt for the hashed email identifier put in credentials (never the email itself).
    identifier_salt: Mapped[str] = mapped_column(String(64))
    goals: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_column()

    department: Mapped[Department | None] = relationship(lazy="joined")

    @property
    def subject_id(self) -> str:
        """The stable URN used as credential subject id and VC-JWT ``sub``."""
        return f"urn:uuid:{self.id}"

    def has_role(self, *roles: str) -> bool:
        """True when the user's role is one of ``roles`` (admins hold every role)."""
        return self.role in roles or self.role == "admin"

    # Flask-Login protocol, kept here so domain code can ignore it.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.id


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="cli")
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough to store.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class Organisation(Base):
    """The one organisation this deployment issues for (its issuer profile); a single row."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))
