"""Perceptual hashes of images, decoded the same way for references and avatars."""

from __future__ import annotations

import io
import warnings

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

from watcher.errors import ImageError
from watcher.models import ImageHashes

HASH_SIZE = 8  # 64-bit hashes
DECODE_SIZE = (128, 128)  # JPEG draft target: decode at 1/2..1/8 scale, far faster


def load_image(data: bytes, max_pixels: int) -> Image.Image:
    """Decode untrusted image bytes into a small RGB image, refusing pixel bombs."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(f"image has {width}x{height} pixels, more than {max_pixels}")
            image.draft("RGB", DECODE_SIZE)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                image = Image.alpha_composite(background, image)
            return image.convert("RGB")
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("not a readable image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"not a readable image ({exc})") from None


def hash_view(image: Image.Image) -> ImageHashes:
    return ImageHashes(
        phash=_to_int(imagehash.phash(image, hash_size=HASH_SIZE)),
        dhash=_to_int(imagehash.dhash(image, hash_size=HASH_SIZE)),
    )


def hash_image(data: bytes, max_pixels: int) -> ImageHashes:
    """Hashes of an image as it is (used for avatars)."""
    return hash_view(load_image(data, max_pixels))


def reference_views(data: bytes, max_pixels: int) -> list[tuple[str, ImageHashes]]:
    """Hashes of an enrolled photo or logo and of its mirror image (impostors often flip photos)."""
    image = load_image(data, max_pixels)
    return [("original", hash_view(image)), ("mirror", hash_view(ImageOps.mirror(image)))]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _to_int(h: imagehash.ImageHash) -> int:
    return int(str(h), 16)
