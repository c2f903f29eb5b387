"""Criterion-level quality: does each criterion's probability say which criteria the evidence meets?

Mohler 2011 has one question per answer, so badges with several criteria are built from it: the
questions of each chapter are grouped in threes (each question one criterion, its reference
answer the criterion's exemplar), and each submission joins one answer per question, by
different students, as paragraphs. In one submission in five one criterion's answer is left out
(never addressed, so not met). A criterion is met when its answer scored at least 4/5; the
submission's outcome is the mean of its answers' score/5 (0 for a missing one), pass at 0.8.
Training submissions come from the `split_ua` train answers, test submissions from its test
answers, so every badge has graded history.

Two rubric shapes:
- `exemplars`: every criterion has its own exemplar (the question's reference answer);
- `shared`: the criteria have only their wording (the question) and the badge holds all the
  reference answers, as most rubrics do (the demo's among them).

Scorers of a criterion:
- `item`: the submission's score for every criterion (what a reviewer learns from the item alone);
- `stage`: the item's stage and calibration curve applied to the criterion's own row (Laurel's
  criterion probability before the criterion model);
- `hand-set`: the criterion model's hand-set weights (no criterion judgements);
- `learned`: the criterion model fitted on the training submissions' criterion labels (each badge
  its own, from about 70 judgements; `learned, global model only`: one model for all badges).

Metrics: AUROC of met vs not met over all criteria; within-submission AUROC (how often a met
criterion ranks above an unmet one of the same submission); Brier score; mean probability of met,
answered-but-not-met and left-out criteria.

Rerun:  cd /work/main && .venv/bin/python benchmarks/criterion_quality.py [--shape exemplars|shared]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assessment import Calibration, GradedExample, PreScore, prescore_batch  # noqa: E402
from assessment.calibration import fit_calibration  # noqa: E402
from assessment.criteria import DEFAULT_CRITERION_MODEL  # noqa: E402
from assessment.evidence import Segment  # noqa: E402
from assessment.metrics import auroc  # noqa: E402
from assessment.rubric import Criterion  # noqa: E402
from assessment.submission import EvidenceItem  # noqa: E402
from embeddings import CachedEncoder, default_encoder  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/asag/mohler2011/mohler2011.jsonl"
PASS_MARK = 0.8
LEAVE_OUT = 0.2
GROUP = 3


@dataclass(frozen=True)
class Built:
    """Submissions of one split part with their outcomes and criterion labels."""

    items: list[EvidenceItem]
    outcomes: list[float]
    labels: list[dict[str, float]]
    left_out: set[tuple[str, str]]  # (submission id, criterion id) never addressed


def question_groups(rows: list[dict]) -> list[list[str]]:
    """Each chapter's questions in threes (a last single question joins the group before it)."""
    chapters: dict[str, list[str]] = {}
    for q in sorted({r["question_id"] for r in rows}, key=lambda s: [int(x) for x in s.split(".")]):
        chapters.setdefault(q.split(".")[0], []).append(q)
    groups: list[list[str]] = []
    for questions in chapters.values():
        parts = [questions[i : i + GROUP] for i in range(0, len(questions), GROUP)]
        if len(parts) > 1 and len(parts[-1]) == 1:
            last = parts.pop()
            parts[-1] = parts[-1] + last
        groups += parts
    return groups


def build(rows: list[dict], groups: list[list[str]], part: str, shape: str, rng: random.Random) -> Built:
    """Join one answer per question of each group into submissions of ``part``."""
    by_q: dict[str, list[dict]] = {}
    for r in rows:
        by_q.setdefault(r["question_id"], []).append(r)
    out = Built([], [], [], set())
    for gi, group in enumerate(groups):
        pools = {q: [r for r in by_q[q] if r["split_ua"] == part] for q in group}
        for pool in pools.values():
            rng.shuffle(pool)
        first = {q: by_q[q][0] for q in group}
        own = shape == "exemplars"
        criteria = tuple(
            Criterion(id=q, title="", description=first[q]["question"],
                      exemplars=tuple(first[q]["references"]) if own else ())
            for q in group
        )
        references = () if own else tuple(ref for q in group for ref in first[q]["references"])
        for k in range(max(len(p) for p in pools.values())):
            item_id = f"{part}-{gi}-{k}"
            left = rng.choice(group) if rng.random() < LEAVE_OUT else None
            texts, labels, marks = [], {}, []
            for q in group:
                if q == left:
                    labels[q], marks = 0.0, [*marks, 0.0]
                    out.left_out.add((item_id, q))
                    continue
                answer = pools[q][k % len(pools[q])]
                texts.append(answer["answer"])
                labels[q] = float(answer["score"] >= answer["pass_score"])
                marks.append(answer["score"] / answer["max_score"])
            out.items.append(EvidenceItem(
                id=item_id, badge_id=f"badge-{gi}", owner=item_id, criteria=criteria, references=references,
                segments=(Segment(text="\n\n".join(texts), source="evidence"),),
            ))
            out.outcomes.append(float(np.mean(marks)))
            out.labels.append(labels)
    return out


def fit(train: Built, encoder: CachedEncoder) -> tuple[Calibration, dict[str, Calibration]]:
    """The global calibration and one per badge, learning from criterion labels too."""
    examples = [GradedExample(it, y, lab) for it, y, lab in zip(train.items, train.outcomes, train.labels,
                                                                  strict=True)]
    glob = fit_calibration(examples, encoder, pass_mark=PASS_MARK)
    per_badge = {}
    for badge in sorted({it.badge_id for it in train.items}):
        cal = fit_calibration([ex for ex in examples if ex.item.badge_id == badge], encoder, badge_id=badge,
                              base=glob)
        if cal is not glob:
            per_badge[badge] = cal
    return glob, per_badge


def hand_set(cal: Calibration) -> Calibration:
    """The same calibration with the hand-set criterion model."""
    return replace(cal, criteria=DEFAULT_CRITERION_MODEL, criterion_labels=0)


def with_criteria(cal: Calibration, source: Calibration) -> Calibration:
    """The same calibration with ``source``'s criterion model (a badge using the global one)."""
    return replace(cal, criteria=source.criteria, criterion_labels=source.criterion_labels)


def criterion_probabilities(results: list[PreScore]) -> list[np.ndarray]:
    """Each result's criterion probabilities."""
    return [np.asarray([c.probability for c in r.criteria]) for r in results]


def score(test: Built, encoder: CachedEncoder, glob: Calibration, per_badge: dict[str, Calibration]) -> list[PreScore]:
    """Pre-score the test submissions, one batch per badge (so each is the others' peer)."""
    results: dict[str, PreScore] = {}
    for badge in sorted({it.badge_id for it in test.items}):
        batch = [it for it in test.items if it.badge_id == badge]
        for r in prescore_batch(batch, encoder, calibrations=per_badge, global_calibration=glob):
            results[r.item_id] = r
    return [results[it.id] for it in test.items]


def metrics(test: Built, probs: list[np.ndarray]) -> dict[str, float]:
    """Pooled and within-submission AUROC, Brier, and mean probability per kind of criterion."""
    p_all, y_all, left_all = [], [], []
    wins = pairs = 0.0
    for item, labels, p in zip(test.items, test.labels, probs, strict=True):
        y = np.asarray([labels[c.id] for c in item.criteria])
        p_all += list(p)
        y_all += list(y)
        left_all += [(item.id, c.id) in test.left_out for c in item.criteria]
        for i in np.flatnonzero(y == 1):
            for j in np.flatnonzero(y == 0):
                pairs += 1
                wins += 1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0
    p_arr, y_arr, left = np.asarray(p_all), np.asarray(y_all), np.asarray(left_all)
    return {
        "auroc": auroc(p_arr, y_arr == 1),
        "within_item_auroc": wins / pairs if pairs else float("nan"),
        "brier": float(np.mean((p_arr - y_arr) ** 2)),
        "p_met": float(p_arr[y_arr == 1].mean()),
        "p_not_met": float(p_arr[(y_arr == 0) & ~left].mean()),
        "p_left_out": float(p_arr[left].mean()),
    }


def stage_probabilities(r: PreScore, cal: Calibration) -> np.ndarray:
    """The item's stage curve applied to each criterion's raw score (before the criterion model)."""
    raw = np.asarray([c.score for c in r.criteria])
    stage = cal.stages.get(r.basis.context)
    return np.asarray(stage.iso(raw)) if stage is not None else np.clip(raw, 0.0, 1.0)


def run(shape: str, rows: list[dict], encoder: CachedEncoder) -> None:
    groups = question_groups(rows)
    rng = random.Random(7)
    train, test = build(rows, groups, "train", shape, rng), build(rows, groups, "test", shape, rng)
    n_crit = sum(len(it.criteria) for it in test.items)
    print(f"\n## shape={shape}: {len(groups)} badges, {len(train.items)} training / {len(test.items)} test "
          f"submissions, {n_crit} test criteria ({len(test.left_out)} left out)")
    t0 = time.perf_counter()
    glob, per_badge = fit(train, encoder)
    print(f"fitted in {time.perf_counter() - t0:.0f} s; global criterion model from {glob.criterion_labels} "
          f"judgements: {json.dumps(glob.criteria.to_json()['weights'])}")
    learned = score(test, encoder, glob, per_badge)
    pooled = score(test, encoder, glob, {b: with_criteria(c, glob) for b, c in per_badge.items()})
    plain = score(test, encoder, hand_set(glob), {b: hand_set(c) for b, c in per_badge.items()})
    stage = [stage_probabilities(r, per_badge.get(it.badge_id, glob)) for r, it in zip(plain, test.items, strict=True)]
    table = {
        "item": [np.full(len(r.criteria), r.score) for r in plain],
        "stage": stage,
        "hand-set": criterion_probabilities(plain),
        "learned": criterion_probabilities(learned),
        "learned, global model only": criterion_probabilities(pooled),
    }
    print("| scorer | AUROC | within-submission AUROC | Brier | p met | p answered, not met | p left out |")
    print("|---|---|---|---|---|---|---|")
    for name, probs in table.items():
        m = metrics(test, probs)
        print(f"| {name} | {m['auroc']:.3f} | {m['within_item_auroc']:.3f} | {m['brier']:.3f} | {m['p_met']:.2f} | "
              f"{m['p_not_met']:.2f} | {m['p_left_out']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--shape", choices=("exemplars", "shared"), action="append")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    encoder = CachedEncoder(default_encoder())
    for shape in args.shape or ["exemplars", "shared"]:
        run(shape, rows, encoder)


if __name__ == "__main__":
    main()
