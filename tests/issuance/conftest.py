"""Shared fixtures for issuance tests: one issuer with a key, a signed award, its status lists."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from issuance.credential import (
    AchievementSpec,
    EvidenceSpec,
    IssuerProfile,
    StatusEntry,
    SubjectSpec,
    build_credential,
)
from issuance.keys import IssuerKey, did_document, did_web, generate_key
from issuance.signing import sign_credential
from issuance.status_list import status_list_credential
from issuance.verify import VerificationResult, resolver_from_did_document, verify_credential

BASE_URL = "http://127.0.0.1:5000"
ISSUED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
NOW = ISSUED + timedelta(days=10)


@pytest.fixture(scope="session")
def vectors() -> Path:
    """The official OB 3.0 / VC-DI-EDDSA test vectors, copied next to these tests."""
    return Path(__file__).parent / "vectors"


@dataclass
class Issuer:
    """A Laurel issuer as the service would hold it: profile, keys, status lists."""

    did: str
    profile: IssuerProfile
    keys: dict[str, IssuerKey]
    active: str
    revoked: set[int] = field(default_factory=set)
    suspended: set[int] = field(default_factory=set)
    next_index: int = 4242
    issued: datetime = ISSUED
    now: datetime = NOW

    @property
    def key(self) -> IssuerKey:
        return self.keys[self.active]

    @property
    def revocation_url(self) -> str:
        return f"{BASE_URL}/status/revocation/1"

    @property
    def suspension_url(self) -> str:
        return f"{BASE_URL}/status/suspension/1"

    def rotate(self, key_id: str) -> None:
        self.keys[key_id] = generate_key(key_id)
        self.active = key_id

    def did_doc(self) -> dict[str, Any]:
        return did_document(self.did, {k: v.public_multibase for k, v in self.keys.items()})

    def sign(self, credential: dict[str, Any], created: datetime = ISSUED) -> dict[str, Any]:
        return sign_credential(credential, self.key, verification_method=f"{self.did}#{self.active}", created=created)

    def issue(self, **overrides: Any) -> dict[str, Any]:
        """Build and sign an award with realistic data; keyword overrides go to build_credential."""
        self.next_index += 1
        kwargs: dict[str, Any] = {
            "credential_id": f"urn:uuid:7c0b8c52-8d2e-4b39-9a55-{self.next_index:012d}",
            "issuer": self.profile,
            "achievement": AchievementSpec(
                id=f"{BASE_URL}/badges/17",
                name="Data Storytelling",
                description="Turns an analysis into a clear narrative for decision makers.",
                criteria_narrative="Submit a dashboard and a brief; a reviewer checks both.",
                badge_type="skill",
                image_url=f"{BASE_URL}/badges/17/image.png",
                skills=("Data visualisation", "Business writing"),
                criteria=(
                    ("c1", "Chart choice fits the question"),
                    ("c2", "Brief states a decision"),
                ),
            ),
            "subject": SubjectSpec(
                id="urn:uuid:2f1d6c34-9b7e-4f0a-8c21-5e4b3a2d1c0f",
                email="Priya.Natarajan@example.com",
                salt="d1f0e9c8b7a6",
                name="Priya Natarajan",
                results=(("c1", "Completed"), ("c2", "Completed")),
            ),
            "valid_from": ISSUED,
            "valid_until": ISSUED + timedelta(days=730),
            "evidence": (
                EvidenceSpec(
                    id=f"{BASE_URL}/submissions/88/files/dashboard.pdf",
                    name="Quarterly churn dashboard",
                    narrative="Approved by reviewer: clear storyline from churn drivers to action.",
                ),
            ),
            "status": StatusEntry(self.revocation_url, self.next_index),
        }
        kwargs.update(overrides)
        return self.sign(build_credential(**kwargs))

    def status_lists(self, when: datetime = ISSUED) -> dict[str, dict[str, Any]]:
        lists = {}
        for purpose, url, bits in (
            ("revocation", self.revocation_url, self.revoked),
            ("suspension", self.suspension_url, self.suspended),
        ):
            unsigned = status_list_credential(
                list_id=url, issuer=self.profile, purpose=purpose, set_indices=bits, valid_from=when
            )
            lists[url] = self.sign(unsigned, created=when)
        return lists

    def verify(self, data: Any, now: datetime = NOW, **kwargs: Any) -> VerificationResult:
        lists = self.status_lists()
        kwargs.setdefault("resolve_key", resolver_from_did_document(self.did_doc()))
        kwargs.setdefault("fetch_status_list", lists.get)
        kwargs.setdefault("suspension_list_url", self.suspension_for)
        return verify_credential(data, now=now, **kwargs)

    def suspension_for(self, revocation_url: str) -> str | None:
        return self.suspension_url if revocation_url == self.revocation_url else None


@pytest.fixture(scope="session")
def session_issuer() -> Issuer:
    did = did_web(BASE_URL)
    profile = IssuerProfile(id=did, name="Northwind Learning & Development", url=BASE_URL, email="ld@northwind.example")
    return Issuer(did=did, profile=profile, keys={"key-1": generate_key("key-1")}, active="key-1")


@pytest.fixture
def issuer(session_issuer: Issuer) -> Issuer:
    """A fresh copy per test (status bits and rotation do not leak between tests)."""
    return Issuer(
        did=session_issuer.did,
        profile=session_issuer.profile,
        keys=dict(session_issuer.keys),
        active=session_issuer.active,
    )


@pytest.fixture(scope="session")
def signed_award(session_issuer: Issuer) -> dict[str, Any]:
    return session_issuer.issue()


@pytest.fixture
def award(signed_award: dict[str, Any]) -> dict[str, Any]:
    """A mutable deep copy of one signed award."""
    return copy.deepcopy(signed_award)
