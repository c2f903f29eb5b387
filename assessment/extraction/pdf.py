"""Text from PDF files, page by page, refusing encrypted, scripted and oversized ones."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from assessment.extraction.errors import ActiveContent, EncryptedFile, LimitExceeded
from assessment.extraction.limits import UploadLimits

# Walking every object of a hostile file must stay bounded even before the timeout.
MAX_OBJECTS = 500_000
MAX_NODES = 5_000_000


def pdf_pages(data: bytes, limits: UploadLimits) -> tuple[list[tuple[str, str]], int]:
    """(locator, text) per page and the page count; raises ExtractionError for refused files."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise EncryptedFile("it is protected by a password; upload an unprotected copy")
    tree = reader.root_object.get("/Pages")
    claimed = tree.get_object().get("/Count", 0) if tree is not None else 0
    if isinstance(claimed, int) and claimed > limits.max_pages:
        # The declared count, before the page tree is walked: refusing here costs nothing.
        raise LimitExceeded(f"it has {claimed:,} pages; the limit is {limits.max_pages:,}")
    count = len(reader.pages)
    if count > limits.max_pages:
        raise LimitExceeded(f"it has {count:,} pages; the limit is {limits.max_pages:,}")
    active = _active_content(reader)
    if active:
        raise ActiveContent(f"it contains {active}, which is not allowed in evidence")
    parts: list[tuple[str, str]] = []
    chars = 0
    for number, page in enumerate(reader.pages, start=1):
        if chars > limits.max_chars:
            break
        text = page.extract_text()
        chars += len(text)
        parts.append((f"page {number}", text))
    return parts, count


def _active_content(reader: PdfReader) -> str | None:
    """Name the first script or launch action anywhere in the file, or None.

    Every object is visited (not only the places viewers look, which chains such as /Next
    make unbounded); raises LimitExceeded past MAX_OBJECTS objects or MAX_NODES values.
    """
    budget = [MAX_NODES]
    for seen, ref in enumerate(_object_refs(reader), start=1):
        if seen > MAX_OBJECTS:
            raise LimitExceeded(f"it holds more than {MAX_OBJECTS:,} objects")
        found = _scan(reader.get_object(ref), budget)
        if found:
            return found
    return _scan(reader.trailer, budget)


def _object_refs(reader: PdfReader) -> Iterator[IndirectObject]:
    for generation, entries in reader.xref.items():
        for idnum in entries:
            yield IndirectObject(idnum, generation, reader)
    for idnum in reader.xref_objStm:
        yield IndirectObject(idnum, 0, reader)


def _scan(root: PdfObject | None, budget: list[int]) -> str | None:
    # Iterative, so nesting depth costs no recursion. Only direct objects are walked here;
    # indirect ones are visited from the xref table.
    stack: list[PdfObject | None] = [root]
    while stack:
        budget[0] -= 1
        if budget[0] < 0:
            raise LimitExceeded("its structure is too large to check for scripts")
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            if "/JS" in obj or obj.get("/S") == "/JavaScript":
                return "JavaScript"
            if obj.get("/S") == "/Launch":
                return "an action that launches programs"
            stack.extend(v for v in obj.values() if not isinstance(v, IndirectObject))
        elif isinstance(obj, ArrayObject):
            stack.extend(v for v in obj if not isinstance(v, IndirectObject))
    return None
