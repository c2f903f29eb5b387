"""Portability: VC-JWT encoding and baked PNG/SVG images, each verified end to end."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from PIL import Image

from issuance.baking import bake_png, bake_svg, extract_baked
from issuance.errors import JwtError, JwtSignatureError, NotBaked
from issuance.jwt import decode_vc_jwt, encode_vc_jwt
from issuance.keys import generate_key
from issuance.verify import resolver_from_did_document

SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    '<circle cx="32" cy="32" r="30" fill="#2a6"/></svg>'
)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (40, 160, 90, 255)).save(out, "PNG")
    return out.getvalue()


def _segment(token: str, i: int) -> dict[str, Any]:
    part = token.split(".")[i]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_vc_jwt_header_and_claims(issuer: Any, award: dict[str, Any]) -> None:
    kid = f"{issuer.did}#key-1"
    token = encode_vc_jwt(award, issuer.key, kid=kid)
    assert _segment(token, 0) == {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    payload = _segment(token, 1)
    assert payload["iss"] == issuer.did
    assert payload["sub"] == award["credentialSubject"]["id"]
    assert payload["jti"] == award["id"]
    assert payload["nbf"] == int(issuer.issued.timestamp())
    assert payload["exp"] > payload["nbf"]
    assert payload["proof"] == award["proof"]  # the DI proof travels inside
    resolve = resolver_from_did_document(issuer.did_doc())
    assert decode_vc_jwt(token, resolve) == award
    assert issuer.verify(token).status == "valid"
    checks = {c.name for c in issuer.verify(token).checks}
    assert {"jwt", "proof"} <= checks


def test_vc_jwt_of_an_unsigned_credential_verifies_on_the_jwt_alone(issuer: Any, award: dict) -> None:
    unsigned = {k: v for k, v in award.items() if k != "proof"}
    token = encode_vc_jwt(unsigned, issuer.key, kid=f"{issuer.did}#key-1")
    assert issuer.verify(token).status == "valid"


def test_tampered_or_foreign_vc_jwt(issuer: Any, award: dict[str, Any]) -> None:
    kid = f"{issuer.did}#key-1"
    token = encode_vc_jwt(award, issuer.key, kid=kid)
    header, payload, signature = token.split(".")
    claims = _segment(token, 1)
    claims["name"] = "Forged"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged = f"{header}.{forged_payload}.{signature}"
    resolve = resolver_from_did_document(issuer.did_doc())
    with pytest.raises(JwtSignatureError):
        decode_vc_jwt(forged, resolve)
    assert issuer.verify(forged).status == "invalid_signature"

    stranger = generate_key("key-1")
    assert issuer.verify(encode_vc_jwt(award, stranger, kid=kid)).status == "invalid_signature"
    assert issuer.verify(encode_vc_jwt(award, stranger, kid=f"{issuer.did}#key-7")).status == ("unknown_issuer")
    other = encode_vc_jwt(award, issuer.key, kid="did:web:evil.example#key-1")
    assert issuer.verify(other, resolve_key=lambda url: issuer.key.public_key).status == ("unknown_issuer")


def test_vc_jwt_claims_must_match_the_credential(issuer: Any, award: dict[str, Any]) -> None:
    payload = {**award, "iss": issuer.did, "jti": "urn:uuid:other", "nbf": 0}
    token = pyjwt.encode(payload, issuer.key.private_key, algorithm="EdDSA", headers={"kid": f"{issuer.did}#key-1"})
    with pytest.raises(JwtError, match="contradicts"):
        decode_vc_jwt(token, resolver_from_did_document(issuer.did_doc()))
    assert issuer.verify(token).status == "malformed"
    with pytest.raises(JwtError, match="already has JWT claims"):
        encode_vc_jwt(payload, issuer.key, kid="k")


def test_png_baking_round_trip(issuer: Any, award: dict[str, Any]) -> None:
    payload = json.dumps(award)
    baked = bake_png(_png(), payload)
    assert extract_baked(baked) == payload
    assert Image.open(io.BytesIO(baked)).size == (32, 32)  # still a valid PNG (CRCs right)
    assert baked.count(b"iTXt") == 1 and b"openbadgecredential\x00\x00\x00" in baked
    rebaked = bake_png(baked, "x.y.z")
    assert rebaked.count(b"openbadgecredential") == 1 and extract_baked(rebaked) == "x.y.z"
    assert issuer.verify(baked).status == "valid"
    token = encode_vc_jwt(award, issuer.key, kid=f"{issuer.did}#key-1")
    assert issuer.verify(bake_png(_png(), token)).status == "valid"


def test_svg_baking_round_trip(issuer: Any, award: dict[str, Any]) -> None:
    tricky = dict(award)
    payload = json.dumps(tricky)
    baked = bake_svg(SVG, payload, is_jwt=False)
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert "<openbadges:credential><![CDATA[" in baked
    assert baked.index("<openbadges:credential>") < baked.index("<circle")
    assert extract_baked(baked.encode()) == payload
    assert issuer.verify(baked.encode()).status == "valid"
    token = encode_vc_jwt(award, issuer.key, kid=f"{issuer.did}#key-1")
    baked_jwt = bake_svg(SVG, token, is_jwt=True)
    assert f'verify="{token}"' in baked_jwt
    assert issuer.verify(baked_jwt.encode()).status == "valid"
    with pytest.raises(NotBaked, match="already baked"):
        bake_svg(baked, payload, is_jwt=False)


def test_svg_cdata_terminator_inside_the_payload_survives() -> None:
    payload = json.dumps({"narrative": "a ]]> b <c> & d"})
    assert extract_baked(bake_svg(SVG, payload, is_jwt=False).encode()) == payload


@pytest.mark.parametrize(
    "data",
    [b"GIF89a....", b"\x89PNG\r\n\x1a\n", SVG.encode(), b"<svg><unclosed>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><svg/>"],
)
def test_not_baked(data: bytes) -> None:
    with pytest.raises(NotBaked):
        extract_baked(data)
    with pytest.raises(NotBaked):
        extract_baked(_png())


def test_official_baked_images_are_read(vectors: Path) -> None:
    folder = vectors / "1edtech-validator"
    for name in ("simple-json.png", "simple-json.svg"):
        credential = json.loads(extract_baked((folder / name).read_bytes()))
        assert "OpenBadgeCredential" in credential["type"]
    for name in ("simple-jwt.png", "simple-jwt.svg"):
        assert extract_baked((folder / name).read_bytes()).count(".") == 2
