"""Evidence as text with its origin: what extraction produces and scoring consumes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A run of evidence text and where it came from.

    ``source`` names the origin ("statement", or a file's display name), ``locator`` the place
    inside it ("page 3", "slide 12", "" for plain text), and ``offset`` the character offset of
    ``text`` within that source's full extracted text, so a passage found in this segment can
    be pointed at exactly.
    """

    text: str
    source: str
    locator: str = ""
    offset: int = 0
