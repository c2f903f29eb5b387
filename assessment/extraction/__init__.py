"""Evidence intake: upload checks, sandboxed text extraction with origins, display names.

In the request, the service checks each upload with ``check_upload`` (or the whole set with
``check_submission``: count and total size too) and each link with ``check_link``; these read
magic bytes and ZIP directories only. Type is judged by content and must agree with the
name's extension. Accepted files are stored by digest (``service.storage``), never by name.

In the worker, ``extract_text`` runs the parsers in a child process (a bare environment, no
file writes, RLIMIT_AS / RLIMIT_CPU, killed at ``timeout_s``) and returns an
``ExtractionResult``: ``ok`` with ``Segment``s (source = display name, locator = "page N" /
"slide N" / "", offset into the file's full text, parts joined by a blank line), ``no_text``
(images, empty or textless files) or ``failed`` with a message for the learner (broken,
encrypted, scripted, bombs, too many pages, timeout, memory). It never raises for a bad file;
``SandboxUnavailable`` means the child itself cannot start (a deployment fault: retry the job).
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
