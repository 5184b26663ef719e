"""The district-scale benchmark, run very small so that it cannot rot (``make bench-scale`` runs it at size)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = ["--staff", "400", "--photos", "24", "--profiles", "120", "--avatars", "24", "--plain", "10", "--copied", "2"]


def test_the_district_scale_benchmark_prints_every_figure():
    run = subprocess.run(
        [sys.executable, "bench/bench_scale.py", *SIZES, "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    for figure in (
        r"enrolment: [\d.]+ ms CPU per photo \(110 views\); 24 photos in [\d.]+ s on 2 processes",
        r"database: [\d.]+ KB per person",
        r"loading the roster: [\d.]+ s",
        r"avatar hashing: [\d.]+ ms per avatar \(imagehash.phash of the same files: [\d.]+ ms\)",
        r"matching: [\d.]+ ms CPU per profile; plain approach [\d.]+ ms",
        r"a weekly pass of 100,000 profiles at this roster size: [\d.]+ min of CPU",
        r"name candidates per profile: mean [\d.]+, p95 \d+, max \d+",
        r"expected per weekly pass at 75,000 × 100,000: [\d.]+ \(bound \d+\)",
        r"verified per stranger's profile, by its avatar \(of them, matched by keypoints\): \w+ [\d.]+ \([\d.]+\)",
        r"peak memory: \d+ MB",
    ):
        assert re.search(figure, out), f"missing: {figure}\n{out}"
    # The seeds are fixed, so these are facts about this run, not luck: copies are found, strangers are not.
    false = re.search(r"false photo-only findings: (\d+) in ([\d,]+) \(avatar, person\) pairs", out)
    assert false and false.group(1) == "0" and false.group(2) == f"{24 * 400:,}"
    recall = re.search(r"photo-only recall on copies of enrolled photos: ([\d.]+) \((\d+)/(\d+)\)", out)
    assert recall and int(recall.group(3)) == 2 * 39 and float(recall.group(1)) >= 0.85
