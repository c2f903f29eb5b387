"""Values returned by upload checks and text extraction."""

from __future__ import annotations

from dataclasses import dataclass

from assessment.evidence import Segment

KINDS = ("pdf", "docx", "pptx", "txt", "md", "html", "image")
STATUSES = ("ok", "no_text", "failed")


@dataclass(frozen=True)
class FileCheck:
    """Outcome of the fast upload check of one file.

    ``kind`` is one of ``KINDS`` once content and extension agree (a file rejected only for
    the submission's count or total keeps it), else None; ``message`` says why a file is
    rejected, or what was accepted; ``safe_name`` is the display name, never a storage path.
    """

    ok: bool
    kind: str | None
    message: str
    safe_name: str


@dataclass(frozen=True)
class ExtractionResult:
    """Text extracted from one file, with where each passage came from.

    ``status`` is ``ok`` (text found), ``no_text`` (an image, or nothing readable) or
    ``failed`` (broken, encrypted, hostile, too large, timed out); ``message`` explains it.
    ``pages`` counts PDF pages or slides (0 for other kinds).
    """

    status: str
    message: str
    kind: str
    segments: tuple[Segment, ...]
    pages: int = 0

    @property
    def text(self) -> str:
        """The file's full extracted text; each segment's ``offset`` points into it."""
        return "\n\n".join(segment.text for segment in self.segments)


def failed(kind: str, message: str, pages: int = 0) -> ExtractionResult:
    """A failed result with no text."""
    return ExtractionResult("failed", message, kind, (), pages)


def assemble(source: str, kind: str, parts: list[tuple[str, str]], max_chars: int, pages: int = 0) -> ExtractionResult:
    """Turn (locator, text) parts into segments with offsets into the joined text.

    Empty parts are dropped; parts are joined with a blank line; text beyond ``max_chars``
    is cut off and the message says so.
    """
    segments: list[Segment] = []
    offset = 0
    truncated = False
    for locator, raw in parts:
        text = raw.strip()
        if not text:
            continue
        if segments:
            offset += 2
        room = max_chars - offset
        if room <= 0:
            truncated = True
            break
        if len(text) > room:
            text, truncated = text[:room].rstrip(), True
        segments.append(Segment(text=text, source=source, locator=locator, offset=offset))
        offset += len(text)
        if truncated:
            break
    if not segments:
        return ExtractionResult("no_text", "no text could be found in this file", kind, (), pages)
    message = f"{offset:,} characters of text extracted"
    if truncated:
        message = f"text cut off after the first {max_chars:,} characters"
    return ExtractionResult("ok", message, kind, tuple(segments), pages)
