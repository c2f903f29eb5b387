"""Deciding whether bytes are text, and decoding them."""

from __future__ import annotations

import codecs
import unicodedata

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")
_MAX_CONTROL_RATIO = 0.01
_SAMPLE_CHARS = 65_536


def decode_text(data: bytes) -> str | None:
    """Decode bytes as text (BOM, UTF-8, UTF-16 without BOM, cp1252), or None if binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :], encoding)
    if b"\x00" in data:
        guessed = _bomless_utf16(data)
        return _checked(data, guessed) if guessed else None
    utf8 = _checked(data, "utf-8")
    return utf8 if utf8 is not None else _checked(data, "cp1252")


def normalize_newlines(text: str) -> str:
    """Unix newlines only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _checked(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, ValueError):
        return None
    sample = text[:_SAMPLE_CHARS]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in sample or controls > _MAX_CONTROL_RATIO * max(len(sample), 1):
        return None
    return text


def _bomless_utf16(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a zero in every other byte; binary formats do not.
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) // 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) // 2)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None
