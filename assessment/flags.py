"""Flags a reviewer should see: duplicates, restated prompts, stuffing, thin or off-topic text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assessment.featurize import EncodedItem
from assessment.lexical import stopword_ratio, words
from assessment.submission import Flag, Peer

MIN_WORDS = 5
DUPLICATE_COSINE = 0.95
RESTATE_NOVEL_SHARE = 0.1  # at most this share of the evidence's words is not in the prompt
OFF_TOPIC_COSINE = 0.12
OFF_TOPIC_SHARED = 0.2  # at most this share of its words appear in the rubric or references
OFF_TOPIC_MIN_WORDS = 10
STUFFING_STOPWORD_RATIO = 0.1
STUFFING_TARGET_SHARE = 0.6
STUFFING_MIN_WORDS = 5


def _target_stems(enc: EncodedItem) -> set[str]:
    out: set[str] = set(enc.rubric.stem_set)
    for cv in enc.criteria:
        for t in cv.targets:
            out |= t.stem_set
    return out


def restates_prompt(enc: EncodedItem) -> bool:
    """True when the evidence adds (almost) no word to what the prompt and rubric say."""
    distinct = enc.evidence.stem_set
    if len(distinct) < 3 or not enc.rubric.stem_set:
        return False
    novel = distinct - enc.rubric.stem_set
    return len(novel) / len(distinct) <= RESTATE_NOVEL_SHARE


def keyword_stuffing(enc: EncodedItem) -> bool:
    """True for the badge's own keywords strung together without sentences, or repeated."""
    text = enc.item.text
    n = len(words(text))
    stems = enc.evidence.stems
    if n < STUFFING_MIN_WORDS or not stems:
        return False
    distinct = enc.evidence.stem_set
    from_targets = len(distinct & _target_stems(enc)) / len(distinct)
    ratio = stopword_ratio(text)
    no_sentences = ratio < STUFFING_STOPWORD_RATIO and from_targets >= STUFFING_TARGET_SHARE
    repeated = len(stems) >= 20 and len(distinct) / len(stems) < 0.25 and ratio < 0.15
    return no_sentences or repeated


def off_topic(enc: EncodedItem, best_cosine: float) -> bool:
    """True when a substantial text resembles neither the rubric nor the references at all."""
    if not enc.chunks or enc.evidence.n_words < OFF_TOPIC_MIN_WORDS:
        return False
    rub = 0.0
    if enc.rubric_vec is not None:
        rub = float((enc.chunk_vecs @ enc.rubric_vec).max())
    distinct = enc.evidence.stem_set
    shared = len(distinct & _target_stems(enc)) / max(len(distinct), 1)
    return max(best_cosine, rub) < OFF_TOPIC_COSINE and shared <= OFF_TOPIC_SHARED


def near_duplicates(enc: EncodedItem, peers: Sequence[Peer]) -> list[Flag]:
    """Return a flag for the most similar peer of another owner above DUPLICATE_COSINE."""
    best: tuple[float, Peer] | None = None
    if not enc.chunks:
        return []
    for peer in peers:
        if peer.id == enc.item.id or peer.owner == enc.item.owner:
            continue
        vec = np.asarray(peer.vector, dtype=np.float32)
        if vec.shape != enc.doc_vec.shape:
            continue
        sim = float(vec @ enc.doc_vec)
        if sim >= DUPLICATE_COSINE and (best is None or sim > best[0]):
            best = (sim, peer)
    if best is None:
        return []
    return [
        Flag(
            "near_duplicate",
            f"evidence is {best[0]:.0%} similar to another learner's submission",
            best[1].id,
        )
    ]


def flags_for(enc: EncodedItem, best_cosine: float, peers: Sequence[Peer]) -> list[Flag]:
    """Return every flag that applies to one encoded item."""
    out: list[Flag] = []
    if enc.item.failed_files:
        names = ", ".join(enc.item.failed_files)
        out.append(Flag("extraction_failed", f"text could not be extracted from: {names}"))
    if enc.evidence.n_words < MIN_WORDS:
        out.append(Flag("too_little_text", f"only {enc.evidence.n_words} words of evidence"))
    if restates_prompt(enc):
        out.append(Flag("restates_prompt", "evidence mostly repeats the badge's prompt or rubric"))
    if keyword_stuffing(enc):
        out.append(Flag("keyword_stuffing", "evidence is a list of keywords, not sentences"))
    if off_topic(enc, best_cosine):
        out.append(Flag("off_topic", "evidence does not resemble what the badge asks for"))
    out.extend(near_duplicates(enc, peers))
    return out
