"""`laurel worker`: an RQ worker that keeps the model loaded and never forks per job.

RQ's default worker forks a child per job; after torch has run in the parent the child can
hang in OpenMP, and each fork would pay the model load again. SimpleWorker runs jobs in this
process, so the model loaded here stays warm. A sweeper thread re-enqueues what the database
says still needs scoring (Redis was down, or a worker died holding a lease), and now and then
queues the rescoring pass a refit queued but Redis lost.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from service.mailer import send_outbox
from service.operations.scoring import fail_exhausted, recalibrated_ids, stale_submission_ids
from service.queue import enqueue_rescoring, enqueue_scoring, scoring_queue, worker_queues
from service.runtime import Runtime, build_runtime, install_runtime
from service.settings import Settings

log = logging.getLogger(__name__)
SWEEP_SECONDS = 15.0
# Every this many sweeps (about 5 minutes) the sweeper also looks for pre-scores an older
# calibration made: that reads every waiting submission, so not on every sweep.
CALIBRATION_CHECK_SWEEPS = 20


def sweep_once(runtime: Runtime, *, check_calibrations: bool = False) -> int:
    """Fail what exhausted its attempts and re-enqueue what still needs scoring; with
    ``check_calibrations``, queue a rescoring pass if some pre-score is out of date."""
    with runtime.db.unit_of_work() as session:
        now = datetime.now(UTC)
        fail_exhausted(session, now=now)
        ids = stale_submission_ids(session, now=now)
        outdated = check_calibrations and bool(recalibrated_ids(session, limit=1))
    send_outbox(runtime)
    connection = runtime.redis()
    if outdated:
        enqueue_rescoring(connection, runtime.settings.queue_name)  # one waits at a time
    # A long backlog is already queued: each waiting job claims a batch of whatever is queued,
    # so re-enqueueing the whole backlog would only add duplicates.
    if scoring_queue(connection, runtime.settings.queue_name).count >= len(ids):
        return 0
    return enqueue_scoring(connection, runtime.settings.queue_name, ids)


def _sweeper(runtime: Runtime, stop: threading.Event) -> None:
    sweeps = 0
    while not stop.wait(SWEEP_SECONDS):
        sweeps += 1
        try:
            sweep_once(runtime, check_calibrations=sweeps % CALIBRATION_CHECK_SWEEPS == 0)
        except Exception:  # noqa: BLE001 - the sweeper must outlive a database or Redis outage
            log.exception("sweep failed; will retry")


def run_worker(settings: Settings, *, burst: bool = False, preload: bool = True) -> bool:
    """Run jobs until stopped (or, with ``burst``, until the queue is empty)."""
    runtime = build_runtime(settings)
    install_runtime(runtime)
    # numpy's BLAS gets one thread: the scorer's matrices are small, and an idle second
    # OpenBLAS thread spin-waits after every product, doubling the scorer's CPU time (about
    # 4.8 -> 2.4 CPU-seconds per 500 submissions) and taking a core from the model and the API.
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    from issuance.jsonld import warm_up

    warm_up()
    if preload:
        from embeddings import MiniLMEncoder, default_encoder

        encoder = default_encoder()
        if isinstance(encoder.inner, MiniLMEncoder):
            # Web processes often share this host: leave them the cores they are using.
            encoder.inner.share_cores()
        encoder.encode(["Laurel worker warm-up."])
        from service.jobs import warm_up_scoring

        log.info("model loaded; %d rubric texts encoded ahead of the first job", warm_up_scoring(runtime))
        from assessment.extraction import default_sandbox

        default_sandbox().start()  # the extraction child starts before the first file arrives
        from service.jobs import build_badge_index
        from service.operations.recommendations import load_snapshot

        if load_snapshot(settings) is None:
            log.info("no badge index yet: building one %s", build_badge_index(runtime))
    connection = runtime.redis()
    sweep_once(runtime, check_calibrations=True)
    stop = threading.Event()
    thread = threading.Thread(target=_sweeper, args=(runtime, stop), daemon=True, name="sweeper")
    if not burst:
        thread.start()
    worker = SimpleWorker(worker_queues(connection, settings.queue_name), connection=connection,
                          serializer=JSONSerializer)
    try:
        return bool(worker.work(burst=burst, with_scheduler=False, logging_level="INFO"))
    finally:
        stop.set()
