"""Laurel as an issuer: its identity, its signing keys (encrypted at rest), key rotation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuance.credential import IssuerProfile
from issuance.keys import (
    IssuerKey as SigningKey,
)
from issuance.keys import (
    decrypt_private_key,
    did_document,
    did_web,
    encrypt_private_key,
    generate_key,
    jwks,
)
from service.models import IssuerKey
from service.settings import Settings


def issuer_did(settings: Settings) -> str:
    """The issuer's did:web, derived from the public base URL."""
    return did_web(settings.base_url)


def issuer_profile(settings: Settings) -> IssuerProfile:
    """The OB 3.0 Profile of this deployment's organisation."""
    return IssuerProfile(
        id=issuer_did(settings),
        name=settings.organisation_name,
        url=settings.base_url + "/",
    )


def _next_key_id(session: Session) -> str:
    count = len(list(session.scalars(select(IssuerKey.key_id))))
    return f"key-{count + 1}"


def active_signing_key(session: Session, *, settings: Settings, now: datetime) -> tuple[SigningKey, str]:
    """Return the active signing key and its verification method, creating the first one.

    Two processes creating the first key at once collide on the unique key id; the loser
    reads the winner's key.
    """
    row = session.scalar(select(IssuerKey).where(IssuerKey.active.is_(True)).order_by(IssuerKey.created_at.desc()))
    if row is None:
        try:
            with session.begin_nested():
                row = _create_key(session, settings=settings, now=now)
        except IntegrityError:
            row = session.scalar(select(IssuerKey).where(IssuerKey.active.is_(True)))
            assert row is not None
    key = decrypt_private_key(row.key_id, row.encrypted_private, settings.secret_key)
    return key, f"{issuer_did(settings)}#{row.key_id}"


def _create_key(session: Session, *, settings: Settings, now: datetime) -> IssuerKey:
    key = generate_key(_next_key_id(session))
    row = IssuerKey(
        key_id=key.key_id,
        public_multibase=key.public_multibase,
        encrypted_private=encrypt_private_key(key, settings.secret_key),
        active=True,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def rotate_keys(session: Session, *, settings: Settings, now: datetime) -> IssuerKey:
    """Add a new active signing key; older keys stay published so old credentials verify."""
    for row in session.scalars(select(IssuerKey).where(IssuerKey.active.is_(True))):
        row.active = False
        row.retired_at = now
    session.flush()
    return _create_key(session, settings=settings, now=now)


def published_keys(session: Session) -> dict[str, str]:
    """key id -> public multibase of every key ever used (rotation keeps old ones)."""
    return {r.key_id: r.public_multibase for r in session.scalars(select(IssuerKey).order_by(IssuerKey.created_at))}


def issuer_did_document(session: Session, *, settings: Settings) -> dict[str, object]:
    """The did:web document served at /.well-known/did.json."""
    return did_document(issuer_did(settings), published_keys(session))


def issuer_jwks(session: Session, *, settings: Settings) -> dict[str, object]:
    """The JWKS served at /.well-known/jwks.json."""
    return jwks(published_keys(session), issuer_did(settings))
