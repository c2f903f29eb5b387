"""Default badge artwork: deterministic, valid images that can be baked and verified."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from defusedxml import ElementTree
from PIL import Image

from issuance.baking import bake_png, bake_svg
from issuance.errors import BadgeImageError
from issuance.images import TIER_RINGS, badge_png, badge_svg


def test_images_are_deterministic_and_differ_by_input() -> None:
    assert badge_png("Data Storytelling", tier="gold") == badge_png("Data Storytelling", tier="gold")
    assert badge_svg("Data Storytelling") == badge_svg("Data Storytelling")
    assert badge_png("Data Storytelling") != badge_png("Data Storytelling", tier="gold")
    assert badge_svg("Data Storytelling") != badge_svg("Python Testing")


def test_png_is_a_real_image_with_the_tier_ring() -> None:
    image = Image.open(io.BytesIO(badge_png("Python Testing", tier="silver", size=128)))
    assert image.size == (128, 128)
    ring = TIER_RINGS["silver"]
    assert image.convert("RGB").getpixel((64, 3)) == tuple(int(ring[i : i + 2], 16) for i in (1, 3, 5))
    assert image.getpixel((0, 0))[3] == 0  # transparent corners


def test_svg_is_well_formed_and_escapes_the_name() -> None:
    svg = badge_svg('R&D <"Lab"> Safety', tier="bronze", colour="#1F7A5C")
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "#1f7a5c" in svg and ">RDL<" in svg


@pytest.mark.parametrize("kwargs", [{"name": "!!!"}, {"name": "X", "colour": "green"}, {"name": "X", "size": 8}])
def test_bad_inputs(kwargs: dict[str, Any]) -> None:
    with pytest.raises(BadgeImageError):
        badge_svg(**kwargs)
    with pytest.raises(BadgeImageError):
        badge_png(**kwargs)


def test_default_images_bake_and_verify(issuer: Any, award: dict[str, Any]) -> None:
    payload = json.dumps(award)
    assert issuer.verify(bake_png(badge_png(award["name"], tier="gold"), payload)).status == "valid"
    assert issuer.verify(bake_svg(badge_svg(award["name"]), payload, is_jwt=False).encode()).status == "valid"
