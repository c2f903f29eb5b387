"""How the encoder's batching affects model.encode speed on the texts the worker encodes.

The texts are what the scorer encodes for a 500-submission burst of the throughput benchmark's
evidence (chunks, rubric texts, content words), in its batches of 32 submissions. Each setting
encodes every batch; settings take turns batch by batch, so the shared machine's drift falls on
all of them alike. Prints seconds per setting (sum over --repeats) as JSON; "fixed-32" is
sentence-transformers' own batching at batch_size 32, the encoder's behaviour before token
budgets.

Rerun (about 4 minutes on 2 cores):

    .venv/bin/python benchmarks/encode_batching.py --threads 2
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prescore import DEMO, _texts  # noqa: E402 - the throughput benchmark's realistic evidence


def worker_batches(n: int) -> list[list[str]]:
    """The distinct texts the scorer encodes for ``n`` submissions, per 32-submission batch."""
    import numpy as np

    from assessment import Criterion, EvidenceItem, Segment
    from assessment.featurize import encode_items
    from embeddings import EMBEDDING_DIM

    catalogue = json.loads(DEMO.read_text(encoding="utf-8"))
    badges = {b["key"]: b for b in catalogue["badges"]}
    items = [
        EvidenceItem(
            id=str(i), badge_id=key, owner=str(i),
            criteria=tuple(Criterion(id=f"{key}-{j}", title=c["title"], description=c["description"],
                                     levels=tuple(c.get("levels", ())))
                           for j, c in enumerate(badges[key]["criteria"])),
            segments=(Segment(text=text, source="statement"),),
            references=tuple(badges[key].get("references", [])), prompt=badges[key]["name"])
        for i, (key, text) in enumerate(_texts(n, random.Random(11)))
    ]

    class Recorder:
        version, dim = "record", EMBEDDING_DIM

        def __init__(self) -> None:
            self.texts: list[str] = []

        def encode(self, texts: list[str]) -> np.ndarray:
            self.texts.extend(texts)
            return np.zeros((len(texts), EMBEDDING_DIM), np.float32)

    seen: set[str] = set()
    batches = []
    for start in range(0, len(items), 32):
        recorder = Recorder()
        encode_items(items[start:start + 32], recorder)  # type: ignore[arg-type]
        fresh = [t for t in dict.fromkeys(recorder.texts) if t not in seen]
        seen.update(fresh)
        batches.append(fresh)
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--budgets", default="512,1024,2048")
    args = parser.parse_args()
    import torch

    from embeddings import MiniLMEncoder

    batches = worker_batches(args.submissions)
    settings = {"fixed-32": MiniLMEncoder(token_budget=10**9, max_batch=32)}
    for budget in (int(b) for b in args.budgets.split(",")):
        settings[f"budget-{budget}"] = MiniLMEncoder(token_budget=budget)
    torch.set_num_threads(args.threads)
    for encoder in settings.values():
        encoder.encode(batches[0][:16])
    seconds = dict.fromkeys(settings, 0.0)
    names = list(settings)
    for rep in range(args.repeats):
        for i, texts in enumerate(batches):
            for name in names if (i + rep) % 2 == 0 else names[::-1]:
                t0 = time.perf_counter()
                settings[name].encode(texts)
                seconds[name] += time.perf_counter() - t0
    base = seconds["fixed-32"]
    print(json.dumps({
        "threads": args.threads, "texts": sum(map(len, batches)), "repeats": args.repeats,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "speedup_vs_fixed_32": {k: round(base / v, 3) for k, v in seconds.items()},
    }, indent=2))


if __name__ == "__main__":
    main()
