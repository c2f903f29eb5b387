"""Text from plain text, Markdown and HTML files."""

from __future__ import annotations

import re

from lxml import etree

from assessment.extraction.errors import BrokenFile
from assessment.extraction.limits import UploadLimits
from assessment.extraction.textcodec import decode_text, normalize_newlines

# Content that is not prose a reader sees: code, styling, embedded objects.
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
        "section", "article", "header", "footer", "blockquote", "pre", "table", "ul", "ol",
        "dt", "dd", "hr", "main", "nav", "aside", "figure", "figcaption", "body", "title",
    }
)  # fmt: skip
_INLINE_SPACE = re.compile(r"[ \t\f\v\xa0]+")
_BLANK_RUNS = re.compile(r"\n{2,}")


def plain_pages(data: bytes, limits: UploadLimits) -> tuple[list[tuple[str, str]], int]:
    """A text or Markdown file as one unpaged part."""
    return [("", plain_text(data))], 0


def html_pages(data: bytes, limits: UploadLimits) -> tuple[list[tuple[str, str]], int]:
    """An HTML page's visible text as one unpaged part."""
    return [("", html_text(data))], 0


def plain_text(data: bytes) -> str:
    """Decoded text with Unix newlines; raises BrokenFile if it does not decode."""
    text = decode_text(data)
    if text is None:
        raise BrokenFile("its text could not be decoded")
    return normalize_newlines(text)


def html_text(data: bytes) -> str:
    """The visible text of an HTML page, one line per block; scripts, styles, head dropped.

    Walks start/end events iteratively, so deeply nested hostile markup costs linear time
    and no recursion.
    """
    parser = etree.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(plain_text(data).encode("utf-8"), parser)
    if root is None:
        return ""
    title = root.findtext("head/title") or ""
    out: list[str] = [title, "\n"]
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _HIDDEN_TAGS:
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                out.append("\n")
            out.append(element.text or "")
        else:
            if tag in _BLOCK_TAGS:
                out.append("\n")
            if element is not root:
                out.append(element.tail or "")
    return tidy("".join(out))


def tidy(text: str) -> str:
    """Collapse runs of spaces within lines; drop blank lines."""
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in normalize_newlines(text).split("\n")]
    return _BLANK_RUNS.sub("\n", "\n".join(lines)).strip()
