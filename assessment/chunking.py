"""Split evidence segments into passages short enough for the embedding model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assessment.errors import AssessmentError
from assessment.evidence import Segment

# MiniLM truncates at 256 word pieces; English averages ~1.3 pieces a word, so 150 words keeps
# a passage near 200 pieces with room for long technical words.
MAX_WORDS = 150
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """A passage of one segment; ``start``/``end`` are offsets in the source's full text."""

    source: str
    locator: str
    start: int
    end: int
    text: str


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each sentence of ``text`` that has words, trimmed of spaces."""
    out = []
    for sent in _SENTENCE.finditer(text):
        words = list(_WORD.finditer(sent.group()))
        if words:
            out.append((sent.start() + words[0].start(), sent.start() + words[-1].end()))
    return out


def _spans(text: str, max_words: int) -> list[tuple[int, int]]:
    """Pack whole sentences into spans of at most ``max_words`` words (longer ones are cut)."""
    spans: list[tuple[int, int]] = []
    cur_start, cur_end, cur_words = -1, -1, 0
    for sent in _SENTENCE.finditer(text):
        words = list(_WORD.finditer(sent.group()))
        if not words:
            continue
        s0 = sent.start() + words[0].start()
        s1 = sent.start() + words[-1].end()
        if len(words) > max_words:
            if cur_start >= 0:
                spans.append((cur_start, cur_end))
                cur_start, cur_words = -1, 0
            for i in range(0, len(words), max_words):
                part = words[i : i + max_words]
                spans.append((sent.start() + part[0].start(), sent.start() + part[-1].end()))
            continue
        if cur_start >= 0 and cur_words + len(words) > max_words:
            spans.append((cur_start, cur_end))
            cur_start, cur_words = -1, 0
        if cur_start < 0:
            cur_start = s0
        cur_end = s1
        cur_words += len(words)
    if cur_start >= 0:
        spans.append((cur_start, cur_end))
    return spans


def chunk_segments(segments: Sequence[Segment], max_words: int = MAX_WORDS) -> list[Chunk]:
    """Split ``segments`` into passages of at most ``max_words`` words, keeping source offsets.

    Raises AssessmentError if ``max_words`` is not positive.
    """
    if max_words < 1:
        raise AssessmentError("max_words must be positive")
    chunks: list[Chunk] = []
    for seg in segments:
        for start, end in _spans(seg.text, max_words):
            chunks.append(
                Chunk(
                    source=seg.source,
                    locator=seg.locator,
                    start=seg.offset + start,
                    end=seg.offset + end,
                    text=seg.text[start:end],
                )
            )
    return chunks
