"""The same award in other shapes: VC-JWT, baked PNG and SVG images."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from issuance.baking import bake_png, bake_svg
from issuance.jwt import encode_vc_jwt
from service.models import Credential
from service.operations.issuer import active_signing_key, issuer_did
from service.settings import Settings


def credential_jwt(session: Session, credential: Credential, *, settings: Settings, now: datetime) -> str:
    """The credential as a compact VC-JWT signed with the issuer's active key.

    The payload is the stored, Data-Integrity-signed document (both proofs verify).
    """
    key, _method = active_signing_key(session, settings=settings, now=now)
    return encode_vc_jwt(credential.document, key, kid=f"{issuer_did(settings)}#{key.key_id}")


def baked_png(credential: Credential, image_png: bytes) -> bytes:
    """The badge image with the signed credential JSON baked in (iTXt ``openbadgecredential``)."""
    return bake_png(image_png, json.dumps(credential.document, separators=(",", ":")))


def baked_svg(credential: Credential, image_svg: str) -> str:
    """The badge SVG with the signed credential JSON baked in (``openbadges:credential``)."""
    return bake_svg(image_svg, json.dumps(credential.document, separators=(",", ":")), is_jwt=False)
