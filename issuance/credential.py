"""Building an unsigned Open Badges 3.0 `OpenBadgeCredential` from Laurel's award data.

Laurel badge type -> OB 3.0 `achievementType` (values from the spec's AchievementType
enumeration, no `ext:` extensions so every displayer knows them):

    skill         -> Competency               (an ability the learner demonstrated)
    knowledge     -> Assessment               (knowledge shown in an assessed submission)
    achievement   -> Achievement
    participation -> CertificateOfCompletion  (took part in / completed a programme or event)
    certification -> Certification

Shapes follow the strict 1EdTech schema (arrays for `type`, `evidence`, `alignment`…); empty
values are omitted. Contexts: VC 2.0 then OB 3.0.3; the extensions context is added only when a
term from it is used (`credentialSchema` with `1EdTechJsonSchemaValidator2019`, which Laurel
does not emit).

Skills become `alignment` entries (`targetType` "ceasn:Competency") whose `targetUrl` is
`<skill_base_url or issuer.url + "/skills/">` + the url-quoted skill name. Rubric criteria become
`resultDescription` entries (`resultType` "RubricCriterion") with id `<achievement id>#criterion-
<criterion id>` (or the criterion id itself when it is an absolute URI); a subject's `result`
refers to them. The recipient's email is hashed:
identityHash = "sha256$" + hex(sha256(lower(strip(email)) + salt)).

The credential carries at most one `credentialStatus` (see status_list for suspension).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from issuance.errors import CredentialInvalid
from issuance.jsonld import is_absolute_iri

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ACHIEVEMENT_TYPES: dict[str, str] = {
    "skill": "Competency",
    "knowledge": "Assessment",
    "achievement": "Achievement",
    "participation": "CertificateOfCompletion",
    "certification": "Certification",
}


@dataclass(frozen=True)
class IssuerProfile:
    """The issuing organisation: `id` is its DID (key controller), `url` its home page."""

    id: str
    name: str
    url: str
    email: str | None = None
    image_url: str | None = None


@dataclass(frozen=True)
class AchievementSpec:
    """The badge as awarded: `criteria` pairs (criterion id, title) become resultDescriptions."""

    id: str
    name: str
    description: str
    criteria_narrative: str
    badge_type: str
    image_url: str | None = None
    skills: tuple[str, ...] = ()
    criteria: tuple[tuple[str, str], ...] = ()
    skill_base_url: str | None = None
    image_caption: str | None = None


@dataclass(frozen=True)
class SubjectSpec:
    """The learner: Laurel's learner id (URN/DID), email (hashed with `salt`), optional name.

    `results` pairs (criterion id, ResultStatusType such as "Completed") become `result`s.
    """

    id: str
    email: str
    salt: str
    name: str | None = None
    results: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EvidenceSpec:
    """Reviewer-approved evidence: a URL (or None) with a name and narrative."""

    id: str | None
    name: str
    narrative: str


@dataclass(frozen=True)
class StatusEntry:
    """A credential's slot in a Bitstring Status List credential."""

    list_url: str
    index: int
    purpose: str = "revocation"


def format_datetime(value: datetime) -> str:
    """A timezone-aware datetime as DateTimeZ in UTC, to the second; raises CredentialInvalid
    for a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise CredentialInvalid([f"datetime {value!r} has no timezone"])
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def email_identity_hash(email: str, salt: str) -> str:
    """OB IdentityHash of an email: "sha256$" + hex(sha256(normalised email + salt))."""
    normalised = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


def recipient_matches(credential: dict[str, Any], email: str) -> bool:
    """Whether a credential's (hashed or plain) email identifier names this email, as a verifier
    checks "is this badge really theirs"; False when it carries no email identifier."""
    subject = credential.get("credentialSubject")
    identifiers = subject.get("identifier", []) if isinstance(subject, dict) else []
    for item in identifiers if isinstance(identifiers, list) else [identifiers]:
        if not isinstance(item, dict) or item.get("identityType") != "emailAddress":
            continue
        value = str(item.get("identityHash", ""))
        if item.get("hashed") and value.lower().startswith("sha256$"):
            salt = str(item.get("salt", ""))
            # other issuers may hash the address as typed; Laurel hashes it normalised
            for candidate in {email, email.strip(), email.strip().lower()}:
                digest = "sha256$" + hashlib.sha256((candidate + salt).encode("utf-8")).hexdigest()
                if hmac.compare_digest(value.lower(), digest):
                    return True
        elif not item.get("hashed") and value.strip().lower() == email.strip().lower():
            return True
    return False


def result_description_id(achievement_id: str, criterion_id: str) -> str:
    """The ResultDescription id of a rubric criterion: the criterion id itself when it is an
    absolute URI, else `<achievement id>#criterion-<criterion id>`."""
    if is_absolute_iri(criterion_id):
        return criterion_id
    return f"{achievement_id}#criterion-{quote(criterion_id, safe='')}"


def _require_iri(value: str, what: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not is_absolute_iri(value):
        problems.append(f"{what} must be an absolute URI, got {value!r}")


def _issuer(issuer: IssuerProfile) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    profile["url"] = issuer.url
    if issuer.email:
        profile["email"] = issuer.email
    if issuer.image_url:
        profile["image"] = {"id": issuer.image_url, "type": "Image"}
    return profile


def _achievement(spec: AchievementSpec, issuer: IssuerProfile) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": spec.id,
        "type": ["Achievement"],
        "name": spec.name,
        "description": spec.description,
        "criteria": {"narrative": spec.criteria_narrative},
        "achievementType": ACHIEVEMENT_TYPES[spec.badge_type],
    }
    if spec.image_url:
        image: dict[str, Any] = {"id": spec.image_url, "type": "Image"}
        if spec.image_caption:
            image["caption"] = spec.image_caption
        achievement["image"] = image
    base = spec.skill_base_url or issuer.url.rstrip("/") + "/skills/"
    if spec.skills:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": skill,
                "targetUrl": base + quote(skill, safe=""),
                "targetType": "ceasn:Competency",
            }
            for skill in spec.skills
        ]
    if spec.criteria:
        achievement["resultDescription"] = [
            {
                "id": result_description_id(spec.id, criterion_id),
                "type": ["ResultDescription"],
                "name": title,
                "resultType": "RubricCriterion",
            }
            for criterion_id, title in spec.criteria
        ]
    return achievement


def _subject(subject: SubjectSpec, achievement: dict[str, Any], spec_id: str) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": email_identity_hash(subject.email, subject.salt),
            "salt": subject.salt,
        }
    ]
    if subject.name:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": subject.name,
            }
        )
    out: dict[str, Any] = {
        "id": subject.id,
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": achievement,
    }
    if subject.results:
        out["result"] = [
            {
                "type": ["Result"],
                "resultDescription": result_description_id(spec_id, criterion_id),
                "status": status,
            }
            for criterion_id, status in subject.results
        ]
    return out


def _status(status: StatusEntry) -> dict[str, Any]:
    return {
        "id": f"{status.list_url}#{status.index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": status.purpose,
        "statusListIndex": str(status.index),
        "statusListCredential": status.list_url,
    }


def _check_inputs(
    credential_id: str,
    issuer: IssuerProfile,
    achievement: AchievementSpec,
    subject: SubjectSpec,
    evidence: Sequence[EvidenceSpec],
    status: StatusEntry | None,
) -> None:
    problems: list[str] = []
    _require_iri(credential_id, "credential id", problems)
    _require_iri(issuer.id, "issuer id", problems)
    _require_iri(issuer.url, "issuer url", problems)
    _require_iri(achievement.id, "achievement id", problems)
    _require_iri(subject.id, "subject id", problems)
    if achievement.image_url:
        _require_iri(achievement.image_url, "achievement image", problems)
    for item in evidence:
        if item.id is not None:
            _require_iri(item.id, "evidence id", problems)
    if achievement.badge_type not in ACHIEVEMENT_TYPES:
        problems.append(
            f"unknown badge type {achievement.badge_type!r}; expected one of " + ", ".join(sorted(ACHIEVEMENT_TYPES))
        )
    known = {cid for cid, _ in achievement.criteria}
    problems += [f"result for unknown criterion {c!r}" for c, _ in subject.results if c not in known]
    if status is not None and (status.purpose not in ("revocation", "suspension") or status.index < 0):
        problems.append(f"status entry needs purpose revocation/suspension and index >= 0: {status}")
    if not subject.email.strip() or not subject.salt:
        problems.append("subject email and salt are required")
    if problems:
        raise CredentialInvalid(problems)


def build_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: AchievementSpec,
    subject: SubjectSpec,
    valid_from: datetime,
    valid_until: datetime | None,
    evidence: Sequence[EvidenceSpec] = (),
    status: StatusEntry | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential for one award; raises CredentialInvalid for a relative
    id, an unknown badge type, naive datetimes or validUntil not after validFrom."""
    _check_inputs(credential_id, issuer, achievement, subject, evidence, status)
    embedded = _achievement(achievement, issuer)
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement.name,
        "description": achievement.description,
    }
    if achievement.image_url:
        credential["image"] = {"id": achievement.image_url, "type": "Image"}
    credential["issuer"] = _issuer(issuer)
    credential["validFrom"] = format_datetime(valid_from)
    if valid_until is not None:
        if valid_until <= valid_from:
            raise CredentialInvalid(["validUntil must be after validFrom"])
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = _subject(subject, embedded, achievement.id)
    if evidence:
        credential["evidence"] = [_evidence(item) for item in evidence]
    if status is not None:
        credential["credentialStatus"] = _status(status)
    return credential


def _evidence(item: EvidenceSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.id:
        out["id"] = item.id
    out["type"] = ["Evidence"]
    if item.name:
        out["name"] = item.name
    if item.narrative:
        out["narrative"] = item.narrative
    return out
