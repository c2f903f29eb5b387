"""Ed25519 issuer keys: generation, Multikey encoding, encryption at rest, did:web and JWKS.

Key rotation: an issuer holds several keys, each with its own fragment id (`key-1`, `key-2`…);
one is active for signing (the caller's choice), and every key stays published in the DID
document and the JWKS so that credentials signed by retired keys remain verifiable.

Encrypted blob layout (version 1): b"LK" + 0x01 | 16-byte scrypt salt | 12-byte AES-GCM nonce |
ciphertext+tag of the 32-byte raw private key. The key id is bound as associated data, so a blob
cannot be relabelled as another key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import base58
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from issuance.errors import KeyDecryptionError, KeyFormatError

MULTIKEY_ED25519_PREFIX = b"\xed\x01"
_BLOB_MAGIC = b"LK\x01"
_SALT_LEN = 16
_NONCE_LEN = 12
# scrypt cost: ~50 ms per derivation on this hardware; keys are decrypted once per process.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


@dataclass(frozen=True)
class IssuerKey:
    """An issuer signing key: its fragment id and the Ed25519 private key."""

    key_id: str
    private_key: Ed25519PrivateKey = field(compare=False, repr=False)

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The Ed25519 public key."""
        return self.private_key.public_key()

    @property
    def public_multibase(self) -> str:
        """The public key as a Multikey value (`z6Mk…`)."""
        return multibase_from_public_key(self.public_key)


@dataclass(frozen=True)
class KeyRing:
    """An issuer's keys: every one is published (old credentials keep verifying), one is active
    for signing. Raises KeyFormatError when the active id is missing or ids repeat."""

    keys: tuple[IssuerKey, ...]
    active_id: str

    def __post_init__(self) -> None:
        ids = [k.key_id for k in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyFormatError(f"key ids repeat in the key ring: {ids}")
        if self.active_id not in ids:
            raise KeyFormatError(f"active key {self.active_id!r} is not in the key ring")

    @property
    def active(self) -> IssuerKey:
        """The key that signs new credentials."""
        return next(k for k in self.keys if k.key_id == self.active_id)

    def public_keys(self) -> dict[str, str]:
        """key_id -> public multibase of every key, for did_document() and jwks()."""
        return {k.key_id: k.public_multibase for k in self.keys}

    def rotated(self, new_key_id: str) -> KeyRing:
        """A ring with a freshly generated key made active; the old keys stay published."""
        return KeyRing((*self.keys, generate_key(new_key_id)), new_key_id)


def _check_key_id(key_id: str) -> None:
    if not key_id or any(c in key_id for c in "#/?: ") or not key_id.isprintable():
        raise KeyFormatError(f"key id must be a plain URL fragment, got {key_id!r}")


def generate_key(key_id: str) -> IssuerKey:
    """Generate a fresh Ed25519 key; raises KeyFormatError for an unusable key id."""
    _check_key_id(key_id)
    return IssuerKey(key_id=key_id, private_key=Ed25519PrivateKey.generate())


def raw_public_bytes(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def multibase_from_public_key(public_key: Ed25519PublicKey) -> str:
    """Encode a public key as Multikey: 'z' + base58btc(0xed01 || key)."""
    return "z" + base58.b58encode(MULTIKEY_ED25519_PREFIX + raw_public_bytes(public_key)).decode()


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    """Decode a Multikey `z6Mk…` value; raises KeyFormatError if it is not an Ed25519 key."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise KeyFormatError("publicKeyMultibase must be base58btc ('z' prefix)")
    try:
        raw = base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyFormatError(f"publicKeyMultibase is not base58btc: {exc}") from exc
    if len(raw) != 34 or raw[:2] != MULTIKEY_ED25519_PREFIX:
        raise KeyFormatError("publicKeyMultibase is not an Ed25519 Multikey (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Decode a Multikey private key (`z3u2…`, 0x8026 prefix); raises KeyFormatError."""
    try:
        raw = base58.b58decode(value[1:]) if value.startswith("z") else b""
    except ValueError as exc:
        raise KeyFormatError(f"privateKeyMultibase is not base58btc: {exc}") from exc
    if len(raw) != 34 or raw[:2] != b"\x80\x26":
        raise KeyFormatError("privateKeyMultibase is not an Ed25519 private Multikey")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def _derive(secret: str, salt: bytes) -> bytes:
    if not secret:
        raise KeyDecryptionError("the key-encryption secret is empty")
    kdf = Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P)
    return kdf.derive(secret.encode("utf-8"))


def encrypt_private_key(key: IssuerKey, secret: str) -> bytes:
    """Encrypt a private key at rest (scrypt-derived AES-256-GCM); raises KeyDecryptionError
    if the secret is empty."""
    salt = os.urandom(_SALT_LEN)
    nonce = os.urandom(_NONCE_LEN)
    sealed = AESGCM(_derive(secret, salt)).encrypt(
        nonce, _raw_private_bytes(key.private_key), key.key_id.encode("utf-8")
    )
    return _BLOB_MAGIC + salt + nonce + sealed


def decrypt_private_key(key_id: str, blob: bytes, secret: str) -> IssuerKey:
    """Decrypt a blob made by encrypt_private_key; raises KeyDecryptionError on a wrong secret,
    a wrong key id, or a corrupted/unknown-version blob."""
    header = len(_BLOB_MAGIC)
    if len(blob) < header + _SALT_LEN + _NONCE_LEN + 16 or blob[:header] != _BLOB_MAGIC:
        raise KeyDecryptionError("not an encrypted Laurel key (unknown version or truncated)")
    salt = blob[header : header + _SALT_LEN]
    nonce = blob[header + _SALT_LEN : header + _SALT_LEN + _NONCE_LEN]
    try:
        raw = AESGCM(_derive(secret, salt)).decrypt(
            nonce, blob[header + _SALT_LEN + _NONCE_LEN :], key_id.encode("utf-8")
        )
    except InvalidTag as exc:
        raise KeyDecryptionError(f"cannot decrypt key {key_id!r}: wrong secret") from exc
    return IssuerKey(key_id=key_id, private_key=Ed25519PrivateKey.from_private_bytes(raw))


def did_web(base_url: str) -> str:
    """The did:web for a base URL ("http://127.0.0.1:5000" -> "did:web:127.0.0.1%3A5000");
    a path becomes ':'-separated segments; raises KeyFormatError for a URL without a host."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise KeyFormatError(f"cannot derive did:web from {base_url!r}: no host")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    segments = [quote(host, safe="")]
    segments += [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join(segments)


def did_document(did: str, public_keys: Mapping[str, str]) -> dict[str, Any]:
    """A DID document listing every key (key_id -> public multibase) as a Multikey, all in
    assertionMethod; raises KeyFormatError for a bad key."""
    methods = []
    for key_id, multibase in public_keys.items():
        _check_key_id(key_id)
        public_key_from_multibase(multibase)
        methods.append(
            {
                "id": f"{did}#{key_id}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multibase,
            }
        )
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_from_public_key(public_key: Ed25519PublicKey, kid: str | None = None) -> dict[str, str]:
    """The public JWK (OKP/Ed25519) of a key, with `kid` when given."""
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw_public_bytes(public_key))}
    if kid is not None:
        jwk.update({"kid": kid, "alg": "EdDSA", "use": "sig"})
    return jwk


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Read an OKP/Ed25519 public JWK; raises KeyFormatError for anything else (or a private
    JWK)."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise KeyFormatError("only public OKP/Ed25519 JWKs are accepted")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise KeyFormatError("JWK has no 'x'")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise KeyFormatError(f"JWK 'x' is not a 32-byte Ed25519 key: {exc}") from exc


def jwks(public_keys: Mapping[str, str], did: str) -> dict[str, Any]:
    """A JWKS with every key (key_id -> public multibase); kid = f"{did}#{key_id}"."""
    return {
        "keys": [
            jwk_from_public_key(public_key_from_multibase(mb), kid=f"{did}#{key_id}")
            for key_id, mb in public_keys.items()
        ]
    }
