"""Text from plain text, Markdown and HTML files."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString

from assessment.extraction.errors import BrokenFile
from assessment.extraction.textcodec import decode_text, normalize_newlines

# Content that is not prose a reader sees: code, styling, embedded objects.
_HIDDEN_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "blockquote", "pre", "table", "ul", "ol", "dt", "dd", "title", "hr",
)  # fmt: skip
_INLINE_SPACE = re.compile(r"[ \t\f\v\xa0]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def plain_text(data: bytes) -> str:
    """Decoded text with Unix newlines; raises BrokenFile if it does not decode."""
    text = decode_text(data)
    if text is None:
        raise BrokenFile("its text could not be decoded")
    return normalize_newlines(text)


def html_text(data: bytes) -> str:
    """The visible text of an HTML page, one line per block; scripts and styles dropped."""
    soup = BeautifulSoup(plain_text(data), "lxml")
    for tag in soup.find_all(_HIDDEN_TAGS):
        tag.decompose()
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_after(NavigableString("\n"))
    return tidy(soup.get_text())


def tidy(text: str) -> str:
    """Collapse runs of spaces within lines and of blank lines between them."""
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in normalize_newlines(text).split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
