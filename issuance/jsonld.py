"""Offline JSON-LD: bundled contexts only, RDFC-1.0 canonicalisation, and the safe-mode check.

Nothing is ever fetched: the document loader serves byte-for-byte copies of the published
contexts from issuance/contexts/ (listed in its index.json) and refuses every other URL.
Resolved contexts live in a process-wide cache private to this module (not pyld's global one,
so another library in the same process cannot poison it), which keeps canonicalisation warm.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError

from issuance.errors import ContextNotBundled, CredentialInvalid

# The VC 2.0 context maps every undefined term under this @vocab; 1EdTech treats that as an error.
ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
# pyld resolves relative IRIs (an id "1234", an undefined type) against this base and would sign
# them; other processors drop or reject them, so they are safe-mode errors.
_RELATIVE_BASE = str(jsonld.DEFAULT_BASE_IRI)
_CACHE_LOCK = threading.Lock()
# pyld reports bad input as JsonLdError but also lets plain Python errors escape on hostile input
# (an @context "x" raises ValueError deep inside IRI resolution).
_PYLD_FAILURES = (JsonLdError, ValueError, TypeError, KeyError, AttributeError, RecursionError)


@cache
def _index() -> dict[str, str]:
    folder = resources.files("issuance") / "contexts"
    with (folder / "index.json").open("r", encoding="utf-8") as fh:
        table: dict[str, str] = json.load(fh)
    return table


@cache
def _bundled(url: str) -> dict[str, Any]:
    name = _index().get(url)
    if name is None:
        raise ContextNotBundled(f"JSON-LD context {url!r} is not bundled; nothing is fetched")
    with (resources.files("issuance") / "contexts" / name).open("r", encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def warm_up() -> None:
    """Resolve the contexts Laurel signs with into the process-wide cache (call once at process
    start so the first signature or verification does not pay for it); raises nothing."""
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"type": ["Achievement"]}},
        "issuer": {"id": "urn:example:warm-up", "type": ["Profile"]},
    }
    canonicalize(document)


def bundled_context_urls() -> frozenset[str]:
    """The context URLs the offline loader can serve."""
    return frozenset(_index())


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the bundled contexts; raises ContextNotBundled otherwise."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        # deep copy: pyld must never be able to alter the cached original
        "document": copy.deepcopy(_bundled(url)),
        # 'static' makes pyld keep the resolved context in the shared cache across operations
        "tag": "static",
    }


@cache
def _shared_cache() -> Any:
    return jsonld.LRUCache(maxsize=100)


def _options(**extra: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "documentLoader": load_document,
        "contextResolver": ContextResolver(_shared_cache(), load_document),
    }
    options.update(extra)
    return options


def _explain(exc: Exception) -> str:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ContextNotBundled):
            return str(cause)
        cause = cause.__cause__
    return f"JSON-LD processing failed: {exc.args[0] if exc.args else exc}"


def canonicalize(document: dict[str, Any] | list[Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (compact or already expanded); raises
    CredentialInvalid if it cannot be processed offline."""
    try:
        with _CACHE_LOCK:
            result = jsonld.normalize(document, _options(algorithm="URDNA2015", format="application/n-quads"))
    except _PYLD_FAILURES as exc:
        raise CredentialInvalid([_explain(exc)]) from exc
    return str(result)


def expand(document: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """Expand a document offline; returns the expanded form and the names of dropped terms;
    raises CredentialInvalid if it cannot be processed."""
    dropped: list[str] = []
    try:
        with _CACHE_LOCK:
            expanded = jsonld.expand(
                document,
                _options(),
                on_property_dropped=lambda term: dropped.append(str(term)),
            )
    except _PYLD_FAILURES as exc:
        raise CredentialInvalid([_explain(exc)]) from exc
    return list(expanded), dropped


def is_absolute_iri(value: str) -> bool:
    """True for an absolute IRI (a scheme, and not pyld's placeholder base for relative ones)."""
    if value.startswith(_RELATIVE_BASE):
        return False
    scheme, sep, _ = value.partition(":")
    return bool(sep) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def _relative_problem(path: str, what: str, value: str) -> str:
    if value.startswith(_RELATIVE_BASE):
        return f"{path}: {what} {value[len(_RELATIVE_BASE) :]!r} is relative or undefined by the contexts"
    return f"{path}: {what} {value!r} is not an absolute IRI"


def _walk(node: Any, path: str, problems: list[str]) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}[{i}]", problems)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        datatype = node.get("@type")
        if isinstance(datatype, str) and not is_absolute_iri(datatype):
            problems.append(_relative_problem(path, "datatype", datatype))
        return
    for key, value in node.items():
        if key == "@id":
            if isinstance(value, str) and not is_absolute_iri(value):
                problems.append(_relative_problem(path, "id", value))
        elif key == "@type":
            for type_value in value if isinstance(value, list) else [value]:
                if type_value.startswith(ISSUER_DEPENDENT):
                    name = type_value[len(ISSUER_DEPENDENT) :]
                    problems.append(f"{path}: type {name!r} is not defined by the contexts")
                elif not is_absolute_iri(type_value):
                    problems.append(_relative_problem(path, "type", type_value))
        elif key.startswith(ISSUER_DEPENDENT):
            problems.append(f"{path}: term {key[len(ISSUER_DEPENDENT) :]!r} is not defined")
            _walk(value, f"{path}.{key}", problems)
        elif not key.startswith("@") and not is_absolute_iri(key):
            problems.append(f"{path}: term {key!r} is not defined by the contexts")
        else:
            _walk(value, f"{path}.{key.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}", problems)


@dataclass(frozen=True)
class Analysis:
    """One offline expansion of a document: its expanded form (None when it could not be
    processed) and every safe-mode problem found."""

    expanded: list[Any] | None
    problems: tuple[str, ...]

    def canonical(self) -> str:
        """RDFC-1.0 N-Quads from the expanded form (no second context resolution); raises
        CredentialInvalid when the document could not be expanded."""
        if self.expanded is None:
            raise CredentialInvalid(list(self.problems))
        return canonicalize(self.expanded)

    @cached_property
    def digest(self) -> bytes:
        """SHA-256 of the canonical N-Quads (computed once); raises CredentialInvalid."""
        return hashlib.sha256(self.canonical().encode("utf-8")).digest()


def analyse(document: dict[str, Any]) -> Analysis:
    """Expand a document once and list its safe-mode violations: undefined terms or types,
    relative IRIs, dropped properties, unbundled contexts."""
    try:
        expanded, dropped = expand(document)
    except CredentialInvalid as exc:
        return Analysis(None, tuple(exc.problems))
    problems = [f"term {term!r} is dropped (not defined by the contexts)" for term in dropped]
    _walk(expanded, "$", problems)
    return Analysis(expanded, tuple(problems))


@lru_cache(maxsize=128)
def _analyse_text(text: str) -> Analysis:
    return analyse(json.loads(text))


def analyse_cached(document: dict[str, Any]) -> Analysis:
    """analyse() memoised on the document's content, for documents verified again and again
    (status lists, proof configurations). Callers must not mutate the returned expansion."""
    return _analyse_text(json.dumps(document, sort_keys=True, ensure_ascii=False))


def safe_mode_problems(document: dict[str, Any]) -> list[str]:
    """Every JSON-LD safe-mode violation of a document; empty when it is safe."""
    return list(analyse(document).problems)
