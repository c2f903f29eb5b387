"""Baking credentials into badge images (Open Badges 3.0 §5.3) and extracting them again.

PNG: exactly one `iTXt` chunk, keyword `openbadgecredential`, compression flag 0, empty language
and translated keyword, text = the credential JSON or the compact VC-JWT; any earlier one is
replaced. SVG: `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"` on the root and one
`<openbadges:credential>` as its first child: a JWT goes in `verify="…"`, JSON in a CDATA body.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from issuance.errors import NotBaked

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_SVG_ROOT = re.compile(r"<svg\b[^>]*?(/?)>", re.DOTALL)
MAX_PAYLOAD = 4 * 1024 * 1024


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise NotBaked("not a PNG image")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        if len(data) != length or pos + 12 + length > len(png):
            raise NotBaked("truncated PNG chunk")
        chunks.append((kind, data))
        pos += 12 + length
        if kind == b"IEND":
            return chunks
    raise NotBaked("PNG has no IEND chunk")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _is_credential_chunk(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\0", 1)[0] == PNG_KEYWORD


def bake_png(png: bytes, payload: str) -> bytes:
    """The PNG with one iTXt `openbadgecredential` chunk holding payload (JSON or JWT), placed
    before IEND; raises NotBaked if the input is not a PNG."""
    chunks = [c for c in _chunks(png) if not _is_credential_chunk(*c)]
    itxt = PNG_KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + payload.encode("utf-8")
    out = bytearray(PNG_SIGNATURE)
    for kind, data in chunks:
        if kind == b"IEND":
            out += _chunk(b"iTXt", itxt)
        out += _chunk(kind, data)
    return bytes(out)


def _extract_png(png: bytes) -> str:
    found = [data for kind, data in _chunks(png) if _is_credential_chunk(kind, data)]
    if not found:
        raise NotBaked("the PNG has no openbadgecredential iTXt chunk")
    if len(found) > 1:
        raise NotBaked("the PNG has more than one openbadgecredential chunk")
    # iTXt = keyword \0 flag method language \0 translated-keyword \0 text
    rest = found[0].split(b"\0", 1)[1]
    if len(rest) < 2 or rest[2:].count(b"\0") < 2:
        raise NotBaked("malformed iTXt chunk")
    flag = rest[0]
    text = rest[2:].split(b"\0", 2)[2]
    try:
        if flag == 1:
            text = zlib.decompressobj().decompress(text, MAX_PAYLOAD)
        return text.decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise NotBaked(f"unreadable iTXt text: {exc}") from exc


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def bake_svg(svg: str, payload: str, *, is_jwt: bool) -> str:
    """The SVG with an <openbadges:credential> first child (JWT in `verify`, JSON in CDATA);
    raises NotBaked if the input is not an SVG or is already baked."""
    root = _parse_svg(svg)
    if _credential_elements(root):
        raise NotBaked("the SVG is already baked")
    match = _SVG_ROOT.search(svg)
    if match is None:
        raise NotBaked("no <svg> root element")
    start_tag = match.group(0)
    if "xmlns:openbadges" not in start_tag:
        close = len(start_tag) - (2 if match.group(1) else 1)
        start_tag = start_tag[:close] + f' xmlns:openbadges="{OB_NAMESPACE}"' + start_tag[close:]
    if is_jwt:
        element = f'<openbadges:credential verify="{_attr(payload)}"/>'
    else:
        element = f"<openbadges:credential>{_cdata(payload)}</openbadges:credential>"
    if match.group(1):  # self-closing <svg/>
        start_tag = start_tag[:-2] + ">"
        return svg[: match.start()] + start_tag + element + "</svg>" + svg[match.end() :]
    return svg[: match.start()] + start_tag + element + svg[match.end() :]


def _parse_svg(svg: str) -> Element:
    try:
        root: Element = SafeET.fromstring(svg)
    except Exception as exc:  # defusedxml raises ParseError or its own DefusedXmlException
        raise NotBaked(f"not a well-formed SVG: {exc}") from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg" and root.tag != "svg":
        raise NotBaked("the XML root is not <svg>")
    return root


def _credential_elements(root: Element) -> list[Element]:
    return list(root.iter(f"{{{OB_NAMESPACE}}}credential"))


def _extract_svg(svg: str) -> str:
    found = _credential_elements(_parse_svg(svg))
    if not found:
        raise NotBaked("the SVG has no openbadges:credential element")
    if len(found) > 1:
        raise NotBaked("the SVG has more than one openbadges:credential element")
    verify = found[0].get("verify")
    text = verify if verify else (found[0].text or "")
    if not text.strip():
        raise NotBaked("the openbadges:credential element is empty")
    return text.strip()


def extract_baked(data: bytes) -> str:
    """The credential text (JSON or compact JWT) baked into PNG or SVG bytes; raises NotBaked
    when the image carries none or is neither PNG nor SVG."""
    if data.startswith(PNG_SIGNATURE):
        return _extract_png(data)
    head = data[:4096].lstrip()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if head.startswith(b"<") and b"<svg" in data:
        try:
            return _extract_svg(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise NotBaked("the SVG is not UTF-8") from exc
    raise NotBaked("not a PNG or SVG image")
