"""Split evidence segments into passages short enough for the embedding model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assessment.errors import AssessmentError
from assessment.evidence import Segment

# MiniLM truncates at 256 word pieces; English averages ~1.3 pieces a word, so 150 words keeps
# a passage near 200 pieces with room for long technical words.
MAX_WORDS = 150
# A sentence ends at . ! or ? followed by a space (or the end), or at a line break: a full stop
# inside a token ("2.7", "config.yaml", "v1.2") does not end one.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?]+(?=[^\s.!?]))+(?:[.!?]+(?=\s|$)|\n|$)")
_WORD = re.compile(r"\S+")
# Nor does the full stop of these abbreviations: the sentence goes on after them.
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "dr.", "mr.", "mrs.", "ms."})


@dataclass(frozen=True)
class Chunk:
    """A passage of one segment; ``start``/``end`` are offsets in the source's full text."""

    source: str
    locator: str
    start: int
    end: int
    text: str


def _sentences(text: str) -> Iterator[list[re.Match[str]]]:
    """The words (matches in ``text``) of each sentence that has any."""
    start, pending = 0, False
    for sent in _SENTENCE.finditer(text):
        if not pending:
            start = sent.start()
        words = list(_WORD.finditer(text, start, sent.end()))
        pending = bool(words) and words[-1].group().lower() in _ABBREVIATIONS and sent.end() < len(text)
        if words and not pending:
            yield words
    if pending:
        yield list(_WORD.finditer(text, start))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each sentence of ``text`` that has words, trimmed of spaces."""
    return [(words[0].start(), words[-1].end()) for words in _sentences(text)]


def _spans(text: str, max_words: int) -> list[tuple[int, int]]:
    """Pack whole sentences into spans of at most ``max_words`` words (longer ones are cut)."""
    spans: list[tuple[int, int]] = []
    cur_start, cur_end, cur_words = -1, -1, 0
    for words in _sentences(text):
        s0, s1 = words[0].start(), words[-1].end()
        if len(words) > max_words:
            if cur_start >= 0:
                spans.append((cur_start, cur_end))
                cur_start, cur_words = -1, 0
            for i in range(0, len(words), max_words):
                part = words[i : i + max_words]
                spans.append((part[0].start(), part[-1].end()))
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
