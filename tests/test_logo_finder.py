"""The logo finder: a district's logo is found whole, recoloured, grey, small on a portrait or on a banner;
other institutions' logos on the same template, a flag, a star and a plain portrait are not."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from watcher.demo.portraits import district_logo, grayscale, hue_shifted, jpeg, placed, png, portrait
from watcher.errors import ImageError
from watcher.matching.logo_finder import (
    LogoModel,
    enrol_logo,
    find_logo,
    find_logo_in,
    picture_features,
)

PIXELS = 50_000_000


def crest(initials: str, name: str, colour=(25, 60, 120), accent=(230, 170, 40)) -> Image.Image:
    """A school crest: a shield with a band of initials, a chevron, a star and the school's name."""
    image = Image.new("RGBA", (360, 440), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (340, 20), (340, 250), (180, 420), (20, 250)], fill=colour)
    draw.polygon([(38, 100), (322, 100), (322, 240), (180, 392), (38, 240)], fill=(245, 245, 240))
    draw.text((180, 60), initials, fill=(255, 255, 255), font=ImageFont.load_default(size=56), anchor="mm")
    draw.polygon([(38, 250), (180, 170), (322, 250), (322, 285), (180, 205), (38, 285)], fill=accent)
    star = [
        (180 + (38 if i % 2 == 0 else 15) * math.cos(-math.pi / 2 + i * math.pi / 5),
         140 + (38 if i % 2 == 0 else 15) * math.sin(-math.pi / 2 + i * math.pi / 5))
        for i in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=accent)
    draw.text((180, 300), name, fill=colour, font=ImageFont.load_default(size=30), anchor="mm")
    return image


def banner(logo: Image.Image, background: Image.Image) -> Image.Image:
    """A 3:1 profile banner: a strip of a photo with the logo at its left, 70% of its height."""
    strip = background.convert("RGB").resize((1200, 1200)).crop((0, 300, 1200, 700))
    side = 280
    small = logo.convert("RGBA").resize((round(side * logo.width / logo.height), side), Image.Resampling.LANCZOS)
    strip.paste(small, (60, 60), small)
    return strip


def flag() -> Image.Image:
    image = Image.new("RGB", (600, 400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for k in range(0, 13, 2):
        draw.rectangle((0, k * 400 / 13, 600, (k + 1) * 400 / 13), fill=(180, 30, 40))
    draw.rectangle((0, 0, 260, 215), fill=(20, 45, 110))
    for i in range(5):
        for j in range(4):
            draw.regular_polygon((30 + 50 * i, 30 + 50 * j, 12), 5, fill=(255, 255, 255))
    return image


def star() -> Image.Image:
    image = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 380, 380), fill=(20, 45, 110))
    points = [
        (200 + (150 if i % 2 == 0 else 60) * math.cos(-math.pi / 2 + i * math.pi / 5),
         200 + (150 if i % 2 == 0 else 60) * math.sin(-math.pi / 2 + i * math.pi / 5))
        for i in range(10)
    ]  # fmt: skip
    draw.polygon(points, fill=(235, 180, 30))
    return image


def on_white(logo: Image.Image, margin: int = 40) -> Image.Image:
    """The logo as a square avatar on white."""
    side = max(logo.size) + margin
    out = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    out.alpha_composite(logo.convert("RGBA"), ((side - logo.width) // 2, (side - logo.height) // 2))
    return out.convert("RGB")


@pytest.fixture(scope="module")
def seal() -> LogoModel:
    return enrol_logo(png(district_logo()), PIXELS)


@pytest.fixture(scope="module")
def shield_logo() -> Image.Image:
    return crest("SVUSD", "SIERRA VISTA")


@pytest.fixture(scope="module")
def shield(shield_logo) -> LogoModel:
    return enrol_logo(png(shield_logo), PIXELS)


def test_logo_model_round_trips_through_bytes(seal):
    blob = seal.to_bytes()
    again = LogoModel.from_bytes(blob)
    assert again == seal
    assert again.size == seal.size and again.inner == seal.inner
    assert np.array_equal(again.descriptors, seal.descriptors) and np.array_equal(again.points, seal.points)
    assert np.array_equal(again.image, seal.image) and np.array_equal(again.mask, seal.mask)
    with pytest.raises(ValueError):
        LogoModel.from_bytes(blob[:-10])
    with pytest.raises(ValueError):
        LogoModel.from_bytes(b"nonsense" * 4)


@pytest.mark.parametrize(
    "edit",
    [
        lambda logo: logo,
        lambda logo: hue_shifted(logo, 150),
        lambda logo: grayscale(logo),
        lambda logo: Image.merge("RGB", logo.split()[::-1]),
    ],
    ids=["whole", "recoloured", "grey", "channels-swapped"],
)
def test_seal_used_as_the_avatar_is_found(seal, edit):
    hit = find_logo(seal, jpeg(edit(district_logo()), 80), PIXELS)
    assert hit is not None
    assert hit.score >= 0.6
    x0, y0, x1, y1 = hit.box
    assert x0 < 0.1 and y0 < 0.1 and x1 > 0.9 and y1 > 0.9


@pytest.mark.parametrize("share, anchor", [(0.2, (1.0, 1.0)), (0.2, (0.0, 0.0)), (0.7, (0.0, 1.0)), (0.7, (1.0, 0.0))])
def test_crest_placed_on_a_portrait_corner_is_found_where_it_is(shield, shield_logo, share, anchor):
    picture = placed(on_white(shield_logo, margin=0), portrait(11), share, anchor)  # a 320×400 crest on 440×440
    hit = find_logo(shield, jpeg(picture, 85), PIXELS)
    assert hit is not None and hit.how == "keypoints"
    centre = ((hit.box[0] + hit.box[2]) / 2, (hit.box[1] + hit.box[3]) / 2)
    expected = (anchor[0] * (1 - share) + share / 2, anchor[1] * (1 - share) + share / 2)
    assert centre == pytest.approx(expected, abs=0.03)
    assert hit.box[3] - hit.box[1] == pytest.approx(share * 400 / 440, abs=0.03)
    assert hit.box[2] - hit.box[0] == pytest.approx(share * 320 / 440, abs=0.03)


def test_crest_on_a_banner_and_a_recoloured_crest_are_found(shield, shield_logo):
    assert find_logo(shield, jpeg(banner(shield_logo, portrait(4)), 85), PIXELS) is not None
    assert find_logo(shield, jpeg(hue_shifted(on_white(shield_logo), 200), 60), PIXELS) is not None


def test_one_analysed_picture_is_searched_for_several_logos(seal, shield, shield_logo):
    features = picture_features(jpeg(placed(on_white(shield_logo), portrait(2), 0.5, (0.0, 0.0)), 85), PIXELS)
    assert find_logo_in(shield, features) is not None
    assert find_logo_in(seal, features) is None


@pytest.mark.parametrize(
    "other",
    [
        lambda: crest("MRHSD", "MESA RIDGE"),
        lambda: crest("SVUSD", "SILVER VALLEY", colour=(120, 20, 30)),
        lambda: crest("OPCS", "SIERRA VISTA"),
    ],
    ids=["other-initials-and-name", "same-initials-other-name", "same-name-other-initials"],
)
def test_other_crests_on_the_same_template_are_not_the_district(shield, other):
    logo = other()
    assert find_logo(shield, png(on_white(logo)), PIXELS) is None
    assert find_logo(shield, jpeg(placed(on_white(logo), portrait(5), 0.6, (0.0, 0.0)), 85), PIXELS) is None
    assert find_logo(shield, jpeg(grayscale(on_white(logo)), 85), PIXELS) is None


@pytest.mark.parametrize(
    "picture",
    [flag, star, lambda: portrait(3), lambda: portrait(17), lambda: crest("SVUSD", "SIERRA VISTA")],
    ids=["flag", "star", "portrait", "portrait-2", "the-crest"],
)
def test_look_alikes_and_plain_pictures_are_not_the_seal(seal, picture):
    # Not covered: the demo seals of other seeds differ from it only by a few 12-pixel blocks on the ring
    # (3% of its width) and score 0.72–0.83; images.py's lettering signature tells those apart.
    assert find_logo(seal, jpeg(picture(), 85), PIXELS) is None


def test_the_answer_is_the_same_every_time(shield, shield_logo):
    data = jpeg(placed(on_white(shield_logo), portrait(8), 0.35, (0.9, 0.1)), 75)
    first = find_logo(shield, data, PIXELS)
    assert first is not None
    assert all(find_logo(shield, data, PIXELS) == first for _ in range(3))
    assert enrol_logo(png(shield_logo), PIXELS) == shield


def test_an_array_is_searched_like_the_same_picture_as_bytes(seal):
    picture = district_logo().resize((300, 300))
    from_bytes = find_logo(seal, png(picture), PIXELS)
    from_array = find_logo(seal, np.asarray(picture), PIXELS)
    assert from_bytes is not None and from_array is not None
    assert from_array.box == pytest.approx(from_bytes.box, abs=0.02)


def test_unreadable_or_huge_pictures_are_refused(seal):
    with pytest.raises(ImageError):
        find_logo(seal, b"not an image", PIXELS)
    with pytest.raises(ImageError):
        enrol_logo(b"\x89PNG\r\n\x1a\nbroken", PIXELS)
    big = io.BytesIO()
    Image.new("RGB", (3000, 3000)).save(big, "PNG")
    with pytest.raises(ImageError):
        find_logo(seal, big.getvalue(), 1_000_000)
