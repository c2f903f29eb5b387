"""Display names for uploaded files: safe to show, never used as storage paths."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
MAX_EXTENSION_CHARS = 10
FALLBACK_NAME = "file"

# Cc controls, Cf format characters (bidi overrides, zero-width joiners), Cs surrogates,
# Co private use, Cn unassigned, Zl/Zp line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")


def sanitize_filename(name: str) -> str:
    """A display name: last path component, NFKC, no control/bidi characters, capped length.

    Never raises; an empty or all-hidden name becomes ``"file"``. Idempotent.
    """
    # NFKC first: it folds look-alikes such as fullwidth solidus into "/" before splitting.
    text = unicodedata.normalize("NFKC", name)
    text = "".join(" " if ch in "\t\n\r" else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _HIDDEN_CATEGORIES)
    text = re.split(r"[/\\]", text)[-1]
    text = _SPACES.sub(" ", text).strip(" .")
    if not text:
        return FALLBACK_NAME
    if len(text) > MAX_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and len(ext) <= MAX_EXTENSION_CHARS:
            text = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_NAME_CHARS].rstrip(" .")
    return text or FALLBACK_NAME


def extension_of(safe_name: str) -> str:
    """The lower-case extension of a sanitised name without its dot, or "" if none."""
    stem, dot, ext = safe_name.rpartition(".")
    if not dot or not stem:
        return ""
    return ext.lower()
