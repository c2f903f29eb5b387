"""The offline JSON-LD layer: pristine bundled contexts, no network, a warm cache, safe mode."""

from __future__ import annotations

import hashlib
import socket
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import issuance.jsonld as jsonld_module
from issuance.errors import ContextNotBundled, CredentialInvalid
from issuance.jsonld import bundled_context_urls, canonicalize, load_document, safe_mode_problems

# sha256 of the published bytes; a changed context would silently change every signature
PINNED = {
    "credentials-v2.jsonld": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "ob-v3p0-3.0.3.json": "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
}


def _bundled_bytes(name: str) -> bytes:
    return (resources.files("issuance") / "contexts" / name).read_bytes()


def test_critical_contexts_match_their_pinned_hashes() -> None:
    for name, digest in PINNED.items():
        assert hashlib.sha256(_bundled_bytes(name)).hexdigest() == digest


def test_bundled_contexts_are_byte_identical_to_the_shared_copies(vectors: Path) -> None:
    shared = vectors.parent / "contexts"
    for path in sorted(shared.iterdir()):
        assert _bundled_bytes(path.name) == path.read_bytes(), path.name


def test_the_loader_serves_only_bundled_contexts() -> None:
    assert "https://www.w3.org/ns/credentials/v2" in bundled_context_urls()
    doc = load_document("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
    assert "@context" in doc["document"]
    doc["document"]["@context"] = "mutated"  # a copy: the cached original is untouched
    again = load_document("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
    assert isinstance(again["document"]["@context"], dict)
    with pytest.raises(ContextNotBundled):
        load_document("https://example.com/context.json")


def test_signing_and_verifying_never_touch_the_network(issuer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network access during signing/verification")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    credential = issuer.issue()
    assert issuer.verify(credential).status == "valid"


def test_the_context_cache_stays_warm(issuer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    issuer.issue()  # warm

    def no_more_loads(url: str, options: Any = None) -> dict[str, Any]:
        raise AssertionError(f"context {url} loaded again")

    monkeypatch.setattr(jsonld_module, "load_document", no_more_loads)
    assert issuer.verify(issuer.issue()).status == "valid"


def test_unknown_context_is_a_clear_problem() -> None:
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.com/x.json"]}
    problems = safe_mode_problems(doc)
    assert len(problems) == 1 and "not bundled" in problems[0]
    with pytest.raises(CredentialInvalid, match="not bundled"):
        canonicalize(doc)


def test_safe_mode_names_what_is_undefined() -> None:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "relative-id",
        "type": ["VerifiableCredential", "MadeUpCredential"],
        "madeUpTerm": 1,
        "credentialSubject": {"id": "did:example:1", "nested": "x"},
    }
    problems = " | ".join(safe_mode_problems(doc))
    for expected in ("relative-id", "MadeUpCredential", "madeUpTerm", "nested"):
        assert expected in problems


def test_warm_up_fills_the_cache_so_signing_loads_nothing(issuer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    jsonld_module._shared_cache.cache_clear()  # start cold
    jsonld_module.warm_up()

    def no_more_loads(url: str, options: Any = None) -> dict[str, Any]:
        raise AssertionError(f"context {url} loaded after warm-up")

    monkeypatch.setattr(jsonld_module, "load_document", no_more_loads)
    issuer.issue()
