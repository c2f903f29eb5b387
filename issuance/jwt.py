"""VC-JWT (Open Badges 3.0 §8.2): a compact JWS whose payload is the credential itself plus the
registered claims iss, sub, jti, nbf and exp.

Header: alg "EdDSA", kid (a verification-method URL), typ "JWT" — nothing else. The credential
may already carry a Data Integrity proof; it is kept inside the payload unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuance.errors import JwtError, JwtSignatureError
from issuance.keys import IssuerKey

JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp")
ALLOWED_HEADERS = frozenset({"alg", "kid", "typ"})


def _timestamp(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise JwtError(f"credential {what} is missing")
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise JwtError(f"credential {what} is not a date-time: {value!r}") from exc


def _issuer_id(credential: dict[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _subject_id(credential: dict[str, Any]) -> Any:
    subject = credential.get("credentialSubject")
    return subject.get("id") if isinstance(subject, dict) else None


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The registered claims a credential implies (iss, sub, jti, nbf and, if set, exp)."""
    claims: dict[str, Any] = {
        "iss": _issuer_id(credential),
        "jti": credential.get("id"),
        "nbf": _timestamp(credential.get("validFrom"), "validFrom"),
    }
    if _subject_id(credential) is not None:
        claims["sub"] = _subject_id(credential)
    if "validUntil" in credential:
        claims["exp"] = _timestamp(credential["validUntil"], "validUntil")
    return claims


def encode_vc_jwt(credential: dict[str, Any], key: IssuerKey, *, kid: str) -> str:
    """Sign the credential as a compact VC-JWT (EdDSA); raises JwtError if its dates or ids are
    missing."""
    overlap = [c for c in JWT_CLAIMS if c in credential]
    if overlap:
        raise JwtError(f"credential already has JWT claims {overlap}")
    payload = {**credential, **jwt_claims(credential)}
    return pyjwt.encode(payload, key.private_key, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})


def jwt_header(token: str) -> dict[str, Any]:
    """The unverified header of a compact JWS; raises JwtError when it is not one."""
    try:
        header: dict[str, Any] = pyjwt.get_unverified_header(token)
    except pyjwt.PyJWTError as exc:
        raise JwtError(f"not a compact JWS: {exc}") from exc
    return header


def decode_vc_jwt(token: str, resolve_key: Callable[[str], Ed25519PublicKey | None]) -> dict[str, Any]:
    """Verify a VC-JWT and return the credential (the payload without the JWT claims); raises
    JwtError on a bad header, unknown kid, bad signature, or claims that contradict the
    credential. Dates are not judged here (the verifier does that against its clock)."""
    header = jwt_header(token)
    extra = set(header) - ALLOWED_HEADERS
    if extra or header.get("alg") != "EdDSA" or header.get("typ", "JWT") != "JWT":
        raise JwtError(f"unsupported JWT header {sorted(header)} alg={header.get('alg')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise JwtError("the JWT header has no kid")
    public_key = resolve_key(kid)
    if public_key is None:
        raise JwtError(f"unknown key {kid!r}")
    try:
        payload: dict[str, Any] = pyjwt.decode(
            token,
            public_key,
            algorithms=["EdDSA"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except pyjwt.InvalidSignatureError as exc:
        raise JwtSignatureError("the JWT signature does not verify") from exc
    except pyjwt.PyJWTError as exc:
        raise JwtError(f"invalid VC-JWT: {exc}") from exc
    credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    try:
        expected = jwt_claims(credential)
    except JwtError as exc:
        raise JwtError(f"VC-JWT payload is not a credential: {exc}") from exc
    for claim in JWT_CLAIMS:
        if claim in payload and payload[claim] != expected.get(claim):
            raise JwtError(f"JWT claim {claim} contradicts the credential")
    if "iss" not in payload or "jti" not in payload:
        raise JwtError("VC-JWT lacks iss or jti")
    return credential


def is_compact_jws(text: str) -> bool:
    """True when text looks like a compact JWS (three base64url parts)."""
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2]) and not text.lstrip().startswith("{")
