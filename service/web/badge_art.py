"""Generated badge artwork: a tier-coloured medallion with the badge's initials and name."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

from flask import render_template
from PIL import Image, ImageDraw, ImageFont

from service.models import Badge
from service.web.templating import TIER_COLOURS

PNG_SIZE = 512


def initials(name: str) -> str:
    """Up to two initials of the significant words of ``name`` ('Cloud Cost Basics' -> 'CC')."""
    small = {"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "&"}
    words = [w for w in name.replace("-", " ").split() if w.lower() not in small] or name.split()
    return "".join(w[0] for w in words[:2]).upper() or "L"


def name_lines(name: str, width: int = 18) -> list[str]:
    """The badge name wrapped for the medallion's ribbon (two lines at most)."""
    lines = textwrap.wrap(name, width=width) or [name]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=width, placeholder="…")]
    return lines


def badge_svg(badge: Badge) -> str:
    """The badge image as an SVG document (text escaped by the template)."""
    return render_template("badges/image.svg", badge=badge, initials=initials(badge.name),
                           lines=name_lines(badge.name), colour=TIER_COLOURS.get(badge.tier, "#4a5568"))


def badge_png(badge: Badge) -> bytes:
    """The badge image as PNG bytes (rendered once per name, tier and size)."""
    return _render_png(badge.name, badge.tier, TIER_COLOURS.get(badge.tier, "#4a5568"))


# The SVG template's hexagon (viewBox 0 0 200 200), reused so both formats look alike.
OUTER = ((100, 6), (181, 52), (181, 148), (100, 194), (19, 148), (19, 52))
INNER = ((100, 20), (169, 59), (169, 141), (100, 180), (31, 141), (31, 59))


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu ships with most Linux images; Pillow's bundled font is the fallback elsewhere.
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


@lru_cache(maxsize=256)
def _render_png(name: str, tier: str, colour: str) -> bytes:
    scale = PNG_SIZE / 200
    image = Image.new("RGBA", (PNG_SIZE, PNG_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(x * scale, y * scale) for x, y in OUTER], fill=colour)
    draw.polygon([(x * scale, y * scale) for x, y in INNER], outline=(255, 255, 255, 150), width=round(3 * scale))
    centre = PNG_SIZE / 2
    lines = name_lines(name)
    draw.text((centre, 52 * scale), tier.upper(), font=_font(round(11 * scale)), fill=(255, 255, 255, 230),
              anchor="mm")
    draw.text((centre, (96 if len(lines) > 1 else 102) * scale), initials(name), font=_font(round(44 * scale)),
              fill="white", anchor="mm")
    for i, line in enumerate(lines):
        draw.text((centre, (136 + i * 15) * scale), line, font=_font(round(12 * scale)), fill="white", anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
