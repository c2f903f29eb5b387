"""Structural and editorial checks on the demo organisation's content (service/demo/*.json).

The demo catalogue is the first thing a user sees, so these tests guard both its shape (what the
loader relies on) and its editorial quality (real rubric text, no boilerplate, British spelling).
"""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DEMO_DIR = Path(__file__).resolve().parents[2] / "service" / "demo"

TYPES = {"skill", "knowledge", "achievement", "participation", "certification"}
TIERS = ["foundation", "practitioner", "advanced", "expert"]
DOMAINS = {"data", "cloud", "security", "leadership", "compliance", "onboarding"}
EVIDENCE_TYPES = {"skill", "achievement", "certification"}
LEVEL_PREFIXES = ("Exceeds: ", "Meets: ", "Not yet: ")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PLACEHOLDER = re.compile(r"lorem|ipsum|\bTODO\b|\bTBD\b|\bFIXME\b|\bxxx\b|placeholder", re.IGNORECASE)
# American spellings that slip into British text; "size" and friends are the same in both.
AMERICAN = re.compile(
    r"\b\w*(?:iz(?:e|es|ed|ing|ation|ations)|yz(?:e|es|ed|ing))\b"
    r"|\b(?:colors?|behaviors?|centers?|favorite|catalog|labor|modeling|labeled|traveling|canceled)\b",
    re.IGNORECASE,
)
SPELLING_ALLOWED = {"size", "sizes", "sized", "sizing", "oversized", "rightsizing", "prize", "seize"}


def load(name: str) -> dict[str, Any]:
    data = json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), name
    return data


def words(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_strings(v)]
    return []


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Any]:
    return load("catalogue.json")


@pytest.fixture(scope="module")
def people() -> dict[str, Any]:
    return load("people.json")


@pytest.fixture(scope="module")
def badges(catalogue: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["key"]: b for b in catalogue["badges"]}


@pytest.mark.parametrize("name", ["catalogue.json", "people.json"])
def test_files_are_deterministic_pretty_printed_utf8(name: str) -> None:
    text = (DEMO_DIR / name).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_organisation(catalogue: dict[str, Any]) -> None:
    assert set(catalogue) == {"organisation", "departments", "skills", "badges", "pathways", "sample_evidence"}
    org = catalogue["organisation"]
    assert org["name"] == "Northwind Analytics"
    assert org["url"] == "https://northwind.example"
    assert org["email"].endswith("@northwind.example")
    assert words(org["description"]) >= 30


def test_departments(catalogue: dict[str, Any]) -> None:
    departments = catalogue["departments"]
    names = [d["name"] for d in departments]
    assert 6 <= len(departments) <= 8
    assert len(set(names)) == len(names)
    assert {"Data & Analytics", "Security", "People & Culture"} <= set(names)
    vocabulary = set(catalogue["skills"])
    for department in departments:
        assert department["priority_skills"], department["name"]
        assert set(department["priority_skills"]) <= vocabulary, department["name"]


def test_skill_vocabulary_matches_badges(catalogue: dict[str, Any]) -> None:
    vocabulary = catalogue["skills"]
    assert 40 <= len(vocabulary) <= 60
    assert len(set(vocabulary)) == len(vocabulary)
    used = {s for b in catalogue["badges"] for s in b["skills"]}
    assert used <= set(vocabulary), sorted(used - set(vocabulary))
    assert set(vocabulary) <= used, f"unused skills: {sorted(set(vocabulary) - used)}"


def test_badge_coverage(catalogue: dict[str, Any]) -> None:
    all_badges = catalogue["badges"]
    assert len(all_badges) >= 45
    assert {b["type"] for b in all_badges} == TYPES
    assert {b["tier"] for b in all_badges} == set(TIERS)
    assert {b["domain"] for b in all_badges} == DOMAINS
    per_domain = Counter(b["domain"] for b in all_badges)
    assert min(per_domain.values()) >= 5, per_domain


def test_badge_keys_and_names_unique(catalogue: dict[str, Any]) -> None:
    keys = [b["key"] for b in catalogue["badges"]]
    names = [b["name"] for b in catalogue["badges"]]
    assert len(set(keys)) == len(keys)
    assert len(set(names)) == len(names)
    assert all(SLUG.match(k) for k in keys), [k for k in keys if not SLUG.match(k)]


def test_badge_fields(catalogue: dict[str, Any]) -> None:
    expected = {
        "key",
        "name",
        "description",
        "type",
        "tier",
        "domain",
        "skills",
        "criteria_narrative",
        "criteria",
        "references",
        "validity_months",
        "prerequisites",
        "evidence_prompt",
    }
    for b in catalogue["badges"]:
        key = b["key"]
        assert set(b) == expected, key
        assert 2 <= sentences(b["description"]) <= 4, key
        assert words(b["criteria_narrative"]) >= 20, key
        assert words(b["evidence_prompt"]) >= 10, key
        assert 1 <= len(b["skills"]) <= 5 and len(set(b["skills"])) == len(b["skills"]), key


def test_criteria_are_real_rubrics(catalogue: dict[str, Any]) -> None:
    for b in catalogue["badges"]:
        key = b["key"]
        criteria = b["criteria"]
        assert 3 <= len(criteria) <= 5, key
        titles = [c["title"] for c in criteria]
        assert len(set(titles)) == len(titles), key
        for c in criteria:
            assert set(c) == {"title", "description", "weight", "levels"}, key
            assert words(c["title"]) >= 2, (key, c["title"])
            assert words(c["description"]) >= 10 and 1 <= sentences(c["description"]) <= 3, (key, c["title"])
            assert isinstance(c["weight"], (int, float)) and 0 < c["weight"] <= 3, (key, c["title"])
            assert len(c["levels"]) == 3, (key, c["title"])
            for prefix, level in zip(LEVEL_PREFIXES, c["levels"]):
                assert level.startswith(prefix), (key, level)
                assert words(level[len(prefix) :]) >= 2, (key, level)


def test_references_are_model_answers(catalogue: dict[str, Any]) -> None:
    for b in catalogue["badges"]:
        assert b["references"], b["key"]
        for reference in b["references"]:
            assert 80 <= words(reference) <= 200, (b["key"], words(reference))


def test_validity_rules(catalogue: dict[str, Any]) -> None:
    for b in catalogue["badges"]:
        if b["type"] == "certification" or b["domain"] == "compliance":
            assert b["validity_months"] in (12, 24, 36), b["key"]
        else:
            assert b["validity_months"] is None, b["key"]


def test_prerequisites_exist_and_are_acyclic(badges: dict[str, dict[str, Any]]) -> None:
    assert any(b["prerequisites"] for b in badges.values())
    for key, b in badges.items():
        prerequisites = b["prerequisites"]
        assert len(set(prerequisites)) == len(prerequisites), key
        assert key not in prerequisites
        for prerequisite in prerequisites:
            assert prerequisite in badges, (key, prerequisite)
            assert TIERS.index(badges[prerequisite]["tier"]) <= TIERS.index(b["tier"]), (key, prerequisite)

    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        assert key not in path, f"prerequisite cycle: {' -> '.join(path + (key,))}"
        if key in done:
            return
        for prerequisite in badges[key]["prerequisites"]:
            visit(prerequisite, path + (key,))
        done.add(key)

    for key in badges:
        visit(key, ())


def test_pathways_respect_prerequisites(catalogue: dict[str, Any], badges: dict[str, dict[str, Any]]) -> None:
    pathways = catalogue["pathways"]
    assert len(pathways) >= 4
    names = [p["name"] for p in pathways]
    assert len(set(names)) == len(names)
    for pathway in pathways:
        steps = pathway["steps"]
        assert 3 <= len(steps) <= 6, pathway["name"]
        assert len(set(steps)) == len(steps), pathway["name"]
        assert words(pathway["description"]) >= 8, pathway["name"]
        for index, step in enumerate(steps):
            assert step in badges, (pathway["name"], step)
            missing = set(badges[step]["prerequisites"]) - set(steps[:index])
            assert not missing, f"{pathway['name']}: {step} comes before its prerequisites {sorted(missing)}"


def test_sample_evidence(catalogue: dict[str, Any], badges: dict[str, dict[str, Any]]) -> None:
    evidence = catalogue["sample_evidence"]
    assert len(evidence) >= 15
    for key, samples in evidence.items():
        assert key in badges, key
        assert badges[key]["type"] in EVIDENCE_TYPES, key
        # strong[0], partial and weak[0] wait in the review queue; the rest make the decided history.
        assert set(samples) == {"strong", "partial", "weak"}, key
        assert len(samples["strong"]) == 2 and len(samples["partial"]) == 1 and len(samples["weak"]) == 2, key
        for statement in samples["strong"]:
            assert 120 <= words(statement) <= 250, (key, words(statement))
            assert re.search(r"\b(I|my|My)\b", statement), key
            assert re.search(r"\d", statement), f"{key}: strong evidence should cite concrete figures"
        shortest_strong = min(words(s) for s in samples["strong"])
        for statement in samples["weak"]:
            assert 5 <= words(statement) < shortest_strong / 2, key
        for statement in samples["partial"]:  # borderline: concrete work, thin on some criteria
            assert 80 <= words(statement) <= 160, (key, words(statement))
            assert re.search(r"\b(I|my|My)\b", statement) and re.search(r"\d", statement), key
        assert not set(samples["strong"]) & set(badges[key]["references"]), key
        sentences = [s.strip() for text in (t for kind in samples.values() for t in kind) for s in text.split(". ")]
        assert len(set(sentences)) == len(sentences), f"{key}: a sentence is repeated across samples"


def test_no_repeated_boilerplate(catalogue: dict[str, Any]) -> None:
    all_badges = catalogue["badges"]
    for field in ("description", "criteria_narrative", "evidence_prompt"):
        texts = [b[field] for b in all_badges]
        assert len(set(texts)) == len(texts), field
    criterion_texts = Counter(c["description"] for b in all_badges for c in b["criteria"])
    assert max(criterion_texts.values()) == 1, criterion_texts.most_common(1)
    levels = Counter(level for b in all_badges for c in b["criteria"] for level in c["levels"])
    assert max(levels.values()) == 1, levels.most_common(1)
    references = [r for b in all_badges for r in b["references"]]
    assert len(set(references)) == len(references)


def test_editorial_quality(catalogue: dict[str, Any], people: dict[str, Any]) -> None:
    for text in all_strings(catalogue) + all_strings(people):
        assert not PLACEHOLDER.search(text), text
        american = {m.group(0).lower() for m in AMERICAN.finditer(text)} - SPELLING_ALLOWED
        assert not american, (sorted(american), text[:80])
    emails = re.findall(r"[\w.+-]+@[\w.-]+", json.dumps(catalogue) + json.dumps(people))
    assert emails and all(e.endswith(".example") for e in emails), emails


def test_people_lists(people: dict[str, Any], catalogue: dict[str, Any]) -> None:
    assert set(people) == {"first_names", "last_names", "job_titles", "fixed_accounts"}
    for field in ("first_names", "last_names"):
        names = people[field]
        assert len(names) >= 70, field
        assert len(set(names)) == len(names), field
        assert all(n.strip() == n and n for n in names), field
    departments = {d["name"] for d in catalogue["departments"]}
    assert set(people["job_titles"]) == departments
    for department, titles in people["job_titles"].items():
        assert len(titles) >= 3 and len(set(titles)) == len(titles), department


def test_fixed_accounts(people: dict[str, Any]) -> None:
    accounts = {a["email"]: a for a in people["fixed_accounts"]}
    assert set(accounts) == {
        "admin@northwind.example",
        "reviewer@northwind.example",
        "reviewer2@northwind.example",
        "learner@northwind.example",
    }
    assert accounts["admin@northwind.example"]["role"] == "admin"
    assert accounts["reviewer@northwind.example"]["role"] == "reviewer"
    assert accounts["reviewer2@northwind.example"]["role"] == "reviewer"
    assert accounts["reviewer2@northwind.example"]["department"] == "Security"
    assert accounts["learner@northwind.example"] == {
        "email": "learner@northwind.example",
        "name": "Jordan Lee",
        "role": "learner",
        "department": "Data & Analytics",
        "title": "Junior Data Analyst",
    }
    for account in accounts.values():
        assert set(account) == {"email", "name", "role", "department", "title"}, account["email"]
        assert account["title"] in people["job_titles"][account["department"]], account["email"]
    assert "password" not in json.dumps(people).lower()
