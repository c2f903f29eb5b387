"""Key resolvers for verification: verification-method / kid URL -> Ed25519 public key.

Nothing is fetched: the caller hands in the DID document or JWKS it trusts (its own, or one
supplied with the credential); `did_key_resolver` decodes self-certifying did:key URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuance.errors import IssuanceError, KeyFormatError
from issuance.keys import public_key_from_jwk, public_key_from_multibase

KeyResolver = Callable[[str], Ed25519PublicKey | None]


def _method_key(method: Mapping[str, Any]) -> Ed25519PublicKey:
    if isinstance(method.get("publicKeyMultibase"), str):
        return public_key_from_multibase(method["publicKeyMultibase"])
    if isinstance(method.get("publicKeyJwk"), Mapping):
        return public_key_from_jwk(method["publicKeyJwk"])
    raise KeyFormatError(f"verification method {method.get('id')!r} has no usable key")


def _absolute(doc_id: str, method_id: str) -> str:
    return doc_id + method_id if method_id.startswith("#") else method_id


def resolver_from_did_document(doc: dict[str, Any]) -> KeyResolver:
    """A resolver over the assertionMethod keys of a DID (or controller) document; raises
    KeyFormatError when the document or one of its keys is malformed."""
    doc_id = doc.get("id")
    if not isinstance(doc_id, str):
        raise KeyFormatError("the DID document has no id")
    methods: dict[str, Mapping[str, Any]] = {}
    for method in doc.get("verificationMethod", []):
        if isinstance(method, Mapping) and isinstance(method.get("id"), str):
            methods[_absolute(doc_id, method["id"])] = method
    keys: dict[str, Ed25519PublicKey] = {}
    for entry in doc.get("assertionMethod", []):
        if isinstance(entry, str):
            method_id = _absolute(doc_id, entry)
            if method_id in methods:
                keys[method_id] = _method_key(methods[method_id])
        elif isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            keys[_absolute(doc_id, entry["id"])] = _method_key(entry)
    return keys.get


def resolver_from_jwks(jwks: dict[str, Any]) -> KeyResolver:
    """A resolver over the OKP/Ed25519 keys of a JWKS, by kid; other key types are skipped."""
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, Mapping) and isinstance(jwk.get("kid"), str):
            try:
                keys[jwk["kid"]] = public_key_from_jwk(jwk)
            except KeyFormatError:
                continue
    return keys.get


def did_key_resolver(url: str) -> Ed25519PublicKey | None:
    """The key named by a did:key URL (`did:key:z6Mk…#z6Mk…`), or None for anything else."""
    if not url.startswith("did:key:"):
        return None
    did, _, fragment = url.partition("#")
    multibase = did[len("did:key:") :]
    if fragment and fragment != multibase:
        return None
    try:
        return public_key_from_multibase(multibase)
    except KeyFormatError:
        return None


def first_of(*resolvers: KeyResolver) -> KeyResolver:
    """A resolver trying each given resolver in turn (errors count as 'unknown')."""

    def resolve(url: str) -> Ed25519PublicKey | None:
        """The first key any resolver knows for url."""
        for resolver in resolvers:
            try:
                key = resolver(url)
            except IssuanceError:
                key = None
            if key is not None:
                return key
        return None

    return resolve
