"""Text detection and decoding: encodings, truncation, binary refused."""

from __future__ import annotations

import pytest

from assessment.extraction.textcodec import decode_text, looks_like_text


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Résumé".encode(), "Résumé"),
        ("Résumé".encode("utf-8-sig"), "Résumé"),
        ("Résumé".encode("utf-16"), "Résumé"),
        ("Résumé".encode("utf-16-be"), "Résumé"),  # no BOM: found by its zero bytes
        ("Résumé plain".encode("utf-32"), "Résumé plain"),
        ("Café".encode("cp1252"), "Café"),  # a lone high byte in ASCII text: cp1252, not cut
        (("é" * 5).encode()[:-1], "éééé"),  # truncated UTF-8: the cut character is dropped
        ("ab".encode("utf-16-le") + b"x", "ab"),  # odd length UTF-16
        (b"\x00\x01\x02\x03binary", None),
        (bytes(range(256)), None),
    ],
)
def test_decode_text(data: bytes, text: str | None) -> None:
    assert decode_text(data) == text


def test_bomless_utf16_big_endian_ascii_is_text() -> None:
    assert decode_text("plain ascii words".encode("utf-16-be")) == "plain ascii words"


def test_sniffing_looks_at_a_prefix_that_may_end_mid_character() -> None:
    data = ("é" * 1_000_000).encode()[:1_500_001]  # the first megabyte ends inside a character

    assert looks_like_text(data)
    assert not looks_like_text(b"\x7fELF" + bytes(range(256)) * 5000)
