"""Interoperability: the independent verifier openbadgeslib (a test dependency; issuance/ never
imports it) verifies Laurel's credentials offline and rejects tampered ones.

openbadgeslib resolves did:web over HTTPS; we hand it our DID document and status lists through
its injectable `download` callable (url -> bytes), so nothing leaves the machine. It checks a
status list's own proof only for VC-JWT lists, so the DI-signed list is checked with
verify_status_list=False and the same list wrapped as a VC-JWT with verify_status_list=True.
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from typing import Any

import openbadgeslib.ob3.ldp as ldp
import openbadgeslib.verify as ob_verify
import pytest
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from PIL import Image

from issuance.baking import bake_png, bake_svg
from issuance.jwt import encode_vc_jwt
from issuance.keys import did_document, generate_key


def _did_url(did: str) -> str:
    host = did.removeprefix("did:web:").replace("%3A", ":")
    return f"https://{host}/.well-known/did.json"


def _downloader(
    issuer: Any, *, jwt_lists: bool = False, did_doc: dict[str, Any] | None = None
) -> Callable[[str], bytes]:
    doc = did_doc if did_doc is not None else issuer.did_doc()
    files: dict[str, bytes] = {_did_url(issuer.did): json.dumps(doc).encode()}
    for url, status_list in issuer.status_lists().items():
        if jwt_lists:
            token = encode_vc_jwt(status_list, issuer.key, kid=f"{issuer.did}#{issuer.active}")
            files[url] = token.encode()
        else:
            files[url] = json.dumps(status_list).encode()

    def download(url: str) -> bytes:
        if url not in files:
            raise OSError(f"offline test: no {url}")
        return files[url]

    return download


def _ldp_verify(issuer: Any, credential: dict[str, Any], **kwargs: Any) -> Any:
    verifier = OB3LdpVerifier.for_issuer_did(issuer.did)
    kwargs.setdefault("download", _downloader(issuer))
    kwargs.setdefault("check_status", True)
    kwargs.setdefault("verify_status_list", False)
    return verifier.verify(copy.deepcopy(credential), **kwargs)


def test_openbadgeslib_verifies_a_laurel_credential(issuer: Any) -> None:
    credential = issuer.issue()
    verified = _ldp_verify(issuer, credential)
    assert verified.issuer.id == issuer.did


def test_openbadgeslib_verifies_status_list_signatures_when_served_as_vc_jwt(issuer: Any) -> None:
    credential = issuer.issue()
    download = _downloader(issuer, jwt_lists=True)
    _ldp_verify(issuer, credential, download=download, verify_status_list=True)


def test_openbadgeslib_sees_revocation(issuer: Any) -> None:
    credential = issuer.issue()
    issuer.revoked.add(int(credential["credentialStatus"]["statusListIndex"]))
    with pytest.raises(OB3VerificationError, match="revocation"):
        _ldp_verify(issuer, credential)
    assert issuer.verify(credential).status == "revoked"


TAMPERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "name": lambda c: c.update(name="Forged Badge"),
    "subject": lambda c: c["credentialSubject"].update(id="urn:uuid:00000000-0000-4000-8000-0"),
    "validUntil": lambda c: c.update(validUntil="2099-01-01T00:00:00Z"),
    "evidence": lambda c: c["evidence"][0].update(narrative="never reviewed"),
    "proofValue": lambda c: c["proof"][0].update(proofValue="z" + "3" * 86),
    "achievement": lambda c: c["credentialSubject"]["achievement"].update(name="Other"),
}


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_openbadgeslib_rejects_tampered_credentials(issuer: Any, field: str) -> None:
    credential = issuer.issue()
    TAMPERS[field](credential)
    with pytest.raises(OB3VerificationError):
        _ldp_verify(issuer, credential)
    assert issuer.verify(credential).status == "invalid_signature"


def test_openbadgeslib_rejects_a_key_the_issuer_did_not_publish(issuer: Any) -> None:
    credential = issuer.issue()
    impostor = did_document(issuer.did, {"key-1": generate_key("key-1").public_multibase})
    with pytest.raises(OB3VerificationError):
        _ldp_verify(issuer, credential, download=_downloader(issuer, did_doc=impostor))
    credential["proof"][0]["verificationMethod"] = f"{issuer.did}#key-404"
    with pytest.raises(OB3VerificationError):
        _ldp_verify(issuer, credential)


def test_openbadgeslib_verifies_laurel_vc_jwt_and_rejects_a_forged_one(issuer: Any) -> None:
    credential = issuer.issue()
    token = encode_vc_jwt(credential, issuer.key, kid=f"{issuer.did}#key-1")
    download = _downloader(issuer)
    verifier = OB3Verifier.for_issuer_did(issuer.did, download=download)
    verified = verifier.verify(token)
    assert verified.issuer.id == issuer.did
    forged = encode_vc_jwt(credential, generate_key("key-1"), kid=f"{issuer.did}#key-1")
    with pytest.raises(OB3VerificationError):
        verifier.verify(forged)


def test_openbadgeslib_verifies_laurel_baked_images(issuer: Any) -> None:
    credential = issuer.issue()
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 20)).save(out, "PNG")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'
    token = encode_vc_jwt(credential, issuer.key, kid=f"{issuer.did}#key-1")
    images = [
        bake_png(out.getvalue(), json.dumps(credential)),
        bake_png(out.getvalue(), token),
        bake_svg(svg, json.dumps(credential), is_jwt=False).encode(),
        bake_svg(svg, token, is_jwt=True).encode(),
    ]
    for image in images:
        result = ob_verify.verify_badge(
            image,
            resolve_did=True,
            check_status=True,
            verify_status_list=False,
            download=_downloader(issuer),
        )
        assert result.valid and result.trusted, result.reason
        assert issuer.verify(image).status == "valid"


def test_openbadgeslib_and_laurel_produce_the_same_proof_and_verify_each_other(issuer: Any) -> None:
    """Same key, same `created`: Ed25519 is deterministic, so equal proofValues mean both
    canonicalise the credential to the same RDFC-1.0 dataset."""
    from cryptography.hazmat.primitives import serialization

    signed = issuer.issue()
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    pem = issuer.key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    theirs = ldp.add_data_integrity_proof(unsigned, pem, f"{issuer.did}#key-1", created=issuer.issued)
    proof = theirs["proof"] if isinstance(theirs["proof"], dict) else theirs["proof"][0]
    assert proof["proofValue"] == signed["proof"][0]["proofValue"]
    assert issuer.verify(theirs).status == "valid"
