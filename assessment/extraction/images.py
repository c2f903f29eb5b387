"""Images are kept for reviewers but have no text to score; check they are real images."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from assessment.extraction.errors import BrokenFile, ExtractionError, LimitExceeded
from assessment.extraction.results import ExtractionResult, failed

MAX_IMAGE_PIXELS = 100_000_000


def check_image(data: bytes) -> tuple[int, int]:
    """(width, height) of a readable image; raises BrokenFile or LimitExceeded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise LimitExceeded("the image has too many pixels to show safely") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise BrokenFile("the image is damaged or in an unsupported variant") from exc
    if width * height > MAX_IMAGE_PIXELS:
        raise LimitExceeded(f"the image is {width}x{height} pixels, too large to show safely")
    return width, height


def image_result(source: str, data: bytes) -> ExtractionResult:
    """``no_text`` for a readable image (kept for reviewers), ``failed`` for a bad one."""
    try:
        width, height = check_image(data)
    except ExtractionError as exc:
        return failed("image", f"{source}: {exc}")
    message = f"image ({width}x{height}) kept for reviewers; no text to score"
    return ExtractionResult("no_text", message, "image", ())
