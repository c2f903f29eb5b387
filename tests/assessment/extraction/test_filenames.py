"""Display names: no paths, no hidden characters, bounded, stable."""

from __future__ import annotations

import pytest

from assessment.extraction import sanitize_filename


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
        ("/absolute/path/cv.docx", "cv.docx"),
        ("a／b.pdf", "b.pdf"),  # fullwidth solidus folds to "/" before splitting
        ("evil\x00.pdf", "evil.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("line\nbreak\tname.md", "line break name.md"),
        ("ﬁnal ｒｅｐｏｒｔ.pdf", "final report.pdf"),  # NFKC folds ligatures and fullwidth
        ("e\u0301te\u0301.txt", "été.txt"),  # composed
        ("..", "file"),
        ("", "file"),
        ("\x00\x01\u202e", "file"),
        ("  .hidden  ", "hidden"),
        ("dir/", "file"),
    ],
)
def test_sanitize_filename(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_names_are_capped_keeping_the_extension() -> None:
    name = sanitize_filename("x" * 500 + ".docx")

    assert len(name) == 120
    assert name.endswith("xxx.docx")


@pytest.mark.parametrize(
    "raw", ["../../a b.pdf", "x" * 300 + ".pdf", "ｘ／..／y.txt", "a\u202e\u0000b.md", ".. .", "ﬁ" * 200]
)
def test_sanitizing_is_idempotent(raw: str) -> None:
    once = sanitize_filename(raw)

    assert sanitize_filename(once) == once
    assert "/" not in once and "\\" not in once and once not in ("", ".", "..")
