"""Recommendation speed at 100,000 badges and 1,000,000 learners (synthetic), one process.

What it measures, in one run:
1. Synthetic data: badge vectors (d=384) drawn from 1,000 Gaussian clusters like the
   research note's anchors (nearest-neighbour cosine ~0.6-0.7), a catalogue with tiers,
   skills, prerequisites and pathways, and 1M learner histories (mean ~6.6 badges, skewed
   to popular badges in 1-2 interest clusters) held as two int32 arrays, never as a
   1M x 384 matrix: profiles are computed per request from the history.
2. Fitting the co-occurrence model on the 1M histories (cosine: EASE is dense n^2 and only
   used up to 12k badges), building the exact and the HNSW badge index: time, RSS growth
   and snapshot size.
3. ANN quality vs exact search on 1,000 real learner profile vectors: recall@10 and
   single-query latency for HNSW efSearch in {16, 32, 64, 128, 256} and for IVF-Flat with
   nlist sqrt(n) and 4 sqrt(n) at nprobe {8, 16, 32, 64}: the figures that choose the index.
4. End to end, in process, one faiss/BLAS thread (as a web worker): recommend() for 1,000
   random learners — profile, candidate search, co-occurrence, rules, diversity, reasons —
   with the HNSW index and with the exact numpy index; p50/p95 and the overlap of the two
   top-10 lists (recall@10 of the served list against exact search).

Rerun from the repository root (about 5-10 minutes on the shared 2-core box):

    .venv/bin/python benchmarks/recommend_speed.py
    .venv/bin/python benchmarks/recommend_speed.py --badges 20000 --learners 100000   # quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recommender.catalog import BadgeItem, Catalog  # noqa: E402
from recommender.history import CoOccurrence  # noqa: E402
from recommender.index import HNSW_EF_SEARCH, BadgeIndex, configure_threads  # noqa: E402
from recommender.profile import LearnerProfile, profile_vector  # noqa: E402
from recommender.ranking import recommend  # noqa: E402

TIERS = ("foundation", "practitioner", "advanced", "expert")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
DIM = 384


def rss_mb() -> float:
    """Return this process's resident memory in MiB."""
    return psutil.Process().memory_info().rss / 2**20


def make_badges(n: int, clusters: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (unit vectors, cluster of each badge): Gaussian clusters around random centres."""
    centres = rng.standard_normal((clusters, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cluster = rng.integers(0, clusters, n)
    vectors = centres[cluster] + rng.standard_normal((n, DIM)).astype(np.float32) * 0.045
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, cluster


def make_catalog(ids: list[str], cluster: np.ndarray, rng: np.random.Generator) -> Catalog:
    """Badges with tiers, a cluster skill, prerequisites (20%) and pathways (10% of clusters)."""
    tiers = rng.integers(0, 4, len(ids))
    first_of: dict[tuple[int, int], str] = {}
    items = []
    for i, badge_id in enumerate(ids):
        c, t = int(cluster[i]), int(tiers[i])
        first_of.setdefault((c, t), badge_id)
        prereq = ()
        lower = first_of.get((c, t - 1))
        if t > 0 and lower is not None and rng.random() < 0.2:
            prereq = (lower,)
        pathways = ((f"Pathway {c}", t + 1),) if c % 10 == 0 and first_of[(c, t)] == badge_id else ()
        items.append(
            BadgeItem(
                badge_id,
                f"Badge {badge_id}",
                f"Synthetic badge {badge_id} in area {c}",
                skills=(f"skill-{c}", f"skill-{(c * 7 + t) % 1000}"),
                level=TIERS[t],
                prerequisites=prereq,
                pathways=pathways,
            )
        )
    return Catalog(items)


def make_histories(
    learners: int, cluster: np.ndarray, clusters: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (items int32, users int32, offsets int64): histories grouped by learner."""
    order = np.argsort(cluster, kind="stable")
    starts = np.searchsorted(cluster[order], np.arange(clusters + 1))
    lengths = np.minimum(3 + rng.geometric(0.22, learners) - 1, 40)
    users = np.repeat(np.arange(learners, dtype=np.int32), lengths)
    weights = 1.0 / (np.arange(clusters) + 10.0)
    primary = rng.choice(clusters, learners, p=weights / weights.sum())
    secondary = rng.integers(0, clusters, learners)
    own = np.where(rng.random(len(users)) < 0.8, primary[users], secondary[users])
    size = starts[own + 1] - starts[own]
    pick = (size * rng.random(len(users)) ** 1.5).astype(np.int64)  # skew to popular badges
    items = order[starts[own] + np.minimum(pick, np.maximum(size - 1, 0))].astype(np.int32)
    key = users.astype(np.int64) * len(cluster) + items
    _, first = np.unique(key, return_index=True)  # drop repeats within a learner
    first.sort()
    items, users = items[first], users[first]
    offsets = np.concatenate([[0], np.cumsum(np.bincount(users, minlength=learners))])
    return items, users, offsets


def timed_queries(index: BadgeIndex, queries: np.ndarray, k: int) -> tuple[list, np.ndarray]:
    """Run single-query searches; return results and per-query seconds."""
    results, times = [], []
    for q in queries:
        started = time.perf_counter()
        results.append([b for b, _ in index.search(q, k)])
        times.append(time.perf_counter() - started)
    return results, np.asarray(times)


def recall(approx: list[list[str]], exact: list[list[str]], k: int = 10) -> float:
    """Mean share of the exact top-k found in the approximate top-k."""
    return float(np.mean([len(set(a[:k]) & set(e[:k])) / k for a, e in zip(approx, exact, strict=True)]))


def ivf_sweep(exact_index: BadgeIndex, queries: np.ndarray, exact: list[list[str]], report: dict) -> None:
    """Build IVF-Flat indexes (nlist ~ sqrt(n) and 4 sqrt(n)) and print recall/latency per nprobe."""
    import faiss

    matrix = np.ascontiguousarray(exact_index.matrix)
    base = int(np.sqrt(len(matrix)))
    for nlist in (base, 4 * base):
        configure_threads(os.cpu_count() or 1)
        started = time.perf_counter()
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.train(matrix)
        ivf.add(matrix)
        build_s = time.perf_counter() - started
        configure_threads(1)
        for nprobe in (8, 16, 32, 64):
            ivf.nprobe = nprobe
            found, times = [], []
            for q in queries:
                started = time.perf_counter()
                _, rows = ivf.search(q.reshape(1, -1), 10)
                times.append(time.perf_counter() - started)
                found.append([exact_index.ids[int(r)] for r in rows[0] if r >= 0])
            r = recall(found, exact)
            report[f"ivf{nlist}_nprobe{nprobe}_recall10"] = r
            print(
                f"  IVF{nlist},nprobe={nprobe:<3} recall {r:.3f}  {ms(np.asarray(times))}  (build {build_s:.1f} s)",
                flush=True,
            )


def ms(times: np.ndarray) -> str:
    """Format p50 / p95 in milliseconds."""
    return f"p50 {np.percentile(times, 50) * 1e3:7.3f} ms  p95 {np.percentile(times, 95) * 1e3:7.3f} ms"


def main(argv: list[str] | None = None) -> int:
    """Run the speed benchmark and print its figures."""
    parser = argparse.ArgumentParser(description="Laurel recommender speed benchmark")
    parser.add_argument("--badges", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/out/recommend_speed.json")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    report: dict[str, object] = {"badges": args.badges, "learners": args.learners}
    print(
        f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; {args.badges:,} badges, {args.learners:,} learners",
        flush=True,
    )

    base = rss_mb()
    started = time.perf_counter()
    vectors, cluster = make_badges(args.badges, args.clusters, rng)
    ids = [f"b{i}" for i in range(args.badges)]
    catalog = make_catalog(ids, cluster, rng)
    items, users, offsets = make_histories(args.learners, cluster, args.clusters, rng)
    print(
        f"data: {time.perf_counter() - started:.1f} s; {len(items):,} awards "
        f"(mean {len(items) / args.learners:.2f}/learner); histories "
        f"{(items.nbytes + offsets.nbytes) / 2**20:.0f} MiB as int arrays; "
        f"RSS +{rss_mb() - base:.0f} MiB",
        flush=True,
    )

    configure_threads(os.cpu_count() or 1)  # offline fitting/building may use every core
    before, started = rss_mb(), time.perf_counter()
    model = CoOccurrence.fit_arrays(ids, items, users, method="cosine")
    fit_s = time.perf_counter() - started
    nnz = model.similar.nnz + model.following.nnz
    print(
        f"co-occurrence fit: {fit_s:.1f} s, {nnz:,} stored pairs, RSS +{rss_mb() - before:.0f} MiB (after fit)",
        flush=True,
    )
    report["cooc_fit_s"] = fit_s
    del users
    gc.collect()

    built: dict[str, BadgeIndex] = {}
    for kind, approximate in (("exact", False), ("hnsw", True)):
        before, started = rss_mb(), time.perf_counter()
        built[kind] = BadgeIndex.build(ids, vectors, model_version="synthetic", approximate=approximate)
        build_s = time.perf_counter() - started
        grown = rss_mb() - before
        with tempfile.TemporaryDirectory() as folder:
            sidecar = built[kind].save(Path(folder))
            size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
            started = time.perf_counter()
            BadgeIndex.load(sidecar)
            load_s = time.perf_counter() - started
        print(
            f"index {kind}: build {build_s:.1f} s, RSS +{grown:.0f} MiB, snapshot {size:.0f} MiB, "
            f"load+verify {load_s:.2f} s",
            flush=True,
        )
        report[f"{kind}_build_s"], report[f"{kind}_snapshot_mib"] = build_s, size
    del vectors
    gc.collect()

    configure_threads(1)  # from here on: one thread, as a web worker serves a request
    sample = rng.choice(args.learners, args.queries, replace=False)

    def profile_of(u: int) -> LearnerProfile:
        history = tuple(ids[i] for i in items[offsets[u] : offsets[u + 1]])
        return LearnerProfile(f"L{u}", earned=history, team_priority_skills=("skill-1", "skill-2"))

    profiles = [profile_of(int(u)) for u in sample]
    queries = np.stack([profile_vector(p, built["exact"]) for p in profiles])
    exact, exact_t = timed_queries(built["exact"], queries, 10)
    print(f"\nANN vs exact, top-10, {len(queries)} learner profile queries, 1 thread")
    print(f"  exact numpy             recall 1.000  {ms(exact_t)}")
    hnsw = built["hnsw"]
    for ef in (16, 32, 64, 128, 256):
        hnsw.ef_search = ef
        found, t = timed_queries(hnsw, queries, 10)
        r = recall(found, exact)
        print(f"  HNSW32 efSearch={ef:<4}   recall {r:.3f}  {ms(t)}", flush=True)
        report[f"hnsw_ef{ef}_recall10"] = r
    ivf_sweep(built["exact"], queries, exact, report)
    pool = 100  # ranking asks the index for this many content candidates (k=10)
    exact_pool, pool_t = timed_queries(built["exact"], queries, pool)
    hnsw.ef_search = HNSW_EF_SEARCH
    found, t = timed_queries(hnsw, queries, pool)
    print(
        f"  k={pool} (ranking's pool): exact {ms(pool_t)}; HNSW ef={HNSW_EF_SEARCH} "
        f"recall@{pool} {recall(found, exact_pool, pool):.3f} {ms(t)}"
    )

    print(f"\nrecommend() end to end, k=10, {len(profiles)} random learners, 1 thread")
    lists: dict[str, list[list[str]]] = {}
    for kind in ("exact", "hnsw"):
        index = built[kind]
        index.ef_search = HNSW_EF_SEARCH
        for p in profiles[:20]:  # warm caches
            recommend(p, catalog, index, cooccurrence=model, now=NOW)
        times, lists[kind] = [], []
        for p in profiles:
            started = time.perf_counter()
            result = recommend(p, catalog, index, cooccurrence=model, now=NOW, k=10)
            times.append(time.perf_counter() - started)
            lists[kind].append([r.badge_id for r in result.items])
        t = np.asarray(times)
        print(f"  {kind:<6} index: {ms(t)}", flush=True)
        report[f"recommend_{kind}_p50_ms"] = float(np.percentile(t, 50) * 1e3)
        report[f"recommend_{kind}_p95_ms"] = float(np.percentile(t, 95) * 1e3)
    agreement = recall(lists["hnsw"], lists["exact"])
    print(f"  served top-10 with HNSW vs with exact search: recall@10 {agreement:.3f}")
    report["recommend_recall10_vs_exact"] = agreement
    print(f"\nprocess RSS {rss_mb():.0f} MiB (both indexes, model, catalogue, histories)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
