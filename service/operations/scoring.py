"""Pre-scoring from the service side: leases, evidence assembly, storing results.

The database is the record of what still needs scoring: a submission is ``queued`` until a
worker takes a lease on it (``scoring`` + ``lease_expires_at``); a lease that runs out (the
worker died) makes it claimable again. Each result is committed on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from assessment import DEFAULT_CALIBRATION, Calibration, Criterion, EvidenceItem, Peer, PreScore
from assessment.evidence import Segment
from service.models import Badge, CalibrationRecord, Submission, SubmissionFile

MAX_ATTEMPTS = 3


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        Submission.status == "queued",
        and_(Submission.status == "scoring", Submission.lease_expires_at < now),
    )


def claim_for_scoring(session: Session, *, first_id: str | None, now: datetime, lease_seconds: int,
                      batch: int = 32) -> list[str]:
    """Lease ``first_id`` (when claimable) plus up to ``batch``-1 other queued submissions.

    Returns the ids leased by this call. On PostgreSQL rows are locked with SKIP LOCKED so
    concurrent workers take disjoint sets; SQLite serialises writers (BEGIN IMMEDIATE).
    """
    query = select(Submission.id).where(_claimable(now), Submission.scoring_attempts < MAX_ATTEMPTS)
    ids: list[str] = []
    if first_id:
        ids += list(session.scalars(query.where(Submission.id == first_id).with_for_update(skip_locked=True)))
    if batch - len(ids) > 0:
        others = query.where(Submission.id.not_in(ids or [""])).order_by(Submission.submitted_at)
        ids += list(session.scalars(others.limit(batch - len(ids)).with_for_update(skip_locked=True)))
    if ids:
        session.execute(
            update(Submission).where(Submission.id.in_(ids), _claimable(now)).values(
                status="scoring",
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                scoring_attempts=Submission.scoring_attempts + 1,
            ).execution_options(synchronize_session=False)
        )
    session.flush()
    return ids


def evidence_item(submission: Submission) -> EvidenceItem:
    """Assemble the scorer's input from a submission's current version."""
    segments = [Segment(text=submission.statement, source="statement")] if submission.statement else []
    failed: list[str] = []
    for f in submission.files:
        if f.version != submission.version:
            continue
        if f.extraction_status == "failed":
            failed.append(f.name)
        for seg in f.segments or []:
            segments.append(Segment(text=seg["text"], source=seg["source"], locator=seg.get("locator", ""),
                                    offset=int(seg.get("offset", 0))))
    return badge_item(submission.badge, item_id=submission.id, owner=submission.learner_id,
                      segments=tuple(segments), failed_files=tuple(failed))


def badge_item(badge: Badge, *, item_id: str = "", owner: str = "", segments: tuple[Segment, ...] = (),
               failed_files: tuple[str, ...] = ()) -> EvidenceItem:
    """The scorer's input for ``badge``'s rubric; with no segments, the rubric alone."""
    criteria = tuple(
        Criterion(id=c.id, title=c.title, description=c.description, weight=c.weight,
                  levels=tuple(c.levels), exemplars=tuple(c.exemplars or ()))
        for c in badge.criteria
    )
    return EvidenceItem(
        id=item_id,
        badge_id=badge.id,
        owner=owner,
        criteria=criteria,
        segments=segments,
        references=tuple(badge.references),
        prompt=f"{badge.name}. {badge.description} {badge.evidence_prompt}".strip(),
        failed_files=failed_files,
    )


def warm_up_inputs(session: Session) -> tuple[list[EvidenceItem], list[str]]:
    """What a worker encodes before its first job: every active badge's rubric, and the words
    of the graded history its calibration compares new evidence with."""
    badges = list(session.scalars(
        select(Badge).where(Badge.status == "active").options(selectinload(Badge.criteria))
    ))
    calibrations = calibrations_for(session, [b.id for b in badges])
    words = {w for cal in {c.version: c for c in calibrations.values()}.values() for h in cal.history for w in h.words}
    return [badge_item(b) for b in badges], sorted(words)


def scored_key(submission: Submission) -> str:
    """What a pre-score is valid for: this version of the evidence against this rubric."""
    return f"{submission.version}:{submission.badge.rubric_version}"


def peers_for(session: Session, badge_ids: Sequence[str], *, limit: int = 5000) -> dict[str, list[Peer]]:
    """Stored document vectors of other scored submissions per badge (near-duplicate search)."""
    out: dict[str, list[Peer]] = {b: [] for b in badge_ids}
    rows = session.execute(
        select(Submission.id, Submission.learner_id, Submission.badge_id, Submission.vector)
        .where(Submission.badge_id.in_(badge_ids), Submission.vector.is_not(None))
        .order_by(Submission.scored_at.desc()).limit(limit)
    )
    for sid, owner, badge_id, blob in rows:
        out[badge_id].append(Peer(id=sid, owner=owner, vector=np.frombuffer(blob, dtype=np.float32)))
    return out


def _newest_per_badge(badge_ids: Sequence[str], *columns: Any) -> Select[Any]:
    """Select ``columns`` of the newest calibration row of each of ``badge_ids`` that has one."""
    newest = (
        select(CalibrationRecord.badge_id, func.max(CalibrationRecord.created_at).label("at"))
        .where(CalibrationRecord.badge_id.in_(badge_ids))
        .group_by(CalibrationRecord.badge_id)
        .subquery()
    )
    return select(*columns).join(
        newest, and_(CalibrationRecord.badge_id == newest.c.badge_id, CalibrationRecord.created_at == newest.c.at))


_NEWEST_GLOBAL = (select(CalibrationRecord).where(CalibrationRecord.badge_id.is_(None))
                  .order_by(CalibrationRecord.created_at.desc()).limit(1))


def calibrations_for(session: Session, badge_ids: Sequence[str]) -> dict[str, Calibration]:
    """The newest calibration per badge, falling back to the newest global one.

    Only the newest rows are read: every reviewer decision can add a version, and each one
    carries up to 500 graded examples.
    """
    rows = session.scalars(_newest_per_badge(badge_ids, CalibrationRecord))
    per_badge = {row.badge_id: Calibration.from_json(row.data) for row in rows if row.badge_id is not None}
    global_row = session.scalar(_NEWEST_GLOBAL)
    if global_row is not None:
        global_cal = Calibration.from_json(global_row.data)
        for b in badge_ids:
            per_badge.setdefault(b, global_cal)
    return per_badge


def calibration_versions(session: Session, badge_ids: Sequence[str]) -> dict[str, str]:
    """The version of the calibration each badge is scored with now (as ``calibrations_for``
    chooses it, without loading any calibration)."""
    newest = _newest_per_badge(badge_ids, CalibrationRecord.badge_id, CalibrationRecord.version)
    own: dict[str, str] = {badge_id: version for badge_id, version in session.execute(newest)}
    newest_global = session.scalar(_NEWEST_GLOBAL.with_only_columns(CalibrationRecord.version))
    fallback = newest_global or DEFAULT_CALIBRATION.version
    return {b: own.get(b, fallback) for b in badge_ids}


def recalibrated_ids(session: Session, *, limit: int) -> list[str]:
    """Undecided pre-scored submissions, oldest first, whose pre-score was made with another
    calibration than the one their badge is scored with now."""
    made_with = Submission.prescore["calibration_version"].as_string()
    rows = session.execute(select(Submission.id, Submission.badge_id, made_with)
                           .where(Submission.status == "scored").order_by(Submission.submitted_at)).all()
    current = calibration_versions(session, sorted({badge_id for _, badge_id, _ in rows}))
    return [sid for sid, badge_id, version in rows if version != current[badge_id]][:limit]


SCORING = ("scoring", "queued")
RESCORING = ("scored",)


# Built once: a worker stores every pre-score with it, and building the statement (the JSON
# pre-score as a literal) cost as much as running it.
_STORE = (
    update(Submission)
    .where(Submission.id == bindparam("sid"), Submission.status.in_(bindparam("expect", expanding=True)),
           Submission.version == bindparam("for_version"),
           Submission.badge_id.in_(select(Badge.id).where(Badge.rubric_version == bindparam("for_rubric"))))
    .values(prescore=bindparam("new_prescore"), score=bindparam("new_score"), band=bindparam("new_band"),
            confidence=bindparam("new_confidence"), vector=bindparam("new_vector"), scored_key=bindparam("new_key"),
            scored_at=bindparam("new_at"), status="scored", lease_expires_at=None, scoring_error=None)
)


def store_prescore(session: Session, *, submission_id: str, result: PreScore, key: str, now: datetime,
                   expect: tuple[str, ...] = SCORING) -> bool:
    """Write a pre-score if the submission is still the version it was computed for and in
    one of the ``expect`` states (``RESCORING`` replaces an undecided pre-score in place).

    Returns False (and writes nothing) when the learner resubmitted, the rubric changed or a
    reviewer decided in the meantime: idempotent, a re-run for the same key changes nothing.
    The check and the write are one conditional UPDATE, so a decision committed between the
    worker's read and its write (PostgreSQL does not serialise them) is never overwritten.
    """
    version, rubric_version = (int(part) for part in key.split(":"))
    done = session.execute(_STORE, {
        "sid": submission_id, "expect": list(expect), "for_version": version, "for_rubric": rubric_version,
        "new_prescore": result.to_json(), "new_score": result.score, "new_band": result.band,
        "new_confidence": result.confidence, "new_vector": np.asarray(result.vector, dtype=np.float32).tobytes(),
        "new_key": key, "new_at": now,
    }, execution_options={"synchronize_session": "fetch"})
    return bool(done.rowcount)


def record_scoring_failure(session: Session, *, submission: Submission, error: str, now: datetime) -> None:
    """Give the lease back, or end as ``scoring_failed`` after the last attempt (reviewable by hand)."""
    submission.scoring_error = error[:2000]
    submission.lease_expires_at = None
    submission.status = "scoring_failed" if submission.scoring_attempts >= MAX_ATTEMPTS else "queued"
    session.flush()


def ids_with_pending_files(session: Session, ids: Sequence[str]) -> list[str]:
    """Those of ``ids`` with files still waiting for text extraction (most have none)."""
    found = set(session.scalars(
        select(SubmissionFile.submission_id).join(Submission, Submission.id == SubmissionFile.submission_id)
        .where(SubmissionFile.submission_id.in_(ids), SubmissionFile.extraction_status == "pending",
               SubmissionFile.version == Submission.version)))
    return [sid for sid in ids if sid in found]


def load_for_scoring(session: Session, ids: Sequence[str]) -> list[Submission]:
    """The submissions with their files and their badge's criteria loaded in a few queries."""
    rows = session.scalars(select(Submission).where(Submission.id.in_(ids)).options(
        selectinload(Submission.files), selectinload(Submission.badge).selectinload(Badge.criteria)))
    by_id = {s.id: s for s in rows}
    return [by_id[sid] for sid in ids if sid in by_id]


def pending_files(submission: Submission) -> list[SubmissionFile]:
    """Current-version files whose text has not been extracted yet."""
    return [f for f in submission.files if f.version == submission.version and f.extraction_status == "pending"]


def stale_submission_ids(session: Session, *, now: datetime, limit: int = 500) -> list[str]:
    """Submissions that need a worker: queued, or scoring with a lease that ran out."""
    return list(session.scalars(
        select(Submission.id).where(_claimable(now), Submission.scoring_attempts < MAX_ATTEMPTS)
        .order_by(Submission.submitted_at).limit(limit)
    ))


def fail_exhausted(session: Session, *, now: datetime) -> int:
    """Mark as ``scoring_failed`` what died mid-scoring on its last attempt (a killed worker)."""
    result = session.execute(
        update(Submission).where(
            Submission.status == "scoring", Submission.lease_expires_at < now,
            Submission.scoring_attempts >= MAX_ATTEMPTS,
        ).values(status="scoring_failed", scoring_error="Scoring did not finish after several attempts.",
                 lease_expires_at=None).execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def requeue_for_rubric(session: Session, *, badge_id: str) -> list[str]:
    """After a rubric change, send the badge's undecided pre-scores back to the workers."""
    ids = list(session.scalars(select(Submission.id).where(
        Submission.badge_id == badge_id, Submission.status.in_(("scored", "scoring_failed")))))
    if ids:
        session.execute(update(Submission).where(Submission.id.in_(ids)).values(
            status="queued", scoring_attempts=0, lease_expires_at=None).execution_options(synchronize_session=False))
        session.flush()
    return ids
