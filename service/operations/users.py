"""Creating and finding people."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import hash_password
from service.errors import Conflict, NotFound, ValidationFailed
from service.models import ROLES, Department, User


def department_named(session: Session, name: str) -> Department:
    """Return the department called ``name``, creating it if needed."""
    dept = session.scalar(select(Department).where(Department.name == name))
    if dept is None:
        dept = Department(name=name, priority_skills=[])
        session.add(dept)
        session.flush()
    return dept


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    now: datetime,
    name: str | None = None,
    department: str | None = None,
    title: str | None = None,
    password: str | None = None,
) -> User:
    """Create a user. Raises ValidationFailed on a bad email/role, Conflict if the email exists."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationFailed(errors={"email": "Enter a valid email address."})
    if role not in ROLES:
        raise ValidationFailed(errors={"role": f"Role must be one of {', '.join(ROLES)}."})
    if password is not None and len(password) < 8:
        raise ValidationFailed(errors={"password": "Use at least 8 characters."})
    if session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"A user with email {email} already exists.")
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        role=role,
        title=title,
        department_id=department_named(session, department).id if department else None,
        password_hash=hash_password(password) if password else None,
        identifier_salt=secrets.token_hex(16),
        goals={},
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: str) -> User:
    """Return the user with ``user_id``; raises NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def user_by_email(session: Session, email: str) -> User | None:
    """Return the user with this email (case-insensitive), or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))
