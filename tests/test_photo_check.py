"""Verification of a photo copy: local features agree under one transform, and the layout agrees."""

from __future__ import annotations

import numpy as np
import pytest
from image_edits import captioned, colour_cast, cropped_at, grayscale, padded, rotated, sepia
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from watcher.demo.portraits import circle_masked, jpeg, mirrored, portrait, recompressed
from watcher.errors import ImageError, InputError
from watcher.matching.images import (
    PHOTO_CANDIDATE,
    HashIndex,
    PhotoPrint,
    keypoints,
    photo_check,
    photo_print,
    picture,
    query_views,
    reference_views,
    verify,
)
from watcher.matching.images.keypoints import Features, align, describe_at, extract
from watcher.matching.images.photo_check import place

PIXELS = 16_000_000
OWNERS = (101, 102, 103)


def framed(image: Image.Image, ring=(200, 40, 90), ground=(200, 40, 90)) -> Image.Image:
    """An avatar maker's frame: the photo shrunk into a round hole in a ring, a ribbon of text across it."""
    w, h = image.size
    out = Image.new("RGB", (w, h), ground)
    draw = ImageDraw.Draw(out)
    draw.ellipse((w * 0.02, h * 0.02, w * 0.98, h * 0.98), fill=ring)
    inner = round(w * 0.84)
    hole = Image.new("L", (inner, inner), 0)
    ImageDraw.Draw(hole).ellipse((0, 0, inner - 1, inner - 1), fill=255)
    out.paste(image.resize((inner, inner), Image.Resampling.LANCZOS), ((w - inner) // 2, (h - inner) // 2), hole)
    band, top = round(h * 0.14), round(h * 0.78)
    draw.rounded_rectangle((w * 0.08, top, w * 0.92, top + band), radius=band // 3, fill=(255, 255, 255))
    font = ImageFont.load_default(size=band // 2)
    draw.text((w / 2, top + band / 2), "Go Eagles!", fill=ring, font=font, anchor="mm")
    return out


def on_backdrop(seed: int, backdrop: Image.Image) -> Image.Image:
    """Portrait ``seed``'s person (head, neck and shoulders) cut out and put in front of ``backdrop``."""
    mask = Image.new("L", (400, 400), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse((120, 60, 280, 300), fill=255)
    draw.rectangle((170, 250, 230, 330), fill=255)
    draw.ellipse((30, 300, 370, 560), fill=255)
    out = backdrop.copy()
    out.paste(portrait(seed), (0, 0), mask.filter(ImageFilter.GaussianBlur(2)))
    return out


def a_wall(seed: int) -> Image.Image:
    """A textured backdrop (bricks of varied shades, with mortar), as a school's photo day uses."""
    rng = np.random.default_rng(seed)
    wall = Image.new("RGB", (400, 400), (190, 185, 180))
    draw = ImageDraw.Draw(wall)
    for row in range(0, 400, 40):
        shift = 40 if row % 80 else 0
        for x in range(-shift, 400, 80):
            shade = tuple(int(v) for v in rng.integers(90, 200, 3))
            draw.rectangle((x + 3, row + 3, x + 77, row + 37), fill=shade)
    return wall.filter(ImageFilter.GaussianBlur(1))


EDITS = {
    "as-is": lambda im: im,
    "jpeg30": lambda im: recompressed(im, 200, 30),
    "small64": lambda im: im.resize((64, 64), Image.Resampling.LANCZOS),
    "mirror": mirrored,
    "crop30-off": lambda im: cropped_at(im, 0.30, (0.9, 0.1)),
    "rotate12": lambda im: rotated(im, 12, (255, 255, 255)),
    "rotate-15-crop": lambda im: rotated(im, -15, None),
    "grey": grayscale,
    "tint": lambda im: colour_cast(im, (255, 120, 0), 0.3),
    "tone": lambda im: ImageEnhance.Contrast(ImageEnhance.Brightness(im).enhance(1.25)).enhance(0.75),
    "circle+border+caption": lambda im: captioned(padded(circle_masked(im, (20, 20, 20)), 0.1, (255, 255, 255))),
    "mirror+grey+crop": lambda im: grayscale(mirrored(cropped_at(im, 0.2, (0.2, 0.8)))),
    "caption-top": lambda im: ImageOps.flip(captioned(ImageOps.flip(im), "", 0.2, (250, 250, 250))),
    "frame": framed,
    "frame-on-white": lambda im: framed(im, ground=(255, 255, 255)),
    "sepia+crop+border": lambda im: padded(sepia(cropped_at(im, 0.2, (0.9, 0.3))), 0.1, (40, 120, 200)),
}


@pytest.fixture(scope="module")
def prints() -> dict[int, PhotoPrint]:
    return {seed: photo_print(jpeg(portrait(seed), 90), PIXELS) for seed in OWNERS}


@pytest.mark.parametrize("edit", EDITS)
def test_copies_of_an_enrolled_photo_are_verified(prints, edit):
    for seed in OWNERS:
        check = verify(prints[seed], picture(jpeg(EDITS[edit](portrait(seed)), 80), PIXELS))
        assert check is not None and check.verified, (seed, check)


def test_a_mirrored_copy_is_found_mirrored_and_a_turned_one_turned(prints):
    check = verify(prints[101], picture(jpeg(mirrored(portrait(101))), PIXELS))
    assert check is not None and check.mirrored
    check = verify(prints[101], picture(jpeg(rotated(portrait(101), 12, None)), PIXELS))
    assert check is not None and not check.mirrored and 9 <= abs(check.angle) <= 15


@pytest.mark.parametrize("shown_as", ["colour", "grey"])
def test_other_peoples_portraits_are_not_verified(prints, shown_as):
    """Synthetic portraits share pose, layout and even drawn features: still never a copy, even grey,
    when only the layout of light and dark is left to tell them apart."""
    for seed in range(400, 440):
        other = portrait(seed) if shown_as == "colour" else grayscale(portrait(seed))
        shown = picture(jpeg(other), PIXELS)
        for owner, record in prints.items():
            check = verify(record, shown)
            assert check is None or not check.verified, (seed, owner, check)


def test_two_people_in_front_of_the_same_wall_are_not_the_same_photo():
    """A school's photo day: everyone in front of one backdrop. The wall agrees, keypoints and all; the
    person in front of it does not, so the photo is not verified, while a copy of it still is."""
    wall = a_wall(5)
    enrolled = photo_print(jpeg(on_backdrop(501, wall), 90), PIXELS)
    for seed in (502, 503, 504, 505):
        for other in (on_backdrop(seed, wall), grayscale(on_backdrop(seed, wall))):
            check = verify(enrolled, picture(jpeg(other), PIXELS))
            assert check is None or not check.verified, (seed, check)
    copy = verify(enrolled, picture(jpeg(cropped_at(on_backdrop(501, wall), 0.15, (0.2, 0.7))), PIXELS))
    assert copy is not None and copy.verified, copy


def two_toned(image: Image.Image, cast: tuple[tuple[int, int, int], float]) -> Image.Image:
    """The picture with its lower half tinted: each half's colours follow their own map."""
    w, h = image.size
    image.paste(colour_cast(image.crop((0, h // 2, w, h)), *cast), (0, h // 2))
    return image


@pytest.mark.parametrize("cast", [((30, 60, 220), 0.45), ((30, 200, 60), 0.5), ((220, 200, 30), 0.5)])
def test_a_picture_no_single_colour_map_explains_is_not_a_copy(prints, monkeypatch, cast):
    """The same shapes, its halves recoloured each their own way (as two people posed alike in front
    of one wall, with other skin, hair and shirt): every step keeps its sign and every patch is the
    same, but no one colour map takes the photo's colours to the avatar's."""
    monkeypatch.setattr(photo_check, "COMPARE_ALL", True)  # every check measured, to see which one fails
    check = verify(prints[101], picture(jpeg(two_toned(portrait(101), cast)), PIXELS))
    assert check is not None and not check.verified
    assert check.patches >= photo_check.PATCH_AGREEMENT and check.agreement >= photo_check.LUMA_AGREEMENT
    assert check.chroma_agreement is not None and check.chroma_agreement >= photo_check.CHROMA_AGREEMENT
    assert check.colour_fit is not None and check.colour_fit < photo_check.COLOUR_FIT
    whole = verify(prints[101], picture(jpeg(colour_cast(portrait(101), *cast)), PIXELS))  # one map: a copy
    assert whole is not None and whole.verified and whole.colour_fit == pytest.approx(1.0, abs=0.05)


@pytest.fixture(scope="module")
def view_index() -> HashIndex:
    return HashIndex.of([(seed, n, h) for seed in OWNERS for n, h in reference_views(jpeg(portrait(seed), 90), PIXELS)])


@pytest.mark.parametrize("edit", EDITS)
def test_where_the_matched_views_place_a_copy_it_is_plausible(prints, view_index, edit):
    """Before keypoints: the closest pair of views places the copy, and there its layout and colours
    are the photo's. Verification then goes on as before."""
    for seed in OWNERS:
        data = jpeg(EDITS[edit](portrait(seed)), 80)
        hit = next(m for m in view_index.nearest(query_views(data, PIXELS), PHOTO_CANDIDATE) if m.owner == seed)
        shown = picture(data, PIXELS)
        placed = place(prints[seed], shown, hit.reference_view, hit.query_view)
        assert placed is not None and placed.plausible, (seed, hit, placed)
        check = verify(prints[seed], shown, (hit.reference_view, hit.query_view))
        assert check is not None and check.verified and check.placed == placed


def test_strangers_posed_alike_are_mostly_turned_away_before_keypoints(monkeypatch):
    """Portraits drawn from one template come within the hash distance of each other; where their
    views place them, most show other colours, and their keypoints are never matched."""
    enrolled = {seed: jpeg(portrait(seed), 90) for seed in range(600, 680)}
    index = HashIndex.of([(seed, n, h) for seed, data in enrolled.items() for n, h in reference_views(data, PIXELS)])
    asked = []
    monkeypatch.setattr(photo_check, "align", lambda *a, **k: asked.append(1) or keypoints.align(*a, **k))
    near = placed_ok = 0
    for seed in range(400, 560):
        data = jpeg(portrait(seed))
        shown = picture(data, PIXELS)
        for hit in index.nearest(query_views(data, PIXELS), PHOTO_CANDIDATE):
            near += 1
            enrolled_print = photo_print(enrolled[hit.owner], PIXELS)
            views = (hit.reference_view, hit.query_view)
            before = len(asked)
            check = verify(enrolled_print, shown, views)
            if place(enrolled_print, shown, *views).plausible:
                placed_ok += 1
                assert len(asked) == before + 2  # both ways round, as before
            else:
                assert check is None and len(asked) == before  # no keypoint matched
            assert check is None or not check.verified
    assert near >= 8 and placed_ok <= 0.4 * near, (near, placed_ok)


def test_views_of_unknown_places_leave_verification_as_it_was(prints):
    shown = picture(jpeg(cropped_at(portrait(101), 0.2, (0.3, 0.3))), PIXELS)
    assert place(prints[101], shown, "no-such-view", "as-is") is None
    check = verify(prints[101], shown, ("no-such-view", "as-is"))
    assert check is not None and check.verified and check.placed is None
    assert check == verify(prints[101], shown)


def test_a_frame_and_a_caption_are_left_out_of_the_comparison():
    """What was laid on the photo (a frame's ring and ribbon, a caption bar) is no part of it."""
    shown = picture(jpeg(framed(portrait(101).resize((320, 320)))), PIXELS)
    assert shown.content[:8].max() == 0 and shown.content[160, 160] == 1
    assert shown.content[round(320 * 0.85), 80:240].max() == 0  # the ribbon, text and all
    captioned_top = ImageOps.flip(captioned(ImageOps.flip(portrait(101).resize((320, 320))), "", 0.2))
    shown = picture(jpeg(captioned_top), PIXELS)
    assert shown.content[:60].max() == 0 and shown.content[70:].min() == 1
    assert picture(jpeg(portrait(101).resize((320, 320))), PIXELS).content.min() == 1


def test_a_print_round_trips_and_holds_no_picture(prints):
    record = prints[101]
    blob = record.to_bytes()
    again = PhotoPrint.from_bytes(blob)
    assert np.array_equal(again.signs, record.signs) and np.array_equal(again.clear, record.clear)
    assert np.array_equal(again.features.descriptors, record.features.descriptors)
    assert np.allclose(again.features.points, record.features.points, atol=1 / 16)
    assert np.array_equal(again.features.octaves, record.features.octaves)
    turn = (again.features.angles - record.features.angles + 180) % 360 - 180
    assert np.abs(turn).max() <= 360 / 256 / 2 + 1e-3
    # Derived data only: keypoints and step signs, far smaller than even a 64×64 grey thumbnail.
    assert len(blob) < 20_000 and record.signs.dtype == bool
    with pytest.raises(ImageError):  # and it is no image any decoder reads
        photo_print(blob, PIXELS)
    with pytest.raises(InputError):
        PhotoPrint.from_bytes(b"something else")
    with pytest.raises(InputError, match="another version"):  # a print made before orientations were kept
        PhotoPrint.from_bytes(b"PP2" + blob[3:])
    with pytest.raises(InputError):
        PhotoPrint.from_bytes(blob[:-40])
    assert again.cells is not None and np.array_equal(again.cells, record.cells)


def test_a_print_from_before_cell_colours_is_verified_without_them(prints):
    """PP3 prints (no cell colours) still read; their copies are verified on everything else."""
    blob = prints[101].to_bytes()
    layout = 7 + int.from_bytes(blob[3:7], "little")
    older = PhotoPrint.from_bytes(b"PP3" + blob[3:layout] + blob[layout + photo_check.COLOUR_GRID**2 * 3 :])
    assert older.cells is None and np.array_equal(older.features.descriptors, prints[101].features.descriptors)
    assert older.to_bytes() == b"PP3" + blob[3:layout] + blob[layout + photo_check.COLOUR_GRID**2 * 3 :]
    image = two_toned(portrait(101), ((30, 60, 220), 0.45))  # only the colour check tells it from a copy
    check = verify(older, picture(jpeg(image), PIXELS))
    assert check is not None and check.verified and check.colour_fit is None


def test_verification_is_deterministic(prints):
    shown = picture(jpeg(rotated(cropped_at(portrait(102), 0.2, (0.1, 0.4)), 8, None)), PIXELS)
    assert verify(prints[102], shown) == verify(prints[102], shown)


def test_alignment_recovers_scale_and_turn():
    grey = np.asarray(portrait(7).convert("L"))
    turned = np.asarray(portrait(7).convert("L").rotate(10, resample=Image.Resampling.BICUBIC).resize((200, 200)))
    found = align(extract(grey), extract(turned))
    assert found is not None and found.inliers >= 20
    assert abs(found.scale - 0.5) < 0.05 and abs(abs(found.angle) - 10) < 2


def test_features_round_trip_and_refuse_junk():
    features = extract(np.asarray(portrait(8).convert("L")))
    again = Features.from_bytes(features.to_bytes())
    assert again.size == features.size and np.array_equal(again.descriptors, features.descriptors)
    with pytest.raises(ValueError):
        Features.from_bytes(features.to_bytes()[:-5])
    assert len(extract(np.zeros((50, 50), np.uint8))) == 0  # a flat picture has no corners
    assert align(extract(np.zeros((50, 50), np.uint8)), features) is None


def test_patches_are_described_again_where_the_keypoints_are():
    """The same picture gives the stored descriptors back; another picture in that frame does not."""
    grey = np.asarray(portrait(9).convert("L"))
    features = extract(grey, 400)
    same, ok = describe_at(grey, features)
    bits = np.bitwise_count(same[ok] ^ features.descriptors[ok]).sum(axis=1)
    assert ok.mean() > 0.9 and np.median(bits) <= 8
    other, ok = describe_at(np.asarray(portrait(10).convert("L")), features)
    bits = np.bitwise_count(other[ok] ^ features.descriptors[ok]).sum(axis=1)
    assert np.median(bits) > 64


def test_a_plain_photo_still_has_corners_to_align():
    """A blurry, low-contrast photo has few corners at ORB's usual threshold; a lower one finds them."""
    soft = ImageEnhance.Contrast(portrait(12).filter(ImageFilter.GaussianBlur(4))).enhance(0.3)
    record = photo_print(jpeg(soft, 90), PIXELS)
    assert len(record.features) >= 100
    check = verify(record, picture(jpeg(cropped_at(soft, 0.1, (0.3, 0.6)), 85), PIXELS))
    assert check is not None and check.verified, check


def test_unreadable_avatars_are_an_image_error():
    with pytest.raises(ImageError):
        picture(b"not an image", PIXELS)
    assert keypoints.MIN_SIDE >= 128  # small avatars are enlarged before their corners are found
