"""Badge catalogue items, their tiers and the text that gets embedded for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

# Tiers in the order a learner climbs them; CoCo-style course levels map onto the same ladder.
TIER_ORDER: dict[str, int] = {
    "foundation": 0,
    "beginner": 0,
    "introductory": 0,
    "practitioner": 1,
    "intermediate": 1,
    "advanced": 2,
    "expert": 3,
}


@dataclass(frozen=True)
class BadgeItem:
    """One badge (or course) in the catalogue, as the recommender sees it."""

    id: str
    title: str
    description: str = ""
    skills: tuple[str, ...] = ()
    level: str = ""  # tier: foundation|practitioner|advanced|expert, or free text
    prerequisites: tuple[str, ...] = ()  # all-of: every id must be earned first
    pathways: tuple[tuple[str, int], ...] = ()  # (pathway name, step number)
    badge_type: str = ""
    active: bool = True
    available_from: datetime | None = None
    available_until: datetime | None = None


def tier_rank(level: str) -> int | None:
    """Return the position of ``level`` on the tier ladder, or None for free-text levels."""
    return TIER_ORDER.get(level.strip().lower())


def is_available(item: BadgeItem, now: datetime) -> bool:
    """Return True if ``item`` is active and ``now`` lies inside its availability window."""
    if not item.active:
        return False
    if item.available_from is not None and now < item.available_from:
        return False
    return item.available_until is None or now < item.available_until


def badge_text(item: BadgeItem, criteria: Sequence[str] = ()) -> str:
    """Return the text embedded for ``item``: name, description, skills and criteria."""
    parts = [item.title.strip()]
    if item.description.strip():
        parts.append(item.description.strip())
    if item.skills:
        parts.append("Skills: " + ", ".join(s.strip() for s in item.skills if s.strip()))
    parts.extend(c.strip() for c in criteria if c.strip())
    return "\n".join(p for p in parts if p)


class Catalog(Mapping[str, BadgeItem]):
    """The catalogue keyed by badge id, with the lookups ranking needs precomputed.

    Build it once per catalogue change (it is O(badges)); :func:`recommend` accepts a plain
    mapping too but then rebuilds these lookups on every call.
    """

    def __init__(self, items: Iterable[BadgeItem]) -> None:
        self._items: dict[str, BadgeItem] = {}
        self._entry: list[str] | None = None
        by_skill: dict[str, list[str]] = defaultdict(list)
        steps: dict[str, list[tuple[int, str]]] = defaultdict(list)
        unlocks: dict[str, list[str]] = defaultdict(list)
        for item in items:
            if item.id in self._items:
                raise ValueError(f"duplicate badge id {item.id!r}")
            self._items[item.id] = item
            for skill in {s.strip().lower() for s in item.skills if s.strip()}:
                by_skill[skill].append(item.id)
            for name, step in item.pathways:
                steps[name].append((step, item.id))
            for required in item.prerequisites:
                unlocks[required].append(item.id)
        self.by_skill: dict[str, tuple[str, ...]] = {s: tuple(v) for s, v in by_skill.items()}
        self.pathway_steps: dict[str, tuple[tuple[int, str], ...]] = {
            name: tuple(sorted(v)) for name, v in steps.items()
        }
        self.unlocks: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in unlocks.items()}
        self.tiers: dict[str, int] = {
            b: rank for b, item in self._items.items() if (rank := tier_rank(item.level)) is not None
        }
        # (tier, lower-cased skills) of every tiered badge: tier progression per candidate
        self.tiered_skills: dict[str, tuple[int, tuple[str, ...]]] = {
            b: (rank, tuple({s.strip().lower() for s in self._items[b].skills if s.strip()}))
            for b, rank in self.tiers.items()
        }

    @classmethod
    def of(cls, catalog: Mapping[str, BadgeItem]) -> Catalog:
        """Return ``catalog`` itself if it is a Catalog, else a Catalog of its values."""
        return catalog if isinstance(catalog, Catalog) else cls(catalog.values())

    def __getitem__(self, badge_id: str) -> BadgeItem:
        return self._items[badge_id]

    def get(self, badge_id: str, default: BadgeItem | None = None) -> BadgeItem | None:  # type: ignore[override]
        """Return the item for ``badge_id`` or ``default`` (a plain dict lookup, no ABC detour)."""
        return self._items.get(badge_id, default)

    def __contains__(self, badge_id: object) -> bool:
        return badge_id in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def entry_badges(self) -> list[str]:
        """Return badges without prerequisites, lowest tier first (computed once)."""
        if self._entry is None:
            free = [b for b, item in self._items.items() if not item.prerequisites]
            self._entry = sorted(free, key=lambda b: (self.tiers.get(b, 1), b))
        return self._entry

    def next_steps(self, earned: Iterable[str]) -> dict[str, tuple[str, int]]:
        """Return {badge id: (pathway, step)} for the step after each pathway step earned."""
        held = set(earned)
        result: dict[str, tuple[str, int]] = {}
        names = {name for b in held if b in self._items for name, _ in self._items[b].pathways}
        for name in sorted(names):
            steps = self.pathway_steps[name]
            done = max(step for step, badge_id in steps if badge_id in held)
            following = [(s, b) for s, b in steps if s > done and b not in held]
            if following:
                first = following[0][0]
                for s, b in following:
                    if s == first:
                        result.setdefault(b, (name, s))
        return result
