"""Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (W3C VC-DI-EDDSA).

hashData = SHA-256(RDFC-1.0(proof config)) || SHA-256(RDFC-1.0(document without proof)), where
the proof config is the proof minus `proofValue` with the document's `@context`. The signature is
Ed25519 over hashData; `proofValue` is base58btc multibase ('z').

A credential is checked (JSON Schema + JSON-LD safe mode) before it is signed: one that a
verifier would reject is never issued.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuance.credential import format_datetime
from issuance.errors import CredentialInvalid, IssuanceError, ProofError
from issuance.jsonld import Analysis, analyse, analyse_cached
from issuance.keys import IssuerKey
from issuance.schema import issuance_problems

__all__ = [
    "CredentialInvalid",
    "IssuanceError",
    "ProofError",
    "hash_data",
    "proof_config",
    "sign_credential",
    "verify_proof",
    "proofs_of",
    "unsigned_of",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"


def proof_config(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """The proof configuration hashed by the cryptosuite: proof minus proofValue, plus the
    document's @context."""
    config = {k: v for k, v in proof.items() if k not in ("proofValue", "@context")}
    config["@context"] = document["@context"]
    return config


def unsigned_of(document: dict[str, Any]) -> dict[str, Any]:
    """The document without its proof (what the proof signs)."""
    return {k: v for k, v in document.items() if k != "proof"}


def hash_data(document: dict[str, Any], proof: dict[str, Any], *, document_analysis: Analysis | None = None) -> bytes:
    """The 64 bytes an eddsa-rdfc-2022 signature covers; pass the unsigned document's analysis
    to reuse its expansion. Raises CredentialInvalid if either part cannot be canonicalised."""
    analysis = document_analysis or analyse(unsigned_of(document))
    return analyse_cached(proof_config(document, proof)).digest + analysis.digest


def credential_problems(credential: dict[str, Any]) -> list[str]:
    """Everything that stops a credential from being issued (schema + safe mode), ignoring any
    existing proof."""
    unsigned = unsigned_of(credential)
    return issuance_problems(unsigned) + [f"json-ld: {p}" for p in analyse(unsigned).problems]


def sign_credential(
    credential: dict[str, Any],
    key: IssuerKey,
    *,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """A copy of the unsigned credential with an eddsa-rdfc-2022 proof (`proof` is an array);
    raises CredentialInvalid (with `problems`) if it fails the schema or safe mode, or is
    already signed."""
    problems = issuance_problems(unsigned_of(credential))
    if "proof" in credential:
        problems.append("the credential already has a proof (Laurel signs once)")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    document = analyse(credential)
    config = analyse(proof_config(credential, proof))
    problems += [f"json-ld: {p}" for p in document.problems]
    problems += [f"proof: {p}" for p in config.problems]
    if problems:
        raise CredentialInvalid(problems)
    data = config.digest + document.digest
    signature = key.private_key.sign(data)
    try:  # 0.1 ms: a corrupted key must not issue credentials nobody can verify
        key.public_key.verify(signature, data)
    except InvalidSignature as exc:
        raise ProofError(f"key {key.key_id} produced a signature it cannot verify") from exc
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    signed = dict(credential)
    signed["proof"] = [proof]
    return signed


def proofs_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's proofs as a list (a single object is accepted); raises ProofError when
    there is none or one is not an object."""
    raw = document.get("proof")
    proofs = raw if isinstance(raw, list) else [raw] if raw is not None else []
    if not proofs:
        raise ProofError("the credential has no proof")
    if not all(isinstance(p, dict) for p in proofs):
        raise ProofError("every proof must be an object")
    return proofs


def verify_proof(
    document: dict[str, Any],
    proof: dict[str, Any],
    resolve_key: Callable[[str], Ed25519PublicKey | None],
    *,
    document_analysis: Analysis | None = None,
) -> None:
    """Check one eddsa-rdfc-2022 proof; raises ProofError (unsupported, unknown key, bad
    signature) or CredentialInvalid (cannot be canonicalised)."""
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof {proof.get('type')!r}/{proof.get('cryptosuite')!r}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("proofPurpose must be assertionMethod")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("the proof's @context differs from the document's")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proof needs a verificationMethod and a base58btc proofValue")
    public_key = resolve_key(method)
    if public_key is None:
        raise ProofError(f"unknown verification method {method!r}")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError as exc:
        raise ProofError("proofValue is not base58btc") from exc
    try:
        public_key.verify(signature, hash_data(document, proof, document_analysis=document_analysis))
    except InvalidSignature as exc:
        raise ProofError("the signature does not match the credential") from exc
