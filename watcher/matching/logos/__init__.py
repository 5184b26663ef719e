"""District logos: enrolled from the district's file (``enrol``), found in any picture (``finder``).

A picture is analysed once (``picture_features``) and searched for every logo (``find_logo_in``).
``candidates``, ``threshold_key`` and ``THRESHOLDS`` are for calibration (bench/calibrate_logos.py).
"""

from watcher.matching.logos.enrol import enrol_logo
from watcher.matching.logos.finder import (
    THRESHOLDS,
    LogoHit,
    PictureFeatures,
    candidates,
    find_logo,
    find_logo_in,
    picture_features,
    threshold_key,
)
from watcher.matching.logos.model import LogoModel

__all__ = [
    "THRESHOLDS",
    "LogoHit",
    "LogoModel",
    "PictureFeatures",
    "candidates",
    "enrol_logo",
    "find_logo",
    "find_logo_in",
    "picture_features",
    "threshold_key",
]
