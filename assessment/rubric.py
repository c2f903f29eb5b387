"""Badge criteria as the scorer sees them, and the texts it compares evidence with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Criterion:
    """One criterion of a badge's rubric.

    ``levels`` are level descriptors ("Exemplary: ..."), ``exemplars`` model answers or approved
    excerpts for this criterion; both are optional.
    """

    id: str
    title: str
    description: str = ""
    weight: float = 1.0
    levels: tuple[str, ...] = ()
    exemplars: tuple[str, ...] = ()


def criterion_text(criterion: Criterion) -> str:
    """Return the criterion's own wording: title, description and level descriptors."""
    parts = [criterion.title, criterion.description, *criterion.levels]
    return "\n".join(p.strip() for p in parts if p and p.strip())


def criterion_targets(criterion: Criterion, references: tuple[str, ...]) -> tuple[str, ...]:
    """Return the texts evidence for ``criterion`` should resemble.

    Its exemplars if it has any, else the badge's reference answers, else its own wording
    (a rubric with no model answers can only be matched against what it asks for).
    """
    exemplars = tuple(e for e in criterion.exemplars if e.strip())
    if exemplars:
        return exemplars
    refs = tuple(r for r in references if r.strip())
    if refs:
        return refs
    own = criterion_text(criterion)
    return (own,) if own else ()
