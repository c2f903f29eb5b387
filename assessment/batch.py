"""Batch pre-scoring and backtesting over JSON lines (what `laurel prescore/backtest` call)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import numpy as np

from assessment.calibration import Calibration, GradedExample, fit_calibration
from assessment.errors import BatchInputError
from assessment.evidence import Segment
from assessment.metrics import summary
from assessment.prescore import prescore_batch
from assessment.rubric import Criterion
from assessment.submission import EvidenceItem, PreScore
from embeddings import CachedEncoder, Encoder

BATCH_SIZE = 256

__all__ = ["BatchInputError", "parse_line", "run_backtest", "run_prescore"]


def _str(obj: Mapping[str, Any], key: str, line_no: int, file: str, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise BatchInputError(line_no, f'"{key}" must be a string', file=file)
    return value


def _criteria(obj: Mapping[str, Any], line_no: int, file: str) -> tuple[Criterion, ...]:
    raw = obj.get("criteria", [])
    if not isinstance(raw, list):
        raise BatchInputError(line_no, '"criteria" must be a list', file=file)
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise BatchInputError(line_no, f"criterion {i} must be an object", file=file)
        cid = _str(c, "id", line_no, file)
        title = _str(c, "title", line_no, file, required=False)
        desc = _str(c, "description", line_no, file, required=False)
        weight = c.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            raise BatchInputError(line_no, f"criterion {cid}: bad weight", file=file)
        levels = _str_list(c, "levels", line_no, file)
        exemplars = _str_list(c, "exemplars", line_no, file)
        out.append(Criterion(id=cid, title=title, description=desc, weight=float(weight), levels=levels,
                             exemplars=exemplars))
    return tuple(out)


def _str_list(obj: Mapping[str, Any], key: str, line_no: int, file: str) -> tuple[str, ...]:
    raw = obj.get(key, [])
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise BatchInputError(line_no, f'"{key}" must be a list of strings', file=file)
    return tuple(raw)


def parse_line(line: str, line_no: int, *, file: str = "input") -> EvidenceItem:
    """Parse one input line into an EvidenceItem; raises BatchInputError naming the line."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BatchInputError(line_no, f"not valid JSON ({exc.msg})", file=file) from exc
    if not isinstance(obj, dict):
        raise BatchInputError(line_no, "not a JSON object", file=file)
    item_id = _str(obj, "id", line_no, file)
    return EvidenceItem(
        id=item_id,
        badge_id=_str(obj, "badge_id", line_no, file),
        owner=_str(obj, "owner", line_no, file, required=False) or item_id,
        criteria=_criteria(obj, line_no, file),
        segments=(Segment(text=_str(obj, "evidence", line_no, file), source="evidence"),),
        references=_str_list(obj, "references", line_no, file),
        prompt=_str(obj, "prompt", line_no, file, required=False),
        failed_files=_str_list(obj, "failed_files", line_no, file),
    )


def parse_outcome(line: str, line_no: int, *, file: str) -> float:
    """Return a graded line's outcome: "score" in [0, 1] or "decision" approve/reject."""
    obj = json.loads(line)
    if "score" in obj and obj["score"] is not None:
        s = obj["score"]
        if not isinstance(s, (int, float)) or isinstance(s, bool) or not 0.0 <= s <= 1.0:
            raise BatchInputError(line_no, '"score" must be a number in [0, 1]', file=file)
        return float(s)
    decision = obj.get("decision")
    if decision in ("approve", "approved"):
        return 1.0
    if decision in ("reject", "rejected"):
        return 0.0
    raise BatchInputError(line_no, 'needs "score" in [0, 1] or "decision" approve/reject', file=file)


def _read(lines: Iterable[str], file: str, graded: bool) -> list[tuple[EvidenceItem, float]]:
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = parse_line(line, n, file=file)
        out.append((item, parse_outcome(line, n, file=file) if graded else float("nan")))
    return out


def calibrations_for(
    items: Iterable[EvidenceItem],
    train: list[tuple[EvidenceItem, float]],
    encoder: Encoder,
    pass_mark: float,
) -> tuple[Calibration | None, dict[str, Calibration]]:
    """Fit the global calibration on all training lines and one per input badge with history."""
    if not train:
        return None, {}
    examples = [GradedExample(item, score) for item, score in train]
    glob = fit_calibration(examples, encoder, pass_mark=pass_mark)
    per_badge: dict[str, Calibration] = {}
    for badge in sorted({it.badge_id for it in items}):
        own = [ex for ex in examples if ex.item.badge_id == badge]
        if own:
            cal = fit_calibration(own, encoder, badge_id=badge, base=glob, pass_mark=pass_mark)
            if cal is not glob:
                per_badge[badge] = cal
    return glob, per_badge


def _score_all(
    input_lines: Iterable[str],
    encoder: Encoder,
    train_lines: Iterable[str] | None,
    graded: bool,
    pass_mark: float,
    isolated: bool = False,
) -> tuple[list[tuple[EvidenceItem, float]], list[PreScore]]:
    enc: Encoder = encoder if isinstance(encoder, CachedEncoder) else CachedEncoder(encoder)
    rows = _read(input_lines, "input", graded)
    train = _read(train_lines, "train", True) if train_lines is not None else []
    items = [item for item, _ in rows]
    glob, per_badge = calibrations_for(items, train, enc, pass_mark)
    by_badge: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_badge.setdefault(item.badge_id, []).append(i)
    # A badge's submissions share a batch so that each is a peer of the others (unless isolated).
    batches: list[list[int]] = [[]]
    for idx in by_badge.values():
        for i in idx:
            if isolated or len(batches[-1]) >= BATCH_SIZE:
                batches.append([])
            batches[-1].append(i)
        if not isolated and len(batches[-1]) >= BATCH_SIZE:
            batches.append([])
    results: list[PreScore | None] = [None] * len(items)
    for batch in batches:
        if not batch:
            continue
        scored = prescore_batch([items[i] for i in batch], enc, calibrations=per_badge, global_calibration=glob)
        for i, result in zip(batch, scored, strict=True):
            results[i] = result
    return rows, [r for r in results if r is not None]


def _line(result: PreScore) -> str:
    return json.dumps(
        {
            "id": result.item_id,
            "score": round(result.score, 6),
            "band": result.band,
            "criteria": [{"id": c.id, "score": round(c.probability, 6)} for c in result.criteria],
        }
    )


def run_prescore(
    input_lines: Iterable[str],
    out: TextIO,
    encoder: Encoder,
    *,
    train_lines: Iterable[str] | None = None,
    pass_mark: float = 0.5,
) -> int:
    """Pre-score JSON lines, writing one output line per input line; returns the count.

    Raises BatchInputError (with ``line_no``) before writing anything if a line is malformed.
    """
    _, results = _score_all(input_lines, encoder, train_lines, False, pass_mark)
    for r in results:
        out.write(_line(r) + "\n")
    return len(results)


def run_backtest(
    input_lines: Iterable[str],
    out: TextIO,
    encoder: Encoder,
    *,
    train_lines: Iterable[str] | None = None,
    pass_mark: float = 0.5,
    predictions: TextIO | None = None,
    isolated: bool = False,
) -> dict[str, float]:
    """Pre-score graded lines and write (and return) metrics against their known outcomes.

    Output lines go to ``predictions`` if given. ``isolated`` scores each line on its own, as a
    worker scoring one new submission would (no other lines of its badge as peers). Raises
    BatchInputError on a malformed line.
    """
    rows, results = _score_all(input_lines, encoder, train_lines, True, pass_mark, isolated)
    if predictions is not None:
        for r in results:
            predictions.write(_line(r) + "\n")
    metrics = summary(
        np.asarray([r.score for r in results]),
        np.asarray([s for _, s in rows]),
        [item.badge_id for item, _ in rows],
        [r.band for r in results],
        pass_mark,
    )
    out.write(json.dumps({k: round(v, 4) for k, v in metrics.items()}) + "\n")
    return metrics
