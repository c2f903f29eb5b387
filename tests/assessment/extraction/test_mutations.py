"""Randomly damaged files (seeded, so reproducible) never escape as exceptions."""

from __future__ import annotations

import random

import pytest

from assessment.extraction import STATUSES, UploadLimits, check_upload, extract_text_unsandboxed

from .corpus import make_docx, make_image, make_pdf, make_pptx, zip_bomb_docx

LIMITS = UploadLimits(timeout_s=5)


def seeds() -> dict[str, bytes]:
    return {
        "a.pdf": make_pdf(["Hello world", "second page"]),
        "b.docx": make_docx(["para"], [["a", "b"]]),
        "c.pptx": make_pptx([("title", "body")]),
        "d.html": b"<html><body><p>hi</p><script>x()</script></body></html>",
        "e.png": make_image("PNG"),
        "f.gif": make_image("GIF"),
        "g.txt": "héllo wörld".encode("utf-16"),
        "h.docx": zip_bomb_docx(1 << 20),
    }


def mutate(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 30)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    if rng.random() < 0.3:
        damaged = damaged[: rng.randrange(1, len(damaged))]
    return bytes(damaged)


@pytest.mark.parametrize("seed", range(4))
def test_damaged_files_give_statuses_not_exceptions(seed: int) -> None:
    rng = random.Random(seed)
    samples = seeds()
    outcomes = set()
    for _ in range(60):
        name, original = rng.choice(sorted(samples.items()))
        data = mutate(rng, original)

        check = check_upload(name, data, LIMITS)
        if not check.ok or check.kind is None:
            outcomes.add("rejected")
            continue
        result = extract_text_unsandboxed(name, data, check.kind, LIMITS)

        assert result.status in STATUSES
        assert result.message
        outcomes.add(result.status)
    assert {"rejected", "failed"} <= outcomes
