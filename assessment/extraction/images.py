"""Images are kept for reviewers but have no text to score; check they are real images."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from assessment.extraction.errors import BrokenFile, LimitExceeded

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
