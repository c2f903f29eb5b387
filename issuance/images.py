"""Default badge artwork, so every badge can be baked even without an uploaded image.

Deterministic: the same name, tier and colour always give byte-identical SVG and PNG. The
colour defaults to one derived from the badge name; the tier colours the outer ring.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import re
from xml.sax.saxutils import escape

from issuance.errors import BadgeImageError

TIER_RINGS = {
    "bronze": "#a0652c",
    "silver": "#9aa3ad",
    "gold": "#c9a227",
    "platinum": "#5f7d95",
}
DEFAULT_RING = "#4a5560"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _colour_for(name: str, colour: str | None) -> str:
    if colour is not None:
        if not _HEX.match(colour):
            raise BadgeImageError(f"colour must look like #1f7a5c, got {colour!r}")
        return colour.lower()
    hue = hashlib.sha256(name.encode("utf-8")).digest()[0] / 255
    red, green, blue = colorsys.hls_to_rgb(hue, 0.38, 0.55)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[^\w]+", name) if w]
    if not words:
        raise BadgeImageError("a badge image needs a name with at least one letter or digit")
    letters = "".join(w[0] for w in words[:3]) if len(words) > 1 else words[0][:2]
    return letters.upper()


def _ring(tier: str | None) -> str:
    return TIER_RINGS.get((tier or "").lower(), DEFAULT_RING)


def _check_size(size: int) -> None:
    if not 32 <= size <= 2048:
        raise BadgeImageError("image size must be between 32 and 2048 pixels")


def badge_svg(name: str, *, tier: str | None = None, colour: str | None = None, size: int = 256) -> str:
    """A round badge as SVG text: initials on the badge colour inside a tier-coloured ring;
    raises BadgeImageError for a bad colour, size or an empty name."""
    _check_size(size)
    fill, ring, initials = _colour_for(name, colour), _ring(tier), _initials(name)
    label = escape(tier.capitalize()) if tier else ""
    tier_text = (
        f'<text x="128" y="196" font-family="sans-serif" font-size="22" fill="#ffffff" '
        f'text-anchor="middle">{label}</text>'
        if label
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 256 256" role="img" aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f"<title>{escape(name)}</title>"
        f'<circle cx="128" cy="128" r="124" fill="{ring}"/>'
        f'<circle cx="128" cy="128" r="104" fill="{fill}"/>'
        f'<text x="128" y="150" font-family="sans-serif" font-size="72" font-weight="bold" '
        f'fill="#ffffff" text-anchor="middle">{escape(initials)}</text>'
        f"{tier_text}</svg>"
    )


def badge_png(name: str, *, tier: str | None = None, colour: str | None = None, size: int = 256) -> bytes:
    """The same badge as PNG bytes (drawn with Pillow); raises BadgeImageError as badge_svg."""
    _check_size(size)
    from PIL import Image, ImageDraw, ImageFont  # imported here: only image generation needs it

    fill, ring, initials = _colour_for(name, colour), _ring(tier), _initials(name)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    scale = size / 256
    draw.ellipse([4 * scale, 4 * scale, 252 * scale, 252 * scale], fill=ring)
    draw.ellipse([24 * scale, 24 * scale, 232 * scale, 232 * scale], fill=fill)
    font = ImageFont.load_default(size=round(72 * scale))
    draw.text((128 * scale, 122 * scale), initials, fill="#ffffff", font=font, anchor="mm")
    if tier:
        small = ImageFont.load_default(size=round(22 * scale))
        draw.text((128 * scale, 188 * scale), tier.capitalize(), fill="#ffffff", font=small, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
