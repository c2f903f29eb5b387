"""Passwords (argon2) and API tokens (random, stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotAuthenticated
from service.models import ApiToken, User

_hasher = PasswordHasher()
LAST_USED_RESOLUTION = timedelta(minutes=10)
TOKEN_PREFIX = "lrl_"  # noqa: S105 - a prefix, not a secret


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """True when ``password`` matches the user's stored hash (False when none is set)."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(
    session: Session, *, user: User, now: datetime, name: str = "cli", ttl: timedelta | None = None
) -> str:
    """Create an API token for ``user`` and return it; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=_token_digest(token),
            prefix=token[:12],
            created_at=now,
            expires_at=now + ttl if ttl else None,
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str, *, now: datetime) -> User:
    """Return the active user a bearer token belongs to.

    Raises NotAuthenticated for unknown, revoked or expired tokens and inactive users.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("Unknown or revoked API token.")
    if row.expires_at is not None and row.expires_at <= now:
        raise NotAuthenticated("This API token has expired.")
    if not row.user.active:
        raise NotAuthenticated("This account is disabled.")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now  # recorded when the request commits; coarse, to keep reads read-only
    return row.user
