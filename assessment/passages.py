"""Supporting passages: which part of the evidence speaks to each criterion.

Chunks are ranked for a criterion by embedding cosine plus word overlap, then each chosen chunk
is narrowed to the one or two consecutive sentences that match the criterion's own words best.
Narrowing uses the word vectors the batch already computed, so it costs no model call. A
single-paragraph statement then points each criterion at its own sentences, not all of them at
the same paragraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from assessment.chunking import Chunk, sentence_spans
from assessment.featurize import EncodedItem, text_view
from assessment.lexical import content_stems
from assessment.submission import Passage

PASSAGES_PER_CRITERION = 3
PASSAGE_OVERLAP_WEIGHT = 0.5
MAX_SENTENCES = 2  # a passage is at most this many consecutive sentences of its chunk
EXTRA_SENTENCE_COST = 0.05  # a longer window must match clearly better to be shown instead


@dataclass(frozen=True)
class CriterionEvidence:
    """A criterion's supporting passages, and how well its best sentence window matches the
    criterion's own words and exemplars (soft F1, 0 when nothing matches)."""

    passages: tuple[Passage, ...]
    focus: float


def item_passages(enc: EncodedItem) -> list[CriterionEvidence]:
    """The supporting passages of each of the item's criteria (in criteria order)."""
    chunk_words: dict[int, _ChunkWords] = {}  # built on first use, shared by the criteria
    chunk_stems = [set(content_stems(ch.text)) for ch in enc.chunks]
    return [_criterion_passages(enc, i, chunk_stems, chunk_words) for i in range(len(enc.criteria))]


@dataclass(frozen=True)
class _ChunkWords:
    """A chunk's sentences and distinct content words, as arrays the criteria share."""

    spans: list[tuple[int, int]]  # each sentence's (start, end) in the chunk's text (sentences with words)
    order: np.ndarray  # the sentences' word indexes, one sentence after another
    offsets: np.ndarray  # where each sentence starts in ``order``
    counts: np.ndarray  # each sentence's number of words
    words: list[str]
    stems: list[str]
    vectors: np.ndarray  # one row per word (zeros where the batch has no vector for it)


def _chunk_words(chunk: Chunk, word_vecs: Mapping[str, np.ndarray]) -> _ChunkWords:
    spans = sentence_spans(chunk.text)
    index: dict[str, int] = {}
    stems: list[str] = []
    kept: list[tuple[int, int]] = []
    order: list[int] = []
    offsets: list[int] = []
    for start, end in spans:
        content = text_view(chunk.text[start:end]).content_words
        if not content:
            continue
        kept.append((start, end))
        offsets.append(len(order))
        for w, st in content:
            if w not in index:
                index[w] = len(index)
                stems.append(st)
            order.append(index[w])
    words = list(index)
    dim = next(iter(word_vecs.values())).shape[0] if word_vecs else 1
    vectors = np.zeros((len(words), dim), np.float32)
    for i, w in enumerate(words):
        if w in word_vecs:
            vectors[i] = word_vecs[w]
    offs = np.asarray(offsets, np.int64)
    counts = np.diff(np.append(offs, len(order)))
    return _ChunkWords(kept, np.asarray(order, np.int64), offs, counts, words, stems, vectors)


def _criterion_passages(
    enc: EncodedItem, criterion_index: int, chunk_stems: list[set[str]], cache: dict[int, _ChunkWords]
) -> CriterionEvidence:
    """The passages that best support a criterion, best chunk first, and its best window's match.

    ``similarity`` is the chunk's cosine with the criterion's model answers or own wording.
    """
    cv = enc.criteria[criterion_index]
    if not enc.chunks or cv.target_vecs.shape[0] == 0:
        return CriterionEvidence((), 0.0)
    sims = (enc.chunk_vecs @ cv.target_vecs.T).max(axis=1)
    if cv.own_vec is not None:
        sims = np.maximum(sims, enc.chunk_vecs @ cv.own_vec)
    crit_stems = set(cv.question.stem_set).union(*(t.stem_set for t in cv.targets)) - set(
        enc.rubric.stem_set - cv.question.stem_set
    )
    overlap = np.zeros(len(enc.chunks))
    for i, stems in enumerate(chunk_stems):
        if stems and crit_stems:
            overlap[i] = len(stems & crit_stems) / np.sqrt(len(stems) * len(crit_stems))
    top = np.argsort(-(sims + PASSAGE_OVERLAP_WEIGHT * overlap), kind="stable")[:PASSAGES_PER_CRITERION]
    out = []
    own_stems = {st for _, st in cv.own_words}
    best = 0.0
    for i in (int(k) for k in top):
        ch = enc.chunks[i]
        if i not in cache:
            cache[i] = _chunk_words(ch, enc.word_vecs)
        start, end, match = _focus(cache[i], len(ch.text), cv.own_word_vecs, own_stems)
        best = max(best, match)
        out.append(Passage(source=ch.source, locator=ch.locator, start=ch.start + start, end=ch.start + end,
                           text=ch.text[start:end], similarity=float(sims[i])))
    return CriterionEvidence(tuple(out), best)


def _focus(
    chunk: _ChunkWords, length: int, crit_mat: np.ndarray | None, crit_stems: set[str]
) -> tuple[int, int, float]:
    """Return the (start, end) in the chunk's text of the window of sentences that best matches
    the criterion's words, and that window's match: soft F1 over word vectors (an exact stem
    counts as a full match).

    The whole chunk when nothing matches. Windows are one sentence or two neighbours; a word in
    both neighbours counts twice, which is close enough for choosing.
    """
    n = len(chunk.spans)
    if n == 0 or not crit_stems:
        return 0, length, 0.0
    exact = np.asarray([st in crit_stems for st in chunk.stems])
    if crit_mat is not None:
        sims = crit_mat @ chunk.vectors.T  # 0 for words without a vector (zero rows)
        word_match = np.where(exact, 1.0, sims.max(axis=0))
        # recall[s]: each criterion word's best match in sentence s
        recall_by = np.maximum.reduceat(sims[:, chunk.order], chunk.offsets, axis=1).T
    else:
        word_match = exact.astype(np.float64)
        recall_by = np.zeros((n, 1))
    hits = np.add.reduceat(word_match[chunk.order], chunk.offsets)
    counts = chunk.counts
    # windows: (i, i) for every sentence, then (i, i + 1) for neighbours
    precision = np.concatenate([hits / counts, (hits[:-1] + hits[1:]) / (counts[:-1] + counts[1:])])
    recall = np.concatenate([recall_by.mean(axis=1), np.maximum(recall_by[:-1], recall_by[1:]).mean(axis=1)])
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    match = float(f1.max())
    f1[n:] *= 1.0 - EXTRA_SENTENCE_COST
    best = int(np.argmax(f1))
    if n == 1 or f1[best] <= 0:
        return 0, length, match
    first, last = (best, best) if best < n else (best - n, best - n + 1)
    return chunk.spans[first][0], chunk.spans[last][1], match
