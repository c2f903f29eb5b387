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

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from issuance.envelope import controlled_by_issuer, issuer_id, open_jwt, read_credential
from issuance.errors import CredentialInvalid, IssuanceError, ProofError
from issuance.jsonld import Analysis, analyse
from issuance.resolvers import KeyResolver, first_of, resolver_from_did_document
from issuance.schema import verification_problems
from issuance.signing import CRYPTOSUITE, proofs_of, unsigned_of, verify_proof
from issuance.status_checks import StatusOutcome, check_status
from issuance.verdict import VERDICTS, Check, CheckLog, VerificationResult

__all__ = [
    "VERDICTS",
    "Check",
    "VerificationResult",
    "issuer_id",
    "resolver_from_did_document",
    "verify_credential",
]


def _check_shape(credential: dict[str, Any], run: CheckLog) -> Analysis | None:
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
    run: CheckLog,
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
        if not isinstance(method, str) or not controlled_by_issuer(method, credential):
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


def _check_validity(credential: dict[str, Any], now: datetime, run: CheckLog) -> None:
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


def _record_status(outcomes: list[StatusOutcome], run: CheckLog) -> None:
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
    run = CheckLog()
    safe_resolve = first_of(resolve_key)
    parsed = read_credential(data, run)
    if parsed is None:
        return run.result(None)
    from_jwt = isinstance(parsed, str)
    credential = open_jwt(parsed, safe_resolve, run) if isinstance(parsed, str) else parsed
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
