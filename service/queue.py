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
RESCORE_JOB = "service.jobs.rescore_recalibrated"


def global_job_id(queue_name: str, what: str) -> str:
    """The fixed id of a job that exists once per deployment (the global refit, the rescoring
    pass, the index rebuild): job ids are global to a Redis, which several deployments may share."""
    return f"{what}-{queue_name}"


def scoring_queue(connection: Redis, name: str) -> Queue:
    """The queue scoring jobs go to."""
    return Queue(name, connection=connection, default_timeout=600, serializer=JSONSerializer)


def background_queue(connection: Redis, name: str) -> Queue:
    """The queue for work that can wait behind new submissions (rescoring after a refit)."""
    return Queue(f"{name}-background", connection=connection, default_timeout=1800, serializer=JSONSerializer)


def worker_queues(connection: Redis, name: str) -> list[Queue]:
    """What a worker listens to, in priority order: RQ takes from the first non-empty queue,
    so a burst of new submissions is scored before any rescoring."""
    return [scoring_queue(connection, name), background_queue(connection, name)]


def _waiting(connection: Redis, queue: Queue, job_id: str) -> bool:
    """True when ``job_id`` is still in the queue list itself (a job hash can outlive its entry)."""
    return connection.lpos(queue.key, job_id) is not None


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
        job_id = global_job_id(queue_name, "rebuild-badge-index")
        scoring_queue(connection, queue_name).enqueue(INDEX_JOB, job_id=job_id)
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
                                       (CALIBRATE_GLOBAL_JOB, (), global_job_id(queue_name, "calibrate-global"))):
            if not _waiting(connection, queue, job_id):
                queue.enqueue(job_func, *args, job_id=job_id, result_ttl=3600)
    except RedisError as exc:
        log.warning("Redis unavailable, recalibration of %s deferred: %s", badge_id, exc)


def enqueue_rescoring(connection: Redis | None, queue_name: str) -> None:
    """After a new calibration was stored: pre-score again, in the background, the undecided
    submissions an older calibration scored. One job waits at a time, so a run of refits
    while reviewers work costs one rescoring pass after them, not one per decision."""
    if connection is None:
        return
    try:
        queue = background_queue(connection, queue_name)
        job_id = global_job_id(queue_name, "rescore")
        if not _waiting(connection, queue, job_id):
            queue.enqueue(RESCORE_JOB, job_id=job_id, result_ttl=3600)
    except RedisError as exc:
        log.warning("Redis unavailable, rescoring after recalibration deferred: %s", exc)


def enqueue_rubric_change(connection: Redis | None, queue_name: str, badge_id: str, rescore: Iterable[str]) -> None:
    """After a badge's rubric changed (and the change committed): refit its calibration first,
    then pre-score its open submissions again."""
    enqueue_recalibration(connection, queue_name, badge_id)
    enqueue_scoring(connection, queue_name, rescore)
