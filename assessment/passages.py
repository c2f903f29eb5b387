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
from assessment.featurize import CriterionView, EncodedItem, text_view
from assessment.lexical import content_stems
from assessment.submission import Passage

PASSAGES_PER_CRITERION = 3
PASSAGE_OVERLAP_WEIGHT = 0.5
MAX_SENTENCES = 2  # a passage is at most this many consecutive sentences of its chunk
EXTRA_SENTENCE_COST = 0.05  # a longer window must match clearly better to be shown instead


def item_passages(enc: EncodedItem) -> list[tuple[Passage, ...]]:
    """The supporting passages of each of the item's criteria (in criteria order)."""
    sentences: dict[int, list[_Sentence]] = {}  # per chunk, shared by the criteria
    chunk_stems = [set(content_stems(ch.text)) for ch in enc.chunks]
    return [_criterion_passages(enc, i, chunk_stems, sentences) for i in range(len(enc.criteria))]


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    words: tuple[tuple[str, str], ...]  # distinct content words (word, stem)


def _sentences(chunk: Chunk) -> list[_Sentence]:
    return [_Sentence(a, b, text_view(chunk.text[a:b]).content_words) for a, b in sentence_spans(chunk.text)]


def _criterion_passages(
    enc: EncodedItem, criterion_index: int, chunk_stems: list[set[str]], cache: dict[int, list[_Sentence]]
) -> tuple[Passage, ...]:
    """The passages that best support a criterion, best chunk first.

    ``similarity`` is the chunk's cosine with the criterion's model answers or own wording.
    """
    cv = enc.criteria[criterion_index]
    if not enc.chunks or cv.target_vecs.shape[0] == 0:
        return ()
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
    words = _criterion_words(cv)
    out = []
    for i in top:
        ch = enc.chunks[int(i)]
        if int(i) not in cache:
            cache[int(i)] = _sentences(ch)
        start, end = _focus(ch, cache[int(i)], words, enc.word_vecs)
        out.append(Passage(source=ch.source, locator=ch.locator, start=ch.start + start, end=ch.start + end,
                           text=ch.text[start:end], similarity=float(sims[i])))
    return tuple(out)


def _criterion_words(cv: CriterionView) -> dict[str, str]:
    """Content words (word -> stem) that set this criterion apart: its own wording and exemplars.

    A badge's shared model answers are left out: they are the same for every criterion.
    """
    texts = [cv.criterion.title, cv.criterion.description, *cv.criterion.levels, *cv.criterion.exemplars]
    return dict(text_view("\n".join(t for t in texts if t)).content_words)


def _focus(
    chunk: Chunk, sentences: list[_Sentence], criterion_words: Mapping[str, str], word_vecs: Mapping[str, np.ndarray]
) -> tuple[int, int]:
    """Return the (start, end) in ``chunk.text`` of the window of sentences that best matches the
    criterion's words: soft F1 over word vectors (an exact stem counts as a full match).

    The whole chunk when it is one sentence or nothing matches.
    """
    if len(sentences) <= 1 or not criterion_words:
        return 0, len(chunk.text)
    crit_vecs = [word_vecs[w] for w in criterion_words if w in word_vecs]
    crit_mat = np.stack(crit_vecs) if crit_vecs else np.zeros((0, 1), np.float32)
    crit_stems = set(criterion_words.values())
    # Per sentence: each word's best match in the criterion (precision side) and, for each
    # criterion word, its best match in the sentence (recall side).
    best_word: list[dict[str, float]] = []
    best_crit: list[np.ndarray] = []
    for sent in sentences:
        has_vec = [w in word_vecs for w, _ in sent.words]
        vecs = [word_vecs[w] for (w, _), h in zip(sent.words, has_vec, strict=True) if h]
        if vecs and crit_vecs:
            sims = crit_mat @ np.stack(vecs).T
            word_best, crit_best = iter(sims.max(axis=0).tolist()), sims.max(axis=1)
        else:
            word_best, crit_best = iter([0.0] * len(vecs)), np.zeros(len(crit_vecs))
        per_word = {}
        for (w, st), h in zip(sent.words, has_vec, strict=True):
            match = next(word_best) if h else 0.0
            per_word[w] = 1.0 if st in crit_stems else match
        best_word.append(per_word)
        best_crit.append(crit_best)
    best, best_score = (0, len(chunk.text)), 0.0
    for i in range(len(sentences)):
        for j in range(i, min(i + MAX_SENTENCES, len(sentences))):
            window = {w: m for k in range(i, j + 1) for w, m in best_word[k].items()}
            if not window:
                continue
            precision = sum(window.values()) / len(window)
            recall = float(np.max(best_crit[i : j + 1], axis=0).mean()) if crit_vecs else 0.0
            score = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
            score *= 1.0 - EXTRA_SENTENCE_COST * (j - i)
            if score > best_score + 1e-9:
                best, best_score = (sentences[i].start, sentences[j].end), score
    return best
