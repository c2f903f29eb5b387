"""Reading what a verifier is handed: a credential dict, JSON text, a compact VC-JWT, or a
baked PNG/SVG image; untrusted input is size-bounded before any JSON-LD work."""

from __future__ import annotations

import json
from typing import Any

from issuance.baking import PNG_SIGNATURE, extract_baked
from issuance.errors import JwtError, JwtSignatureError, NotBaked
from issuance.jwt import decode_vc_jwt, is_compact_jws, jwt_header
from issuance.resolvers import KeyResolver
from issuance.verdict import CheckLog

# Bounds on untrusted input before any JSON-LD work (expansion cost grows with the document).
MAX_CREDENTIAL_CHARS = 1_000_000
MAX_IMAGE_BYTES = 16 * 1024 * 1024


def _text_of(data: dict[str, Any] | str | bytes, run: CheckLog) -> dict[str, Any] | str | None:
    if isinstance(data, dict):
        try:
            size = len(json.dumps(data))
        except (TypeError, ValueError, RecursionError) as exc:
            run.fail("format", "malformed", f"the credential is not plain JSON: {exc}")
            return None
        if size > MAX_CREDENTIAL_CHARS:
            run.fail("format", "malformed", f"the credential is larger than {MAX_CREDENTIAL_CHARS} characters")
            return None
        run.ok("format", "credential JSON")
        return data
    if isinstance(data, bytes):
        if len(data) > MAX_IMAGE_BYTES:
            run.fail("format", "malformed", f"the upload is larger than {MAX_IMAGE_BYTES} bytes")
            return None
        if data.startswith(PNG_SIGNATURE) or data.lstrip()[:1] == b"<":
            try:
                text = extract_baked(data)
            except NotBaked as exc:
                run.fail("format", "malformed", str(exc))
                return None
            kind = "PNG" if data.startswith(PNG_SIGNATURE) else "SVG"
            run.ok("format", f"credential baked in a {kind} image")
            return text
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            run.fail("format", "malformed", "neither a PNG/SVG image nor UTF-8 text")
            return None
    if not isinstance(data, str):
        run.fail("format", "malformed", f"cannot read a {type(data).__name__}")
        return None
    run.ok("format", "VC-JWT" if is_compact_jws(data) else "credential text")
    return data


def read_credential(data: dict[str, Any] | str | bytes, run: CheckLog) -> dict[str, Any] | str | None:
    """A credential dict, a compact JWS string, or None (malformed, recorded in run)."""
    value = _text_of(data, run)
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if len(stripped) > MAX_CREDENTIAL_CHARS:
        run.fail("json", "malformed", f"the credential is larger than {MAX_CREDENTIAL_CHARS} characters")
        return None
    if is_compact_jws(stripped):
        return stripped
    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError) as exc:
        run.fail("json", "malformed", f"not JSON and not a VC-JWT: {exc}")
        return None
    if not isinstance(parsed, dict):
        run.fail("json", "malformed", "the credential JSON is not an object")
        return None
    return parsed


def issuer_id(credential: dict[str, Any]) -> str | None:
    """The issuer id of a credential (issuer given as a string or a Profile object)."""
    issuer = credential.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def controlled_by_issuer(method: str, credential: dict[str, Any]) -> bool:
    """Whether a verification method / kid URL belongs to the credential's issuer (DID)."""
    return method.split("#", 1)[0] == issuer_id(credential)


def open_jwt(token: str, resolve_key: KeyResolver, run: CheckLog) -> dict[str, Any] | None:
    """Verify a VC-JWT's header, key and signature (recording the `jwt` check) and return the
    credential inside, or None when it cannot be opened."""
    try:
        kid = jwt_header(token).get("kid")
    except JwtError as exc:
        run.fail("jwt", "malformed", str(exc))
        return None
    if not isinstance(kid, str) or resolve_key(kid) is None:
        run.fail("jwt", "unknown_issuer", f"no trusted key for kid {kid!r}")
        return None
    try:
        credential = decode_vc_jwt(token, resolve_key)
    except JwtSignatureError as exc:
        run.fail("jwt", "invalid_signature", str(exc))
        return None
    except JwtError as exc:
        run.fail("jwt", "malformed", str(exc))
        return None
    if not controlled_by_issuer(kid, credential):
        run.fail("jwt", "unknown_issuer", f"key {kid} is not controlled by the issuer")
    else:
        run.ok("jwt", f"VC-JWT signature verified with {kid}")
    return credential
