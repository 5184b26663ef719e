"""Untrusted image bytes to a small RGB picture: one decode path for references, avatars and logos.

Decoding dominates the cost of looking at a picture, so the JPEG decoder is asked to scale while
it decodes (``Image.draft``), and nothing larger than the caller needs is ever made. The pixel cap
is checked from the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from watcher.errors import ImageError


def open_picture(
    data: bytes,
    max_pixels: int,
    side: int,
    *,
    keep_alpha: bool = False,
    resample: Image.Resampling = Image.Resampling.BOX,
) -> Image.Image:
    """Decode image bytes to RGB at most ``side`` pixels on the longest side; transparency goes on white
    (or, with ``keep_alpha``, RGBA as it is: a logo's own margin is told apart from its drawing).

    Raises ``ImageError`` for anything that is not a readable image or has more than ``max_pixels``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(f"image has {width}x{height} pixels, more than {max_pixels}")
            image.draft("RGB", (side, side))
            image = ImageOps.exif_transpose(image)
            if keep_alpha:
                image = image.convert("RGBA")
            else:
                if image.mode in ("RGBA", "LA", "P", "PA"):
                    image = image.convert("RGBA")
                    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
                    image = Image.alpha_composite(background, image)
                image = image.convert("RGB")
            if max(image.size) > side:
                image.thumbnail((side, side), resample, reducing_gap=None)
            return image
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("not a readable image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"not a readable image ({exc})") from None
