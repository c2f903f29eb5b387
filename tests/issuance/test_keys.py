"""Issuer keys: Multikey encoding, encryption at rest, did:web, DID documents and JWKS."""

from __future__ import annotations

import pytest

from issuance.errors import KeyDecryptionError, KeyFormatError
from issuance.keys import (
    KeyRing,
    decrypt_private_key,
    did_document,
    did_web,
    encrypt_private_key,
    generate_key,
    jwks,
    public_key_from_jwk,
    public_key_from_multibase,
    raw_public_bytes,
)
from issuance.resolvers import did_key_resolver, resolver_from_did_document, resolver_from_jwks


def test_multibase_round_trip_and_prefix() -> None:
    key = generate_key("key-1")
    value = key.public_multibase
    assert value.startswith("z6Mk")
    decoded = public_key_from_multibase(value)
    assert raw_public_bytes(decoded) == raw_public_bytes(key.public_key)


@pytest.mark.parametrize("bad", ["", "6Mkabc", "z", "zzzz0OIl", "z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc"])
def test_bad_multibase_is_rejected(bad: str) -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_multibase(bad)


def test_encrypted_key_round_trip_and_wrong_secret() -> None:
    key = generate_key("key-1")
    blob = encrypt_private_key(key, "correct horse battery staple")
    assert key.public_multibase.encode() not in blob
    again = decrypt_private_key("key-1", blob, "correct horse battery staple")
    assert again.public_multibase == key.public_multibase
    assert again == key  # equality ignores the key object, compares the id
    assert "private_key" not in repr(key)
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key("key-1", blob, "wrong secret")
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key("key-2", blob, "correct horse battery staple")  # relabelled blob
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key("key-1", blob[:-1] + bytes([blob[-1] ^ 1]), "correct horse battery staple")
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key("key-1", b"garbage", "x")
    with pytest.raises(KeyDecryptionError):
        encrypt_private_key(key, "")


def test_each_encryption_uses_fresh_salt_and_nonce() -> None:
    key = generate_key("key-1")
    assert encrypt_private_key(key, "s") != encrypt_private_key(key, "s")


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000"),
        ("https://badges.example.com", "did:web:badges.example.com"),
        ("https://badges.example.com/", "did:web:badges.example.com"),
        ("https://example.com:8443/laurel/acme", "did:web:example.com%3A8443:laurel:acme"),
    ],
)
def test_did_web(url: str, did: str) -> None:
    assert did_web(url) == did


def test_did_web_needs_a_host() -> None:
    with pytest.raises(KeyFormatError):
        did_web("not a url")


def test_key_ids_must_be_plain_fragments() -> None:
    with pytest.raises(KeyFormatError):
        generate_key("key#1")


def test_did_document_and_jwks_publish_every_key() -> None:
    did = did_web("https://badges.example.com")
    keys = {"key-1": generate_key("key-1"), "key-2": generate_key("key-2")}
    public = {k: v.public_multibase for k, v in keys.items()}
    doc = did_document(did, public)
    assert doc["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert doc["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2"]
    assert {m["type"] for m in doc["verificationMethod"]} == {"Multikey"}
    assert {m["controller"] for m in doc["verificationMethod"]} == {did}
    resolve = resolver_from_did_document(doc)
    for key_id, key in keys.items():
        found = resolve(f"{did}#{key_id}")
        assert found is not None and raw_public_bytes(found) == raw_public_bytes(key.public_key)
    assert resolve(f"{did}#key-3") is None

    published = jwks(public, did)
    assert [k["kid"] for k in published["keys"]] == [f"{did}#key-1", f"{did}#key-2"]
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in published["keys"])
    by_kid = resolver_from_jwks(published)
    found = by_kid(f"{did}#key-2")
    assert found is not None and raw_public_bytes(found) == raw_public_bytes(keys["key-2"].public_key)
    assert raw_public_bytes(public_key_from_jwk(published["keys"][0])) == raw_public_bytes(keys["key-1"].public_key)


def test_did_document_is_well_formed_json_ld() -> None:
    from issuance.jsonld import safe_mode_problems

    doc = did_document(did_web("http://127.0.0.1:5000"), {"key-1": generate_key("key-1").public_multibase})
    assert safe_mode_problems(doc) == []


def test_did_document_rejects_a_bad_key() -> None:
    with pytest.raises(KeyFormatError):
        did_document("did:web:x.example", {"key-1": "z123"})


def test_private_jwk_is_refused() -> None:
    with pytest.raises(KeyFormatError):
        public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"})


def test_only_assertion_methods_resolve() -> None:
    did = "did:web:x.example"
    key = generate_key("key-1")
    doc = did_document(did, {"key-1": key.public_multibase})
    doc["assertionMethod"] = []
    assert resolver_from_did_document(doc)(f"{did}#key-1") is None


def test_did_key_resolver() -> None:
    key = generate_key("k")
    mb = key.public_multibase
    assert did_key_resolver(f"did:key:{mb}#{mb}") is not None
    assert did_key_resolver(f"did:key:{mb}#other") is None
    assert did_key_resolver("did:web:x.example#key-1") is None


def test_key_ring_rotation_keeps_every_key_published() -> None:
    ring = KeyRing((generate_key("key-1"),), "key-1")
    rotated = ring.rotated("key-2")
    assert rotated.active.key_id == "key-2"
    assert list(rotated.public_keys()) == ["key-1", "key-2"]
    assert rotated.public_keys()["key-1"] == ring.active.public_multibase
    with pytest.raises(KeyFormatError):
        rotated.rotated("key-1")  # ids never repeat
    with pytest.raises(KeyFormatError):
        KeyRing((generate_key("key-1"),), "key-9")
