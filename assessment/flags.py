"""Flags a reviewer should see: duplicates, restated prompts, stuffing, thin or off-topic text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assessment.featurize import EncodedItem
from assessment.lexical import stopword_ratio, words
from assessment.submission import Flag, Peer

MIN_WORDS = 5
DUPLICATE_COSINE = 0.95
RESTATE_SHARE = 0.8  # share of the evidence's content words taken from the prompt / rubric
OFF_TOPIC_COSINE = 0.15
STUFFING_STOPWORD_RATIO = 0.1
STUFFING_MIN_WORDS = 8


def restates_prompt(enc: EncodedItem) -> bool:
    """True when nearly all of the evidence's content words come from the prompt and rubric."""
    stems = enc.evidence.stems
    if len(stems) < 3 or not enc.rubric.stem_set:
        return False
    share = sum(s in enc.rubric.stem_set for s in stems) / len(stems)
    return share >= RESTATE_SHARE


def keyword_stuffing(enc: EncodedItem) -> bool:
    """True for a run of keywords without sentences: few function words, or heavy repetition."""
    text = enc.item.text
    n = len(words(text))
    if n < STUFFING_MIN_WORDS:
        return False
    stems = enc.evidence.stems
    repetitive = bool(stems) and len(set(stems)) / len(stems) < 0.35
    return stopword_ratio(text) < STUFFING_STOPWORD_RATIO or repetitive


def off_topic(enc: EncodedItem, best_cosine: float) -> bool:
    """True when no passage resembles the rubric, prompt or references at all."""
    if not enc.chunks:
        return False
    rub = 0.0
    if enc.rubric_vec is not None:
        rub = float((enc.chunk_vecs @ enc.rubric_vec).max())
    return max(best_cosine, rub) < OFF_TOPIC_COSINE


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
