"""Avatar photos: safe decoding, hashed views, the photo index, and the check that a candidate is a copy.

``decode`` opens untrusted bytes; ``views`` cuts a picture into views that ``hashing`` hashes;
``hash_index`` finds the enrolled photos an avatar's views are near (with the thresholds);
``photo_check`` verifies a candidate with keypoints (``keypoints``) against its ``photo_prints``.
"""

from watcher.matching.images.decode import DecodedImage, open_picture
from watcher.matching.images.hash_index import PHOTO_CANDIDATE, PHOTO_LOOSE, HashIndex, ViewMatch
from watcher.matching.images.photo_check import Verification, verify
from watcher.matching.images.photo_prints import PhotoPrint, Picture, photo_print, picture
from watcher.matching.images.placeholders import is_placeholder
from watcher.matching.images.views import hash_image, load_image, query_views, reference_views

__all__ = [
    "PHOTO_CANDIDATE",
    "PHOTO_LOOSE",
    "DecodedImage",
    "HashIndex",
    "PhotoPrint",
    "Picture",
    "Verification",
    "ViewMatch",
    "hash_image",
    "is_placeholder",
    "load_image",
    "open_picture",
    "photo_print",
    "picture",
    "query_views",
    "reference_views",
    "verify",
]
