"""The same award as VC-JWT and baked images, each verifiable; the CLI verifies offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from service.cli import main as laurel


def _credential_id(client: Any, make_user: Any, api_headers: Any, make_badge: Any, drain_queue: Any) -> str:
    badge = make_badge()
    sub = client.post("/api/v1/submissions", json={"badge_id": badge.id, "statement": "I built the SQL report."},
                      headers=api_headers(make_user("learner"))).get_json()
    drain_queue()
    decided = client.post(f"/api/v1/submissions/{sub['id']}/decision", json={"decision": "approve"},
                          headers=api_headers(make_user("reviewer"))).get_json()
    return str(decided["credential_id"])


def test_jwt_and_baked_images_verify(client: Any, make_user: Any, api_headers: Any, make_badge: Any,
                                     drain_queue: Any) -> None:
    cid = _credential_id(client, make_user, api_headers, make_badge, drain_queue)
    token = client.get(f"/api/v1/credentials/{cid}?format=jwt").get_data(as_text=True)
    assert token.count(".") == 2
    assert client.post("/api/v1/verify", data=token, content_type="application/jwt").get_json()["status"] == "valid"
    for suffix, ctype in (("png", "image/png"), ("svg", "image/svg+xml")):
        resp = client.get(f"/api/v1/credentials/{cid}/baked.{suffix}")
        assert resp.status_code == 200 and resp.content_type.startswith(ctype)
        verdict = client.post("/api/v1/verify", data={"file": (__import__("io").BytesIO(resp.data), f"b.{suffix}")},
                              content_type="multipart/form-data").get_json()
        assert verdict["status"] == "valid", verdict


def test_cli_verifies_offline_with_a_did_document(client: Any, make_user: Any, api_headers: Any, make_badge: Any,
                                                  drain_queue: Any, tmp_path: Path, settings: Any,
                                                  monkeypatch: Any) -> None:
    cid = _credential_id(client, make_user, api_headers, make_badge, drain_queue)
    cred_file = tmp_path / "cred.json"
    cred_file.write_text(client.get(f"/api/v1/credentials/{cid}").get_data(as_text=True))
    did_file = tmp_path / "did.json"
    did_file.write_text(json.dumps(client.get("/.well-known/did.json").get_json()))
    status_file = tmp_path / "status.json"
    status_file.write_text(client.get("/status/revocation/1").get_data(as_text=True))
    monkeypatch.setenv("LAUREL_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    runner = CliRunner()
    ok = runner.invoke(laurel, ["credential", "verify", str(cred_file), "--did-doc", str(did_file),
                                "--status-list", str(status_file)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["status"] == "valid"
    doc = json.loads(cred_file.read_text())
    doc["validFrom"] = "2020-01-01T00:00:00Z"
    cred_file.write_text(json.dumps(doc))
    bad = runner.invoke(laurel, ["credential", "verify", str(cred_file), "--did-doc", str(did_file),
                                 "--status-list", str(status_file)])
    assert bad.exit_code == 1 and json.loads(bad.output)["status"] == "invalid_signature"
