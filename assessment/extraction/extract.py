"""Extraction of one file's text, in the current process (the sandbox child runs this)."""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from typing import cast

from assessment.extraction.errors import ExtractionError
from assessment.extraction.filenames import sanitize_filename
from assessment.extraction.limits import UploadLimits
from assessment.extraction.results import KINDS, ExtractionResult, assemble, failed

Pages = tuple[list[tuple[str, str]], int]
Reader = Callable[[bytes, UploadLimits], Pages]

# Parsers are imported on first use (pypdf, python-docx, python-pptx, lxml, Pillow take about
# half a second), so the web process can import this package for check_upload cheaply.
_READERS = {
    "pdf": ("pdf", "pdf_pages"),
    "docx": ("office", "docx_pages"),
    "pptx": ("office", "pptx_slides"),
    "txt": ("markup", "plain_pages"),
    "md": ("markup", "plain_pages"),
    "html": ("markup", "html_pages"),
}


def load_parsers() -> None:
    """Import every parser now; the sandbox child does this once before taking files."""
    for kind in _READERS:
        _reader(kind)
    importlib.import_module("assessment.extraction.images")


def _reader(kind: str) -> Reader:
    module, function = _READERS[kind]
    return cast(Reader, getattr(importlib.import_module(f"assessment.extraction.{module}"), function))


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
        from assessment.extraction.images import image_result

        return image_result(source, data), True
    if not data:
        return ExtractionResult("no_text", f"{source}: the file is empty", kind, ()), True
    reader = _reader(kind)
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


__all__ = ["extract_text_unsandboxed"]
