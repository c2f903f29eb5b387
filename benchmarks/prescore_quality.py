"""Pre-scoring quality on Mohler 2011 (both splits): our scorer vs answer length vs plain cosine.

Converts Mohler lines to the batch format (question -> badge_id, the question text as the single
criterion's description, references, answer -> evidence, score/5 as training score) and runs the
public batch function ``assessment.run_backtest`` with pass = score >= 4/5.

Rerun:  cd /work/main && .venv/bin/python benchmarks/prescore_quality.py
        [--data PATH] [--split split|split_ua] [--save-predictions DIR] [--skip-isolated]

`ours` scores the test file in one run, so each answer has the other answers to its question
as (unlabelled) peers; the `split` table adds the same scorer with every answer scored alone.

Each split also prints how well the two human graders agree with each other inside a question,
next to how well `ours` agrees with each of them: the gold score is their mean, so no scorer can
be expected to track it much more closely than one grader tracks the other.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessment import run_backtest  # noqa: E402
from assessment.metrics import (  # noqa: E402
    auroc,
    pearson,
    pooled_within_group_pearson,
    spearman,
    within_group_pearson,
)
from embeddings import default_encoder  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/asag/mohler2011/mohler2011.jsonl"
PASS_MARK = 0.8


def to_batch(row: dict) -> dict:
    """Return a Mohler row as a batch line (training score = score / 5)."""
    return {
        "id": row["id"],
        "badge_id": f"q{row['question_id']}",
        "criteria": [{"id": "answer", "title": "", "description": row["question"]}],
        "references": row["references"],
        "evidence": row["answer"],
        "score": row["score"] / row["max_score"],
    }


def coverage_at(scores: np.ndarray, positive: np.ndarray, precision: float) -> float:
    """Largest share of answers above one threshold with precision >= ``precision`` (oracle)."""
    order = np.argsort(-scores)
    prec = np.cumsum(positive[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(prec >= precision)[0]
    return float((ok.max() + 1) / len(scores)) if ok.size else 0.0


def grader_score(row: dict, grader: str) -> float:
    """Return one grader's raw mark on the 0-1 scale (exams were marked out of 10)."""
    g = row["grader_scores"]
    return float(g[grader]) / float(g["grader_scale_max"])


def human_agreement(test_rows: list[dict], ours: np.ndarray) -> dict[str, float]:
    """Return mean within-question r between the graders, and between `ours` and each grader.

    Only questions where both graders' marks vary among the test answers count (elsewhere a
    grader's r is undefined), so every pair below is measured on the same questions.
    """
    g1 = np.asarray([grader_score(r, "grader1_ta") for r in test_rows])
    g2 = np.asarray([grader_score(r, "grader2") for r in test_rows])
    gold = np.asarray([r["score"] / r["max_score"] for r in test_rows])
    qs = np.asarray([r["question_id"] for r in test_rows])
    kept = {q for q in set(qs) if (qs == q).sum() >= 3 and np.std(g1[qs == q]) > 0 and np.std(g2[qs == q]) > 0}
    m = np.asarray([q in kept for q in qs])
    groups = list(qs[m])
    return {
        "questions": float(len(kept)),
        "grader 1 vs grader 2": within_group_pearson(g1[m], g2[m], groups),
        "ours vs grader 1": within_group_pearson(ours[m], g1[m], groups),
        "ours vs grader 2": within_group_pearson(ours[m], g2[m], groups),
        "ours vs gold (their mean)": within_group_pearson(ours[m], gold[m], groups),
    }


def row_metrics(pred: np.ndarray, truth: np.ndarray, groups: list[str]) -> dict[str, float]:
    positive = truth >= PASS_MARK
    return {
        "pearson": pearson(pred, truth),
        "spearman": spearman(pred, truth),
        "r_within": within_group_pearson(pred, truth, groups),
        "r_within_pooled": pooled_within_group_pearson(pred, truth, groups),
        "auroc": auroc(pred, positive),
        "cov_pass@.95(oracle)": coverage_at(pred, positive.astype(float), 0.95),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--split", choices=["split", "split_ua"], action="append")
    ap.add_argument("--save-predictions", type=Path)
    ap.add_argument("--skip-isolated", action="store_true", help="skip the no-peers run of `split`")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.data.open()]
    encoder = default_encoder()
    for split in args.split or ["split", "split_ua"]:
        train = [json.dumps(to_batch(r)) for r in rows if r[split] == "train"]
        test_rows = [r for r in rows if r[split] == "test"]
        test = [json.dumps(to_batch(r)) for r in test_rows]
        truth = np.asarray([r["score"] / r["max_score"] for r in test_rows])
        groups = [r["question_id"] for r in test_rows]
        preds = io.StringIO()
        metrics_out = io.StringIO()
        t0 = time.perf_counter()
        m = run_backtest(test, metrics_out, encoder, train_lines=train, pass_mark=PASS_MARK, predictions=preds)
        took = time.perf_counter() - t0
        out = [json.loads(x) for x in preds.getvalue().splitlines()]
        ours = np.asarray([o["score"] for o in out])
        if args.save_predictions:
            args.save_predictions.mkdir(parents=True, exist_ok=True)
            (args.save_predictions / f"{split}.jsonl").write_text(preds.getvalue())
        length = np.asarray([math.log1p(len(r["answer"].split())) for r in test_rows])
        a = encoder.encode([r["answer"] for r in test_rows])
        refs = encoder.encode([r["references"][0] for r in test_rows])
        cosine = (a * refs).sum(axis=1)
        table = {"ours": row_metrics(ours, truth, groups)}
        if split == "split" and not args.skip_isolated:
            # The same, each answer scored on its own: no other answers of its question as peers.
            alone = io.StringIO()
            run_backtest(
                test,
                io.StringIO(),
                encoder,
                train_lines=train,
                pass_mark=PASS_MARK,
                predictions=alone,
                isolated=True,
            )
            solo = np.asarray([json.loads(x)["score"] for x in alone.getvalue().splitlines()])
            table["ours, each answer alone (no peers)"] = row_metrics(solo, truth, groups)
        table |= {
            "length": row_metrics(length, truth, groups),
            "minilm_cosine": row_metrics(cosine, truth, groups),
        }
        print(f"\n## {split}: {len(test_rows)} test answers, {len(train)} training lines, backtest {took:.1f} s")
        cols = list(table["ours"])
        print("| scorer | " + " | ".join(cols) + " |")
        print("|---" * (len(cols) + 1) + "|")
        for name, vals in table.items():
            print(f"| {name} | " + " | ".join(f"{vals[c]:.3f}" for c in cols) + " |")
        print(
            f"bands (thresholds from training only): likely_pass {m['likely_pass_share']:.1%} of "
            f"answers at precision {m['likely_pass_precision']:.3f}; likely_fail "
            f"{m['likely_fail_share']:.1%} at precision {m['likely_fail_precision']:.3f}; "
            f"RMSE {m['rmse']:.3f} (0-1 scale)"
        )
        human = human_agreement(test_rows, ours)
        print(f"\nmean within-question r on the {human.pop('questions'):.0f} questions where both graders' marks vary:")
        print("| pair | r within-q |\n|---|---|")
        for pair, r in human.items():
            print(f"| {pair} | {r:.3f} |")


if __name__ == "__main__":
    main()
