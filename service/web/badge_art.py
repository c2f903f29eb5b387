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


@lru_cache(maxsize=256)
def _render_png(name: str, tier: str, colour: str) -> bytes:
    size = PNG_SIZE
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, radius = size // 2, size // 2 - 8
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), fill=colour)
    inner = radius - 26
    draw.ellipse((centre - inner, centre - inner, centre + inner, centre + inner),
                 outline=(255, 255, 255, 200), width=6)
    big = ImageFont.load_default(size=150)
    small = ImageFont.load_default(size=34)
    draw.text((centre, centre - 40), initials(name), font=big, fill="white", anchor="mm")
    for i, line in enumerate(name_lines(name, width=20)):
        draw.text((centre, centre + 80 + i * 40), line, font=small, fill="white", anchor="mm")
    draw.text((centre, centre - inner + 40), tier.upper(), font=ImageFont.load_default(size=26),
              fill=(255, 255, 255, 220), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
