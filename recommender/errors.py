"""The recommender's one error hierarchy."""

from __future__ import annotations


class RecommenderError(Exception):
    """Base class of every error the recommender raises on purpose."""


class IndexFormatError(RecommenderError):
    """A saved badge index snapshot is missing, malformed or does not match its version."""


class ModelFormatError(RecommenderError):
    """A serialised co-occurrence model cannot be read."""


class RecommendInputError(RecommenderError, ValueError):
    """A batch input line is malformed; carries the file name and 1-based line number."""

    def __init__(self, file: str, line_no: int, message: str) -> None:
        super().__init__(f"{file}:{line_no}: {message}")
        self.file = file
        self.line_no = line_no
        self.message = message
