"""The logo finder: a district's logo is found whole, recoloured, grey, small on a portrait or on a banner, as a
tiny avatar, under a sticker or a caption, cut round, and on a background of its own colour; other
institutions' logos on the same template (also small), a flag, a star and a plain portrait are not."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from image_edits import grayscale, hue_shifted, placed
from PIL import Image, ImageDraw, ImageFont

from watcher.demo.portraits import circle_masked, district_logo, jpeg, png, portrait
from watcher.errors import ImageError, InputError
from watcher.matching.logos import (
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
    with pytest.raises(InputError, match="truncated"):
        LogoModel.from_bytes(blob[:-10])
    with pytest.raises(InputError, match="not a logo model"):
        LogoModel.from_bytes(b"nonsense" * 4)


def test_a_model_enrolled_by_an_older_version_must_be_enrolled_again(seal):
    older = b"LGM1" + seal.to_bytes()[4:]
    with pytest.raises(InputError, match="add the logo again"):
        LogoModel.from_bytes(older)


def test_the_logos_own_silhouette_is_compared_not_the_paper_around_it(seal):
    # the seal is a disc on white paper: the corners of its frame are not the logo, its centre is
    h, w = seal.mask.shape
    assert seal.mask[h // 2, w // 2]
    assert not seal.mask[:4, :4].any() and not seal.mask[-4:, -4:].any()


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


@pytest.mark.parametrize("side", [52, 64, 96])
def test_crest_used_as_a_tiny_avatar_is_found(shield, shield_logo, side):
    small = on_white(shield_logo, margin=20).resize((side, side), Image.Resampling.LANCZOS)
    hit = find_logo(shield, jpeg(small, 85), PIXELS)
    assert hit is not None
    assert hit.box[0] < 0.2 and hit.box[2] > 0.8


def test_a_tiny_copy_is_judged_on_what_its_pixels_can_show(shield, shield_logo):
    # a 48-pixel copy is compared in windows of about ten of its own pixels, not of the logo's frame
    hit = find_logo(
        shield, jpeg(on_white(shield_logo, margin=20).resize((48, 48), Image.Resampling.LANCZOS), 80), PIXELS
    )
    assert hit is not None and hit.score >= 0.85


@pytest.mark.parametrize("side, found", [(64, False), (96, False), (400, True)])
def test_a_recoloured_crest_must_be_large_enough_to_read(shield, shield_logo, side, found):
    # too small to read its lettering, a copy must keep the logo's own colours too
    recoloured = hue_shifted(on_white(shield_logo, margin=20), 150).resize((side, side), Image.Resampling.LANCZOS)
    assert (find_logo(shield, jpeg(recoloured, 85), PIXELS) is not None) is found


@pytest.mark.parametrize("share, anchor", [(0.15, (0.1, 0.9)), (0.18, (0.85, 0.15))])
def test_crest_placed_small_on_a_portrait_is_found_where_it_is(shield, shield_logo, share, anchor):
    picture = placed(on_white(shield_logo, margin=0), portrait(12), share, anchor)
    hit = find_logo(shield, jpeg(picture, 85), PIXELS)
    assert hit is not None
    centre = ((hit.box[0] + hit.box[2]) / 2, (hit.box[1] + hit.box[3]) / 2)
    assert centre == pytest.approx((anchor[0] * (1 - share) + share / 2, anchor[1] * (1 - share) + share / 2), abs=0.03)


@pytest.mark.parametrize("corner", [(0, 0), (1, 1)])
def test_a_sticker_over_a_corner_of_the_avatar_does_not_hide_the_crest(shield, shield_logo, corner):
    avatar = on_white(shield_logo, margin=10).resize((400, 400))
    draw = ImageDraw.Draw(avatar)
    cx, cy = 60 + 280 * corner[0], 60 + 280 * corner[1]
    draw.ellipse([cx - 55, cy - 55, cx + 55, cy + 55], fill=(240, 60, 140), outline=(255, 255, 255), width=4)
    assert find_logo(shield, jpeg(avatar, 85), PIXELS) is not None


@pytest.mark.parametrize("fill, ink", [((255, 255, 255), (128, 128, 128)), ((0, 0, 0), (255, 255, 0))])
def test_a_caption_over_the_bottom_does_not_hide_the_seal(seal, fill, ink):
    # a white bar on the seal's own white paper shows only as its text
    avatar = district_logo()
    draw = ImageDraw.Draw(avatar)
    draw.rectangle((0, 330, 400, 400), fill=fill)
    draw.text((200, 365), "Back to school!", fill=ink, font=ImageFont.load_default(size=36), anchor="mm")
    assert find_logo(seal, jpeg(avatar, 85), PIXELS) is not None


def test_a_square_badge_cut_round_is_found():
    badge = Image.new("RGB", (400, 400), (30, 90, 60))
    draw = ImageDraw.Draw(badge)
    draw.rectangle((30, 30, 369, 369), outline=(240, 230, 200), width=10)
    draw.text((200, 170), "NPUSD", fill=(240, 230, 200), font=ImageFont.load_default(size=90), anchor="mm")
    draw.text((200, 290), "NORTH PARK", fill=(240, 230, 200), font=ImageFont.load_default(size=40), anchor="mm")
    model = enrol_logo(png(badge), PIXELS)
    # the circle hides the corners of the badge and of its frame: over a third of its edges
    assert find_logo(model, jpeg(circle_masked(badge, (20, 24, 30)), 85), PIXELS) is not None


def test_a_crest_on_a_background_of_its_own_colour_is_found(shield, shield_logo):
    # the crest's blue outline meets a blue wall on one side: its outline is not there to compare
    background = portrait(6).resize((400, 400))
    ImageDraw.Draw(background).rectangle((0, 0, 200, 400), fill=(25, 60, 120))
    picture = background.copy()
    crest_small = shield_logo.resize((160, 196), Image.Resampling.LANCZOS)
    picture.paste(crest_small, (120, 100), crest_small)
    assert find_logo(shield, jpeg(picture, 85), PIXELS) is not None


@pytest.mark.parametrize("initials, name", [("MRHSD", "MESA RIDGE"), ("OPCS", "SIERRA VISTA")])
def test_other_crests_shown_small_are_not_the_district(shield, initials, name):
    other = on_white(crest(initials, name), margin=20)
    for side in (64, 110):
        assert find_logo(shield, jpeg(other.resize((side, side), Image.Resampling.LANCZOS), 85), PIXELS) is None


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
    # (3% of its width) and score 0.72–0.83; the images package's lettering signature tells those apart.
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


def hexagon_badge(initials: str, motto: str, fill=(200, 50, 220), ring=(120, 140, 10)) -> Image.Image:
    """A flat hexagon badge with big initials: few corners, and the few it has all look alike."""
    image = Image.new("RGBA", (400, 440), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.regular_polygon((200, 220, 200), 6, rotation=30, fill=ring)
    draw.regular_polygon((200, 220, 170), 6, rotation=30, fill=(250, 250, 235))
    draw.regular_polygon((200, 220, 155), 6, rotation=30, fill=fill)
    draw.text((200, 200), initials, fill=ring, font=ImageFont.load_default(size=90), anchor="mm")
    draw.text((200, 275), motto, fill=ring, font=ImageFont.load_default(size=20), anchor="mm")
    return image


@pytest.mark.parametrize("degrees", [-8, 7])
def test_a_flat_badge_used_whole_and_turned_is_found(degrees):
    """Few keypoints and all alike: where the edge template or the whole picture puts it, it is also tried
    turned, as ECC alone cannot undo 8°."""
    logo = hexagon_badge("PPCS", "KNOWLEDGE IS POWER")
    model = enrol_logo(png(logo), PIXELS)
    turned = on_white(logo).rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    hit = find_logo(model, jpeg(turned, 85), PIXELS)
    assert hit is not None and hit.how in ("edges", "whole")


def pasted(logo: Image.Image, background: Image.Image, share: float, anchor: tuple[float, float]) -> Image.Image:
    """A transparent logo laid on a 400×400 copy of ``background`` at ``share`` of its width, at ``anchor``."""
    out = background.convert("RGB").resize((400, 400))
    width = round(400 * share)
    small = logo.convert("RGBA").resize((width, round(width * logo.height / logo.width)), Image.Resampling.LANCZOS)
    out.paste(small, (round((400 - small.width) * anchor[0]), round((400 - small.height) * anchor[1])), small)
    return out


def wordmark(name: str, ink=(150, 40, 170), ground=(90, 120, 40)) -> Image.Image:
    """A district's name as lettering on a band, with a hairline under it: a wordmark, 3.4:1."""
    image = Image.new("RGBA", (680, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 679, 199), radius=24, fill=ground)
    draw.text((340, 80), name, fill=ink, font=ImageFont.load_default(size=76), anchor="mm")
    draw.line((60, 140, 620, 140), fill=(240, 240, 230), width=3)
    draw.text((340, 170), "UNIFIED SCHOOL DISTRICT", fill=(240, 240, 230), font=ImageFont.load_default(size=22),
              anchor="mm")  # fmt: skip
    return image


@pytest.fixture(scope="module")
def badge_logo() -> Image.Image:
    return hexagon_badge("PPCS", "KNOWLEDGE IS POWER")


@pytest.fixture(scope="module")
def badge(badge_logo) -> LogoModel:
    return enrol_logo(png(badge_logo), PIXELS)


@pytest.mark.parametrize("share, anchor", [(0.4, (0.9, 0.1)), (0.25, (0.1, 0.8))])
def test_a_flat_badge_placed_on_a_portrait_is_found_by_its_edges(badge, badge_logo, share, anchor):
    """Its lettering differs from its ground in colour only, and its corners all look alike: keypoints cannot
    place it, the colour-edge template can."""
    hit = find_logo(badge, jpeg(pasted(badge_logo, portrait(4), share, anchor), 80), PIXELS)
    assert hit is not None and hit.how == "edges"
    x0, y0, x1, y1 = hit.box
    left, _, right, _ = badge_logo.getbbox()  # the hexagon, pointed at the top, is narrower than its frame
    assert x1 - x0 == pytest.approx(share * (right - left) / badge_logo.width, abs=0.03)
    assert (x0 + x1) / 2 == pytest.approx(share / 2 + (1 - share) * anchor[0], abs=0.05)
    tall = share * badge_logo.height / badge_logo.width  # of the picture's height
    assert (y0 + y1) / 2 == pytest.approx(tall / 2 + (1 - tall) * anchor[1], abs=0.05)


def test_another_badge_on_the_same_template_is_not_the_district(badge):
    other = hexagon_badge("MVCS", "LEARN TO LEAD")
    assert find_logo(badge, jpeg(pasted(other, portrait(4), 0.4, (0.9, 0.1)), 80), PIXELS) is None
    assert find_logo(badge, jpeg(on_white(other), 85), PIXELS) is None


@pytest.mark.parametrize("quality", [85, 40])
def test_a_wordmark_in_colour_only_lettering_is_found_on_a_photo_through_jpeg(quality):
    """Violet on olive is one grey: JPEG halves its colour detail, and the comparison sees it as JPEG does."""
    logo = wordmark("WEST SPRINGS")
    model = enrol_logo(png(logo), PIXELS)
    assert find_logo(model, jpeg(pasted(logo, portrait(9), 0.75, (0.5, 0.9)), quality), PIXELS) is not None
    twin = wordmark("EAST SPRINGS")
    for share in (0.45, 0.75):
        assert find_logo(model, jpeg(pasted(twin, portrait(9), share, (0.5, 0.9)), quality), PIXELS) is None
    assert find_logo(model, jpeg(on_white(twin), quality), PIXELS) is None
