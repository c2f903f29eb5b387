"""Builders for the sample files the extraction tests and benchmark use, made on the fly.

Real files come from the libraries that write them (python-docx, python-pptx, Pillow, pypdf
for encryption); PDFs are written by hand so hostile variants (scripts, lying page counts,
truncation) can be composed exactly.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import pptx
from lxml import etree
from PIL import Image
from pypdf import PdfReader, PdfWriter


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(
    pages: list[str],
    *,
    catalog_extra: str = "",
    claimed_count: int | None = None,
    kids_repeat: int = 1,
    extra_objects: tuple[str, ...] = (),
) -> bytes:
    """A PDF with one page per string (lines split on newlines), in Helvetica.

    ``claimed_count`` overrides /Count; ``kids_repeat`` lists every page that many times in
    /Kids; ``extra_objects`` are appended as further numbered objects after the pages.
    """
    streams = []
    for text in pages:
        lines = " T* ".join(f"{_pdf_string(line)} Tj" for line in text.split("\n"))
        streams.append(f"BT /F1 12 Tf 14 TL 72 720 Td {lines} ET".encode("latin-1"))
    return pdf_from_streams(
        streams,
        catalog_extra=catalog_extra,
        claimed_count=claimed_count,
        kids_repeat=kids_repeat,
        extra_objects=extra_objects,
    )


def heavy_pdf(text_operators: int) -> bytes:
    """One page whose compressed content stream shows a character ``text_operators`` times."""
    return pdf_from_streams([b"BT /F1 12 Tf " + b"(a) Tj " * text_operators + b"ET"], flate=True)


def pdf_from_streams(
    streams: list[bytes],
    *,
    flate: bool = False,
    catalog_extra: str = "",
    claimed_count: int | None = None,
    kids_repeat: int = 1,
    extra_objects: tuple[str, ...] = (),
) -> bytes:
    """A PDF with one page per content stream (see make_pdf), optionally Flate-compressed."""
    objects: dict[int, bytes] = {}
    first_page = 4
    kids: list[str] = []
    for index, stream in enumerate(streams):
        page_id, content_id = first_page + 2 * index, first_page + 2 * index + 1
        if flate:
            stream = zlib.compress(stream, 9)
        filters = b" /Filter /FlateDecode" if flate else b""
        objects[content_id] = b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream"
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
        kids.append(f"{page_id} 0 R")
    kids = kids * kids_repeat
    count = claimed_count if claimed_count is not None else len(kids)
    objects[1] = f"<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>".encode()
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {count} >>".encode()
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    next_id = first_page + 2 * len(streams)
    for offset, body in enumerate(extra_objects):
        objects[next_id + offset] = body.encode()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner") -> bytes:
    """The same PDF, AES-256 encrypted."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A Word document with a heading, paragraphs and an optional table."""
    document = docx.Document()
    document.add_heading("Evidence", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pptx(slides: list[tuple[str, str]], notes: dict[int, str] | None = None) -> bytes:
    """A deck with one title-and-content slide per (title, body); notes by slide index."""
    deck = pptx.Presentation()
    layout = deck.slide_layouts[1]
    for index, (title, body) in enumerate(slides):
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes and index in notes:
            slide.notes_slide.notes_text_frame.text = notes[index]
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_image(fmt: str, size: tuple[int, int] = (32, 24)) -> bytes:
    """A small image in a Pillow format name (PNG, JPEG, GIF, WEBP)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format=fmt)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header announcing the given size, with no pixel data (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def zip_bomb_docx(unpacked_bytes: int) -> bytes:
    """A .docx-shaped ZIP whose document part is ``unpacked_bytes`` of zeros."""
    base = make_docx(["cover"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename == "word/document.xml":
                with bomb.open("word/document.xml", "w", force_zip64=True) as part:
                    block = b"\0" * (1 << 20)
                    for _ in range(unpacked_bytes >> 20):
                        part.write(block)
            else:
                bomb.writestr(info, source.read(info))
    return out.getvalue()


def lying_zip_docx(real_bytes: int, declared_bytes: int) -> bytes:
    """A .docx whose document part's real size is hidden behind a small declared size."""
    base = make_docx(["cover"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as forged:
        for info in source.infolist():
            payload = source.read(info)
            if info.filename == "word/document.xml":
                payload = payload + b" " * real_bytes
            forged.writestr(info.filename, payload)
    data = bytearray(out.getvalue())
    name = b"word/document.xml"
    local = data.find(b"PK\x03\x04")
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.find(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, declared_bytes)
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared_bytes)
    return bytes(data)


def docx_with_body(document_xml: bytes) -> bytes:
    """A .docx whose main document part is replaced by the given XML."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(["placeholder"]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info)
            target.writestr(info.filename, document_xml if info.filename == "word/document.xml" else payload)
    return out.getvalue()


_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def billion_laughs_docx() -> bytes:
    """A .docx whose XML defines nested entities that expand to gigabytes."""
    entities = b'<!ENTITY l0 "lol">' + b"".join(
        b'<!ENTITY l%d "%s">' % (n, b"".join(b"&l%d;" % (n - 1) for _ in range(10))) for n in range(1, 10)
    )
    body = b"<w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body>"
    return docx_with_body(
        b'<?xml version="1.0"?><!DOCTYPE d [' + entities + b"]><w:document " + _W + b">" + body + b"</w:document>"
    )


def external_entity_docx() -> bytes:
    """A .docx whose XML asks for /etc/passwd through an external entity (XXE)."""
    doctype = b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    body = b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body>"
    return docx_with_body(b'<?xml version="1.0"?>' + doctype + b"<w:document " + _W + b">" + body + b"</w:document>")


_TEXT_BOX_RUN = """<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:v="urn:schemas-microsoft-com:vml"><mc:AlternateContent>
<mc:Choice Requires="wps"><wps:txbx><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>
</w:txbxContent></wps:txbx></mc:Choice>
<mc:Fallback><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>
</v:textbox></mc:Fallback></mc:AlternateContent></w:r>"""


def text_box_docx(body: str, box: str) -> bytes:
    """A .docx with a body paragraph anchoring a text box, stored the way Word stores it
    (a DrawingML box with a VML fallback copy)."""
    document = docx.Document()
    paragraph = document.add_paragraph(body)
    paragraph._p.append(etree.fromstring(_TEXT_BOX_RUN.format(text=box)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def linked_docx(relationship_type: str, target: str) -> bytes:
    """A .docx whose document part has an external relationship of the given type."""
    document = docx.Document()
    document.add_paragraph("Linked content inside")
    document.part.relate_to(target, relationship_type, is_external=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def macro_docx() -> bytes:
    """A .docx carrying a VBA project part."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(make_docx(["macros inside"]))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake vba")
    return out.getvalue()


def plain_zip() -> bytes:
    """A ZIP archive holding a text file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


def windows_executable() -> bytes:
    """The first bytes of a PE executable (DOS stub and PE header)."""
    stub = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    stub += b"\x00" * (0x3C - len(stub)) + struct.pack("<I", 0x40)
    return bytes(stub) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200
