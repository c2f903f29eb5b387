"""The whole thread across processes: HTTP API -> Redis -> a real `laurel worker` process ->
approval -> a credential that the independent verifier openbadgeslib accepts."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

STATEMENT = (
    "I own the monthly revenue report for finance. I rewrote its SQL so orders join customers and "
    "products on their keys and revenue is aggregated with GROUP BY region and month; I reconciled "
    "the totals with the ledger to make sure nothing was double counted. The query plan showed a full "
    "scan, so I added an index on order_date and filtered to the month before joining: runtime fell "
    "from 40 seconds to 2. Finance uses the report to forecast each quarter."
)


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback only
            raw = resp.read()
            ctype = resp.headers.get("Content-Type", "")
            return resp.status, json.loads(raw) if "json" in ctype else raw.decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.fixture
def worker_process(settings: Any, runtime: Any) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, LAUREL_INSTANCE=str(settings.instance_path), DATABASE_URL=settings.database_url,
               REDIS_URL=settings.redis_url, LAUREL_SECRET_KEY=settings.secret_key,
               LAUREL_BASE_URL=settings.base_url, LAUREL_QUEUE=settings.queue_name)
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.slow
def test_evidence_to_verified_credential_across_processes(
    live_server: str, worker_process: Any, make_user: Any, token_for: Any, badge_body: Any
) -> None:
    admin, learner, reviewer = make_user("admin"), make_user("learner"), make_user("reviewer")
    status, badge = _call(live_server, "POST", "/api/v1/badges", badge_body, token_for(admin))
    assert status == 201, badge
    status, sub = _call(live_server, "POST", "/api/v1/submissions",
                        {"badge_id": badge["id"], "statement": STATEMENT}, token_for(learner))
    assert status == 202 and sub["status"] == "queued"

    deadline = time.monotonic() + 180
    learner_token = token_for(learner)
    while time.monotonic() < deadline:
        _, current = _call(live_server, "GET", f"/api/v1/submissions/{sub['id']}", token=learner_token)
        if current["status"] not in ("queued", "scoring"):
            break
        assert worker_process.poll() is None, "the worker process died"
        time.sleep(1)
    assert current["status"] == "scored", current
    assert current["prescore"]["band"] in ("likely_pass", "needs_review", "likely_fail")

    status, decided = _call(live_server, "POST", f"/api/v1/submissions/{sub['id']}/decision",
                            {"decision": "approve", "comment": "Good"}, token_for(reviewer))
    assert status == 200 and decided["credential_id"]
    cid = decided["credential_id"]
    _, credential = _call(live_server, "GET", f"/api/v1/credentials/{cid}")
    _, did_doc = _call(live_server, "GET", "/.well-known/did.json")
    _, revocation_list = _call(live_server, "GET", "/status/revocation/1")

    page_status, page = _call(live_server, "GET", f"/c/{cid}")
    assert page_status == 200 and "Valid" in page

    _openbadgeslib_verifies(credential, did_doc, revocation_list)


def _openbadgeslib_verifies(credential: dict[str, Any], did_doc: dict[str, Any], status_list: dict[str, Any]) -> None:
    ldp = pytest.importorskip("openbadgeslib.ob3.ldp")
    ob3 = pytest.importorskip("openbadgeslib.ob3")
    did = credential["issuer"]["id"]
    files = {
        "https://" + did.removeprefix("did:web:").replace("%3A", ":") + "/.well-known/did.json": json.dumps(did_doc),
        credential["credentialStatus"]["statusListCredential"]: json.dumps(status_list),
    }

    def download(url: str) -> bytes:
        if url not in files:
            raise OSError(f"offline: {url}")
        return files[url].encode()

    verifier = ldp.OB3LdpVerifier.for_issuer_did(did)
    verified = verifier.verify(copy.deepcopy(credential), download=download, check_status=True,
                               verify_status_list=False)
    assert verified.issuer.id == did
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Forged"
    with pytest.raises(ob3.OB3VerificationError):
        verifier.verify(tampered, download=download, check_status=True, verify_status_list=False)
