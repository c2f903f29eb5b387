"""The offline evaluation protocol: splits and metrics."""

from __future__ import annotations

import math

from recommender.evaluation import Event, make_split, next_item_metrics


def _events() -> list[Event]:
    rows = [
        ("u1", "a", 1),
        ("u1", "b", 2),
        ("u1", "c", 10),
        ("u2", "a", 3),
        ("u2", "d", 4),
        ("u2", "e", 5),
        ("u2", "f", 11),
        ("u3", "b", 6),
        ("u3", "c", 12),
        ("u1", "a", 20),  # a repeat keeps its first time
    ]
    return [Event(u, i, float(t)) for u, i, t in rows]


def test_leave_last_out():
    split = make_split(_events(), "A")
    assert split.cases == {"u1": (("a", "b"), "c"), "u2": (("a", "d", "e"), "f")}
    assert split.train["u1"] == ("a", "b") and split.train["u3"] == ("b", "c")


def test_global_time_cut_trains_only_on_the_past():
    split = make_split(_events(), "B")
    # 80th percentile of the 9 first-times is 10.4: u1's c (10) is before the cut, f (11) after
    assert split.cases == {"u2": (("a", "d", "e"), "f")}
    assert split.train == {"u1": ("a", "b", "c"), "u2": ("a", "d", "e"), "u3": ("b",)}


def test_validation_split_never_sees_the_last_items():
    split = make_split(_events(), "V")
    assert split.cases == {"u2": (("a", "d"), "e")}
    assert all("f" not in items for items in split.train.values())


def test_sampling_is_seeded():
    events = [Event(f"u{n}", i, float(t)) for n in range(50) for t, i in enumerate("abc")]
    one = make_split(events, "A", users=10, seed=3)
    assert len(one.cases) == 10 and one.cases == make_split(events, "A", users=10, seed=3).cases


def test_metrics():
    cases = {"u1": (("a",), "c"), "u2": (("a",), "z")}
    lists = {"u1": ["b", "c", "a"], "u2": ["q", "b"]}
    catalog = dict.fromkeys("abcz", object())
    m = next_item_metrics(lists, cases, catalog, {"b": ("x",)})
    assert m["R@10"] == 0.5 and m["R@5"] == 0.5
    assert math.isclose(m["NDCG@10"], 0.5 / math.log2(3))
    assert m["MRR@10"] == 0.25
    assert m["repeat@10"] == 1 / 5 and m["invalid"] == 1
    assert m["prereq_items"] == 2 / 5 and m["prereq_lists"] == 1.0
    assert m["coverage@10"] == 3 / 4
