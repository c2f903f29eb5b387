"""Word-level comparison of evidence with reference texts: tokens, overlap, tf-idf."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from functools import lru_cache

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "us",
        "thing",
        "things",
        "way",
        "something",
        "e",
        "g",
        "ie",
        "eg",
        "etc",
    ]
)


def words(text: str) -> list[str]:
    """Return the lower-cased word tokens of ``text``."""
    return _TOKEN.findall(text.lower())


@lru_cache(maxsize=65_536)  # called for every word of every text; vocabularies are small
def stem(word: str) -> str:
    """Return a crude English stem (plural, -ing, -ed, -ly, -tion stripped) of ``word``."""
    w = word.replace("’", "'").split("'")[0]
    for suffix in (
        "ational",
        "ization",
        "ations",
        "ation",
        "ness",
        "ments",
        "ment",
        "ingly",
        "ings",
        "ing",
        "edly",
        "ies",
        "ied",
        "ed",
        "ly",
        "es",
        "er",
        "s",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w


def content_stems(text: str) -> list[str]:
    """Return the stems of ``text``'s content words (stop words and single letters dropped)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def stopword_ratio(text: str) -> float:
    """Return the share of ``text``'s words that are function words (0 for no words)."""
    toks = words(text)
    return sum(w in STOPWORDS for w in toks) / len(toks) if toks else 0.0


def overlap(answer: AbstractSet[str], target: AbstractSet[str], demoted: AbstractSet[str]) -> tuple[float, float]:
    """Return (recall, precision) of ``answer`` stems against ``target`` minus ``demoted`` ones.

    Words of the question are demoted (removed from both sides) so that restating the prompt
    earns nothing; if demoting empties the target the undemoted sets are compared instead.
    """
    tgt = target - demoted
    ans = answer - demoted
    if not tgt:
        tgt, ans = target, answer
    if not tgt or not ans:
        return 0.0, 0.0
    hit = len(ans & tgt)
    return hit / len(tgt), hit / len(ans)


class Idf:
    """Inverse document frequencies over a corpus of texts (stems), smoothed."""

    def __init__(self, docs: Iterable[Iterable[str]] = (), *, df: Mapping[str, int] | None = None, n: int = 0) -> None:
        self.df: Counter[str] = Counter(df or {})
        self.n = n
        # tf-idf vectors already built: a batch compares every submission with the same targets.
        self._vectors: dict[tuple[tuple[str, ...], frozenset[str]], dict[str, float]] = {}
        self._weights: dict[str, float] = {}
        for doc in docs:
            self.add(doc)

    def add(self, doc: Iterable[str]) -> None:
        """Count one more document's distinct stems."""
        self.df.update(set(doc))
        self.n += 1
        self._vectors.clear()
        self._weights.clear()

    def frequent(self, limit: int, min_df: int = 2) -> dict[str, int]:
        """Return the ``limit`` highest document frequencies of at least ``min_df``."""
        return {s: c for s, c in self.df.most_common(limit) if c >= min_df}

    def weight(self, stem_: str) -> float:
        """Return the smoothed idf of ``stem_``."""
        w = self._weights.get(stem_)
        if w is None:
            w = self._weights[stem_] = math.log((1 + self.n) / (1 + self.df.get(stem_, 0))) + 1.0
        return w

    def vector(self, stems: Iterable[str], demoted: AbstractSet[str] = frozenset()) -> dict[str, float]:
        """Return the tf-idf vector of ``stems`` with ``demoted`` stems left out.

        Do not modify the result: vectors of the same stems are shared until the next ``add``.
        """
        key = (tuple(stems), frozenset(demoted))
        vec = self._vectors.get(key)
        if vec is None:
            # The undemoted vector is shared by every demoted variant: a batch compares each
            # submission with several criteria, each demoting its own question's words.
            full_key: tuple[tuple[str, ...], frozenset[str]] = (key[0], frozenset())
            full = self._vectors.get(full_key)
            if full is None:
                tf = Counter(key[0])
                full = self._vectors[full_key] = {s: (1 + math.log(c)) * self.weight(s) for s, c in tf.items()}
            vec = self._vectors[key] = {s: x for s, x in full.items() if s not in demoted} if demoted else full
        return vec


def cosine(u: Mapping[str, float], v: Mapping[str, float]) -> float:
    """Return the cosine of two sparse vectors (0 if either is empty)."""
    if not u or not v:
        return 0.0
    if len(u) > len(v):
        u, v = v, u
    dot = sum(x * v.get(k, 0.0) for k, x in u.items())
    nu = math.sqrt(sum(x * x for x in u.values()))
    nv = math.sqrt(sum(x * x for x in v.values()))
    return dot / (nu * nv) if nu and nv else 0.0
