"""Evidence intake: upload checks, sandboxed text extraction with origins, display names.

The service checks each upload in the request with ``check_upload`` / ``check_submission``
(fast: size, content type versus extension, name) and each link with ``check_link``, stores
accepted files, and a worker calls ``extract_text`` (a child process under time and memory
limits) to get ``Segment``s.
"""

from assessment.extraction.errors import (
    ActiveContent,
    BrokenFile,
    EncryptedFile,
    ExtractionError,
    LimitExceeded,
    RejectedFile,
    SandboxUnavailable,
)
from assessment.extraction.extract import extract_text_unsandboxed
from assessment.extraction.filenames import sanitize_filename
from assessment.extraction.limits import UploadLimits
from assessment.extraction.links import LinkCheck, check_link
from assessment.extraction.results import KINDS, STATUSES, ExtractionResult, FileCheck
from assessment.extraction.sandbox import ExtractionSandbox, default_sandbox, extract_text
from assessment.extraction.sniffing import check_submission, check_upload

__all__ = [
    "KINDS",
    "STATUSES",
    "ActiveContent",
    "BrokenFile",
    "EncryptedFile",
    "ExtractionError",
    "ExtractionResult",
    "ExtractionSandbox",
    "FileCheck",
    "LinkCheck",
    "LimitExceeded",
    "RejectedFile",
    "SandboxUnavailable",
    "UploadLimits",
    "check_link",
    "check_submission",
    "check_upload",
    "default_sandbox",
    "extract_text",
    "extract_text_unsandboxed",
    "sanitize_filename",
]
