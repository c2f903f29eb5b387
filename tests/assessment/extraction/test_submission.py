"""Submission-wide limits: too many or too large files are refused one by one, the rest kept."""

from __future__ import annotations

from assessment.extraction import UploadLimits, check_submission


def test_files_past_the_count_limit_are_refused_and_the_rest_kept() -> None:
    files = [(f"note{n}.txt", b"some text") for n in range(4)]

    checks = check_submission(files, UploadLimits(max_files=3))

    assert [check.ok for check in checks] == [True, True, True, False]
    assert checks[3].message == "note3.txt: a submission may hold at most 3 files"
    assert checks[3].kind == "txt"


def test_total_size_counts_only_accepted_files() -> None:
    limits = UploadLimits(max_file_bytes=100, max_submission_bytes=150)
    files = [
        ("a.txt", b"a" * 80),
        ("b.pdf", b"not a pdf"),  # refused, so it does not count towards the total
        ("c.txt", b"c" * 80),  # would make 160 bytes
        ("d.txt", b"d" * 60),  # fits: 140 bytes
    ]

    checks = check_submission(files, limits)

    assert [check.ok for check in checks] == [True, False, False, True]
    assert "may total at most" in checks[2].message
    assert "its content is text" in checks[1].message
