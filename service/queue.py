"""RQ queue: enqueue after commit; if Redis is down the database still knows what to score."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

SCORE_JOB = "service.jobs.score_submission"
INDEX_JOB = "service.jobs.rebuild_badge_index"
CALIBRATE_JOB = "service.jobs.recalibrate_badge"
CALIBRATE_GLOBAL_JOB = "service.jobs.recalibrate_global"


def scoring_queue(connection: Redis, name: str) -> Queue:
    """The queue scoring jobs go to."""
    return Queue(name, connection=connection, default_timeout=600, serializer=JSONSerializer)


def enqueue_scoring(connection: Redis | None, queue_name: str, submission_ids: Iterable[str]) -> int:
    """Enqueue one scoring job per submission (call only after the commit).

    Returns how many were enqueued. A Redis failure is logged, not raised: the submissions are
    committed as ``queued`` and the worker's sweeper enqueues them when Redis is back.
    """
    ids = list(submission_ids)
    if connection is None or not ids:
        return 0
    try:
        queue = scoring_queue(connection, queue_name)
        for sid in ids:
            queue.enqueue(SCORE_JOB, sid, job_id=f"score-{sid}", retry=None, result_ttl=3600,
                          failure_ttl=86400)
        return len(ids)
    except RedisError as exc:
        log.warning("Redis unavailable, %d submission(s) left for the sweeper: %s", len(ids), exc)
        return 0


def enqueue_index_rebuild(connection: Redis | None, queue_name: str) -> None:
    """Ask a worker to rebuild the recommender index (the catalogue changed)."""
    if connection is None:
        return
    try:
        scoring_queue(connection, queue_name).enqueue(INDEX_JOB, job_id="rebuild-badge-index")
    except RedisError as exc:
        log.warning("Redis unavailable, index rebuild deferred: %s", exc)


def enqueue_recalibration(connection: Redis | None, queue_name: str, badge_id: str) -> None:
    """Ask a worker to refit a badge's calibration after new reviewer decisions, and then the
    global one (which refits only once enough decisions have come in since its last fit).

    One job of each at a time: the job ids are fixed, so a burst of decisions while a refit
    waits in the queue adds nothing.
    """
    if connection is None:
        return
    try:
        queue = scoring_queue(connection, queue_name)
        for job_func, args, job_id in ((CALIBRATE_JOB, (badge_id,), f"calibrate-{badge_id}"),
                                       (CALIBRATE_GLOBAL_JOB, (), "calibrate-global")):
            # Still waiting in the queue list itself (a job hash can outlive its queue entry).
            if connection.lpos(queue.key, job_id) is not None:
                continue
            queue.enqueue(job_func, *args, job_id=job_id, result_ttl=3600)
    except RedisError as exc:
        log.warning("Redis unavailable, recalibration of %s deferred: %s", badge_id, exc)


def enqueue_rubric_change(connection: Redis | None, queue_name: str, badge_id: str, rescore: Iterable[str]) -> None:
    """After a badge's rubric changed (and the change committed): refit its calibration first,
    then pre-score its open submissions again."""
    enqueue_recalibration(connection, queue_name, badge_id)
    enqueue_scoring(connection, queue_name, rescore)
