"""Text from Word (.docx) and PowerPoint (.pptx) files."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import docx
import pptx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pptx.shapes.group import GroupShape

from assessment.extraction.errors import ActiveContent
from assessment.extraction.limits import UploadLimits
from assessment.extraction.sniffing import office_kind

_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Relationship types that make Word or PowerPoint fetch and run outside content when a
# reviewer opens the file (remote-template and linked-object attacks); plain hyperlinks and
# linked media are allowed.
_REMOTE_ACTIVE_TYPES = ("/attachedTemplate", "/oleObject", "/frame", "/subDocument", "/package")


def refuse_remote_content(data: bytes) -> None:
    """Raise ActiveContent if any part links a remote template, frame or OLE object."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.endswith(".rels"):
                continue
            root = etree.fromstring(archive.read(name), parser)
            for rel in root:
                external = rel.get("TargetMode") == "External"
                if external and (rel.get("Type") or "").endswith(_REMOTE_ACTIVE_TYPES):
                    kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                    raise ActiveContent(f"it makes Office fetch outside content when opened ({kind} link)")


def docx_text(data: bytes, limits: UploadLimits) -> str:
    """Body paragraphs and table rows of a .docx, in document order; raises on bad files."""
    office_kind(data, limits)
    refuse_remote_content(data)
    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    chars = 0
    for block in document.iter_inner_content():
        if chars > limits.max_chars:
            break
        text = block.text if isinstance(block, Paragraph) else _table_text(block)
        chars += len(text) + 1
        blocks.append(text)
    blocks.extend(_text_box_texts(document.element.body))
    return "\n".join(blocks)


def docx_pages(data: bytes, limits: UploadLimits) -> tuple[list[tuple[str, str]], int]:
    """The document's text as one unpaged part (Word files have no fixed pages)."""
    return [("", docx_text(data, limits))], 0


def pptx_slides(data: bytes, limits: UploadLimits) -> tuple[list[tuple[str, str]], int]:
    """(locator, text) per slide, speaker notes included, and the slide count."""
    office_kind(data, limits)
    refuse_remote_content(data)
    deck = pptx.Presentation(io.BytesIO(data))
    parts: list[tuple[str, str]] = []
    count = len(deck.slides)
    for number, slide in enumerate(deck.slides, start=1):
        texts = list(_shape_texts(slide.shapes))
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                texts.append(notes.text)
        parts.append((f"slide {number}", "\n".join(t for t in texts if t.strip())))
    return parts, count


def _text_box_texts(body: Any) -> Iterator[str]:
    """Text boxes (common in CVs), which paragraph text leaves out, after the body text."""
    for box in body.iter(qn("w:txbxContent")):
        # Word stores each box twice (DrawingML and a VML fallback); read the first only.
        if any(ancestor.tag == _FALLBACK for ancestor in box.iterancestors()):
            continue
        paragraphs = box.iter(qn("w:p"))
        yield "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs)


def _table_text(table: Table) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        previous: object = None
        for cell in row.cells:
            # Merged cells come back once per grid column; show each once.
            if cell._tc is not previous:
                cells.append(cell.text.strip())
            previous = cell._tc
        rows.append(" | ".join(cells))
    return "\n".join(rows)


def _shape_texts(shapes: Any) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif getattr(shape, "has_table", False):
            for row in shape.table.rows:
                yield " | ".join(cell.text.strip() for cell in row.cells)
