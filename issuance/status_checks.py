"""Checking a credential's status against signed Bitstring Status List credentials.

A status list is trusted only if it is a well-formed `BitstringStatusListCredential` with the
credential's issuer, a valid Data Integrity proof by a key that issuer controls, a current
validity window, and the purpose the entry names. See status_list for how suspension is
expressed (same index in the issuer's suspension list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from issuance.errors import CredentialInvalid, IssuanceError, ProofError, StatusListError
from issuance.jsonld import Analysis, analyse_cached
from issuance.resolvers import KeyResolver
from issuance.schema import is_status_list, verification_problems
from issuance.signing import proofs_of, unsigned_of, verify_proof
from issuance.status_list import bit_is_set, decode_bits

ENTRY_TYPES = frozenset({"BitstringStatusListEntry", "StatusList2021Entry"})
# A list is re-signed with validFrom = now whenever it changes; tolerate verifier clocks that lag.
CLOCK_SKEW = timedelta(minutes=5)
_VERDICT_OF_PURPOSE = {"revocation": "revoked", "suspension": "suspended"}


@dataclass(frozen=True)
class StatusOutcome:
    """One status check: `verdict` is None when it passed, else the verdict it implies."""

    check: str
    verdict: str | None
    message: str


def _issuer(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _list_problem(doc: dict[str, Any], analysis: Analysis, purpose: str, issuer: Any, now: datetime) -> str | None:
    # The list's own id need not equal the URL it was fetched from (1EdTech's vector differs);
    # what binds it is the issuer's signature, the purpose and the validity window.
    problems = verification_problems(doc) if is_status_list(doc) else ["not a status list"]
    problems += analysis.problems
    if problems:
        return "; ".join(problems[:3])
    if _issuer(doc) != issuer:
        return f"its issuer {_issuer(doc)!r} is not the credential's issuer"
    valid_from, valid_until = _time(doc.get("validFrom")), doc.get("validUntil")
    if valid_from is None or now + CLOCK_SKEW < valid_from:
        return "it is not yet valid"
    if valid_until is not None and ((until := _time(valid_until)) is None or now >= until):
        return "it has expired (stale copy)"
    if doc["credentialSubject"].get("statusPurpose") != purpose:
        return f"its statusPurpose is not {purpose!r}"
    return None


def _verify_list_proof(doc: dict[str, Any], analysis: Analysis, issuer: Any, resolve_key: KeyResolver) -> str | None:
    try:
        for proof in proofs_of(doc):
            method = proof.get("verificationMethod")
            if not isinstance(method, str) or method.split("#", 1)[0] != issuer:
                return f"its proof key {method!r} is not the issuer's"
            verify_proof(doc, proof, resolve_key, document_analysis=analysis)
    except (ProofError, CredentialInvalid) as exc:
        return str(exc)
    return None


def _load_bits(
    url: str,
    purpose: str,
    credential: dict[str, Any],
    resolve_key: KeyResolver,
    fetch: Callable[[str], dict[str, Any] | None],
    now: datetime,
) -> bytes | StatusOutcome:
    check = f"status:{purpose}"
    try:
        doc = fetch(url)
    except IssuanceError:
        doc = None
    if not isinstance(doc, dict):
        return StatusOutcome(check, "unknown_issuer", f"status list {url} could not be retrieved")
    issuer = _issuer(credential)
    # lists are re-verified for every credential: their expansion and hash are memoised
    analysis = analyse_cached(unsigned_of(doc))
    problem = _list_problem(doc, analysis, purpose, issuer, now)
    if problem:
        return StatusOutcome(check, "unknown_issuer", f"status list {url} is unusable: {problem}")
    bad_proof = _verify_list_proof(doc, analysis, issuer, resolve_key)
    if bad_proof:
        return StatusOutcome(check, "invalid_signature", f"status list {url}: {bad_proof}")
    try:
        return decode_bits(doc["credentialSubject"]["encodedList"])
    except StatusListError as exc:
        return StatusOutcome(check, "unknown_issuer", f"status list {url}: {exc}")


def _check_index(
    url: str,
    purpose: str,
    index: int,
    credential: dict[str, Any],
    resolve_key: KeyResolver,
    fetch: Callable[[str], dict[str, Any] | None],
    now: datetime,
) -> StatusOutcome:
    bits = _load_bits(url, purpose, credential, resolve_key, fetch, now)
    if isinstance(bits, StatusOutcome):
        return bits
    check = f"status:{purpose}"
    try:
        is_set = bit_is_set(bits, index)
    except StatusListError as exc:
        return StatusOutcome(check, "malformed", str(exc))
    if is_set:
        return StatusOutcome(check, _VERDICT_OF_PURPOSE[purpose], f"{purpose} bit {index} is set")
    return StatusOutcome(check, None, f"not in {purpose} (index {index} of {url})")


def _entry_index(entry: dict[str, Any]) -> int | None:
    raw = entry.get("statusListIndex")
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw  # 1EdTech's own vector uses a number; the spec says a digit string
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return None


def check_status(
    credential: dict[str, Any],
    *,
    resolve_key: KeyResolver,
    fetch_status_list: Callable[[str], dict[str, Any] | None],
    now: datetime,
    suspension_list_url: Callable[[str], str | None] | None = None,
) -> list[StatusOutcome]:
    """The outcome of every status check a credential calls for (its credentialStatus, and the
    same index in the issuer's suspension list when suspension_list_url names one)."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return [StatusOutcome("status", None, "no credentialStatus: the issuer cannot revoke it")]
    outcomes = []
    for entry in raw if isinstance(raw, list) else [raw]:
        if not isinstance(entry, dict):
            outcomes.append(StatusOutcome("status", "malformed", "credentialStatus is not an object"))
            continue
        if entry.get("type") not in ENTRY_TYPES:
            # e.g. the deprecated 1EdTechRevocationList: the issuer's current word is unknown
            message = f"unsupported status method {entry.get('type')!r}: revocation cannot be checked"
            outcomes.append(StatusOutcome("status", "unknown_issuer", message))
            continue
        url, purpose, index = (
            entry.get("statusListCredential"),
            entry.get("statusPurpose"),
            _entry_index(entry),
        )
        if not isinstance(url, str) or index is None or not isinstance(purpose, str):
            outcomes.append(StatusOutcome("status", "malformed", "incomplete credentialStatus"))
            continue
        if purpose not in _VERDICT_OF_PURPOSE:
            outcomes.append(StatusOutcome("status", None, f"status purpose {purpose!r} ignored"))
            continue
        outcomes.append(_check_index(url, purpose, index, credential, resolve_key, fetch_status_list, now))
        sibling = suspension_list_url(url) if suspension_list_url and purpose == "revocation" else None
        if sibling:
            outcomes.append(_check_index(sibling, "suspension", index, credential, resolve_key, fetch_status_list, now))
    return outcomes
