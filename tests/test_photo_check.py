"""Verification of a photo copy: local features agree under one transform, and the layout agrees."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from watcher.demo.portraits import (
    captioned,
    circle_masked,
    colour_cast,
    cropped_at,
    grayscale,
    jpeg,
    mirrored,
    padded,
    portrait,
    recompressed,
    rotated,
)
from watcher.errors import ImageError
from watcher.matching import keypoints
from watcher.matching.keypoints import Features, align, extract
from watcher.matching.photo_check import PhotoPrint, photo_print, picture, verify

PIXELS = 16_000_000
OWNERS = (101, 102, 103)

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


def test_other_peoples_portraits_are_not_verified(prints):
    """Synthetic portraits share pose, layout and even drawn features: still never a copy."""
    for seed in range(400, 440):
        shown = picture(jpeg(portrait(seed)), PIXELS)
        for owner, record in prints.items():
            check = verify(record, shown)
            assert check is None or not check.verified, (seed, owner, check)


def test_a_print_round_trips_and_holds_no_picture(prints):
    record = prints[101]
    blob = record.to_bytes()
    again = PhotoPrint.from_bytes(blob)
    assert np.array_equal(again.signs, record.signs) and np.array_equal(again.clear, record.clear)
    assert np.array_equal(again.features.descriptors, record.features.descriptors)
    assert np.allclose(again.features.points, record.features.points, atol=1 / 16)
    # Derived data only: keypoints and step signs, far smaller than even a 64×64 grey thumbnail.
    assert len(blob) < 20_000 and record.signs.dtype == bool
    with pytest.raises(ImageError):  # and it is no image any decoder reads
        photo_print(blob, PIXELS)
    with pytest.raises(ValueError):
        PhotoPrint.from_bytes(b"something else")


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


def test_unreadable_avatars_are_an_image_error():
    with pytest.raises(ImageError):
        picture(b"not an image", PIXELS)
    assert keypoints.MIN_SIDE >= 128  # small avatars are enlarged before their corners are found
