"""Turn evidence items into vectors and feature rows, with one model call per batch."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assessment.chunking import Chunk, chunk_segments, sentence_spans
from assessment.features import TextView, WordVectors, content_features, word_matrix
from assessment.lexical import STOPWORDS, Idf, stem, words
from assessment.rubric import Criterion, criterion_targets, criterion_text
from assessment.submission import EvidenceItem
from embeddings import Encoder


@dataclass(frozen=True)
class CriterionView:
    """A criterion's targets and question, as vectors and stems."""

    criterion: Criterion
    target_vecs: np.ndarray = field(compare=False)
    targets: tuple[TextView, ...]
    question_vec: np.ndarray | None = field(compare=False)
    question: TextView
    own_vec: np.ndarray | None = field(default=None, compare=False)  # title + description + levels
    # Per target: vectors of its content words, question words demoted (for soft alignment).
    target_words: tuple[np.ndarray | None, ...] = field(default=(), compare=False)
    # Content words (word, stem) that set this criterion apart, and their vectors (for passages).
    own_words: tuple[tuple[str, str], ...] = ()
    own_word_vecs: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class EncodedItem:
    """An evidence item with its chunks, their vectors and its document vector."""

    item: EvidenceItem
    chunks: tuple[Chunk, ...]
    chunk_vecs: np.ndarray = field(compare=False)
    doc_vec: np.ndarray = field(compare=False)
    evidence: TextView
    criteria: tuple[CriterionView, ...]
    rubric_vec: np.ndarray | None = field(compare=False)
    rubric: TextView
    word_vecs: Mapping[str, np.ndarray] = field(compare=False, repr=False)


# Word vectors are for soft alignment; long documents keep their first distinct words only.
MAX_ALIGN_WORDS = 300


@functools.lru_cache(maxsize=4096)  # rubric texts recur in every batch; views are immutable
def text_view(text: str) -> TextView:
    """Return the stems, word count and distinct content words of ``text``."""
    toks = words(text)
    content = [w for w in toks if w not in STOPWORDS and len(w) > 1]
    stems = [stem(w) for w in content]
    distinct = tuple(dict.fromkeys(zip(content, stems, strict=True)))[:MAX_ALIGN_WORDS]
    return TextView(tuple(stems), frozenset(stems), len(toks), distinct)


def _question_text(item: EvidenceItem, criterion: Criterion) -> str:
    """Words the learner was given: demoted, since repeating them shows nothing."""
    own = criterion_text(criterion)
    uses_own_wording = not criterion.exemplars and not any(r.strip() for r in item.references)
    parts = [item.prompt] if uses_own_wording else [item.prompt, own]
    return "\n".join(p for p in parts if p.strip())


OVERALL = "overall"


def item_criteria(item: EvidenceItem) -> tuple[Criterion, ...]:
    """Return the item's criteria, or one "overall" criterion for an item without any."""
    return item.criteria or (Criterion(id=OVERALL, title="Overall", description=item.prompt),)


def own_words(criterion: Criterion, assigned: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    """Content words (word, stem) that set a criterion apart: its own wording and exemplars, and
    the sentences of the badge's model answers ``assigned`` to it (:func:`assign_reference_sentences`).
    """
    texts = [criterion.title, criterion.description, *criterion.levels, *criterion.exemplars, *assigned]
    return text_view("\n".join(t for t in texts if t)).content_words


def assign_reference_sentences(
    item: EvidenceItem, word_vecs: Mapping[str, np.ndarray]
) -> dict[str, tuple[str, ...]]:
    """Split the badge's model answers by criterion: each sentence goes to the criterion without
    exemplars whose own wording it matches best (soft F1 over word vectors, an exact stem a full
    match).

    A model answer usually covers every criterion, so as a whole it tells them nothing apart;
    its sentences, each given to the criterion it speaks to, act as that criterion's exemplars.
    """
    criteria = [c for c in item_criteria(item) if not any(e.strip() for e in c.exemplars)]
    sentences = [ref[a:b] for ref in item.references for a, b in sentence_spans(ref)]
    if len(criteria) < 2 or not sentences:
        return {c.id: tuple(sentences) for c in criteria}
    words = [_word_rows(own_words(c), word_vecs) for c in criteria]
    out: dict[str, list[str]] = {c.id: [] for c in criteria}
    for sentence in sentences:
        mine = _word_rows(text_view(sentence).content_words, word_vecs)
        if mine[0].shape[0] == 0:
            continue
        best = int(np.argmax([_soft_f1(mine, theirs) for theirs in words]))
        out[criteria[best].id].append(sentence)
    return {cid: tuple(v) for cid, v in out.items()}


def _word_rows(words: Sequence[tuple[str, str]], word_vecs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """The vectors of ``words`` that have one, with their stems."""
    kept = [(w, st) for w, st in words if w in word_vecs]
    dim = next(iter(word_vecs.values())).shape[0] if word_vecs else 1
    vecs = np.stack([word_vecs[w] for w, _ in kept]) if kept else np.zeros((0, dim), np.float32)
    return vecs, [st for _, st in kept]


def _soft_f1(a: tuple[np.ndarray, list[str]], b: tuple[np.ndarray, list[str]]) -> float:
    """Soft F1 of two word sets: each word's best cosine in the other set (1 for the same stem)."""
    if a[0].shape[0] == 0 or b[0].shape[0] == 0:
        return 0.0
    sims = a[0] @ b[0].T
    same = np.asarray(a[1])[:, None] == np.asarray(b[1])[None, :]
    sims = np.where(same, 1.0, sims)
    precision, recall = float(sims.max(axis=1).mean()), float(sims.max(axis=0).mean())
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _rubric_text(item: EvidenceItem) -> str:
    parts = [item.prompt, *(criterion_text(c) for c in item_criteria(item))]
    return "\n".join(p for p in parts if p.strip())


RubricKey = tuple[str, tuple[Criterion, ...], tuple[str, ...]]


def rubric_key(item: EvidenceItem) -> RubricKey:
    """What makes two items' rubrics the same: prompt, criteria and references."""
    return item.prompt, item.criteria, item.references


def rubric_texts(item: EvidenceItem) -> list[str]:
    """Return the texts an item's badge contributes to a batch, whatever the evidence says:
    criterion targets, questions and wording, the rubric text, and their content words.

    They are the same for every submission to one badge version, so a worker can encode them
    before the first submission arrives (see :func:`warm_up_rubrics`).
    """
    return list(_rubric_texts(*rubric_key(item)))


@functools.lru_cache(maxsize=1024)  # every batch asks again for each badge's rubric
def _rubric_texts(prompt: str, criteria: tuple[Criterion, ...], references: tuple[str, ...]) -> tuple[str, ...]:
    item = EvidenceItem(id="", badge_id="", owner="", criteria=criteria, segments=(), references=references,
                        prompt=prompt)  # the rubric alone: what rubric_key says the texts depend on
    out: dict[str, None] = {}
    for c in item_criteria(item):
        targets = criterion_targets(c, item.references)
        for t in (*targets, _question_text(item, c), criterion_text(c)):
            out[t] = None
        for t in (*targets, criterion_text(c)):
            out.update((w, None) for w, _ in text_view(t).content_words)
    out[_rubric_text(item)] = None
    return tuple(t for t in out if t.strip())


def warm_up_rubrics(
    items: Iterable[EvidenceItem], encoder: Encoder, extra_words: Iterable[str] = (), *, limit: int | None = None
) -> int:
    """Encode the rubric texts of ``items`` (one per badge is enough) and ``extra_words`` (a
    history's words) so that a caching encoder holds them before the first batch arrives.

    At most ``limit`` texts, rubrics first: more than the cache holds would only evict each
    other. Returns how many texts were sent to the encoder.
    """
    texts = list(dict.fromkeys([*(t for it in items for t in rubric_texts(it)), *extra_words]))[:limit]
    if texts:
        encoder.encode(texts)
    return len(texts)


def encode_items(items: Sequence[EvidenceItem], encoder: Encoder, extra_words: Iterable[str] = ()) -> list[EncodedItem]:
    """Chunk every item and encode all chunks, targets, questions and words in one encoder call.

    ``extra_words`` (e.g. a badge history's words) get word vectors in the same call.
    """
    chunked = [tuple(chunk_segments(it.segments)) for it in items]
    texts: dict[str, int] = {}

    def want(text: str) -> None:
        if text.strip() and text not in texts:
            texts[text] = len(texts)

    views: dict[str, TextView] = {}

    def viewed(text: str) -> TextView:
        if text not in views:
            views[text] = text_view(text)
        return views[text]

    word_set: set[str] = set()
    for w in extra_words:
        want(w)
        word_set.add(w)
    rubrics_seen: set[RubricKey] = set()
    for it, chunks in zip(items, chunked, strict=True):
        for ch in chunks:
            want(ch.text)
        if rubric_key(it) not in rubrics_seen:
            rubrics_seen.add(rubric_key(it))
            for t in rubric_texts(it):
                want(t)
        for w, _ in viewed(it.text).content_words:
            want(w)
            word_set.add(w)
    for it in items:
        for c in item_criteria(it):
            for t in (*criterion_targets(c, it.references), criterion_text(c)):
                word_set.update(w for w, _ in viewed(t).content_words)
    vecs = encoder.encode(list(texts)) if texts else np.zeros((0, encoder.dim), np.float32)
    vecs = np.asarray(vecs, dtype=np.float32)

    word_vecs = {w: vecs[texts[w]] for w in word_set}

    def vec(text: str) -> np.ndarray | None:
        i = texts.get(text)
        return None if i is None else vecs[i]

    def criterion_view(it: EvidenceItem, c: Criterion, assigned: Mapping[str, tuple[str, ...]]) -> CriterionView:
        tgts = criterion_targets(c, it.references)
        tvecs = [tv for t in tgts if (tv := vec(t)) is not None]
        question = _question_text(it, c)
        q = viewed(question)
        own = own_words(c, assigned.get(c.id, ()))
        own_vecs = [word_vecs[w] for w, _ in own if w in word_vecs]
        return CriterionView(
            criterion=c,
            target_vecs=np.stack(tvecs) if tvecs else np.zeros((0, encoder.dim)),
            targets=tuple(viewed(t) for t in tgts),
            question_vec=vec(question),
            question=q,
            own_vec=vec(criterion_text(c)),
            target_words=tuple(
                word_matrix([w for w, _ in viewed(t).content_words], q.stem_set, word_vecs) for t in tgts
            ),
            own_words=own,
            own_word_vecs=np.stack(own_vecs) if own_vecs else None,
        )

    # Items of one badge version share their criterion views: built once per batch.
    shared: dict[RubricKey, tuple[CriterionView, ...]] = {}
    out: list[EncodedItem] = []
    for it, chunks in zip(items, chunked, strict=True):
        chunk_vecs = (
            np.stack([vecs[texts[ch.text]] for ch in chunks]) if chunks else np.zeros((0, encoder.dim), np.float32)
        )
        doc = _doc_vector(chunk_vecs, [len(ch.text) for ch in chunks], encoder.dim)
        key = rubric_key(it)
        if key not in shared:
            assigned = assign_reference_sentences(it, word_vecs)
            shared[key] = tuple(criterion_view(it, c, assigned) for c in item_criteria(it))
        cviews = shared[key]
        rubric = _rubric_text(it)
        out.append(
            EncodedItem(
                item=it,
                chunks=chunks,
                chunk_vecs=chunk_vecs,
                doc_vec=doc,
                evidence=viewed(it.text),
                criteria=cviews,
                rubric_vec=vec(rubric),
                rubric=viewed(rubric),
                word_vecs=word_vecs,
            )
        )
    return out


def _doc_vector(chunk_vecs: np.ndarray, lengths: Sequence[int], dim: int) -> np.ndarray:
    """Length-weighted mean of chunk vectors, renormalised (zeros for no text)."""
    if chunk_vecs.shape[0] == 0:
        return np.zeros(dim, dtype=np.float32)
    w = np.asarray(lengths, dtype=np.float32)[:, None]
    mean = (chunk_vecs * w).sum(axis=0) / w.sum()
    norm = float(np.linalg.norm(mean))
    out: np.ndarray = (mean / norm if norm else mean).astype(np.float32)
    return out


def build_idf(encoded: Sequence[EncodedItem]) -> Idf:
    """Return idf weights over the evidence and targets of ``encoded`` (targets counted once)."""
    idf = Idf()
    seen_targets: set[tuple[str, ...]] = set()
    for enc in encoded:
        idf.add(enc.evidence.stems)
        for cv in enc.criteria:
            for t in cv.targets:
                if t.stems not in seen_targets:
                    seen_targets.add(t.stems)
                    idf.add(t.stems)
    return idf


def criterion_rows(enc: EncodedItem, idf: Idf) -> np.ndarray:
    """Return one CONTENT_FEATURES row per criterion of ``enc`` (shape n_criteria x n)."""
    evidence_words = WordVectors.of(enc.evidence.content_words, enc.word_vecs)
    return np.stack(
        [
            content_features(
                enc.chunk_vecs,
                enc.doc_vec,
                enc.evidence,
                cv.target_vecs,
                cv.targets,
                cv.question_vec,
                cv.question,
                idf,
                evidence_words.kept(cv.question.stem_set),
                cv.target_words,
            )
            for cv in enc.criteria
        ]
    )


def item_row(enc: EncodedItem, rows: np.ndarray) -> np.ndarray:
    """Return the criteria rows averaged by criterion weight (the item's content features)."""
    w = np.asarray([max(cv.criterion.weight, 0.0) for cv in enc.criteria], dtype=np.float64)
    if w.sum() <= 0:
        w = np.ones_like(w)
    out: np.ndarray = (rows * w[:, None]).sum(axis=0) / w.sum()
    return out
