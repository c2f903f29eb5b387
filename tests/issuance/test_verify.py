"""Verification verdicts: Laurel's own credentials verify, and every kind of tampering, an
unknown key, expiry, revocation and suspension is reported with the right verdict."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from issuance.credential import StatusEntry
from issuance.keys import did_document, generate_key
from issuance.status_list import encode_bits
from issuance.verify import VERDICTS, resolver_from_did_document


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def tamper(credential: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = credential
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return tamper


def test_a_fresh_award_is_valid_with_every_check_passing(issuer: Any, award: dict) -> None:
    result = issuer.verify(award)
    assert result.valid and result.status == "valid"
    names = [c.name for c in result.checks]
    for expected in (
        "schema",
        "json-ld",
        "issuer",
        "proof",
        "validity",
        "status:revocation",
        "status:suspension",
    ):
        assert expected in names
    assert all(c.passed for c in result.checks)
    assert result.credential == award
    as_json = result.to_json()
    assert as_json["valid"] is True and as_json["status"] == "valid"
    assert json.dumps(as_json)  # serialisable as the API answers it


@pytest.mark.parametrize(
    "tamper",
    [
        _set("name", "Data Storytelling (Distinction)"),
        _set("credentialSubject.achievement.name", "Advanced Data Storytelling"),
        _set("credentialSubject.id", "urn:uuid:00000000-0000-4000-8000-000000000000"),
        _set("credentialSubject.identifier.0.identityHash", "sha256$" + "0" * 64),
        _set("validFrom", "2026-03-02T09:30:00Z"),
        _set("validUntil", "2099-01-01T00:00:00Z"),
        _set("evidence.0.narrative", "Approved without review."),
        _set("evidence.0.id", "https://evil.example/forged.pdf"),
        _set("credentialStatus.statusListIndex", "1"),
        _set("issuer.name", "Contoso Academy"),
        _set("proof.0.created", "2026-03-01T09:31:00Z"),
        _set("proof.0.proofValue", "z" + "2" * 86),
    ],
    ids=[
        "name",
        "achievement",
        "subject",
        "email-hash",
        "validFrom",
        "validUntil",
        "evidence",
        "evidence-id",
        "status-index",
        "issuer-name",
        "proof-created",
        "proof-value",
    ],
)
def test_tampered_credentials_fail_with_invalid_signature(
    issuer: Any, award: dict, tamper: Callable[[dict[str, Any]], None]
) -> None:
    tamper(award)
    result = issuer.verify(award)
    assert result.status == "invalid_signature", result.to_json()
    assert not result.valid
    assert any(c.name == "proof" and not c.passed for c in result.checks)


def test_removed_proof_is_invalid_signature(issuer: Any, award: dict) -> None:
    del award["proof"]
    assert issuer.verify(award).status == "invalid_signature"


def test_an_added_undefined_field_is_malformed(issuer: Any, award: dict) -> None:
    award["laurelScore"] = 0.93
    result = issuer.verify(award)
    assert result.status == "malformed"
    assert any(c.name == "json-ld" and "laurelScore" in c.message for c in result.checks)


def test_a_key_the_issuer_never_published_is_unknown_issuer(issuer: Any, award: dict) -> None:
    stranger = generate_key("key-1")
    doc = did_document(issuer.did, {"key-1": stranger.public_multibase})
    result = issuer.verify(award, resolve_key=resolver_from_did_document(doc))
    assert result.status == "invalid_signature"  # same method id, different key: bad signature

    award["proof"][0]["verificationMethod"] = f"{issuer.did}#key-9"
    assert issuer.verify(award).status == "unknown_issuer"


def test_a_proof_by_someone_elses_key_is_unknown_issuer(issuer: Any) -> None:
    credential = issuer.issue()
    other_did = "did:web:evil.example"
    forged = copy.deepcopy(credential)
    forged["proof"][0]["verificationMethod"] = f"{other_did}#key-1"
    doc = did_document(other_did, {"key-1": issuer.key.public_multibase})
    assert issuer.verify(forged, resolve_key=resolver_from_did_document(doc)).status == ("unknown_issuer")


def test_rotated_keys_keep_old_credentials_verifiable(issuer: Any) -> None:
    old = issuer.issue()
    issuer.rotate("key-2")
    new = issuer.issue()
    assert new["proof"][0]["verificationMethod"].endswith("#key-2")
    assert old["proof"][0]["verificationMethod"].endswith("#key-1")
    assert issuer.verify(old).status == "valid"  # status lists now signed by key-2
    assert issuer.verify(new).status == "valid"
    retired = did_document(issuer.did, {"key-2": issuer.keys["key-2"].public_multibase})
    assert issuer.verify(old, resolve_key=resolver_from_did_document(retired)).status == ("unknown_issuer")


def test_validity_window(issuer: Any, award: dict) -> None:
    older_lists = issuer.status_lists(when=issuer.issued - timedelta(days=30))
    early = issuer.issued - timedelta(seconds=1)
    result = issuer.verify(award, now=early, fetch_status_list=older_lists.get)
    assert result.status == "not_yet_valid"
    assert issuer.verify(award, now=issuer.issued).status == "valid"
    assert issuer.verify(award, now=issuer.issued + timedelta(days=730)).status == "expired"


def test_revoked_and_suspended(issuer: Any) -> None:
    credential = issuer.issue()
    index = int(credential["credentialStatus"]["statusListIndex"])
    issuer.suspended.add(index)
    result = issuer.verify(credential)
    assert result.status == "suspended"
    assert [c.passed for c in result.checks if c.name == "status:suspension"] == [False]
    issuer.suspended.discard(index)
    assert issuer.verify(credential).status == "valid"  # unsuspended
    issuer.revoked.add(index)
    assert issuer.verify(credential).status == "revoked"
    issuer.suspended.add(index)
    assert issuer.verify(credential).status == "revoked"  # revocation outranks suspension
    # another credential in the same list is unaffected
    assert issuer.verify(issuer.issue()).status == "valid"


def test_revoked_and_expired_reports_revoked(issuer: Any) -> None:
    credential = issuer.issue()
    issuer.revoked.add(int(credential["credentialStatus"]["statusListIndex"]))
    late = issuer.issued + timedelta(days=1000)
    assert issuer.verify(credential, now=late).status == "revoked"


def test_status_list_that_is_tampered_or_missing(issuer: Any) -> None:
    credential = issuer.issue()
    issuer.revoked.add(int(credential["credentialStatus"]["statusListIndex"]))
    lists = issuer.status_lists()
    # an attacker serving a cleared list cannot un-revoke: the list's signature fails
    cleared = copy.deepcopy(lists)
    cleared[issuer.revocation_url]["credentialSubject"]["encodedList"] = encode_bits([])
    result = issuer.verify(credential, fetch_status_list=cleared.get)
    assert result.status == "invalid_signature", result.to_json()
    assert issuer.verify(credential, fetch_status_list=lambda url: None).status == "unknown_issuer"
    # the suspension list served where the revocation list belongs: wrong purpose
    swapped = {issuer.revocation_url: lists[issuer.suspension_url]}
    assert issuer.verify(credential, fetch_status_list=swapped.get).status == "unknown_issuer"


def test_a_stale_status_list_is_not_trusted(issuer: Any) -> None:
    credential = issuer.issue()
    lists = issuer.status_lists()
    early = issuer.issued - timedelta(days=1)
    result = issuer.verify(credential, now=early, fetch_status_list=lists.get)
    assert result.status == "unknown_issuer"  # the list is not valid yet at that time
    skewed = issuer.issued - timedelta(minutes=2)  # a verifier clock slightly behind is fine
    in_window = issuer.issue(valid_from=skewed)
    assert issuer.verify(in_window, now=skewed, fetch_status_list=lists.get).status == "valid"


def test_credential_without_status_is_valid_and_says_so(issuer: Any) -> None:
    credential = issuer.issue(status=None)
    result = issuer.verify(credential)
    assert result.status == "valid"
    assert any(c.name == "status" and "cannot revoke" in c.message for c in result.checks)


def test_suspension_purpose_entry_in_the_credential(issuer: Any) -> None:
    credential = issuer.issue(status=StatusEntry(issuer.suspension_url, 77, "suspension"))
    issuer.suspended.add(77)
    assert issuer.verify(credential).status == "suspended"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x01garbage",
        "not json",
        '{"a": ',
        "[1, 2]",
        b"<html></html>",
        "a.b.c",
        {"@context": "x"},
        {},
    ],
)
def test_garbage_is_malformed_never_an_exception(issuer: Any, data: Any) -> None:
    result = issuer.verify(data)
    assert result.status == "malformed"
    assert not result.valid


def test_verdict_words_are_the_contract() -> None:
    assert set(VERDICTS) == {
        "valid",
        "expired",
        "not_yet_valid",
        "revoked",
        "suspended",
        "invalid_signature",
        "unknown_issuer",
        "malformed",
    }


def test_pointing_the_proof_at_another_issuer_key_fails(issuer: Any) -> None:
    credential = issuer.issue()
    issuer.rotate("key-2")
    credential["proof"][0]["verificationMethod"] = f"{issuer.did}#key-2"
    assert issuer.verify(credential).status == "invalid_signature"


def test_naive_now_is_taken_as_utc(issuer: Any, award: dict) -> None:
    assert issuer.verify(award, now=issuer.now.replace(tzinfo=None)).status == "valid"


def test_oversized_input_is_malformed(issuer: Any, award: dict) -> None:
    award["description"] = "x" * 1_100_000
    assert issuer.verify(award).status == "malformed"
    assert issuer.verify({"when": object()}).status == "malformed"
