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
_SNIFF_BYTES = 1 << 20


def decode_text(data: bytes) -> str | None:
    """Decode bytes as text (BOM, UTF-8, UTF-16 without BOM, cp1252), or None if binary.

    A character cut off at the very end of a UTF-8 or UTF-16 file (a truncated upload) is
    dropped rather than making the whole file fall back to another encoding.
    """
    return _decode(data, cut=False)


def looks_like_text(data: bytes) -> bool:
    """Whether the first megabyte decodes as text: the fast in-request form of decode_text."""
    return _decode(data[:_SNIFF_BYTES], cut=len(data) > _SNIFF_BYTES) is not None


def normalize_newlines(text: str) -> str:
    """Unix newlines only."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, cut: bool) -> str | None:
    """``cut``: data is a prefix of the file, so any incomplete last character is expected."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :], encoding, cut)
    if b"\x00" in data:
        guessed = _bomless_utf16(data)
        return _checked(data, guessed, cut) if guessed else None
    utf8 = _checked(data, "utf-8", cut)
    return utf8 if utf8 is not None else _checked(data, "cp1252", cut)


def _checked(data: bytes, encoding: str, cut: bool) -> str | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if not _cut_short(data, encoding, exc, cut):
            return None
        text = data[: exc.start].decode(encoding, errors="strict")
    except ValueError:
        return None
    sample = text[:_SAMPLE_CHARS]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS)
    if "\x00" in sample or controls > _MAX_CONTROL_RATIO * max(len(sample), 1):
        return None
    return text


def _cut_short(data: bytes, encoding: str, exc: UnicodeDecodeError, cut: bool) -> bool:
    """Whether the only fault is an incomplete last character of a file that is clearly in
    ``encoding`` (for UTF-8: it has other multi-byte characters; a lone high byte at the end
    of an ASCII file is more likely cp1252)."""
    if exc.reason not in ("unexpected end of data", "truncated data"):
        return False
    if encoding.startswith(("utf-16", "utf-32")) or cut:
        return True
    return encoding == "utf-8" and any(byte >= 0x80 for byte in data[: exc.start])


def _bomless_utf16(data: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a zero in every other byte; binary formats do not.
    sample = data[: 4096 - (min(len(data), 4096) % 2)]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_zeros = sample[0::2].count(0) / half
    odd_zeros = sample[1::2].count(0) / half
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None
