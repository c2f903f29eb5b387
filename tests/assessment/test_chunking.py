"""Chunking keeps passages short and their offsets exact within each source."""

from __future__ import annotations

import pytest

from assessment import AssessmentError, Segment, chunk_segments
from assessment.chunking import MAX_WORDS, sentence_spans


def test_chunks_point_back_into_their_source_text() -> None:
    page1 = "First sentence here. Second one follows!\nA third line without a stop"
    page2 = "Only sentence on page two."
    full = page1 + "\n\n" + page2
    segs = (
        Segment(page1, source="report.pdf", locator="page 1", offset=0),
        Segment(page2, source="report.pdf", locator="page 2", offset=len(page1) + 2),
    )
    chunks = chunk_segments(segs)
    assert [c.locator for c in chunks] == ["page 1", "page 2"]
    for c in chunks:
        assert full[c.start : c.end] == c.text
    assert chunks[0].text.startswith("First") and chunks[0].text.endswith("stop")


def test_long_text_is_split_under_the_word_limit_without_losing_words() -> None:
    sentence = "The quick brown fox jumps over the lazy dog near the river bank today. "
    text = sentence * 40 + "word " * 400
    chunks = chunk_segments((Segment(text, source="statement"),))
    assert len(chunks) > 3
    assert all(len(c.text.split()) <= MAX_WORDS for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == len(text.split())
    for c in chunks:
        assert text[c.start : c.end] == c.text


def test_blank_segments_make_no_chunks_and_bad_limit_is_refused() -> None:
    assert chunk_segments((Segment("   \n ", source="statement"),)) == []
    with pytest.raises(AssessmentError):
        chunk_segments((Segment("text", source="s"),), max_words=0)


def test_a_full_stop_inside_a_number_file_name_or_abbreviation_ends_no_sentence() -> None:
    text = ("Professional plans averaged 2.7 tickets and Enterprise 1.1, so I told the team. "
            "I fixed config.yaml, e.g. the retry limit, in v1.2! Savings were £1.2m... Next year?")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Professional plans averaged 2.7 tickets and Enterprise 1.1, so I told the team.",
        "I fixed config.yaml, e.g. the retry limit, in v1.2!",
        "Savings were £1.2m...",
        "Next year?",
    ]
    assert sentence_spans("Line one\nLine two. ") == [(0, 8), (9, 18)]
