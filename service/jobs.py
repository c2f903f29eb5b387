"""RQ job entry points. Arguments are ids; each job reloads its rows and commits per item."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import get_current_job

from assessment import prescore_batch, warm_up_rubrics
from assessment.extraction import extract_text
from embeddings import default_encoder
from service.models import Submission
from service.operations.scoring import (
    RESCORING,
    SCORING,
    calibrations_for,
    claim_for_scoring,
    evidence_item,
    ids_with_pending_files,
    load_for_scoring,
    peers_for,
    pending_files,
    recalibrated_ids,
    record_scoring_failure,
    scored_key,
    store_prescore,
    warm_up_inputs,
)
from service.queue import enqueue_rescoring, forget_waiting_jobs, score_job_key, scoring_queue
from service.runtime import Runtime, current_runtime
from service.storage import InvalidDigest, MissingFile

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _redis_or_none(runtime: Runtime) -> Redis | None:
    """Redis when configured: ``seed-demo`` runs these jobs' bodies without one."""
    return runtime.redis() if runtime.settings.redis_url else None


# A job that starts while a burst is still arriving would score the few submissions already
# in and leave the rest to the next job; waiting while the queue keeps growing fills the batch
# (dynamic batching). A lone submission waits one settle period.
BATCH_SETTLE_SECONDS = 0.1
BATCH_MAX_WAIT_SECONDS = 1.0


def score_submission(submission_id: str, batch: int = 32) -> dict[str, int]:
    """Score ``submission_id`` together with other waiting submissions, in one model call.

    Idempotent: a submission already scored for its current version and rubric is skipped
    (it is no longer claimable). Returns counts for the job result.
    """
    runtime = current_runtime()
    _wait_for_batch(runtime, batch)
    job = get_current_job()
    return score_claimed(runtime, first_id=submission_id, batch=batch,
                         on_claimed=lambda ids: _drop_sibling_jobs(runtime, ids, keep=job.id if job else None))


def _wait_for_batch(runtime: Runtime, batch: int) -> None:
    """Wait (at most BATCH_MAX_WAIT_SECONDS) while more scoring jobs keep arriving."""
    deadline = time.monotonic() + BATCH_MAX_WAIT_SECONDS
    try:
        queue = scoring_queue(runtime.redis(), runtime.settings.queue_name)
        waiting = queue.count
        while waiting + 1 < batch and time.monotonic() < deadline:
            time.sleep(BATCH_SETTLE_SECONDS)
            now_waiting = queue.count
            if now_waiting <= waiting:
                return
            waiting = now_waiting
    except RedisError:
        return  # score what is there; the sweeper covers the rest


def warm_up_scoring(runtime: Runtime) -> int:
    """Encode every active badge's rubric (and graded history words) into this process's cache,
    so the first submissions of a burst pay only for their own evidence."""
    with runtime.db.sessions() as session:
        items, words = warm_up_inputs(session)
    encoder = default_encoder()
    return warm_up_rubrics(items, encoder, words, limit=encoder.max_items // 2)


def _drop_sibling_jobs(runtime: Runtime, claimed: list[str], *, keep: str | None) -> None:
    """This job (``keep``) took other submissions' work: take their queued jobs off the queue
    too, so a burst costs one job per batch, not one no-op job per submission.

    The siblings are still queued (never started), so the queue entry and the job's hash are
    all there is to remove.
    """
    try:
        connection = runtime.redis()
        forget_waiting_jobs(connection, scoring_queue(connection, runtime.settings.queue_name),
                            [score_job_key(sid) for sid in claimed], keep=keep)
    except RedisError:
        log.warning("could not drop sibling jobs; they will find nothing to do")


def score_claimed(runtime: Runtime, *, first_id: str | None, batch: int = 32,
                  on_claimed: Callable[[list[str]], None] | None = None) -> dict[str, int]:
    """Claim up to ``batch`` submissions, extract their files, score and store each one."""
    db, settings = runtime.db, runtime.settings
    with db.unit_of_work() as session:
        ids = claim_for_scoring(session, first_id=first_id, now=_now(),
                                lease_seconds=settings.scoring_lease_seconds, batch=batch)
    if not ids:
        return {"claimed": 0, "scored": 0}
    if on_claimed is not None:
        on_claimed(ids)
    with db.sessions() as session:
        needs_text = ids_with_pending_files(session, ids)
    ready = list(ids)
    for sid in needs_text:
        try:
            _extract_files(runtime, sid)
        except Exception as exc:  # noqa: BLE001 - e.g. the file store is unreachable: retry this one later
            log.exception("extracting the files of %s failed", sid)
            _give_back(runtime, [sid], exc)
            ready.remove(sid)
    scored, failed = _score_isolating(runtime, ready, expect=SCORING)
    for sid, exc in failed.items():  # any scoring bug must end as a visible status
        _give_back(runtime, [sid], exc)
    return {"claimed": len(ids), "scored": scored}


def _score_isolating(runtime: Runtime, ids: list[str], *, expect: tuple[str, ...]) -> tuple[int, dict[str, Exception]]:
    """``_score_and_store`` in one model call; if the batch fails, each submission again on its
    own, so one that breaks the scorer (a bug, a malformed row) costs its batch-mates nothing
    and only it is given back. Returns how many were stored and what failed, by id."""
    if not ids:
        return 0, {}
    try:
        return _score_and_store(runtime, ids, expect=expect), {}
    except Exception as exc:  # noqa: BLE001 - isolate the culprit below
        if len(ids) == 1:
            log.exception("scoring failed for %s", ids[0])
            return 0, {ids[0]: exc}
        log.warning("scoring a batch of %d failed (%s); scoring each on its own", len(ids), exc)
    stored, failed = 0, {}
    for sid in ids:
        try:
            stored += _score_and_store(runtime, [sid], expect=expect)
        except Exception as exc:  # noqa: BLE001 - recorded against this submission alone
            log.exception("scoring failed for %s", sid)
            failed[sid] = exc
    return stored, failed


def _give_back(runtime: Runtime, ids: list[str], exc: Exception) -> None:
    """Record a failed attempt: back to the queue, or ``scoring_failed`` after the last one."""
    error = "".join(traceback.format_exception_only(exc)).strip()
    for sid in ids:
        with runtime.db.unit_of_work() as session:
            sub = session.get(Submission, sid)
            if sub is not None and sub.status == "scoring":
                record_scoring_failure(session, submission=sub, error=error, now=_now())


def _score_and_store(runtime: Runtime, ids: list[str], *, expect: tuple[str, ...]) -> int:
    """Pre-score ``ids`` in one model call and commit each result on its own; returns how many
    were stored (a submission decided or changed meanwhile is left as it is)."""
    db = runtime.db
    with db.sessions() as session:
        subs = load_for_scoring(session, ids)
        keys = {s.id: scored_key(s) for s in subs}
        items = [evidence_item(s) for s in subs]
        badge_ids = sorted({s.badge_id for s in subs})
        peers = peers_for(session, badge_ids)
        calibrations = calibrations_for(session, badge_ids)
    results = prescore_batch(items, default_encoder(), calibrations=calibrations, peers=peers)
    stored = 0
    for result in results:
        with db.unit_of_work() as session:
            stored += store_prescore(session, submission_id=result.item_id, result=result,
                                     key=keys[result.item_id], now=_now(), expect=expect)
    return stored


# Rescoring after a refit goes in batches like a burst, at most RESCORE_LIMIT per pass (a
# later refit, or the worker's sweeper, starts another pass for the rest).
RESCORE_BATCH = 32
RESCORE_LIMIT = 2000


def rescore_recalibrated() -> dict[str, int]:
    """Pre-score again the undecided submissions an older calibration scored (after a refit)."""
    return rescore_stale_calibrations(current_runtime())


def rescore_stale_calibrations(runtime: Runtime, *, batch: int = RESCORE_BATCH) -> dict[str, int]:
    """Replace, in place, the pre-scores that an older calibration made, so the review queue
    follows what reviewers have taught it since.

    The submissions stay ``scored`` throughout (the queue keeps showing the old pre-score until
    the new one is committed), and a batch that fails keeps its old pre-scores.
    """
    with runtime.db.sessions() as session:
        ids = recalibrated_ids(session, limit=RESCORE_LIMIT)
    rescored = 0
    for start in range(0, len(ids), batch):
        # What fails keeps its old pre-score; a later pass tries it again.
        stored, _ = _score_isolating(runtime, ids[start:start + batch], expect=RESCORING)
        rescored += stored
    return {"stale": len(ids), "rescored": rescored}


def _extract_files(runtime: Runtime, submission_id: str) -> None:
    """Turn the submission's new files into text with origins (sandboxed, per file)."""
    with runtime.db.unit_of_work() as session:
        sub = session.get(Submission, submission_id)
        if sub is None:
            return
        for f in pending_files(sub):
            try:
                data = runtime.store.read(f.digest)
            except (MissingFile, InvalidDigest):
                # Lost from the file store: no retry brings it back, so score the rest and say so.
                f.extraction_status = "failed"
                f.extraction_message = "The stored file is missing; upload it again."
                continue
            result = extract_text(f.name, data, runtime.settings.upload_limits)
            f.extraction_status = result.status
            f.extraction_message = result.message
            f.segments = [
                {"text": s.text, "source": s.source, "locator": s.locator, "offset": s.offset}
                for s in result.segments
            ]


def rebuild_badge_index() -> dict[str, Any]:
    """Embed the catalogue, build a new index snapshot and point CURRENT at it."""
    return build_badge_index(current_runtime())


def build_badge_index(runtime: Runtime) -> dict[str, Any]:
    """Build and save the badge index and co-occurrence model from the database."""
    from recommender.history import CoOccurrence
    from recommender.index import BadgeIndex
    from service.operations.recommendations import (
        award_histories,
        badge_texts,
        catalog_items,
        popular_by_department,
        save_snapshot,
    )

    encoder = default_encoder()
    with runtime.db.sessions() as session:
        catalog = catalog_items(session)
        ids, texts = badge_texts(session, catalog)
        histories = award_histories(session)
        popular = popular_by_department(session)
    if not ids:
        return {"badges": 0}
    index = BadgeIndex.build(ids, encoder.encode(texts), model_version=encoder.version)
    save_snapshot(runtime.settings, index, cooccurrence=CoOccurrence.fit(histories), catalog=catalog,
                  names={i: catalog[i].title for i in ids}, popular=popular)
    return {"badges": len(ids), "version": index.version}


def recalibrate_badge(badge_id: str) -> dict[str, Any]:
    """Refit the badge's calibration from its reviewer decisions (enqueued after decisions)."""
    return calibrate_badge(current_runtime(), badge_id)


def recalibrate_global() -> dict[str, Any]:
    """Refit the calibration shared by badges without enough decisions of their own."""
    return calibrate_global(current_runtime())


def _after_refit(runtime: Runtime, version: str | None) -> str | None:
    """A new calibration version was committed (None: nothing new): queue the rescoring pass."""
    if version is not None:
        enqueue_rescoring(_redis_or_none(runtime), runtime.settings.queue_name)
    return version


def calibrate_global(runtime: Runtime) -> dict[str, Any]:
    """Fit and store a new global calibration when enough decisions came in since the last."""
    from assessment import fit_calibration
    from service.operations.calibration import (
        decided_counts,
        global_examples,
        global_refit_due,
        record_global_refit,
        store_calibration,
    )

    with runtime.db.sessions() as session:
        decided, badges = decided_counts(session)
        if not global_refit_due(session, decided=decided, badges=badges):
            return {"examples": 0, "version": None}
        examples = global_examples(session)
    calibration = fit_calibration(examples, default_encoder())
    with runtime.db.unit_of_work() as session:
        # ``examples`` records the decisions counted at fit time, so the next refit is due
        # GLOBAL_REFIT_EVERY decisions later whatever the per-badge cap left out.
        row = store_calibration(session, calibration=calibration, badge_id=None, examples=decided, now=_now())
        record_global_refit(session, decided=decided, stored=row is not None, now=_now())
        version = row.version if row else None
    return {"examples": len(examples), "version": _after_refit(runtime, version)}


def calibrate_badge(runtime: Runtime, badge_id: str) -> dict[str, Any]:
    """Fit and store a new calibration version for ``badge_id`` when its history allows."""
    from assessment import Calibration, fit_calibration
    from service.operations.calibration import graded_examples, latest_calibration, store_calibration

    with runtime.db.sessions() as session:
        examples = graded_examples(session, badge_id)
        base_row = latest_calibration(session, None)
    base = Calibration.from_json(base_row.data) if base_row else None
    calibration = fit_calibration(examples, default_encoder(), badge_id=badge_id, base=base)
    with runtime.db.unit_of_work() as session:
        row = store_calibration(session, calibration=calibration, badge_id=badge_id, examples=len(examples),
                                now=_now())
        version = row.version if row else None
    return {"examples": len(examples), "version": _after_refit(runtime, version)}
