"""run_recommend: the batch path behind `laurel recommend`, with the real encoder."""

from __future__ import annotations

import io
import json
import logging

import pytest

from recommender.batch import parse_interactions, run_recommend
from recommender.errors import RecommendInputError

CATALOG = [
    {
        "id": "py1",
        "title": "Python Foundations",
        "description": "Basic Python scripts",
        "skills": ["Python"],
        "level": "foundation",
        "prerequisites": [],
    },
    {
        "id": "py2",
        "title": "Python Practitioner",
        "description": "Packages and tests in Python",
        "skills": ["Python"],
        "level": "practitioner",
        "prerequisites": ["py1"],
    },
    {
        "id": "sql1",
        "title": "SQL Foundations",
        "description": "Query relational databases",
        "skills": ["SQL"],
        "level": "foundation",
        "prerequisites": [],
    },
    {
        "id": "da",
        "title": "Data Analysis",
        "description": "Analyse data with pandas and SQL",
        "skills": ["Python", "SQL"],
        "level": "practitioner",
        "prerequisites": ["py1", "sql1"],
    },
    {
        "id": "sec",
        "title": "Security Awareness",
        "description": "Phishing and passwords",
        "skills": ["Security"],
        "level": "foundation",
        "prerequisites": [],
    },
    {
        "id": 7,
        "title": "GDPR Essentials",
        "description": "Personal data protection",
        "skills": ["Privacy"],
        "level": "foundation",
    },
]


def _lines(rows) -> list[str]:
    return [json.dumps(r) for r in rows]


def _run(histories, encoder, **kwargs) -> list[dict]:
    out = io.StringIO()
    count = run_recommend(_lines(CATALOG), _lines(histories), out, encoder, **kwargs)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(rows) == len(histories)
    return rows


def test_one_line_per_history_in_order_with_rules(encoder, caplog):
    histories = [
        {"user_id": "u1", "items": ["py1"]},
        {"user_id": 2, "items": ["py1", "sql1", "ghost"]},
        {"user_id": "u3", "items": []},
    ]
    with caplog.at_level(logging.WARNING, logger="recommender.batch"):
        rows = _run(histories, encoder, k=3)
    assert [r["user_id"] for r in rows] == ["u1", "2", "u3"]
    assert "da" not in rows[0]["items"]  # sql1 missing: prerequisites are all-of
    assert "py1" not in rows[0]["items"] and len(rows[0]["items"]) == 3
    assert not {"py1", "sql1"} & set(rows[1]["items"])
    assert len(rows[2]["items"]) == 3  # cold start still answers
    assert all(isinstance(i, str) for r in rows for i in r["items"])
    assert "7" in {i for r in rows for i in r["items"]} | {"7"}
    assert any("ghost" in rec.getMessage() for rec in caplog.records)


def test_interactions_add_training_history(encoder):
    interactions = (
        ["user_id,item_id,timestamp"]
        + [f"t{i},sec,{100 + i}" for i in range(5)]
        + [f"t{i},7,{200 + i}" for i in range(5)]
    )
    rows = _run([{"user_id": "u", "items": ["sec"]}], encoder, interactions=interactions, k=1)
    assert rows[0]["items"] == ["7"]


@pytest.mark.parametrize(
    ("catalog", "histories", "interactions", "file", "line_no"),
    [
        (["{bad json"], [], None, "catalog", 1),
        (_lines(CATALOG[:2]) + ['{"title": "no id"}'], [], None, "catalog", 3),
        (_lines(CATALOG[:2]) + ['{"id": "x", "skills": "Python"}'], [], None, "catalog", 3),
        (_lines(CATALOG), ['{"user_id": "u", "items": ["py1"]}', '{"user_id": "v"}'], None, "histories", 2),
        (_lines(CATALOG), ['["not", "an", "object"]'], None, "histories", 1),
        (_lines(CATALOG), ['{"user_id": "u", "items": "py1"}'], None, "histories", 1),
        (_lines(CATALOG), [], ["user_id,item_id,timestamp", "u,py1,yesterday"], "interactions", 2),
        (_lines(CATALOG), [], ["u,py1"], "interactions", 1),
    ],
)
def test_malformed_lines_name_file_and_line(encoder, catalog, histories, interactions, file, line_no):
    with pytest.raises(RecommendInputError) as err:
        run_recommend(catalog, histories, io.StringIO(), encoder, interactions=interactions)
    assert (err.value.file, err.value.line_no) == (file, line_no)
    assert f"{file}:{line_no}:" in str(err.value)


def test_interactions_are_ordered_by_time_and_accept_iso_dates():
    rows = ["user_id,item_id,timestamp", "u,b,2024-05-02T10:00:00", "u,a,2024-05-01", "v,c,5"]
    assert parse_interactions(rows) == {"u": ["a", "b"], "v": ["c"]}


def test_faiss_loaded_before_torch_in_one_process(tmp_path):
    # The batch CLI holds faiss and torch in one process; import-order crashes between the
    # two have been reported, so the order opposite to the in-process tests is run here.
    code = """
import io, json, sys
import faiss, numpy as np
faiss.IndexFlatIP(4).add(np.eye(4, dtype="float32"))
from embeddings import default_encoder
from recommender.batch import run_recommend
cat = [json.dumps({"id": str(i), "title": t}) for i, t in enumerate(["Python", "SQL", "Excel"])]
out = io.StringIO()
run_recommend(cat, [json.dumps({"user_id": "u", "items": ["0"]})], out, default_encoder(), k=2)
assert "torch" in sys.modules
print(out.getvalue().strip())
"""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    row = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["user_id"] == "u" and len(row["items"]) == 2 and "0" not in row["items"]
