"""Extraction of one file's text, in the current process (the sandbox child runs this)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable

from assessment.extraction.errors import ExtractionError
from assessment.extraction.filenames import sanitize_filename
from assessment.extraction.images import check_image
from assessment.extraction.limits import UploadLimits
from assessment.extraction.markup import html_text, plain_text
from assessment.extraction.office import docx_text, pptx_slides
from assessment.extraction.pdf import pdf_pages
from assessment.extraction.results import KINDS, ExtractionResult, assemble, failed

Pages = tuple[list[tuple[str, str]], int]


def extract_text_unsandboxed(name: str, data: bytes, kind: str, limits: UploadLimits) -> ExtractionResult:
    """Extract text from a file whose kind is already known, in this process.

    Never raises for bad files: broken, encrypted, hostile or oversized ones give a
    ``failed`` result. Raises ValueError for an unknown ``kind`` (a programming error).
    No time or memory limit applies here; use ``extract_text`` for untrusted files.
    """
    return extract_checked(name, data, kind, limits)[0]


def extract_checked(name: str, data: bytes, kind: str, limits: UploadLimits) -> tuple[ExtractionResult, bool]:
    """``extract_text_unsandboxed``'s result, and whether this process is still fit to reuse.

    False after a parser failed in an unforeseen way or ran out of memory: the sandbox
    child then exits rather than carry possibly damaged state to the next file.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    source = sanitize_filename(name)
    if kind == "image":
        return _image_result(source, data), True
    if not data:
        return ExtractionResult("no_text", f"{source}: the file is empty", kind, ()), True
    reader = _READERS[kind]
    try:
        parts, pages = reader(data, limits)
    except ExtractionError as exc:
        return failed(kind, f"{source}: {exc}"), True
    except MemoryError:
        return failed(kind, f"{source}: reading it needed more than {limits.memory_mb} MB"), False
    except RecursionError:
        return failed(kind, f"{source}: it is nested too deeply to read"), False
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        return failed(kind, f"{source}: the file is damaged ({exc})"), True
    except Exception as exc:  # noqa: BLE001
        # Parsers fed hostile bytes raise anything (KeyError, struct.error, lxml errors...);
        # every such failure is this file's problem, reported as its status.
        detail = f"{type(exc).__name__}: {str(exc)[:200]}"
        return failed(kind, f"{source}: the file is damaged or incomplete ({detail})"), False
    return assemble(source, kind, parts, limits.max_chars, pages), True


def _image_result(source: str, data: bytes) -> ExtractionResult:
    try:
        width, height = check_image(data)
    except ExtractionError as exc:
        return failed("image", f"{source}: {exc}")
    return ExtractionResult("no_text", f"image ({width}x{height}) kept for reviewers; no text to score", "image", ())


def _unpaged(read: Callable[[bytes], str]) -> Callable[[bytes, UploadLimits], Pages]:
    def reader(data: bytes, limits: UploadLimits) -> Pages:
        return [("", read(data))], 0

    return reader


def _docx(data: bytes, limits: UploadLimits) -> Pages:
    return [("", docx_text(data, limits))], 0


_READERS: dict[str, Callable[[bytes, UploadLimits], Pages]] = {
    "pdf": pdf_pages,
    "docx": _docx,
    "pptx": pptx_slides,
    "txt": _unpaged(plain_text),
    "md": _unpaged(plain_text),
    "html": _unpaged(html_text),
}

__all__ = ["extract_text_unsandboxed"]
