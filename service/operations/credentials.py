"""Signed credentials of awards: issuing, status changes, status lists, verification."""

from __future__ import annotations

import copy
import hashlib
import random
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuance.credential import AchievementSpec, EvidenceSpec, StatusEntry, SubjectSpec, build_credential
from issuance.keys import public_key_from_multibase
from issuance.signing import sign_credential
from issuance.status_list import allocate_index, status_list_credential
from issuance.verify import VerificationResult, verify_credential
from service.errors import Conflict, NotFound, ValidationFailed
from service.models import Award, Credential, IssuerKey, Submission, User
from service.operations.issuer import active_signing_key, issuer_did, issuer_profile
from service.settings import Settings

STATUS_PURPOSES = ("revocation", "suspension")
LIST_ID = "1"
STATUS_LIST_MAX_AGE = timedelta(hours=1)
_status_cache: dict[tuple[str, str, str, str], tuple[datetime, dict[str, Any]]] = {}
_status_cache_lock = threading.Lock()


def credential_url(settings: Settings, credential_id: str) -> str:
    """Public URL of a credential's page (also its JSON with Accept: application/json)."""
    return f"{settings.base_url}/c/{credential_id}"


def status_list_url(settings: Settings, purpose: str, list_id: str = LIST_ID) -> str:
    """Public URL of a status list credential."""
    return f"{settings.base_url}/status/{purpose}/{list_id}"


def add_months(start: datetime, months: int) -> datetime:
    """``start`` plus whole calendar months (clamped to the month's last day)."""
    month0 = start.month - 1 + months
    year, month = start.year + month0 // 12, month0 % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _achievement(award: Award, settings: Settings) -> AchievementSpec:
    badge = award.badge
    return AchievementSpec(
        id=f"{settings.base_url}/badges/{badge.id}",
        name=badge.name,
        description=badge.description or badge.name,
        criteria_narrative=badge.criteria_narrative or "; ".join(c.title for c in badge.criteria) or badge.name,
        badge_type=badge.badge_type,
        image_url=f"{settings.base_url}/badges/{badge.id}/image.png",
        skills=tuple(badge.skills),
        criteria=tuple((f"{settings.base_url}/badges/{badge.id}#criterion-{c.id}", c.title) for c in badge.criteria),
    )


def issue_credential(session: Session, *, award: Award, settings: Settings, now: datetime,
                     submission: Submission | None = None, rng: random.Random | None = None) -> Credential:
    """Build, check, sign and store the credential of ``award``.

    Raises issuance.errors.CredentialInvalid (nothing is stored) if the document would not
    verify. The status index is drawn at random among free ones (herd privacy).
    """
    used = set(session.scalars(select(Credential.status_index).where(Credential.status_list == LIST_ID)))
    index = allocate_index(used, rng)
    learner: User = award.learner
    credential_id = _new_credential_id(award)
    evidence = []
    if submission is not None:
        evidence.append(EvidenceSpec(
            id=f"{settings.base_url}/c/{credential_id}#evidence",
            name=f"Evidence for {award.badge.name}",
            narrative=(submission.statement[:2000] or "Evidence reviewed and approved."),
        ))
    doc = build_credential(
        credential_id=f"urn:uuid:{credential_id}",
        issuer=issuer_profile(settings),
        achievement=_achievement(award, settings),
        subject=SubjectSpec(id=learner.subject_id, email=learner.email, salt=learner.identifier_salt,
                            name=learner.name),
        valid_from=award.issued_at,
        valid_until=award.valid_until,
        evidence=evidence,
        status=StatusEntry(list_url=status_list_url(settings, "revocation"), index=index, purpose="revocation"),
    )
    key, method = active_signing_key(session, settings=settings, now=now)
    signed = sign_credential(doc, key, verification_method=method, created=now)
    row = Credential(id=credential_id, award_id=award.id, document=signed, key_id=key.key_id,
                     status_list=LIST_ID, status_index=index, created_at=now)
    session.add(row)
    session.flush()
    return row


def _new_credential_id(award: Award) -> str:
    # Derived from the award id: a retried issuance of one award reuses the same credential id.
    digest = hashlib.sha256(f"credential:{award.id}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def award_badge(session: Session, *, learner: User, submission: Submission | None, badge_id: str,
                settings: Settings, now: datetime, source: str = "review") -> Award:
    """Create the award (and its signed credential) in the caller's transaction."""
    from service.operations.badges import get_badge

    badge = get_badge(session, badge_id)
    valid_until = add_months(now, badge.validity_months) if badge.validity_months else None
    award = Award(submission_id=submission.id if submission else None, badge_id=badge.id,
                  learner_id=learner.id, issued_at=now, valid_until=valid_until, source=source)
    session.add(award)
    session.flush()
    issue_credential(session, award=award, settings=settings, now=now, submission=submission)
    return award


def get_credential(session: Session, credential_id: str) -> Credential:
    """The credential with this id; raises NotFound."""
    row = session.get(Credential, credential_id)
    if row is None:
        raise NotFound("No such credential.")
    return row


def public_credential(session: Session, credential_id: str, *, viewer: User | None) -> Credential:
    """A credential as the public may see it: a private one is NotFound to all but its owner
    and admins."""
    row = get_credential(session, credential_id)
    if row.private and not (viewer and (viewer.id == row.award.learner_id or viewer.role == "admin")):
        raise NotFound("No such credential.")
    return row


def set_status(session: Session, *, credential_id: str, action: str, reason: str, now: datetime) -> Credential:
    """Revoke, suspend or unsuspend a credential. Revocation is final (Conflict after)."""
    row = get_credential(session, credential_id)
    reason = (reason or "").strip()
    if action in ("revoke", "suspend") and not reason:
        raise ValidationFailed(errors={"reason": "Give a reason; the learner will see it."})
    if row.revoked_at is not None:
        raise Conflict("This credential is revoked; revocation cannot be undone.")
    if action == "revoke":
        row.revoked_at = now
    elif action == "suspend":
        row.suspended = True
    elif action == "unsuspend":
        if not row.suspended:
            raise Conflict("This credential is not suspended.")
        row.suspended = False
    else:
        raise ValidationFailed(errors={"action": "revoke, suspend or unsuspend"})
    row.status_reason = reason or None
    session.flush()
    return row


def set_privacy(session: Session, *, learner: User, credential_id: str, private: bool) -> Credential:
    """A learner hides or shows their credential's public page."""
    row = get_credential(session, credential_id)
    if row.award.learner_id != learner.id:
        raise NotFound("No such credential.")
    row.private = private
    session.flush()
    return row


def status_list_document(session: Session, *, settings: Settings, purpose: str, now: datetime) -> dict[str, Any]:
    """The signed BitstringStatusListCredential for ``purpose`` as it stands now."""
    if purpose not in STATUS_PURPOSES:
        raise NotFound("No such status list.")
    query = select(Credential.status_index).where(Credential.status_list == LIST_ID)
    query = query.where(Credential.revoked_at.is_not(None)) if purpose == "revocation" else query.where(
        Credential.suspended.is_(True))
    indices = sorted(session.scalars(query))
    key, method = active_signing_key(session, settings=settings, now=now)
    # Signing costs tens of ms of canonicalisation: re-sign only when the bits or the key change
    # (and at least hourly, so validFrom stays recent).
    cache_key = (settings.base_url, purpose, key.public_multibase, hashlib.sha256(repr(indices).encode()).hexdigest())
    with _status_cache_lock:
        cached = _status_cache.get(cache_key)
        if cached is not None and now - cached[0] < STATUS_LIST_MAX_AGE:
            return copy.deepcopy(cached[1])  # callers may mutate what they get
    doc = status_list_credential(
        list_id=status_list_url(settings, purpose), issuer=issuer_profile(settings), purpose=purpose,
        set_indices=indices, valid_from=now - timedelta(minutes=5),
    )
    signed = sign_credential(doc, key, verification_method=method, created=now)
    with _status_cache_lock:
        _status_cache[cache_key] = (now, copy.deepcopy(signed))
        if len(_status_cache) > 64:
            _status_cache.pop(next(iter(_status_cache)))
    return signed


def verify_any(session: Session, data: dict[str, Any] | str | bytes, *, settings: Settings,
               now: datetime) -> VerificationResult:
    """Verify a credential (JSON, VC-JWT or baked image) with this instance's keys and lists.

    Keys of other issuers are not fetched (no network at verify time): their credentials come
    back ``unknown_issuer``.
    """
    did = issuer_did(settings)
    keys = {r.key_id: r.public_multibase for r in session.scalars(select(IssuerKey))}

    def resolve_key(method: str) -> Any:
        base, _, fragment = method.partition("#")
        if base != did or fragment not in keys:
            return None
        return public_key_from_multibase(keys[fragment])

    def fetch_status_list(url: str) -> dict[str, Any] | None:
        for purpose in STATUS_PURPOSES:
            if url == status_list_url(settings, purpose):
                return status_list_document(session, settings=settings, purpose=purpose, now=now)
        return None

    def suspension_url(revocation_url: str) -> str | None:
        if revocation_url == status_list_url(settings, "revocation"):
            return status_list_url(settings, "suspension")
        return None

    return verify_credential(data, resolve_key=resolve_key, fetch_status_list=fetch_status_list, now=now,
                             suspension_list_url=suspension_url)


def learner_credentials(session: Session, *, learner: User) -> list[Credential]:
    """The learner's credentials, newest first."""
    return list(session.scalars(
        select(Credential).join(Award).where(Award.learner_id == learner.id).order_by(Credential.created_at.desc())
    ).unique())

