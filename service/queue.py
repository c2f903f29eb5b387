"""RQ queue: enqueue after commit; if Redis is down the database still knows what to score."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

SCORE_JOB = "service.jobs.score_submission"
INDEX_JOB = "service.jobs.rebuild_badge_index"
CALIBRATE_JOB = "service.jobs.recalibrate_badge"
CALIBRATE_GLOBAL_JOB = "service.jobs.recalibrate_global"
RESCORE_JOB = "service.jobs.rescore_recalibrated"


def global_job_id(queue_name: str, what: str) -> str:
    """The key of a job that exists once per deployment (the global refit, the rescoring pass,
    the index rebuild): job ids are global to a Redis, which several deployments may share."""
    return f"{what}-{queue_name}"


# How long the pointer from a job key to its waiting job lives: far longer than any backlog
# waits, short enough that keys of jobs long gone do not pile up.
WAITING_MARK_SECONDS = 7 * 86400


def _waiting_mark(key: str) -> str:
    return f"laurel:waiting-job:{key}"


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


def waiting_job_id(connection: Redis, queue: Queue, key: str) -> str | None:
    """The id of the job enqueued for ``key`` (``score-<submission>``, ``calibrate-<badge>``,
    a ``global_job_id``) while it still waits in ``queue``; None once a worker took it."""
    current = connection.get(_waiting_mark(key))
    if current is None:
        return None
    job_id = current.decode() if isinstance(current, bytes) else str(current)
    return job_id if _waiting(connection, queue, job_id) else None


def forget_waiting_jobs(connection: Redis, queue: Queue, keys: Iterable[str], *, keep: str | None) -> None:
    """Take the waiting jobs of ``keys`` off ``queue`` (another job did their work), in three
    pipelined round trips however many keys. ``keep`` is the calling job's own id. A job that
    another worker has already taken is left alone: its hash is deleted only once its queue
    entry was."""
    keys = list(keys)
    with connection.pipeline() as pipe:
        for key in keys:
            pipe.get(_waiting_mark(key))
        marked = [(key, m.decode() if isinstance(m, bytes) else m) for key, m in zip(keys, pipe.execute(), strict=True)]
    marked = [(key, job_id) for key, job_id in marked if job_id is not None and job_id != keep]
    with connection.pipeline() as pipe:
        for _, job_id in marked:
            pipe.lrem(queue.key, 0, job_id)
        removed = pipe.execute()
    with connection.pipeline() as pipe:
        for (key, job_id), count in zip(marked, removed, strict=True):
            if count:
                pipe.delete(Job.key_for(job_id), _waiting_mark(key))
        pipe.execute()


def _enqueue_once(connection: Redis, queue: Queue, func: str, *args: Any, key: str, **options: Any) -> str | None:
    """Enqueue ``func(*args)`` unless a job for ``key`` still waits in ``queue``; returns the new
    job's id, or None when one was already waiting.

    Every job gets an id of its own (the key, "_" and a random suffix): re-enqueueing under a fixed
    id while a worker runs that job would overwrite the running job's hash, its status and
    timestamps. Two processes that enqueue the same key at the same instant may both add a
    job; the jobs are idempotent, so that costs a no-op run, never a wrong result.
    """
    if waiting_job_id(connection, queue, key) is not None:
        return None
    with connection.pipeline() as pipe:  # the job and its pointer in one transaction
        job = queue.enqueue(func, *args, job_id=f"{key}_{secrets.token_hex(6)}", pipeline=pipe, **options)
        pipe.set(_waiting_mark(key), job.id, ex=WAITING_MARK_SECONDS)
        pipe.execute()
    return str(job.id)


def score_job_key(submission_id: str) -> str:
    return f"score-{submission_id}"


def enqueue_scoring(connection: Redis | None, queue_name: str, submission_ids: Iterable[str]) -> int:
    """Enqueue one scoring job per submission (call only after the commit).

    Returns how many were asked for (one already waiting counts: it scores the submission's
    version of the moment it runs). A Redis failure is logged, not raised: the submissions
    are committed as ``queued`` and the worker's sweeper enqueues them when Redis is back.
    """
    ids = list(submission_ids)
    if connection is None or not ids:
        return 0
    try:
        queue = scoring_queue(connection, queue_name)
        for sid in ids:
            _enqueue_once(connection, queue, SCORE_JOB, sid, key=score_job_key(sid), retry=None,
                          result_ttl=3600, failure_ttl=86400)
        return len(ids)
    except RedisError as exc:
        log.warning("Redis unavailable, %d submission(s) left for the sweeper: %s", len(ids), exc)
        return 0


def enqueue_index_rebuild(connection: Redis | None, queue_name: str) -> None:
    """Ask a worker to rebuild the recommender index (the catalogue changed)."""
    if connection is None:
        return
    try:
        _enqueue_once(connection, scoring_queue(connection, queue_name), INDEX_JOB,
                      key=global_job_id(queue_name, "rebuild-badge-index"))
    except RedisError as exc:
        log.warning("Redis unavailable, index rebuild deferred: %s", exc)


def enqueue_recalibration(connection: Redis | None, queue_name: str, badge_id: str) -> None:
    """Ask a worker to refit a badge's calibration after new reviewer decisions, and then the
    global one (which refits only once enough decisions have come in since its last fit).

    One job of each waits at a time, so a burst of decisions while a refit waits in the queue
    adds nothing; a decision made while the refit runs queues the next one.
    """
    if connection is None:
        return
    try:
        queue = scoring_queue(connection, queue_name)
        _enqueue_once(connection, queue, CALIBRATE_JOB, badge_id, key=f"calibrate-{badge_id}", result_ttl=3600)
        _enqueue_once(connection, queue, CALIBRATE_GLOBAL_JOB, key=global_job_id(queue_name, "calibrate-global"),
                      result_ttl=3600)
    except RedisError as exc:
        log.warning("Redis unavailable, recalibration of %s deferred: %s", badge_id, exc)


def enqueue_rescoring(connection: Redis | None, queue_name: str) -> str | None:
    """After a new calibration was stored: pre-score again, in the background, the undecided
    submissions an older calibration scored. One job waits at a time, so a run of refits
    while reviewers work costs one rescoring pass after them, not one per decision. Returns the
    new job's id (None: one was waiting already, or Redis is unavailable)."""
    if connection is None:
        return None
    try:
        return _enqueue_once(connection, background_queue(connection, queue_name), RESCORE_JOB,
                             key=global_job_id(queue_name, "rescore"), result_ttl=3600)
    except RedisError as exc:
        log.warning("Redis unavailable, rescoring after recalibration deferred: %s", exc)
        return None


def enqueue_rubric_change(connection: Redis | None, queue_name: str, badge_id: str, rescore: Iterable[str]) -> None:
    """After a badge's rubric changed (and the change committed): refit its calibration first,
    then pre-score its open submissions again."""
    enqueue_recalibration(connection, queue_name, badge_id)
    enqueue_scoring(connection, queue_name, rescore)
