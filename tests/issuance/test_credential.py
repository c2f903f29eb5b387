"""The OpenBadgeCredential Laurel builds: shape, schema, safe mode, and refusal to sign anything
a verifier would reject."""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest

from issuance.credential import (
    ACHIEVEMENT_TYPES,
    AchievementSpec,
    SubjectSpec,
    email_identity_hash,
)
from issuance.errors import CredentialInvalid
from issuance.jsonld import safe_mode_problems
from issuance.schema import COMPACTION, STRICT, _schema_problems
from issuance.signing import sign_credential


def test_shape_of_a_signed_award(award: dict[str, Any]) -> None:
    assert award["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert award["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert award["issuer"]["type"] == ["Profile"] and award["issuer"]["id"].startswith("did:web:")
    assert award["validFrom"] == "2026-03-01T09:30:00Z"
    assert award["validUntil"] == "2028-02-29T09:30:00Z"
    subject = award["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:")
    email = next(i for i in subject["identifier"] if i["identityType"] == "emailAddress")
    assert email["hashed"] is True
    expected = hashlib.sha256(b"priya.natarajan@example.comd1f0e9c8b7a6").hexdigest()
    assert email["identityHash"] == "sha256$" + expected
    assert "Priya.Natarajan@example.com" not in str(award)  # the email itself never appears
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Competency"
    assert achievement["criteria"]["narrative"]
    assert achievement["image"] == {"id": "http://127.0.0.1:5000/badges/17/image.png", "type": "Image"}
    assert [a["targetName"] for a in achievement["alignment"]] == [
        "Data visualisation",
        "Business writing",
    ]
    assert achievement["alignment"][0]["targetUrl"] == ("http://127.0.0.1:5000/skills/Data%20visualisation")
    descriptions = {d["id"]: d for d in achievement["resultDescription"]}
    assert all(d["resultType"] == "RubricCriterion" for d in descriptions.values())
    assert {r["resultDescription"] for r in subject["result"]} == set(descriptions)
    assert award["evidence"][0]["type"] == ["Evidence"]
    status = award["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert isinstance(status["statusListIndex"], str) and status["statusListIndex"].isdigit()
    proof = award["proof"]
    assert isinstance(proof, list) and proof[0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_award_passes_both_1edtech_schemas_and_safe_mode(award: dict[str, Any]) -> None:
    assert _schema_problems(award, STRICT) == []
    assert _schema_problems(award, COMPACTION) == []
    assert safe_mode_problems(award) == []


def test_every_badge_type_maps_to_a_spec_achievement_type(issuer: Any) -> None:
    assert set(ACHIEVEMENT_TYPES) == {"skill", "knowledge", "achievement", "participation", "certification"}
    for badge_type, achievement_type in ACHIEVEMENT_TYPES.items():
        spec = AchievementSpec(
            id="https://badges.example.com/badges/1",
            name="N",
            description="D",
            criteria_narrative="C",
            badge_type=badge_type,
            criteria=(("c1", "A"), ("c2", "B")),
        )
        signed = issuer.issue(achievement=spec, evidence=(), valid_until=None)
        assert signed["credentialSubject"]["achievement"]["achievementType"] == achievement_type
        assert "validUntil" not in signed


def test_email_hash_normalises_case_and_whitespace() -> None:
    assert email_identity_hash(" Ann@Example.COM ", "s") == email_identity_hash("ann@example.com", "s")
    assert email_identity_hash("ann@example.com", "s") != email_identity_hash("ann@example.com", "t")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"credential_id": "1234"}, "credential id"),
        ({"valid_until": "same"}, "validUntil"),
        ({"valid_from": datetime(2026, 1, 1)}, "timezone"),
    ],
)
def test_bad_inputs_are_refused(issuer: Any, change: dict[str, Any], message: str) -> None:
    if change.get("valid_until") == "same":
        change = {"valid_until": issuer.issued}
    with pytest.raises(CredentialInvalid, match=message):
        issuer.issue(**change)


def test_unknown_badge_type_and_result_are_refused(issuer: Any) -> None:
    spec = AchievementSpec(
        id="https://badges.example.com/badges/1",
        name="N",
        description="D",
        criteria_narrative="C",
        badge_type="vibes",
    )
    with pytest.raises(CredentialInvalid, match="unknown badge type"):
        issuer.issue(achievement=spec)
    subject = SubjectSpec(id="urn:uuid:1", email="a@b.c", salt="s", results=(("c9", "Completed"),))
    with pytest.raises(CredentialInvalid, match="unknown criterion"):
        issuer.issue(subject=subject)


def _sign(issuer: Any, credential: dict[str, Any]) -> dict[str, Any]:
    return sign_credential(credential, issuer.key, verification_method=f"{issuer.did}#key-1", created=issuer.issued)


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda c: c.update(laurelScore=0.9), "laurelScore"),
        (lambda c: c["credentialSubject"].update(prescore={"score": 0.8}), "prescore"),
        (lambda c: c["type"].append("LaurelBadge"), "LaurelBadge"),
        (lambda c: c.update(id="1234"), "1234"),
        (lambda c: c["credentialSubject"].update(type="AchievementSubject"), "schema"),
        (lambda c: c.update(proof={"type": "DataIntegrityProof"}), "already has a proof"),
        (lambda c: c.update(validFrom="yesterday"), "validFrom"),
        (lambda c: c["@context"].append("https://example.com/my-context.json"), "not bundled"),
        (lambda c: c.pop("issuer"), "issuer"),
    ],
    ids=[
        "top-term",
        "nested-term",
        "type",
        "relative-id",
        "type-not-array",
        "already-signed",
        "date",
        "unbundled-context",
        "no-issuer",
    ],
)
def test_a_credential_that_would_not_verify_is_never_signed(
    issuer: Any, award: dict[str, Any], tamper: Any, problem: str
) -> None:
    unsigned = {k: v for k, v in copy.deepcopy(award).items() if k != "proof"}
    _sign(issuer, unsigned)  # the untouched credential signs
    tamper(unsigned)
    with pytest.raises(CredentialInvalid) as caught:
        _sign(issuer, unsigned)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_signing_is_deterministic_and_keeps_the_input_unchanged(issuer: Any, award: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in award.items() if k != "proof"}
    before = copy.deepcopy(unsigned)
    first = _sign(issuer, unsigned)
    assert unsigned == before
    assert _sign(issuer, unsigned) == first  # Ed25519 is deterministic
    later = sign_credential(
        unsigned,
        issuer.key,
        verification_method=f"{issuer.did}#key-1",
        created=issuer.issued + timedelta(seconds=1),
    )
    assert later["proof"][0]["proofValue"] != first["proof"][0]["proofValue"]


def test_criterion_ids_that_are_uris_are_used_as_is(issuer: Any) -> None:
    uri = "http://127.0.0.1:5000/badges/17#criterion-41"
    spec = AchievementSpec(
        id="http://127.0.0.1:5000/badges/17",
        name="N",
        description="D",
        criteria_narrative="C",
        badge_type="knowledge",
        criteria=((uri, "Explains the method"), ("local", "Cites sources")),
    )
    subject = SubjectSpec(id="urn:uuid:1", email="a@b.example", salt="s", results=((uri, "Completed"),))
    signed = issuer.issue(achievement=spec, subject=subject)
    ids = [d["id"] for d in signed["credentialSubject"]["achievement"]["resultDescription"]]
    assert ids == [uri, "http://127.0.0.1:5000/badges/17#criterion-local"]
    assert signed["credentialSubject"]["result"][0]["resultDescription"] == uri


def test_recipient_matches_the_hashed_email(award: dict[str, Any]) -> None:
    from issuance.credential import recipient_matches

    assert recipient_matches(award, "priya.natarajan@example.com")
    assert recipient_matches(award, "  Priya.Natarajan@EXAMPLE.com ")
    assert not recipient_matches(award, "someone.else@example.com")
    assert not recipient_matches({"credentialSubject": {}}, "priya.natarajan@example.com")
