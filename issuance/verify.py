"""Verification for anyone: a credential JSON, a compact VC-JWT, or a baked PNG/SVG image.

Every check is listed with its result. The verdict is the most serious failure, in this order:

- `malformed`: unreadable, or fails the schema or JSON-LD safe mode;
- `unknown_issuer`: no trusted key for the proof, a key the issuer does not control, a status
  list that cannot be retrieved or is stale, or an unsupported status method (the issuer's
  current word is unknown);
- `invalid_signature`: the credential's (or its status list's) proof does not verify;
- `revoked` > `suspended` > `expired` > `not_yet_valid` > `valid`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from issuance.baking import PNG_SIGNATURE, extract_baked
from issuance.errors import (
    CredentialInvalid,
    IssuanceError,
    JwtError,
    JwtSignatureError,
    NotBaked,
    ProofError,
)
from issuance.jsonld import Analysis, analyse
from issuance.jwt import decode_vc_jwt, is_compact_jws, jwt_header
from issuance.resolvers import KeyResolver, first_of, resolver_from_did_document
from issuance.schema import verification_problems
from issuance.signing import CRYPTOSUITE, proofs_of, unsigned_of, verify_proof
from issuance.status_checks import StatusOutcome, check_status

__all__ = [
    "VERDICTS",
    "Check",
    "VerificationResult",
    "resolver_from_did_document",
    "verify_credential",
]

# Bounds on untrusted input before any JSON-LD work (expansion cost grows with the document).
MAX_CREDENTIAL_CHARS = 1_000_000
MAX_IMAGE_BYTES = 16 * 1024 * 1024
VERDICTS = (
    "malformed",
    "unknown_issuer",
    "invalid_signature",
    "revoked",
    "suspended",
    "expired",
    "not_yet_valid",
    "valid",
)


@dataclass(frozen=True)
class Check:
    """One verification step and its outcome."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class VerificationResult:
    """The verdict, every check made, and the credential that was read (None if unreadable)."""

    valid: bool
    status: str
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The result as the verify API answers it: {valid, status, checks[]}."""
        return {
            "valid": self.valid,
            "status": self.status,
            "checks": [{"name": c.name, "passed": c.passed, "message": c.message} for c in self.checks],
        }


class _Run:
    """Collects checks and the failure verdicts they imply."""

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.failures: set[str] = set()

    def ok(self, name: str, message: str) -> None:
        self.checks.append(Check(name, True, message))

    def fail(self, name: str, verdict: str, message: str) -> None:
        self.checks.append(Check(name, False, message))
        self.failures.add(verdict)

    def result(self, credential: dict[str, Any] | None) -> VerificationResult:
        status = next((v for v in VERDICTS if v in self.failures), "valid")
        return VerificationResult(status == "valid", status, tuple(self.checks), credential)


def _text_of(data: dict[str, Any] | str | bytes, run: _Run) -> dict[str, Any] | str | None:
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


def _parse(data: dict[str, Any] | str | bytes, run: _Run) -> dict[str, Any] | str | None:
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


def _controlled_by_issuer(method: str, credential: dict[str, Any]) -> bool:
    return method.split("#", 1)[0] == issuer_id(credential)


def _open_jwt(token: str, resolve_key: KeyResolver, run: _Run) -> dict[str, Any] | None:
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
    if not _controlled_by_issuer(kid, credential):
        run.fail("jwt", "unknown_issuer", f"key {kid} is not controlled by the issuer")
    else:
        run.ok("jwt", f"VC-JWT signature verified with {kid}")
    return credential


def _check_shape(credential: dict[str, Any], run: _Run) -> Analysis | None:
    """Schema and safe-mode checks; the document's analysis when both pass, else None."""
    problems = verification_problems(credential)
    if problems:
        run.fail("schema", "malformed", "; ".join(problems[:5]))
    else:
        run.ok("schema", "passes the 1EdTech OB 3.0 JSON Schema")
    analysis = analyse(unsigned_of(credential))
    if analysis.problems:
        run.fail("json-ld", "malformed", "; ".join(analysis.problems[:5]))
    else:
        run.ok("json-ld", "every term is defined by the bundled contexts (safe mode)")
    return analysis if not problems and not analysis.problems else None


def check_proofs(
    credential: dict[str, Any],
    analysis: Analysis,
    resolve_key: KeyResolver,
    run: _Run,
    *,
    required: bool,
) -> None:
    """Record the issuer and proof checks of every Data Integrity proof in the credential."""
    try:
        proofs = proofs_of(credential)
    except ProofError as exc:
        if required:
            run.fail("proof", "invalid_signature", str(exc))
        return
    supported = [p for p in proofs if p.get("cryptosuite") == CRYPTOSUITE]
    for proof in proofs:
        if proof not in supported:
            run.ok("proof", f"ignored a proof this verifier does not support ({proof.get('type')})")
    if not supported:
        if required:
            run.fail("proof", "invalid_signature", f"no {CRYPTOSUITE} proof")
        return
    for proof in supported:
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or not _controlled_by_issuer(method, credential):
            run.fail("issuer", "unknown_issuer", f"{method!r} is not a key of the issuer")
            continue
        if resolve_key(method) is None:
            run.fail("issuer", "unknown_issuer", f"no trusted key for {method}")
            continue
        run.ok("issuer", f"{method} belongs to the issuer {issuer_id(credential)}")
        try:
            verify_proof(credential, proof, resolve_key, document_analysis=analysis)
        except (ProofError, CredentialInvalid) as exc:
            run.fail("proof", "invalid_signature", str(exc))
        else:
            run.ok("proof", f"{CRYPTOSUITE} proof verified")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _check_validity(credential: dict[str, Any], now: datetime, run: _Run) -> None:
    valid_from = _parse_time(credential.get("validFrom"))
    valid_until = _parse_time(credential.get("validUntil"))
    if valid_from is None or ("validUntil" in credential and valid_until is None):
        run.fail("validity", "malformed", "validFrom/validUntil are not timezone-aware dates")
    elif now < valid_from:
        run.fail("validity", "not_yet_valid", f"valid from {credential['validFrom']}")
    elif valid_until is not None and now >= valid_until:
        run.fail("validity", "expired", f"expired at {credential['validUntil']}")
    else:
        until = credential.get("validUntil", "no expiry")
        run.ok("validity", f"valid from {credential['validFrom']} until {until}")


def _record_status(outcomes: list[StatusOutcome], run: _Run) -> None:
    for outcome in outcomes:
        if outcome.verdict is None:
            run.ok(outcome.check, outcome.message)
        else:
            run.fail(outcome.check, outcome.verdict, outcome.message)


def verify_credential(
    data: dict[str, Any] | str | bytes,
    *,
    resolve_key: KeyResolver,
    fetch_status_list: Callable[[str], dict[str, Any] | None],
    now: datetime,
    suspension_list_url: Callable[[str], str | None] | None = None,
) -> VerificationResult:
    """Verify a credential (dict, JSON text, compact VC-JWT, or PNG/SVG bytes) offline with the
    given key resolver and status-list fetcher; never raises for bad input (verdict
    `malformed`). `suspension_list_url` maps a revocation list URL to its suspension list;
    a naive `now` is taken as UTC."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    run = _Run()
    safe_resolve = first_of(resolve_key)
    parsed = _parse(data, run)
    if parsed is None:
        return run.result(None)
    from_jwt = isinstance(parsed, str)
    credential = _open_jwt(parsed, safe_resolve, run) if isinstance(parsed, str) else parsed
    if credential is None:
        return run.result(None)
    try:
        analysis = _check_shape(credential, run)
        if analysis is not None:
            check_proofs(credential, analysis, safe_resolve, run, required=not from_jwt)
        _check_validity(credential, now, run)
        if analysis is not None:
            _record_status(
                check_status(
                    credential,
                    resolve_key=safe_resolve,
                    fetch_status_list=fetch_status_list,
                    now=now,
                    suspension_list_url=suspension_list_url,
                ),
                run,
            )
    except IssuanceError as exc:  # a last guard: bad input never escapes as an exception
        run.fail("credential", "malformed", str(exc))
    return run.result(credential)
