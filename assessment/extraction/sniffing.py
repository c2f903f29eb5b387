"""What a file really is, judged by its bytes, and the fast in-request upload check."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import filetype

from assessment.extraction.errors import (
    ActiveContent,
    BrokenFile,
    EncryptedFile,
    ExtractionError,
    LimitExceeded,
    RejectedFile,
)
from assessment.extraction.filenames import extension_of, sanitize_filename
from assessment.extraction.limits import MB, UploadLimits
from assessment.extraction.results import FileCheck
from assessment.extraction.textcodec import looks_like_text

EXTENSION_KINDS = {
    "pdf": "pdf", "docx": "docx", "pptx": "pptx",
    "txt": "txt", "text": "txt", "md": "md", "markdown": "md", "htm": "html", "html": "html",
    "png": "image", "jpg": "image", "jpeg": "image", "gif": "image", "webp": "image",
}  # fmt: skip
IMAGE_EXTENSIONS = {"png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp"}
TEXT_KINDS = ("txt", "md", "html")
MAX_ZIP_ENTRIES = 10_000
_SLIDE_PART = re.compile(r"ppt/slides/slide\d+\.xml")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: a kind family ("pdf", "zip", "image", "text") or None, and words."""

    family: str | None
    detail: str


def sniff(data: bytes) -> Sniffed:
    """Identify content by magic bytes; text is anything that decodes cleanly."""
    if not data:
        return Sniffed(None, "an empty file")
    if data.startswith(b"%PDF-"):
        return Sniffed("pdf", "a PDF document")
    image = _image_type(data)
    if image:
        return Sniffed("image", image)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return Sniffed("zip", "a ZIP archive")
    if data.startswith(_OLE2_MAGIC):
        return Sniffed(None, "a password-protected or old-format (.doc/.ppt) Office file")
    if data.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return Sniffed(None, "an executable program")
    guess = filetype.guess(data[:8192])
    if guess is not None and guess.extension in EXTENSION_KINDS:
        # filetype matches shorter signatures than the checks above: a format we accept
        # that failed them has a damaged header.
        return Sniffed(None, f"a .{guess.extension} file with a damaged header")
    if guess is not None:
        return Sniffed(None, f"a .{guess.extension} file ({guess.mime})")
    if looks_like_text(data):
        return Sniffed("text", "text")
    return Sniffed(None, "binary data of an unknown type")


def office_kind(data: bytes, limits: UploadLimits) -> str:
    """The Office kind ("docx" or "pptx") from the ZIP directory alone.

    Raises ExtractionError for damaged, encrypted, macro-bearing or bomb-like archives.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, struct.error) as exc:
        raise BrokenFile(f"the ZIP structure is damaged ({exc})") from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise LimitExceeded(f"it holds {len(infos):,} parts, more than an Office file needs")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unzipped_bytes:
        raise LimitExceeded(
            f"it would unpack to {unpacked / MB:,.1f} MB; the limit is "
            f"{limits.max_unzipped_bytes / MB:,g} MB (a possible zip bomb)"
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise EncryptedFile("it is password-protected")
    names = {info.filename for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ActiveContent("it contains macros; save it as a plain .docx or .pptx")
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return "docx"
    if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
        slides = sum(1 for name in names if _SLIDE_PART.fullmatch(name))
        if slides > limits.max_pages:
            raise LimitExceeded(f"it has {slides:,} slides; the limit is {limits.max_pages:,}")
        return "pptx"
    raise RejectedFile("it is a ZIP archive, not a Word (.docx) or PowerPoint (.pptx) file")


def detect_kind(safe_name: str, data: bytes, limits: UploadLimits) -> str:
    """The file's kind if its content and extension agree; raises ExtractionError otherwise."""
    ext = extension_of(safe_name)
    claimed = EXTENSION_KINDS.get(ext)
    if claimed is None:
        accepted = ", ".join(sorted({f".{e}" for e in EXTENSION_KINDS}))
        what = f"type .{ext}" if ext else "no extension"
        raise RejectedFile(f"files of {what} are not accepted; accepted: {accepted}")
    sniffed = sniff(data)
    if sniffed.family is None:
        raise RejectedFile(f"it is named .{ext} but its content is {sniffed.detail}")
    if sniffed.family == "zip":
        kind = office_kind(data, limits)
    elif sniffed.family == "text":
        kind = claimed if claimed in TEXT_KINDS else "text"
    elif sniffed.family == "image":
        if IMAGE_EXTENSIONS.get(ext) != sniffed.detail:
            raise RejectedFile(f"it is named .{ext} but its content is a {sniffed.detail} image")
        kind = "image"
    else:
        kind = sniffed.family
    if kind != claimed:
        raise RejectedFile(f"it is named .{ext} but its content is {_describe(kind, sniffed)}")
    return kind


def check_upload(name: str, data: bytes, limits: UploadLimits) -> FileCheck:
    """Fast in-request check of one file: name, size, content type versus extension.

    Reads magic bytes and, for Office files, the ZIP directory only. Never raises for bad
    files: the FileCheck says what is wrong.
    """
    safe_name = sanitize_filename(name)
    if not data:
        return FileCheck(False, None, f"{safe_name}: the file is empty", safe_name)
    if len(data) > limits.max_file_bytes:
        return FileCheck(
            False,
            None,
            f"{safe_name}: the file is {len(data):,} bytes, over the limit of "
            f"{limits.max_file_bytes / MB:,g} MB per file",
            safe_name,
        )
    try:
        kind = detect_kind(safe_name, data, limits)
    except ExtractionError as exc:
        return FileCheck(False, None, f"{safe_name}: {exc}", safe_name)
    return FileCheck(True, kind, f"{safe_name}: accepted as {kind}", safe_name)


def check_submission(files: Sequence[tuple[str, bytes]], limits: UploadLimits) -> tuple[FileCheck, ...]:
    """Check every file and the submission's count and total size; one FileCheck per file.

    Files past ``max_files``, or that would take the accepted total past
    ``max_submission_bytes``, are rejected; the others are kept.
    """
    checks: list[FileCheck] = []
    accepted_files = 0
    accepted_bytes = 0
    for name, data in files:
        check = check_upload(name, data, limits)
        if check.ok and accepted_files >= limits.max_files:
            check = FileCheck(
                False,
                check.kind,
                f"{check.safe_name}: a submission may hold at most {limits.max_files} files",
                check.safe_name,
            )
        elif check.ok and accepted_bytes + len(data) > limits.max_submission_bytes:
            check = FileCheck(
                False,
                check.kind,
                f"{check.safe_name}: the submission's files may total at most {limits.max_submission_bytes / MB:,g} MB",
                check.safe_name,
            )
        if check.ok:
            accepted_files += 1
            accepted_bytes += len(data)
        checks.append(check)
    return tuple(checks)


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _describe(kind: str, sniffed: Sniffed) -> str:
    names = {"docx": "a Word document", "pptx": "a PowerPoint presentation", "text": "text"}
    return names.get(kind, sniffed.detail)
