"""Offline quality of the Laurel recommender on coco-udemy, beside the research baselines.

Protocol (shared/research/recommender.md §2, implemented in recommender/evaluation.py):
next-item prediction with full-catalogue ranking on split A (leave-last-out) and split B
(global 80th-percentile time cut); splits V (A on data without every user's last item) and
W (B on the data before B's cut) are the tuning splits, the only ones used to choose
weights. A seeded sample of 5,000 users per split (seed 0). Metrics: Recall@5/@10, NDCG@10,
MRR@10, coverage@10, repeat@10, invalid ids, prerequisite breaches (share of items), NDCG
vs popularity, latency p50/p95 per request (one Python call per learner, one thread).

Baselines measured in the same run: popularity; cooc (co-occurrence, cosine, recency 0.8 per
step back); content (mean MiniLM vector of the history, exact search); hybrid (0.5 content +
0.5 cooc, each max-normalised); als (``implicit`` 0.7.3: 64 factors, reg 0.05, 15 iterations,
confidence 20, user folded in per request; skipped when implicit is not installed).
"laurel" is recommender.recommend() with its default weights, the product's ranking.

Rerun from the repository root (the first run encodes the 8,196 course texts with MiniLM,
2-5 minutes, cached in benchmarks/out/cache/):

    .venv/bin/python benchmarks/recommend_quality.py                 # splits A and B
    .venv/bin/python benchmarks/recommend_quality.py --splits V      # tuning split
    .venv/bin/python benchmarks/recommend_quality.py --methods laurel --weights '{"content": 0.3}'
    .venv/bin/python benchmarks/recommend_quality.py --splits A --derived-prereqs 300   # the gate
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings import MODEL_VERSION, content_hash  # noqa: E402
from recommender.batch import parse_catalog  # noqa: E402
from recommender.catalog import Catalog, badge_text  # noqa: E402
from recommender.evaluation import Event, Split, make_split, next_item_metrics  # noqa: E402
from recommender.history import CoOccurrence  # noqa: E402
from recommender.index import BadgeIndex, configure_threads  # noqa: E402
from recommender.profile import LearnerProfile  # noqa: E402
from recommender.ranking import recommend  # noqa: E402
from recommender.signals import Weights  # noqa: E402
from recommender.trending import Trending  # noqa: E402

DATA = ROOT.parent / "shared/data/recsys/coco-udemy"
OUT = ROOT / "benchmarks/out"
METHODS = ("popularity", "cooc", "content", "hybrid", "als", "laurel")
NOW = datetime(2018, 1, 1, tzinfo=UTC)


def load_events(path: Path) -> list[Event]:
    """Read interactions.csv (user_id,item_id,timestamp) into events."""
    events = []
    with open(path, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            user, item, stamp = line.rstrip("\n").split(",")
            events.append(Event(user, item, float(stamp)))
    return events


def item_vectors(catalog: Catalog, ids: Sequence[str], cache: Path) -> np.ndarray:
    """Return MiniLM vectors of the items' badge_text, encoding only what the cache lacks."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "coco_vectors.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        data = np.load(path)
        if str(data["model_version"]) == MODEL_VERSION:
            known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    texts = [badge_text(catalog[b]) for b in ids]
    keys = [content_hash(t) for t in texts]
    missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in known]
    if missing:
        from embeddings import default_encoder

        print(f"encoding {len(missing)} item texts (cached afterwards)...", file=sys.stderr)
        fresh = default_encoder().encode([t for _, t in missing])
        known.update(zip([k for k, _ in missing], fresh, strict=True))
        np.savez(
            path,
            keys=np.array(list(known)),
            vectors=np.stack(list(known.values())),
            model_version=np.array(MODEL_VERSION),
        )
    return np.stack([known[k] for k in keys]).astype(np.float32)


class Methods:
    """The baselines and Laurel's ranking, fitted on one split's training histories."""

    def __init__(
        self,
        catalog: Catalog,
        vectors: np.ndarray,
        split: Split,
        weights: dict[str, Any],
        fit: dict[str, Any],
    ) -> None:
        self.catalog = catalog
        self.ids = list(catalog)
        self.pos = {b: i for i, b in enumerate(self.ids)}
        self.vectors = vectors
        n = len(self.ids)
        rows, cols = [], []
        for u, items in enumerate(split.train.values()):
            for item in items:
                if item in self.pos:
                    rows.append(u)
                    cols.append(self.pos[item])
        self.train = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(split.train), n))
        self.pop = np.asarray(self.train.sum(axis=0)).ravel()
        counts = (self.train.T @ self.train).tocsr()
        counts.setdiag(0)
        counts.eliminate_zeros()
        inv = sp.diags(1.0 / np.sqrt(np.maximum(self.pop, 1.0)))
        self.cos = (inv @ counts @ inv).tocsr()
        self.tiebreak = 1e-9 * self.pop / max(1.0, float(self.pop.max()))
        self.weights = Weights(**weights)
        self.model = CoOccurrence.fit([[i for i in h if i in self.pos] for h in split.train.values()], **fit)
        self.index = BadgeIndex.build(self.ids, vectors, model_version=MODEL_VERSION)
        events = split.train_events()
        self.trending = Trending.from_events(events, until=max(t for _, t in events) + 1)
        self._als: Any = None

    def _rows(self, history: Sequence[str]) -> list[int]:
        return [self.pos[i] for i in history if i in self.pos]

    def _top(self, scores: np.ndarray, held: list[int], k: int = 10) -> list[str]:
        scores = scores + self.tiebreak
        scores[held] = -np.inf
        top = np.argpartition(-scores, k)[:k]
        return [self.ids[i] for i in top[np.argsort(-scores[top])]]

    def _cooc(self, rows: list[int]) -> np.ndarray:
        weights = 0.8 ** np.arange(len(rows))[::-1]
        return np.asarray(self.cos[rows].T @ weights).ravel()

    def _content(self, rows: list[int]) -> np.ndarray:
        query = self.vectors[rows].mean(axis=0)
        query /= max(1e-12, float(np.linalg.norm(query)))
        return self.vectors @ query

    def popularity(self, user: str, history: Sequence[str]) -> list[str]:
        """Most earned items not yet held."""
        return self._top(np.zeros(len(self.ids)), self._rows(history))

    def cooc(self, user: str, history: Sequence[str]) -> list[str]:
        """Recency-weighted cosine co-occurrence."""
        rows = self._rows(history)
        return self._top(self._cooc(rows), rows)

    def content(self, user: str, history: Sequence[str]) -> list[str]:
        """Nearest items to the mean history vector."""
        rows = self._rows(history)
        return self._top(self._content(rows), rows)

    def hybrid(self, user: str, history: Sequence[str]) -> list[str]:
        """0.5 content + 0.5 cooc, each max-normalised."""
        rows = self._rows(history)
        c, o = self._content(rows), self._cooc(rows)
        return self._top(0.5 * c / max(1e-12, c.max()) + 0.5 * o / max(1e-12, o.max()), rows)

    def als(self, user: str, history: Sequence[str]) -> list[str]:
        """implicit ALS with the user folded in from their query history."""
        rows = self._rows(history)
        liked = sp.csr_matrix(
            (np.full(len(rows), 20.0, np.float32), ([0] * len(rows), rows)),
            shape=(1, len(self.ids)),
        )
        ids, _ = self._als.recommend(0, liked, N=10, recalculate_user=True)
        return [self.ids[int(i)] for i in ids]

    def laurel(self, user: str, history: Sequence[str]) -> list[str]:
        """The product's ranking (recommender.recommend)."""
        profile = LearnerProfile(user, earned=tuple(i for i in history if i in self.pos))
        result = recommend(
            profile,
            self.catalog,
            self.index,
            cooccurrence=self.model,
            now=NOW,
            weights=self.weights,
            trending=self.trending,
        )
        return [r.badge_id for r in result.items]

    def prepare_als(self) -> str | None:
        """Fit ALS if implicit is installed; return why not otherwise."""
        try:
            from implicit.als import AlternatingLeastSquares
            from threadpoolctl import threadpool_limits
        except ImportError:
            return "pip install implicit==0.7.3"
        with threadpool_limits(1, "blas"):
            self._als = AlternatingLeastSquares(factors=64, regularization=0.05, iterations=15, random_state=0)
            self._als.fit((self.train * 20.0).tocsr(), show_progress=False)
        return None


def run_method(fn: Callable[[str, Sequence[str]], list[str]], split: Split) -> tuple[dict[str, list[str]], list[float]]:
    """Run one method on every case, timing each request."""
    lists, latencies = {}, []
    for user, (history, _target) in split.cases.items():
        started = time.perf_counter()
        lists[user] = fn(user, history)
        latencies.append(time.perf_counter() - started)
    return lists, latencies


def per_user_ndcg(lists: dict[str, list[str]], split: Split) -> np.ndarray:
    """Return each case's NDCG@10 (one target: 1/log2(rank+1) if in the top 10, else 0)."""
    gains = []
    for user, (_history, target) in split.cases.items():
        top = lists[user][:10]
        gains.append(1 / np.log2(top.index(target) + 2) if target in top else 0.0)
    return np.asarray(gains)


def paired_bootstrap(a: np.ndarray, b: np.ndarray, rounds: int = 2000) -> tuple[float, float]:
    """Return the 95% interval of mean(a - b) over users resampled with replacement (seed 0)."""
    rng = np.random.default_rng(0)
    diff = a - b
    means = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(rounds)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def derive_prerequisites(catalog: Catalog, split: Split, pairs: int) -> Catalog:
    """Return ``catalog`` with prerequisites derived from the split's training histories.

    coco-udemy has none, so the gate would be untested: the ``pairs`` most frequent ordered
    pairs (i earned before j by >= 20 learners, and i before j in >= 90% of the learners
    holding both) become "j requires i" (one prerequisite per badge).
    """
    before: dict[tuple[str, str], int] = {}
    for items in split.train.values():
        for a, first in enumerate(items):
            for later in items[a + 1 :]:
                before[(first, later)] = before.get((first, later), 0) + 1
    ranked = sorted(
        (
            (count, pair)
            for pair, count in before.items()
            if count >= 20 and count >= 0.9 * (count + before.get((pair[1], pair[0]), 0))
        ),
        reverse=True,
    )
    required: dict[str, str] = {}
    for _count, (first, later) in ranked:
        if len(required) >= pairs:
            break
        if later not in required and first not in required and first in catalog:
            required[later] = first
    return Catalog(
        replace(item, prerequisites=(required[b],)) if b in required else item for b, item in catalog.items()
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one row per split and method."""
    parser = argparse.ArgumentParser(description="Laurel recommender quality on coco-udemy")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--splits", default="A,B")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--weights", default="{}", help="JSON overrides of signals.Weights")
    parser.add_argument("--fit", default="{}", help="JSON kwargs of CoOccurrence.fit")
    parser.add_argument(
        "--derived-prereqs",
        type=int,
        default=0,
        metavar="N",
        help="give N badges a prerequisite derived from training order",
    )
    parser.add_argument("--json", type=Path, default=OUT / "recommend_quality.json")
    args = parser.parse_args(argv)

    with open(args.data / "items.jsonl", encoding="utf-8") as fh:
        catalog = base_catalog = parse_catalog(fh, "items.jsonl")
    events = load_events(args.data / "interactions.csv")
    vectors = item_vectors(catalog, list(catalog), OUT / "cache")
    results = []
    print(
        f"{'split':<6}{'method':<11}{'R@5':>8}{'R@10':>8}{'NDCG@10':>9}{'MRR@10':>8}"
        f"{'cov@10':>8}{'repeat':>8}{'prereq':>8}{'invalid':>8}{'vs pop':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}"
    )
    for name in args.splits.split(","):
        split = make_split(events, name, args.users, args.seed)
        if args.derived_prereqs:
            catalog = derive_prerequisites(base_catalog, split, args.derived_prereqs)
        prereqs = {b: catalog[b].prerequisites for b in catalog if catalog[b].prerequisites}
        configure_threads(os.cpu_count() or 1)  # fitting may use every core
        methods = Methods(catalog, vectors, split, json.loads(args.weights), json.loads(args.fit))
        configure_threads(1)  # requests are served one thread per process, as in web workers
        pop_ndcg = 0.0
        gains: dict[str, np.ndarray] = {}
        for method in args.methods.split(","):
            if method == "als" and (why := methods.prepare_als()) is not None:
                print(f"{name:<6}{method:<11} skipped: {why}")
                continue
            lists, latencies = run_method(getattr(methods, method), split)
            m = next_item_metrics(lists, split.cases, catalog, prereqs)
            gains[method] = per_user_ndcg(lists, split)
            lat = np.asarray(latencies) * 1000
            m["p50_ms"], m["p95_ms"] = float(np.percentile(lat, 50)), float(np.percentile(lat, 95))
            pop_ndcg = m["NDCG@10"] if method == "popularity" else pop_ndcg
            ratio = m["NDCG@10"] / pop_ndcg if pop_ndcg else float("nan")
            results.append({"split": name, "method": method, "users": len(split.cases), **m})
            print(
                f"{name:<6}{method:<11}{m['R@5']:>8.4f}{m['R@10']:>8.4f}{m['NDCG@10']:>9.4f}"
                f"{m['MRR@10']:>8.4f}{m['coverage@10']:>8.3f}{m['repeat@10']:>8.3f}"
                f"{m['prereq_items']:>8.3f}{int(m['invalid']):>8d}{ratio:>7.2f}x"
                f"{m['p50_ms']:>8.2f}{m['p95_ms']:>8.2f}",
                flush=True,
            )
        others = {m: g.mean() for m, g in gains.items() if m != "laurel"}
        if "laurel" in gains and others:
            best = max(others, key=lambda m: others[m])
            lo, hi = paired_bootstrap(gains["laurel"], gains[best])
            print(
                f"{name:<6}laurel - {best} NDCG@10: {gains['laurel'].mean() - others[best]:+.4f} "
                f"(95% paired bootstrap over users: {lo:+.4f} .. {hi:+.4f})",
                flush=True,
            )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
