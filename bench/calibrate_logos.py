"""Calibrate the logo finder on one set of designs and test it on another; print recall, false fires and speed.

    PYTHONPATH=. .venv/bin/python bench/calibrate_logos.py                     # the full run (~100 minutes)
    PYTHONPATH=. .venv/bin/python bench/calibrate_logos.py --quick             # one design per kind, fewer negatives
    PYTHONPATH=. .venv/bin/python bench/calibrate_logos.py --calibration-only  # while tuning: never look at TEST

Designs for CALIBRATION come from seeds 0–999 and for TEST from seeds 1000+ (``bench/logo_designs.py``):
different designs of every kind. Each logo is enrolled and searched for in every edit of it
(``LOGO_EDITS``, on synthetic portraits and on real photographs from ``skimage.data``). What must not
fire: other institutions' logos on the same template (``template_twin``) and distractors (other
logos, flags, stars, shields, rings, balls, text badges) under the same edits, searched for *every*
enrolled logo of the part, and logo-free portraits and photos. Thresholds are fitted on the
calibration part only (the lowest score above every calibration negative, plus a margin), then
applied unchanged to the test part.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from bench.logo_designs import LOGO_EDITS, LOGO_KINDS, apply_logo_edit, design, distractors, template_twin
from watcher.demo.portraits import portrait
from watcher.matching.logos import (
    THRESHOLDS,
    LogoHit,
    LogoModel,
    candidates,
    enrol_logo,
    picture_features,
    threshold_key,
)

PIXELS = 50_000_000
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat", "coins", "horse", "hubble_deep_field",
          "immunohistochemistry", "moon", "page", "text", "clock", "grass", "gravel", "brick", "colorwheel",
          "retina", "logo")  # fmt: skip
TWIN_EDITS = ("whole", "grey", "recolour_hue", "jpeg30-70", "small72-128", "placed30-60", "placed60-100", "banner")
DISTRACTOR_EDITS = ("whole", "grey", "placed30-60", "small72-128")
MARGIN = 0.05  # added to the highest calibration negative: thresholds are not fitted to the last decimal
GOAL = 0.97  # recall every edit should reach
HOWS = ("keypoints", "whole")
BANDS = ("small", "large")  # the logo's size in the analysed picture: below or above SMALL_SIDE²
KEYS = tuple(f"{how}:{band}" for how in HOWS for band in BANDS)


@dataclass
class Part:
    name: str
    seeds: list[int]
    positives: list[tuple[str, str, str, dict[str, float]]] = field(default_factory=list)  # kind, edit, bg, scores
    negatives: list[tuple[str, str, dict[str, float]]] = field(default_factory=list)  # label, edit, scores
    free: list[dict[str, float]] = field(default_factory=list)  # logo-free pictures: best score per how
    features_ms: list[float] = field(default_factory=list)
    find_ms: list[float] = field(default_factory=list)
    enrol_ms: list[float] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one design per kind, fewer negatives")
    parser.add_argument("--calibration-only", action="store_true", help="fit and report the calibration part only")
    args = parser.parse_args()
    per_kind = 1 if args.quick else 3
    counts = {"distractors": 60 if args.quick else 240, "free": 150 if args.quick else 600}
    photos = _photos()
    parts = [Part("CALIBRATION", list(range(per_kind))), Part("TEST", [1000 + i for i in range(per_kind)])]
    if args.calibration_only:
        parts = parts[:1]
    for part in parts:
        started = time.perf_counter()
        _run(part, photos, counts)
        print(f"{part.name}: {time.perf_counter() - started:.0f} s")
    thresholds = _fit(parts[0])
    print("\nThresholds fitted on CALIBRATION (highest negative + margin):", _fmt(thresholds))
    print("Module constants:", _fmt(THRESHOLDS))
    for part in parts:
        _report(part, thresholds)


def _photos() -> list[Image.Image]:
    from skimage import data  # bench-only dependency (pyproject's "bench" extra)

    out = []
    for name in PHOTOS:
        arr = getattr(data, name)()
        image = Image.fromarray(arr)
        out.append(image.convert("RGB") if image.mode != "RGBA" else _flat(image))
    return out


def _flat(image: Image.Image) -> Image.Image:
    base = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(base, image).convert("RGB")


def _background(rnd: random.Random, photos: list[Image.Image], photo: bool) -> tuple[str, Image.Image]:
    """A portrait, or a random crop of a real photograph (flipped half the time): never the same picture twice."""
    if not photo:
        return "portrait", portrait(rnd.randint(0, 10**9))
    image = rnd.choice(photos)
    w, h = image.size
    share = rnd.uniform(0.5, 1.0)
    cw, ch = max(32, round(w * share)), max(32, round(h * rnd.uniform(0.5, 1.0)))
    x, y = rnd.randint(0, w - cw), rnd.randint(0, h - ch)
    crop = image.crop((x, y, x + cw, y + ch))
    return "photo", ImageOps.mirror(crop) if rnd.random() < 0.5 else crop


def _encode(image: Image.Image, rnd: random.Random) -> bytes:
    out = io.BytesIO()
    if rnd.random() < 0.2:
        image.save(out, "PNG")
    else:
        image.convert("RGB").save(out, "JPEG", quality=rnd.randint(80, 92))
    return out.getvalue()


def _scores(hits: Iterable[LogoHit], size: tuple[int, int]) -> dict[str, float]:
    """The best score per method and size band (see ``logos.finder.threshold``)."""
    best = dict.fromkeys(KEYS, -1.0)
    for hit in hits:
        key = threshold_key(hit, size)
        best[key] = max(best[key], hit.score)
    return best


def _search(part: Part, models: list[LogoModel], data: bytes) -> dict[str, float]:
    """The best score per method over every enrolled logo of the part."""
    started = time.perf_counter()
    features = picture_features(data, PIXELS)
    part.features_ms.append((time.perf_counter() - started) * 1000)
    best = dict.fromkeys(KEYS, -1.0)
    size = (features.rgb.shape[1], features.rgb.shape[0])
    for model in models:
        started = time.perf_counter()
        found = candidates(model, features)
        part.find_ms.append((time.perf_counter() - started) * 1000)
        for key, score in _scores(found, size).items():
            best[key] = max(best[key], score)
    return best


def _run(part: Part, photos: list[Image.Image], counts: dict[str, int]) -> None:
    rnd = random.Random(f"calibrate:{part.name}")
    logos = [(kind, seed, design(kind, seed)) for kind in LOGO_KINDS for seed in part.seeds]
    models = []
    for _, _, logo in logos:
        out = io.BytesIO()
        logo.save(out, "PNG")
        started = time.perf_counter()
        models.append(enrol_logo(out.getvalue(), PIXELS))
        part.enrol_ms.append((time.perf_counter() - started) * 1000)
    for (kind, seed, logo), model in zip(logos, models, strict=True):
        for number, edit in enumerate(LOGO_EDITS):
            placements = 2 if edit.startswith(("placed", "banner")) else 1
            for turn in range(placements):
                label, background = _background(rnd, photos, photo=(number + turn + seed) % 2 == 1)
                data = _encode(apply_logo_edit(logo, edit, rnd, background), rnd)
                started = time.perf_counter()
                features = picture_features(data, PIXELS)
                part.features_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                found = candidates(model, features)
                part.find_ms.append((time.perf_counter() - started) * 1000)
                size = (features.rgb.shape[1], features.rgb.shape[0])
                part.positives.append((kind, edit, label, _scores(found, size)))
        for other in (seed + 500, seed + 700):  # the same template, another institution's words and emblem
            twin = template_twin(kind, seed, other)
            for edit in TWIN_EDITS:
                _, background = _background(rnd, photos, photo=rnd.random() < 0.5)
                data = _encode(apply_logo_edit(twin, edit, rnd, background), rnd)
                part.negatives.append((f"twin:{kind}", edit, _search(part, models, data)))
    base = 7_000 if part.name == "TEST" else 3_000
    for label, image in distractors(base, counts["distractors"]):
        edit = rnd.choice(DISTRACTOR_EDITS)
        _, background = _background(rnd, photos, photo=rnd.random() < 0.5)
        data = _encode(apply_logo_edit(image.convert("RGBA"), edit, rnd, background), rnd)
        part.negatives.append((label, edit, _search(part, models, data)))  # "other:<kind>" names its template
    for number in range(counts["free"]):
        _, background = _background(rnd, photos, photo=number % 2 == 1)
        if rnd.random() < 0.5:
            background = background.resize((400, round(400 * background.height / background.width)))
        part.free.append(_search(part, models, _encode(background, rnd)))


def _fit(part: Part) -> dict[str, float]:
    thresholds = {}
    for key in KEYS:
        worst = max([scores[key] for _, _, scores in part.negatives] + [scores[key] for scores in part.free])
        thresholds[key] = round(min(1.0, max(worst, 0.0) + MARGIN), 3)
    return thresholds


def _found(scores: dict[str, float], thresholds: dict[str, float]) -> bool:
    return any(scores[key] >= thresholds[key] for key in KEYS)


def _report(part: Part, thresholds: dict[str, float]) -> None:
    print(f"\n=== {part.name} (seeds {part.seeds[0]}..{part.seeds[-1]}, {len(part.seeds)} per kind) ===")
    hits = [_found(scores, thresholds) for _, _, _, scores in part.positives]
    print(f"logo recall: {np.mean(hits):.3f} ({sum(hits)}/{len(hits)})")
    by_kind, by_edit, by_bg = defaultdict(list), defaultdict(list), defaultdict(list)
    how_counts = defaultdict(int)
    for (kind, edit, background, scores), hit in zip(part.positives, hits, strict=True):
        by_kind[kind].append(hit)
        by_edit[edit].append(hit)
        if edit.startswith(("placed", "banner")):
            by_bg[background].append(hit)
        if hit:
            how_counts[next(key for key in KEYS if scores[key] >= thresholds[key])] += 1
    print("  by kind: " + ", ".join(f"{k} {np.mean(v):.2f} ({sum(v)}/{len(v)})" for k, v in by_kind.items()))
    print("  by edit: " + ", ".join(f"{k} {np.mean(v):.2f} ({sum(v)}/{len(v)})" for k, v in by_edit.items()))
    short = [k for k, v in by_edit.items() if np.mean(v) < GOAL]
    print(f"  edits below {GOAL}: " + (", ".join(short) if short else "none"))
    print("  placed/banner by background: " + ", ".join(f"{k} {np.mean(v):.2f}" for k, v in by_bg.items()))
    print("  found by: " + ", ".join(f"{k} {v}" for k, v in how_counts.items()))
    fired = defaultdict(lambda: [0, 0])
    for label, _, scores in part.negatives:
        group = label.split(":")[0] if label.startswith(("other:", "twin:")) else label
        fired[group][0] += _found(scores, thresholds)
        fired[group][1] += 1
    total = sum(f for f, _ in fired.values())
    print(f"distractor pictures that fired: {total}/{len(part.negatives)}")
    print("  by kind: " + ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(fired.items())))
    top = sorted(part.negatives, key=lambda row: -max(row[2].values()))[:5]
    print("  highest: " + "; ".join(f"{label} {edit} {max(scores.values()):.3f}" for label, edit, scores in top))
    free = [_found(scores, thresholds) for scores in part.free]
    print(f"logo-free pictures that fired: {sum(free)}/{len(free)} (searched for {len(part.seeds) * len(LOGO_KINDS)} "
          f"logos each; highest {_fmt(_scores_max(part.free))})")  # fmt: skip
    features, find = part.features_ms, part.find_ms
    print(f"timing: picture_features {np.median(features):.1f} ms median ({np.percentile(features, 95):.1f} p95, "
          f"{np.mean(features):.1f} mean); find per logo {np.median(find):.2f} ms median "
          f"({np.percentile(find, 95):.2f} p95, {np.mean(find):.2f} mean); "
          f"enrol {np.median(part.enrol_ms):.0f} ms")  # fmt: skip


def _scores_max(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: max(row[key] for row in rows) for key in KEYS}


def _fmt(values: dict[str, float]) -> str:
    return "{" + ", ".join(f"{k}: {v:.3f}" for k, v in values.items()) + "}"


if __name__ == "__main__":
    main()
