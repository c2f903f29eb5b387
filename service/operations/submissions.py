"""Learners' evidence submissions: creating, resubmitting, reading with authorisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.extraction import UploadLimits, check_link, check_submission
from service.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from service.models import Badge, Submission, SubmissionFile, SubmissionVersion, User
from service.operations.reviewers import may_review
from service.storage import FileStore

MAX_STATEMENT_CHARS = 50_000
MAX_LINKS = 20


@dataclass(frozen=True)
class Upload:
    """A file as received from a request: display name and bytes."""

    name: str
    data: bytes


def _clean_links(links: Sequence[object]) -> list[str]:
    """Normalised http(s) links; anything else is refused with the reason (never fetched)."""
    if not isinstance(links, list | tuple) or len(links) > MAX_LINKS:
        raise ValidationFailed(errors={"links": f"Give at most {MAX_LINKS} links."})
    out = []
    for link in links:
        if not isinstance(link, str):
            raise ValidationFailed(errors={"links": "Links must be strings."})
        if not link.strip():
            continue
        checked = check_link(link)
        if not checked.ok:
            raise ValidationFailed(errors={"links": checked.message})
        out.append(checked.url)
    return out


@dataclass(frozen=True)
class CheckedFiles:
    """Uploads split into those kept (with safe name and kind) and those refused (with why)."""

    accepted: list[tuple[Upload, str, str]]
    refused: list[tuple[str, str]]


def _check_files(files: Sequence[Upload], limits: UploadLimits) -> CheckedFiles:
    """Check every upload (type by content, sizes, count) before anything is stored.

    A refused file does not sink the submission: it is recorded with its reason and the rest is
    kept. Only a request whose bytes alone exceed the submission limit is refused whole.
    """
    total = sum(len(f.data) for f in files)
    if total > limits.max_submission_bytes * 2:
        raise PayloadTooLarge(
            f"The files add up to {total // 1_000_000} MB; the limit is "
            f"{limits.max_submission_bytes // 1_000_000} MB per submission."
        )
    checks = check_submission([(f.name, f.data) for f in files], limits)
    accepted, refused = [], []
    for upload, result in zip(files, checks, strict=True):
        if result.ok:
            accepted.append((upload, result.safe_name, result.kind or "unknown"))
        else:
            refused.append((result.safe_name or "file", result.message))
    return CheckedFiles(accepted=accepted, refused=refused)


def create_submission(
    session: Session,
    *,
    learner: User,
    badge_id: str,
    statement: str,
    links: Sequence[object],
    files: Sequence[Upload],
    store: FileStore,
    limits: UploadLimits,
    now: datetime,
    draft: bool = False,
    idempotency_key: str | None = None,
) -> Submission:
    """Record a learner's evidence for a badge (queued for scoring unless ``draft``).

    Files are checked before any is stored; stored files are content-addressed, so a retried
    request stores nothing twice. With ``idempotency_key`` a repeated request returns the
    submission the first one created. Raises ValidationFailed, PayloadTooLarge, NotFound,
    Conflict (an open submission for this badge exists, or the badge is already earned).
    """
    if idempotency_key:
        existing = session.scalar(
            select(Submission).where(Submission.learner_id == learner.id, Submission.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    badge = session.get(Badge, badge_id)
    if badge is None or badge.status != "active":
        raise NotFound("No such badge, or it no longer accepts submissions.")
    statement = (statement or "").strip()
    if len(statement) > MAX_STATEMENT_CHARS:
        raise ValidationFailed(errors={"statement": f"At most {MAX_STATEMENT_CHARS} characters."})
    clean_links = _clean_links(list(links))
    checked = _check_files(files, limits)
    if not draft and not statement and not checked.accepted and not clean_links:
        if checked.refused:
            raise ValidationFailed("None of the files could be accepted.", errors=dict(checked.refused))
        raise ValidationFailed(errors={"statement": "Describe your evidence, attach a file or add a link."})
    open_one = session.scalar(
        select(Submission.id).where(
            Submission.learner_id == learner.id,
            Submission.badge_id == badge.id,
            Submission.status.in_(
                ("draft", "queued", "scoring", "scored", "scoring_failed", "changes_requested", "approved")
            ),
        )
    )
    if open_one:
        raise Conflict("You already have a submission for this badge; open it to continue.", submission_id=open_one)
    submission = Submission(
        badge_id=badge.id,
        learner_id=learner.id,
        status="draft" if draft else "queued",
        version=1,
        statement=statement,
        links=clean_links,
        created_at=now,
        updated_at=now,
        submitted_at=None if draft else now,
        idempotency_key=idempotency_key,
        files=[], reviews=[], award=None,  # known empty: answering the request loads nothing more
    )
    session.add(submission)
    session.flush()
    _attach_files(session, submission, checked, store, now)
    return submission


def _attach_files(
    session: Session, submission: Submission, checked: CheckedFiles, store: FileStore, now: datetime
) -> None:
    """Store accepted files (content-addressed) and record refused ones with their reason."""
    for upload, safe_name, kind in checked.accepted:
        submission.files.append(
            SubmissionFile(
                submission_id=submission.id,
                version=submission.version,
                digest=store.put(upload.data),
                name=safe_name,
                kind=kind,
                size=len(upload.data),
                created_at=now,
                extraction_status="pending",
            )
        )
    for safe_name, message in checked.refused:
        submission.files.append(
            SubmissionFile(
                submission_id=submission.id,
                version=submission.version,
                digest=None,
                name=safe_name,
                kind="refused",
                size=0,
                created_at=now,
                extraction_status="refused",
                extraction_message=message,
            )
        )
    session.flush()


def resubmit(
    session: Session,
    *,
    learner: User,
    submission_id: str,
    statement: str,
    links: Sequence[object],
    files: Sequence[Upload],
    store: FileStore,
    limits: UploadLimits,
    now: datetime,
    keep_files: bool = True,
) -> Submission:
    """Send a draft, or a new version after changes were requested. Raises Conflict otherwise."""
    submission = submission_for_learner(session, learner=learner, submission_id=submission_id)
    if submission.status not in ("draft", "changes_requested"):
        raise Conflict("Only drafts and submissions with requested changes can be sent again.")
    checked = _check_files(files, limits)
    clean_links = _clean_links(list(links))
    statement = (statement or "").strip()
    if not statement and not checked.accepted and not clean_links and not (keep_files and submission.files):
        raise ValidationFailed(errors={"statement": "Describe your evidence, attach a file or add a link."})
    if submission.status == "changes_requested":
        session.add(
            SubmissionVersion(
                submission_id=submission.id,
                number=submission.version,
                statement=submission.statement,
                links=list(submission.links),
                prescore=submission.prescore,
                status=submission.status,
                created_at=now,
            )
        )
        submission.version += 1
        carried = ([f for f in submission.files if f.version == submission.version - 1 and f.digest]
                   if keep_files else [])
        for f in carried:
            session.add(
                SubmissionFile(
                    submission_id=submission.id,
                    version=submission.version,
                    digest=f.digest,
                    name=f.name,
                    kind=f.kind,
                    size=f.size,
                    extraction_status=f.extraction_status,
                    extraction_message=f.extraction_message,
                    segments=f.segments,
                    created_at=now,
                )
            )
    submission.statement = statement
    submission.links = clean_links
    submission.status = "queued"
    submission.submitted_at = now
    submission.updated_at = now
    submission.score = submission.band = submission.confidence = None
    submission.prescore = None
    submission.scored_key = None
    submission.scoring_attempts = 0
    submission.lease_expires_at = None
    _attach_files(session, submission, checked, store, now)
    return submission


def submission_for_learner(session: Session, *, learner: User, submission_id: str) -> Submission:
    """The learner's own submission; anyone else's is reported as NotFound (no id probing)."""
    submission = session.get(Submission, submission_id)
    if submission is None or submission.learner_id != learner.id:
        raise NotFound("No such submission.")
    return submission


def submission_for_viewer(session: Session, *, user: User, submission_id: str) -> Submission:
    """A submission its learner, an admin, or a reviewer allowed on the badge may see."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("No such submission.")
    if submission.learner_id == user.id or user.role == "admin":
        return submission
    if user.role == "reviewer" and may_review(user, submission.badge, submission):
        return submission
    raise NotFound("No such submission.")


def current_files(submission: Submission) -> list[SubmissionFile]:
    """Files that belong to the submission's current version."""
    return [f for f in submission.files if f.version == submission.version]


def file_for_viewer(session: Session, *, user: User, submission_id: str, file_id: str) -> SubmissionFile:
    """A stored file the user may download. Raises NotFound/Forbidden."""
    submission = submission_for_viewer(session, user=user, submission_id=submission_id)
    for f in submission.files:
        if f.id == file_id and f.digest:
            return f
    raise NotFound("No such file.")


def learner_submissions(session: Session, *, learner: User) -> list[Submission]:
    """The learner's submissions, newest first."""
    return list(
        session.scalars(
            select(Submission).where(Submission.learner_id == learner.id).order_by(Submission.created_at.desc())
        ).unique()
    )


def ensure_not_forbidden(user: User, role: str) -> None:
    """Raise Forbidden unless ``user`` holds ``role`` (admins hold all)."""
    if not user.has_role(role):
        raise Forbidden(f"This needs the {role} role.")
