"""One error hierarchy for evidence intake; each error's text is shown to the learner."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file could not be accepted or read; ``str(error)`` is a message fit for the learner."""


class RejectedFile(ExtractionError):
    """The file fails an upload rule: size, type, name or extension."""


class BrokenFile(ExtractionError):
    """The file is damaged or not what its type promises."""


class EncryptedFile(ExtractionError):
    """The file is protected by a password."""


class ActiveContent(ExtractionError):
    """The file carries scripts, macros or launch actions."""


class LimitExceeded(ExtractionError):
    """The file is within the byte limit but asks for too many pages, characters or bytes."""


class SandboxUnavailable(ExtractionError):
    """The extraction child could not be started: a deployment fault, not the file's."""
