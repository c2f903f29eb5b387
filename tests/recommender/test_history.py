"""Co-occurrence / transition model: what learners with similar histories earned next."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.errors import ModelFormatError
from recommender.history import CoOccurrence


def _histories() -> list[list[str]]:
    # py1 is usually followed by py2; sql1 by stats; a few noisy learners mix things up.
    return (
        [["py1", "py2"]] * 8
        + [["sql1", "stats"]] * 6
        + [["py1", "sql1", "stats"]] * 3
        + [["sec", "gdpr"]] * 4
        + [["gdpr", "sec", "lead"]]
    )


@pytest.mark.parametrize("method", ["ease", "cosine"])
def test_scores_put_the_usual_next_badge_first(method: str):
    model = CoOccurrence.fit(_histories(), method=method)
    assert model.method == method
    result = model.scores(["py1"])
    ranked = [model.ids[int(r)] for r in result.rows]
    assert ranked[0] == "py2"
    assert all(model.ids[int(b)] == "py1" for b in result.because)
    assert "sec" not in ranked  # never seen with py1


def test_following_is_directional():
    model = CoOccurrence.fit([["a", "b"]] * 5 + [["c", "d"]] * 5, method="cosine")
    after_a = model.scores(["a"])
    after_b = model.scores(["b"])
    pos_b = model.position("b")
    pos_a = model.position("a")
    fol_a = dict(zip(after_a.rows.tolist(), after_a.following.tolist(), strict=True))
    fol_b = dict(zip(after_b.rows.tolist(), after_b.following.tolist(), strict=True))
    assert fol_a[pos_b] > 0
    assert fol_b.get(pos_a, 0.0) == 0.0  # b was never followed by a


def test_recent_items_weigh_more():
    model = CoOccurrence.fit(_histories(), method="cosine")
    result = model.scores(["py1", "sql1"])  # sql1 is the most recent
    ranked = [model.ids[int(r)] for r in result.rows]
    assert ranked.index("stats") < ranked.index("py2")


def test_unknown_history_gives_no_scores_and_popularity_still_works():
    model = CoOccurrence.fit(_histories())
    assert model.scores(["never-seen"]).rows.size == 0
    assert model.most_popular(2) == ["py1", "sql1"]


def test_repeats_in_one_history_count_once():
    model = CoOccurrence.fit([["a", "a", "a", "b"], ["c"]])
    assert model.popularity[model.position("a")] == 1


def test_json_round_trip_keeps_scores():
    model = CoOccurrence.fit(_histories())
    again = CoOccurrence.from_json(model.to_json())
    assert again.ids == model.ids and again.method == model.method
    a, b = model.scores(["py1", "sql1"]), again.scores(["py1", "sql1"])
    assert np.array_equal(a.rows, b.rows)
    assert np.allclose(a.similar, b.similar) and np.allclose(a.following, b.following)


@pytest.mark.parametrize("text", ["not json", "{}", '{"format": 99}', '{"format": 1, "ids": 3}'])
def test_malformed_json_raises_model_format_error(text: str):
    with pytest.raises(ModelFormatError):
        CoOccurrence.from_json(text)


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError):
        CoOccurrence.fit([["a"]], method="svd")
    with pytest.raises(ValueError):
        CoOccurrence.fit([["a"]], decay=0.0)


def test_npz_round_trip_and_bad_file(tmp_path):
    model = CoOccurrence.fit(_histories())
    path = tmp_path / "cooc.npz"
    model.save(path)
    again = CoOccurrence.load(path)
    assert again.ids == model.ids and again.method == model.method
    a, b = model.scores(["py1"]), again.scores(["py1"])
    assert np.array_equal(a.rows, b.rows) and np.allclose(a.similar, b.similar)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelFormatError):
        CoOccurrence.load(tmp_path / "bad.npz")
