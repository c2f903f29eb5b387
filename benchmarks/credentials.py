"""Sign and verify cost of one Laurel Open Badges 3.0 credential (eddsa-rdfc-2022), medians.

Rerun:  cd /work/main && .venv/bin/python benchmarks/credentials.py [--n 50]

Prints median / p90 milliseconds for: building the credential, sign_credential (schema +
safe mode + 2x RDFC-1.0 + Ed25519), verify_credential of the JSON (schema + safe mode + proof +
status lists, both signed lists verified; again with lists re-signed on every fetch, i.e. no
memoisation possible), the VC-JWT encode and verify, and baking a PNG. Everything runs offline
in one warm process; the first call (cold context cache) is reported separately.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from issuance.baking import bake_png  # noqa: E402
from issuance.credential import (  # noqa: E402
    AchievementSpec,
    EvidenceSpec,
    IssuerProfile,
    StatusEntry,
    SubjectSpec,
    build_credential,
)
from issuance.jwt import encode_vc_jwt  # noqa: E402
from issuance.keys import did_document, did_web, generate_key  # noqa: E402
from issuance.signing import sign_credential  # noqa: E402
from issuance.status_list import allocate_index, status_list_credential  # noqa: E402
from issuance.verify import resolver_from_did_document, verify_credential  # noqa: E402

BASE = "https://badges.northwind.example"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _timed(fn: Callable[[], Any], n: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    print(f"{name:<38} median {statistics.median(times):7.2f} ms   p90 {p90:7.2f} ms   n={len(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    n = parser.parse_args().n

    did = did_web(BASE)
    key = generate_key("key-1")
    method = f"{did}#key-1"
    issuer = IssuerProfile(id=did, name="Northwind L&D", url=BASE, email="ld@northwind.example")
    resolve = resolver_from_did_document(did_document(did, {"key-1": key.public_multibase}))
    used: set[int] = set()
    lists = {
        f"{BASE}/status/{purpose}/1": sign_credential(
            status_list_credential(
                list_id=f"{BASE}/status/{purpose}/1",
                issuer=issuer,
                purpose=purpose,
                set_indices=range(0, 5000, 7),
                valid_from=NOW,
            ),
            key,
            verification_method=method,
            created=NOW,
        )
        for purpose in ("revocation", "suspension")
    }

    def build() -> dict[str, Any]:
        index = allocate_index(used)
        used.add(index)
        return build_credential(
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
            issuer=issuer,
            achievement=AchievementSpec(
                id=f"{BASE}/badges/17",
                name="Data Storytelling",
                description="Turns an analysis into a clear narrative for decision makers.",
                criteria_narrative="Submit a dashboard and a written brief; a reviewer checks both.",
                badge_type="skill",
                image_url=f"{BASE}/badges/17/image.png",
                skills=("Data visualisation", "Business writing", "Stakeholder communication"),
                criteria=(("c1", "Chart choice"), ("c2", "Decision stated"), ("c3", "Sources")),
            ),
            subject=SubjectSpec(
                id="urn:uuid:2f1d6c34-9b7e-4f0a-8c21-5e4b3a2d1c0f",
                email="priya@example.com",
                salt="d1f0e9c8",
                name="Priya N.",
            ),
            valid_from=NOW,
            valid_until=NOW + timedelta(days=730),
            evidence=(EvidenceSpec(f"{BASE}/submissions/88/files/a.pdf", "Dashboard", "Approved."),),
            status=StatusEntry(f"{BASE}/status/revocation/1", index),
        )

    def sign() -> dict[str, Any]:
        return sign_credential(build(), key, verification_method=method, created=NOW)

    cold_start = time.perf_counter()
    signed = sign()
    cold = (time.perf_counter() - cold_start) * 1000
    print(f"first sign (cold contexts, imports done) {cold:.1f} ms; credential {len(str(signed))} chars")

    def suspension_for(url: str) -> str:
        return url.replace("/revocation/", "/suspension/")

    def verify() -> str:
        return verify_credential(
            signed, resolve_key=resolve, fetch_status_list=lists.get, now=NOW, suspension_list_url=suspension_for
        ).status

    _report("build_credential", _timed(build, n)[0])
    _report("sign_credential (eddsa-rdfc-2022)", _timed(sign, n)[0])
    times, status = _timed(verify, n)
    assert status == "valid", status
    _report("verify_credential JSON (+2 lists)", times)
    no_lists = _timed(
        lambda: verify_credential(signed, resolve_key=resolve, fetch_status_list=lists.get, now=NOW).status, n
    )[0]
    _report("verify_credential JSON (+1 list)", no_lists)
    lists_built = 0

    def fresh_lists(url: str) -> dict[str, Any]:
        # what a service pays when it re-signs the list on every fetch instead of caching it
        nonlocal lists_built
        lists_built += 1
        purpose = "suspension" if "/suspension/" in url else "revocation"
        unsigned = status_list_credential(
            list_id=url,
            issuer=issuer,
            purpose=purpose,
            set_indices=range(0, 5000, 7),
            valid_from=NOW + timedelta(microseconds=lists_built),
        )
        return sign_credential(unsigned, key, verification_method=method, created=NOW + timedelta(seconds=lists_built))

    fresh, fresh_status = _timed(
        lambda: (
            verify_credential(
                signed,
                resolve_key=resolve,
                fetch_status_list=fresh_lists,
                now=NOW + timedelta(days=1),
                suspension_list_url=suspension_for,
            ).status
        ),
        n,
    )
    assert fresh_status == "valid", fresh_status
    _report("verify JSON, lists re-signed per call", fresh)
    token = encode_vc_jwt(signed, key, kid=method)
    _report("encode_vc_jwt", _timed(lambda: encode_vc_jwt(signed, key, kid=method), n)[0])
    times, status = _timed(
        lambda: verify_credential(token, resolve_key=resolve, fetch_status_list=lists.get, now=NOW).status, n
    )
    assert status == "valid", status
    _report("verify_credential VC-JWT (+DI proof)", times)
    png = io.BytesIO()
    Image.new("RGBA", (256, 256), (40, 160, 90, 255)).save(png, "PNG")
    _report("bake_png", _timed(lambda: bake_png(png.getvalue(), token), n)[0])


if __name__ == "__main__":
    main()
