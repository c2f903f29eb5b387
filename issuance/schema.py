"""JSON Schema checks: the 1EdTech OB 3.0 AchievementCredential schemas and the shape of a
Bitstring Status List credential.

Issuance uses the strict (formal) schema: arrays for `type`, `proof`, `evidence`… Verification of
credentials from any issuer uses the JSON-LD-compaction-tolerant variant, which 1EdTech's own
examples (a `proof` object) also pass.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator

STRICT = "ob_v3p0_achievementcredential_schema.strict.json"
COMPACTION = "ob_v3p0_achievementcredential_schema.jsonld-compaction.json"
OB_CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
_DATETIME_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@cache
def _validator(name: str) -> Draft201909Validator:
    with (resources.files("issuance") / "schemas" / name).open("r", encoding="utf-8") as fh:
        schema = json.load(fh)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _types(document: dict[str, Any]) -> list[str]:
    value = document.get("type", [])
    return [value] if isinstance(value, str) else [t for t in value if isinstance(t, str)]


def is_open_badge(document: dict[str, Any]) -> bool:
    """True when the document's type names an Open Badges 3.0 achievement credential."""
    return bool(OB_CREDENTIAL_TYPES.intersection(_types(document)))


def is_status_list(document: dict[str, Any]) -> bool:
    """True when the document's type names a BitstringStatusListCredential."""
    return "BitstringStatusListCredential" in _types(document)


def _schema_problems(document: dict[str, Any], name: str) -> list[str]:
    errors = sorted(_validator(name).iter_errors(document), key=lambda e: list(e.path))
    return [f"schema: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}"[:300] for e in errors]


def _date_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    for field in ("validFrom", "validUntil"):
        value = document.get(field)
        if value is not None and not (isinstance(value, str) and _DATETIME_Z.match(value)):
            problems.append(f"schema: {field} must be an RFC 3339 date-time, got {value!r}")
    return problems


def _status_list_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    context = document.get("@context")
    if not isinstance(context, list) or context[:1] != ["https://www.w3.org/ns/credentials/v2"]:
        problems.append("status list: @context must start with the VC 2.0 context")
    for field in ("id", "issuer", "validFrom", "credentialSubject"):
        if field not in document:
            problems.append(f"status list: {field} is required")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append("status list: credentialSubject must be one object")
        return problems
    if subject.get("type") != "BitstringStatusList":
        problems.append("status list: credentialSubject.type must be BitstringStatusList")
    if not isinstance(subject.get("statusPurpose"), str):
        problems.append("status list: credentialSubject.statusPurpose is required")
    encoded = subject.get("encodedList")
    if not (isinstance(encoded, str) and encoded.startswith("u")):
        problems.append("status list: encodedList must be multibase base64url ('u')")
    return problems


def issuance_problems(document: dict[str, Any]) -> list[str]:
    """Schema problems of a credential about to be signed (strict OB 3.0 schema, or the status
    list shape); an unknown credential type is itself a problem."""
    if is_open_badge(document):
        return _schema_problems(document, STRICT) + _date_problems(document)
    if is_status_list(document):
        return _status_list_problems(document) + _date_problems(document)
    return [f"schema: no schema for credential type {document.get('type')!r}"]


def verification_problems(document: dict[str, Any]) -> list[str]:
    """Schema problems of a received credential (compaction-tolerant OB 3.0 schema, or the
    status list shape)."""
    if is_open_badge(document):
        # the strict schema is ~6x cheaper and whatever passes it passes the tolerant one
        if not _validator(STRICT).is_valid(document):
            return _schema_problems(document, COMPACTION) + _date_problems(document)
        return _date_problems(document)
    if is_status_list(document):
        return _status_list_problems(document) + _date_problems(document)
    return [f"schema: not an Open Badges 3.0 credential (type {document.get('type')!r})"]
