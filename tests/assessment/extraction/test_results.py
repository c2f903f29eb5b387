"""Segments carry exact origins: every offset points at its text in the file's full text."""

from __future__ import annotations

import pytest

from assessment.extraction import UploadLimits, extract_text_unsandboxed
from assessment.extraction.results import assemble

from .corpus import make_pdf, make_pptx


def test_pdf_segments_point_into_the_joined_text() -> None:
    data = make_pdf(["First page", "", "Third page\nwith two lines"])

    result = extract_text_unsandboxed("r.pdf", data, "pdf", UploadLimits())

    assert [s.locator for s in result.segments] == ["page 1", "page 3"]  # empty page 2 dropped
    assert result.pages == 3
    for segment in result.segments:
        assert result.text[segment.offset : segment.offset + len(segment.text)] == segment.text
    assert result.segments[1].offset == len("First page") + 2


def test_slide_segments_point_into_the_joined_text() -> None:
    data = make_pptx([(f"Slide {n}", f"Body {n}") for n in range(1, 6)])

    result = extract_text_unsandboxed("d.pptx", data, "pptx", UploadLimits())

    assert [s.locator for s in result.segments] == [f"slide {n}" for n in range(1, 6)]
    for segment in result.segments:
        assert result.text[segment.offset : segment.offset + len(segment.text)] == segment.text


@pytest.mark.parametrize("max_chars", [1, 5, 6, 7, 8, 13, 14, 100])
def test_text_is_cut_at_max_chars(max_chars: int) -> None:
    parts = [("page 1", "abcde"), ("page 2", "fghij"), ("page 3", "klmno")]

    result = assemble("f.pdf", "pdf", parts, max_chars, pages=3)

    assert len(result.text) <= max_chars
    assert result.text == "abcde\n\nfghij\n\nklmno"[:max_chars].rstrip()
    assert ("cut off" in result.message) == (max_chars < 19)
    for segment in result.segments:
        assert result.text[segment.offset : segment.offset + len(segment.text)] == segment.text


def test_blank_parts_give_no_text() -> None:
    result = assemble("f.txt", "txt", [("", "  \n ")], 100)

    assert (result.status, result.segments) == ("no_text", ())


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        extract_text_unsandboxed("x.doc", b"data", "doc", UploadLimits())


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        UploadLimits(max_pages=0)
