"""`laurel credential verify`: verification from files, with no network.

Keys come from a given DID document, else from this instance's database when the credential
is its own; status lists from given files (matched by their ``id``), else from the instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from issuance.resolvers import resolver_from_did_document
from issuance.verify import VerificationResult, verify_credential
from service.settings import Settings


def _load(path: Path) -> dict[str, Any] | str | bytes:
    raw = path.read_bytes()
    text = None
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw
    if text.startswith("{"):
        try:
            data: dict[str, Any] = json.loads(text)
            return data
        except json.JSONDecodeError:
            return text
    if text.startswith("<"):
        return raw
    return text


def verify_file(path: Path, *, did_doc: Path | None, status_lists: list[Path], settings: Settings,
                now: datetime) -> VerificationResult:
    """Verify the credential in ``path`` (JSON, VC-JWT or baked PNG/SVG)."""
    data = _load(path)
    given_lists: dict[str, dict[str, Any]] = {}
    for p in status_lists:
        doc = json.loads(p.read_text(encoding="utf-8"))
        given_lists[str(doc.get("id"))] = doc
    if did_doc is not None:
        resolver = resolver_from_did_document(json.loads(did_doc.read_text(encoding="utf-8")))
        return verify_credential(data, resolve_key=resolver, fetch_status_list=given_lists.get, now=now,
                                 suspension_list_url=_suspension_url_in(given_lists))
    return _verify_with_instance(data, given_lists, settings=settings, now=now)


def _suspension_url_in(given: dict[str, dict[str, Any]]) -> Callable[[str], str | None]:
    """Check a Laurel suspension list only when the caller handed it over."""

    def lookup(revocation_url: str) -> str | None:
        candidate = revocation_url.replace("/status/revocation/", "/status/suspension/")
        return candidate if candidate != revocation_url and candidate in given else None

    return lookup


def _verify_with_instance(data: dict[str, Any] | str | bytes, given: dict[str, dict[str, Any]], *,
                          settings: Settings, now: datetime) -> VerificationResult:
    from service.operations.credentials import verify_any
    from service.runtime import build_runtime

    runtime = build_runtime(settings)
    with runtime.db.sessions() as session:
        if not given:
            return verify_any(session, data, settings=settings, now=now)
        from issuance.keys import public_key_from_multibase
        from service.operations.issuer import issuer_did, published_keys

        did, keys = issuer_did(settings), published_keys(session)

        def resolve(method: str) -> Any:
            base, _, frag = method.partition("#")
            return public_key_from_multibase(keys[frag]) if base == did and frag in keys else None

        return verify_credential(data, resolve_key=resolve, fetch_status_list=given.get, now=now,
                                 suspension_list_url=_suspension_url_in(given))
