"""The database, not Redis, records what needs scoring: leases, the sweeper, idempotent jobs."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import FinishedJobRegistry
from rq.serializers import JSONSerializer

from assessment import DEFAULT_CALIBRATION, prescore_batch
from embeddings import default_encoder
from service.jobs import (
    BATCH_MAX_WAIT_SECONDS,
    _wait_for_batch,
    rescore_stale_calibrations,
    score_claimed,
    warm_up_scoring,
)
from service.models import CalibrationRecord, Submission, SubmissionFile
from service.operations.scoring import (
    RESCORING,
    calibration_versions,
    calibrations_for,
    claim_for_scoring,
    evidence_item,
    load_for_scoring,
    recalibrated_ids,
    scored_key,
    store_prescore,
    warm_up_inputs,
)
from service.queue import (
    background_queue,
    enqueue_rescoring,
    enqueue_scoring,
    global_job_id,
    scoring_queue,
    waiting_job_id,
    worker_queues,
)
from service.worker import sweep_once


def _submit(client: Any, make_user: Any, api_headers: Any, badge_id: str, text: str = "I built a SQL report.") -> str:
    resp = client.post("/api/v1/submissions", json={"badge_id": badge_id, "statement": text},
                       headers=api_headers(make_user("learner", password=None)))
    assert resp.status_code == 202
    return str(resp.get_json()["id"])


def test_a_submission_saved_while_redis_is_down_is_scored_later(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    sid = _submit(client, make_user, api_headers, badge.id)
    # The API enqueued normally; forget that job to stand for an enqueue lost with Redis down.
    scoring_queue(Redis.from_url(runtime.settings.redis_url), runtime.settings.queue_name).empty()
    assert enqueue_scoring(dead, runtime.settings.queue_name, [sid]) == 0  # logged, not raised
    assert sweep_once(runtime) == 1
    drain_queue()
    with runtime.db.sessions() as session:
        assert session.get(Submission, sid).status == "scored"


def test_a_dead_workers_lease_expires_and_the_work_is_redone(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    sid = _submit(client, make_user, api_headers, badge.id)
    scoring_queue(Redis.from_url(runtime.settings.redis_url), runtime.settings.queue_name).empty()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with runtime.db.unit_of_work() as session:  # a worker takes the lease, then dies (SIGKILL)
        assert claim_for_scoring(session, first_id=sid, now=long_ago, lease_seconds=60) == [sid]
    with runtime.db.sessions() as session:
        assert session.get(Submission, sid).status == "scoring"
    assert sweep_once(runtime) == 1
    drain_queue()
    with runtime.db.sessions() as session:
        sub = session.get(Submission, sid)
        assert sub.status == "scored" and sub.scoring_attempts == 2


def _submit_with_file(client: Any, make_user: Any, api_headers: Any, runtime: Any, badge_id: str,
                      name: str) -> tuple[str, str]:
    """A submission with one text file; returns its id and the stored file's digest."""
    text = f"# {name}\n\nI joined orders to customers and reconciled the totals with the finance dashboard."
    resp = client.post("/api/v1/submissions", headers=api_headers(make_user("learner", password=None)),
                       content_type="multipart/form-data",
                       data={"badge_id": badge_id, "statement": "My write-up is attached.",
                             "files": [(io.BytesIO(text.encode()), name)]})
    assert resp.status_code == 202, resp.get_json()
    sid = str(resp.get_json()["id"])
    with runtime.db.sessions() as session:
        return sid, str(session.get(Submission, sid).files[0].digest)


def test_a_file_lost_from_the_store_is_reported_and_the_rest_is_scored(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    lost, digest = _submit_with_file(client, make_user, api_headers, runtime, badge.id, "lost.md")
    plain = _submit(client, make_user, api_headers, badge.id)
    runtime.store.delete(digest)
    drain_queue()
    with runtime.db.sessions() as session:
        assert session.get(Submission, plain).status == "scored"
        sub = session.get(Submission, lost)
        assert sub.status == "scored"
        assert (sub.files[0].extraction_status, sub.files[0].extraction_message) == (
            "failed", "The stored file is missing; upload it again.")
        assert "lost.md" in next(f["message"] for f in sub.prescore["flags"] if f["code"] == "extraction_failed")


def test_a_file_store_fault_sends_only_its_submission_back_to_the_queue(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    broken, digest = _submit_with_file(client, make_user, api_headers, runtime, badge.id, "notes.md")
    plain = _submit(client, make_user, api_headers, badge.id)
    path = runtime.store.path_for(digest)
    path.unlink()
    path.mkdir()  # reading it raises IsADirectoryError: a store fault, not a lost file
    drain_queue()
    with runtime.db.sessions() as session:
        assert session.get(Submission, plain).status == "scored"
        sub = session.get(Submission, broken)
        assert (sub.status, sub.scoring_attempts, sub.files[0].extraction_status) == ("queued", 1, "pending")
        assert "IsADirectoryError" in sub.scoring_error
    path.rmdir()


def test_scoring_is_idempotent_and_batches_waiting_submissions(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    badge = make_badge()
    ids = [_submit(client, make_user, api_headers, badge.id, f"Evidence number {i}: I joined tables in SQL.")
           for i in range(5)]
    first = score_claimed(runtime, first_id=ids[0], batch=32)
    assert first == {"claimed": 5, "scored": 5}  # one job took every waiting submission
    with runtime.db.sessions() as session:
        before = {sid: session.get(Submission, sid).scored_at for sid in ids}
    assert score_claimed(runtime, first_id=ids[0]) == {"claimed": 0, "scored": 0}
    with runtime.db.sessions() as session:
        assert {sid: session.get(Submission, sid).scored_at for sid in ids} == before


def test_a_submission_that_breaks_the_scorer_costs_its_batch_mates_nothing(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    """A malformed row (extracted text stored without its "text", say by an older version)
    makes the batch fail; its batch-mates are scored anyway, and only it goes back to the
    queue, with the error."""
    badge = make_badge()
    ids = [_submit(client, make_user, api_headers, badge.id, f"Evidence {i}: I joined orders to customers in SQL.")
           for i in range(4)]
    poisoned = ids[2]
    with runtime.db.unit_of_work() as session:
        session.add(SubmissionFile(submission_id=poisoned, version=1, name="notes.txt", kind="document", size=10,
                                   extraction_status="ok", segments=[{"source": "notes.txt"}]))
    assert score_claimed(runtime, first_id=ids[0]) == {"claimed": 4, "scored": 3}
    with runtime.db.sessions() as session:
        subs = {sid: session.get(Submission, sid) for sid in ids}
        bad = subs.pop(poisoned)
        assert bad.status == "queued" and bad.scoring_attempts == 1 and "KeyError" in (bad.scoring_error or "")
        assert all(s.status == "scored" and not s.scoring_error for s in subs.values())


def test_a_decision_made_while_the_worker_rescores_is_never_overwritten(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    """The worker reads a scored submission, a reviewer approves it, then the worker writes its
    new pre-score: the write is conditional on the state it read, so the approval stands.

    PostgreSQL lets the decision commit in between (the worker's read takes no lock), and the
    write must then find nothing to do; SQLite makes the decision wait for the worker's
    transaction, so the new pre-score lands first and the decision after it.
    """
    badge = make_badge()
    sid = _submit(client, make_user, api_headers, badge.id, "I joined orders to customers and checked the totals.")
    assert score_claimed(runtime, first_id=sid) == {"claimed": 1, "scored": 1}
    reviewer = api_headers(make_user("reviewer", password=None))
    decided: dict[str, Any] = {}
    with runtime.db.unit_of_work() as worker:
        sub = load_for_scoring(worker, [sid])[0]
        key, result = scored_key(sub), prescore_batch([evidence_item(sub)], default_encoder())[0]
        postgres = worker.get_bind().dialect.name == "postgresql"
        decision = threading.Thread(target=lambda: decided.update(resp=client.post(
            f"/api/v1/submissions/{sid}/decision", json={"decision": "approve"}, headers=reviewer)))
        decision.start()
        decision.join(timeout=30 if postgres else 0.5)
        assert decided.get("resp") is not None if postgres else decision.is_alive()
        stored = store_prescore(worker, submission_id=sid, result=result, key=key, now=datetime.now(UTC),
                                expect=RESCORING)
    decision.join(timeout=30)
    assert decided["resp"].status_code == 200
    assert stored is not postgres
    with runtime.db.sessions() as session:
        sub = session.get(Submission, sid)
        assert sub.status == "approved" and sub.award is not None


def test_a_rubric_change_sends_undecided_submissions_back_for_scoring(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    sid = _submit(client, make_user, api_headers, badge.id)
    drain_queue()
    admin_h = api_headers(make_user("admin"))
    resp = client.patch(f"/api/v1/badges/{badge.id}", headers=admin_h, json={"criteria": [
        {"title": "Correct joins", "description": "Joins on keys."},
        {"title": "Documentation", "description": "Documents the report for its users."},
    ]})
    assert resp.status_code == 200 and resp.get_json()["rubric_version"] == 2
    with runtime.db.sessions() as session:
        assert session.get(Submission, sid).status == "queued"
    drain_queue()
    with runtime.db.sessions() as session:
        sub = session.get(Submission, sid)
        assert sub.status == "scored" and sub.scored_key.endswith(":2")
        assert len(sub.prescore["criteria"]) == 2


def test_one_job_scores_a_burst_and_takes_its_siblings_off_the_queue(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any, drain_queue: Any
) -> None:
    badge = make_badge()
    ids = [_submit(client, make_user, api_headers, badge.id, f"Evidence {i}: I joined orders to customers in SQL.")
           for i in range(5)]
    conn = Redis.from_url(runtime.settings.redis_url)
    queue = scoring_queue(conn, runtime.settings.queue_name)
    jobs = queue.job_ids
    assert len(jobs) == 5
    drain_queue()
    assert FinishedJobRegistry(queue=queue).count == 1  # the first job scored all five
    assert [Job.exists(j, connection=conn) for j in jobs] == [True, False, False, False, False]
    with runtime.db.sessions() as session:
        assert {session.get(Submission, sid).status for sid in ids} == {"scored"}


def test_a_job_waits_for_a_burst_that_is_still_arriving(runtime: Any) -> None:
    queue = scoring_queue(Redis.from_url(runtime.settings.redis_url), runtime.settings.queue_name)
    start = time.monotonic()
    _wait_for_batch(runtime, 32)
    assert time.monotonic() - start < BATCH_MAX_WAIT_SECONDS  # nothing arriving: it goes at once

    begun = threading.Event()

    def arrive() -> None:
        for i in range(12):
            queue.enqueue("service.jobs.score_submission", f"late-{i}", job_id=f"score-late-{i}")
            begun.set()
            time.sleep(0.02)

    sender = threading.Thread(target=arrive)
    sender.start()
    begun.wait()
    _wait_for_batch(runtime, 32)
    waited_for = queue.count
    sender.join()
    assert waited_for >= 6  # it let the burst come in rather than start with the first arrivals


def test_workers_warm_up_active_badges_only(make_badge: Any, runtime: Any) -> None:
    active, draft = make_badge(), make_badge(status="draft")
    with runtime.db.sessions() as session:
        items, _ = warm_up_inputs(session)
    assert active.id in {it.badge_id for it in items} and draft.id not in {it.badge_id for it in items}
    assert warm_up_scoring(runtime) > 0


def test_scoring_reads_each_badges_newest_calibration(make_badge: Any, runtime: Any) -> None:
    mine, other = make_badge(), make_badge()
    t0 = datetime.now(UTC)
    with runtime.db.unit_of_work() as session:
        for badge_id, version, at in ((None, "global-old", t0), (None, "global-new", t0 + timedelta(seconds=1)),
                                      (mine.id, "mine-old", t0), (mine.id, "mine-new", t0 + timedelta(seconds=2)),
                                      (mine.id, "mine-older", t0 - timedelta(days=1))):
            cal = replace(DEFAULT_CALIBRATION, badge_id=badge_id, version=version)
            session.add(CalibrationRecord(badge_id=badge_id, version=version, data=cal.to_json(), created_at=at))
    with runtime.db.sessions() as session:
        found = calibrations_for(session, [mine.id, other.id])
    assert {b: c.version for b, c in found.items()} == {mine.id: "mine-new", other.id: "global-new"}
    with runtime.db.sessions() as session:
        assert calibration_versions(session, [mine.id, other.id]) == {mine.id: "mine-new", other.id: "global-new"}


def test_versions_fall_back_to_the_hand_set_calibration(make_badge: Any, runtime: Any) -> None:
    badge = make_badge()
    with runtime.db.sessions() as session:
        assert calibration_versions(session, [badge.id]) == {badge.id: DEFAULT_CALIBRATION.version}


def test_a_new_calibration_rescores_undecided_submissions_in_place(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    badge, other = make_badge(), make_badge()
    ids = [_submit(client, make_user, api_headers, badge.id, f"Evidence {i}: I joined three tables in SQL "
                   "and checked the totals against the finance report.") for i in range(4)]
    untouched = _submit(client, make_user, api_headers, other.id)
    assert score_claimed(runtime, first_id=ids[0]) == {"claimed": 5, "scored": 5}
    decided = ids.pop()
    resp = client.post(f"/api/v1/submissions/{decided}/decision", json={"decision": "approve"},
                       headers=api_headers(make_user("reviewer", password=None)))
    assert resp.status_code == 200
    with runtime.db.sessions() as session:
        assert recalibrated_ids(session, limit=100) == []  # nothing learnt yet, nothing stale
    with runtime.db.unit_of_work() as session:  # a refit of this badge was stored
        taught = replace(DEFAULT_CALIBRATION, badge_id=badge.id, version="taught")
        session.add(CalibrationRecord(badge_id=badge.id, version="taught", data=taught.to_json(),
                                      created_at=datetime.now(UTC)))
    with runtime.db.sessions() as session:
        assert sorted(recalibrated_ids(session, limit=100)) == sorted(ids)
        decided_before = session.get(Submission, decided).prescore

    assert rescore_stale_calibrations(runtime, batch=2) == {"stale": 3, "rescored": 3}
    with runtime.db.sessions() as session:
        for sid in ids:  # still in the queue, now scored by the new calibration
            sub = session.get(Submission, sid)
            assert sub.status == "scored" and sub.prescore["calibration_version"] == "taught"
            assert sub.score == pytest.approx(sub.prescore["score"], abs=1e-6) and sub.band == sub.prescore["band"]
        assert session.get(Submission, decided).prescore == decided_before  # decided: left as it was
        assert session.get(Submission, untouched).prescore["calibration_version"] == DEFAULT_CALIBRATION.version
    assert rescore_stale_calibrations(runtime) == {"stale": 0, "rescored": 0}  # idempotent


def test_the_sweeper_queues_a_rescoring_pass_that_redis_lost(
    client: Any, make_user: Any, api_headers: Any, make_badge: Any, runtime: Any
) -> None:
    badge = make_badge()
    _submit(client, make_user, api_headers, badge.id)
    conn = Redis.from_url(runtime.settings.redis_url)
    scoring_queue(conn, runtime.settings.queue_name).empty()
    background = background_queue(conn, runtime.settings.queue_name)
    assert score_claimed(runtime, first_id=None) == {"claimed": 1, "scored": 1}
    assert sweep_once(runtime, check_calibrations=True) == 0
    assert background.job_ids == []  # every pre-score is up to date: nothing to queue
    with runtime.db.unit_of_work() as session:  # a refit committed, its enqueue lost with Redis
        taught = replace(DEFAULT_CALIBRATION, badge_id=badge.id, version="taught")
        session.add(CalibrationRecord(badge_id=badge.id, version="taught", data=taught.to_json(),
                                      created_at=datetime.now(UTC)))
    sweep_once(runtime)
    assert background.job_ids == []  # the frequent sweep does not read the whole queue
    sweep_once(runtime, check_calibrations=True)
    sweep_once(runtime, check_calibrations=True)
    rescore = waiting_job_id(conn, background, global_job_id(runtime.settings.queue_name, "rescore"))
    assert rescore is not None and background.job_ids == [rescore]


def test_a_job_asked_for_while_its_predecessor_runs_is_a_new_job(runtime: Any) -> None:
    """A refit stored while the rescoring pass runs queues the next pass under an id of its
    own: re-enqueueing the running job's id would overwrite its hash (status, start time)."""
    conn = Redis.from_url(runtime.settings.redis_url)
    background = background_queue(conn, runtime.settings.queue_name)
    first = enqueue_rescoring(conn, runtime.settings.queue_name)
    taken = Queue.dequeue_any([background], None, connection=conn, serializer=JSONSerializer)
    assert taken is not None
    running, _ = taken
    assert running.id == first
    running.set_status(JobStatus.STARTED)
    assert waiting_job_id(conn, background, global_job_id(runtime.settings.queue_name, "rescore")) is None
    second = enqueue_rescoring(conn, runtime.settings.queue_name)
    assert second is not None and second != first and background.job_ids == [second]
    assert running.get_status(refresh=True) == JobStatus.STARTED
    assert enqueue_rescoring(conn, runtime.settings.queue_name) is None  # the next one waits: enough

    # The same for a submission whose scoring job is running when it is queued again.
    enqueue_scoring(conn, runtime.settings.queue_name, ["sub-1"])
    scoring = scoring_queue(conn, runtime.settings.queue_name)
    [scoring_job] = scoring.job_ids
    scoring.pop_job_id()
    enqueue_scoring(conn, runtime.settings.queue_name, ["sub-1", "sub-1"])
    assert len(scoring.job_ids) == 1 and scoring.job_ids[0] != scoring_job


def test_a_stored_refit_queues_one_background_rescoring(runtime: Any) -> None:
    conn = Redis.from_url(runtime.settings.redis_url)
    first = enqueue_rescoring(conn, runtime.settings.queue_name)
    for _ in range(2):  # refits while a rescoring pass still waits add nothing
        assert enqueue_rescoring(conn, runtime.settings.queue_name) is None
    assert background_queue(conn, runtime.settings.queue_name).job_ids == [first]
    assert scoring_queue(conn, runtime.settings.queue_name).job_ids == []
    # A worker takes new submissions before background work.
    assert [q.name for q in worker_queues(conn, runtime.settings.queue_name)] == [
        runtime.settings.queue_name, f"{runtime.settings.queue_name}-background"]
