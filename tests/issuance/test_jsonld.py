"""The offline JSON-LD layer: pristine bundled contexts, no network, a warm cache, safe mode."""

from __future__ import annotations

import hashlib
import json
import socket
from importlib import resources
from typing import Any

import pytest

import issuance.jsonld as jsonld_module
from issuance.errors import ContextNotBundled, CredentialInvalid
from issuance.jsonld import bundled_context_urls, canonicalize, load_document, safe_mode_problems

# sha256 of the published bytes; a changed context would silently change every signature
PINNED = {
    "bitstring-status-list-v1.jsonld": "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7",
    "credentials-examples-v2.jsonld": "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    "credentials-undefined-terms-v2.jsonld": "82dab514ba44eb18f5d1b0f638c5e140c6a556fbfb5089601bdc0fa5eb8b2581",
    "credentials-v1.jsonld": "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
    "credentials-v2.jsonld": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "data-integrity-v1.jsonld": "c6e5073f4bd4bf6d08f245736e6f32c29b012860b18583644b2d71e1de862669",
    "data-integrity-v2.jsonld": "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
    "did-v1.jsonld": "adefa50311393eb1bd788a38ac9fe2696c65367928f6996812cd54577394f4da",
    "jwk-v1.jsonld": "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
    "multikey-v1.jsonld": "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
    "ob-v3p0-3.0.1.json": "cfc147db5fd5e3575b06bd471fe04784e92de69296f64a351b8dff0ec3372e9c",
    "ob-v3p0-3.0.2.json": "bba433989e1e700ca60838a3c22378e7d8381aeb0c9590f9ddf84d1714f10296",
    "ob-v3p0-3.0.3.json": "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84",
    "ob-v3p0-extensions.json": "146f85aa16effd7ca1da8056eb443f53ce1eca8a34186cb062832c0a97d889c3",
    "ob-v3p0.json": "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
}


def _bundled_bytes(name: str) -> bytes:
    return (resources.files("issuance") / "contexts" / name).read_bytes()


def test_bundled_contexts_match_their_pinned_hashes() -> None:
    folder = resources.files("issuance") / "contexts"
    names = {p.name for p in folder.iterdir() if p.name != "index.json"}  # type: ignore[attr-defined]
    assert names == set(PINNED)
    for name, digest in PINNED.items():
        assert hashlib.sha256(_bundled_bytes(name)).hexdigest() == digest, name
    assert set(json.loads(_bundled_bytes("index.json")).values()) == set(PINNED)


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
