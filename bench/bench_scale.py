"""District scale: 75,000 enrolled staff, 100,000 observed profiles a week, on this machine's cores.

    make bench-scale                                                  # the district's size (long)
    PYTHONPATH=. .venv/bin/python bench/bench_scale.py --small        # a few minutes; CI runs it too

The roster's names are drawn from realistic English and Spanish name frequencies
(``name_frequencies.py``). ``--photos`` enrolled photos are made and hashed for real through the
product's enrolment (synthetic portraits, real photographs and people in front of real walls); the
rest of the roster is *derived*: person k reuses the views and verification record of real photo
k mod ``--photos`` (said in the output). That makes strangers' look-alikes repeat, so the false
rates below count every derived person a stranger is confused with: an overestimate, never an
underestimate. Observed profiles are strangers (names from the same population, avatars that are
portraits and real photographs never enrolled) and copies of enrolled photos made with every edit
of ``photo_edits.py`` under a stranger's name (photo-only recall per edit).

Everything runs through the product: ``reference_views`` and ``photo_print`` to enrol, the real
SQLite store, ``query_views`` for avatars, ``Matcher`` for findings. Beside it, the plain approach
(rapidfuzz's WRatio against every name, and the phash difference against every enrolled photo) runs
on a sample. Nothing here asserts a speed: it prints what it measured, and what that extrapolates to
for a weekly pass at the district's size.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import imagehash
import numpy as np
from PIL import Image
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).parent))

from calibrate_images import upper95
from name_frequencies import roster_names, stranger_names
from photo_edits import PHOTO_EDITS, apply
from real_photos import RealPhotoPool

from storage import open_database
from storage.people import list_people, photo_prints, reference_table, save_enrolments
from watcher.config import DistrictConfig, MatchingConfig
from watcher.demo.portraits import jpeg, portrait
from watcher.matching import Matcher
from watcher.matching.images import (
    HashIndex,
    PhotoPrint,
    photo_check,
    photo_print,
    picture,
    query_views,
    reference_views,
)
from watcher.matching.images.keypoints import align
from watcher.models import Enrolment, Profile

DISTRICT_STAFF = 75_000
WEEKLY_PROFILES = 100_000
PIXELS = 50_000_000
DISTRICT = DistrictConfig(name="Rio Seco Unified School District", keywords=("RSUSD",))


@dataclass(frozen=True)
class Sizes:
    staff: int  # enrolled people
    photos: int  # enrolled photos made and hashed for real (the rest of the roster is derived from them)
    profiles: int  # observed strangers' profiles matched
    avatars: int  # distinct strangers' avatars among them (each hashed once; profiles share them)
    plain: int  # profiles matched the plain way too
    copied: int  # enrolled photos copied with every edit


FULL = Sizes(staff=75_000, photos=5_000, profiles=3_000, avatars=1_500, plain=100, copied=60)
SMALL = Sizes(staff=1_500, photos=120, profiles=600, avatars=120, plain=40, copied=6)


@dataclass(frozen=True)
class Photo:
    data: bytes
    origin: str  # synthetic, real_crop, real_face, real_face_on_photo, synthetic_on_photo


# --- Pictures -------------------------------------------------------------------------------------


def photos(part: str, count: int, seed: int, workers: int) -> list[Photo]:
    """``count`` distinct pictures: one in four from the real-photo pool (real crops and faces, then
    people in front of real walls), the rest synthetic portraits, JPEG-encoded as uploaded."""
    pool = RealPhotoPool(part, seed)
    base = {"calibration": 7_000_000, "test": 8_000_000}[part] + seed * 1_000_000
    synthetic = [base + k for k in range(count) if k % 4 != 3]
    with ProcessPoolExecutor(workers) as processes:
        drawn = iter(processes.map(_portrait_jpeg, synthetic, chunksize=32))
    out = []
    for k in range(count):
        if k % 4 == 3:
            entry = pool.any()
            out.append(Photo(jpeg(entry.image.convert("RGB"), 88), entry.origin))
        else:
            out.append(Photo(next(drawn), "synthetic"))
    return out


def _portrait_jpeg(seed: int) -> bytes:
    return jpeg(portrait(seed), 88)


def _enrol_one(data: bytes) -> tuple[tuple, bytes, float]:
    start = time.process_time()
    views = tuple(reference_views(data, PIXELS))
    record = photo_print(data, PIXELS).to_bytes()
    return views, record, time.process_time() - start


def enrol_photos(pictures: list[Photo], workers: int) -> tuple[list[tuple], list[bytes], float, float]:
    """Views and verification records of every photo, on ``workers`` processes.
    Returns them with the CPU seconds per photo and the wall-clock seconds in all."""
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        done = list(pool.map(_enrol_one, [p.data for p in pictures], chunksize=16))
    wall = time.perf_counter() - start
    return [d[0] for d in done], [d[1] for d in done], sum(d[2] for d in done) / len(done), wall


# --- Roster ---------------------------------------------------------------------------------------


def roster(sizes: Sizes, views: list[tuple], records: list[bytes]) -> list[Enrolment]:
    names = roster_names(sizes.staff, seed=1)
    people = []
    for k, name in enumerate(names):
        real = k % len(views)
        people.append(
            Enrolment(
                email=f"staff{k}@rsusd.example",
                name=name,
                aliases=(),
                school=None,
                opt_in=True,
                accounts=(),
                photos=(views[real],),
                prints=(records[real],),
            )
        )
    return people


# --- Profiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    profile: Profile
    avatar: int  # index into the avatars
    copy_of: int | None = None  # the enrolled photo it copies (its person id), for recall
    edit: str = ""


def _handle(name: str, k: int) -> str:
    letters = "".join(c for c in name.lower() if c.isascii() and c.isalpha())
    return f"{letters[:12]}{k % 97}.bsky.social"


def stranger_profiles(sizes: Sizes) -> list[Observed]:
    names = stranger_names(sizes.profiles, seed=2)
    return [
        Observed(Profile("bluesky", f"did:plc:s{k}", _handle(n, k), n), avatar=k % sizes.avatars)
        for k, n in enumerate(names)
    ]


def copies(
    sizes: Sizes, enrolled: list[Photo], person_ids: list[int], first_avatar: int
) -> tuple[list[Observed], list[bytes]]:
    """Each of the first ``copied`` enrolled photos, copied with every edit, under a stranger's name."""
    rnd = random.Random("copies")
    names = stranger_names(sizes.copied * len(PHOTO_EDITS), seed=3)
    observed, data = [], []
    for k in range(sizes.copied):
        image = Image.open(io.BytesIO(enrolled[k].data)).convert("RGB")
        for edit in PHOTO_EDITS:
            n = len(observed)
            profile = Profile("bluesky", f"did:plc:c{n}", _handle(names[n], n), names[n])
            observed.append(Observed(profile, first_avatar + n, copy_of=person_ids[k], edit=edit))
            data.append(jpeg(apply(edit, image, rnd), 90))
    return observed, data


# --- Measuring ------------------------------------------------------------------------------------


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_ms(function: Callable[[], object], repeat: int = 1) -> float:
    start = time.process_time()
    for _ in range(repeat):
        function()
    return (time.process_time() - start) / repeat * 1000


def plain_match(profile: Profile, avatar_phash: int, names: list[str], phashes: list[int]) -> int:
    """The plain approach: WRatio against every enrolled name, phash difference against every photo."""
    hits = 0
    for name in names:
        if fuzz.WRatio(profile.display_name, name) >= 85:
            hits += 1
    for h in phashes:
        if (avatar_phash ^ h).bit_count() <= 10:
            hits += 1
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="a small version (CI)")
    for field in Sizes.__dataclass_fields__:
        parser.add_argument(f"--{field}", type=int)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    base = SMALL if args.small else FULL
    sizes = Sizes(**{f: getattr(args, f) or getattr(base, f) for f in Sizes.__dataclass_fields__})
    run(sizes, args.workers)


def run(sizes: Sizes, workers: int) -> None:
    print(f"== {sizes.staff:,} staff ({sizes.photos:,} photos hashed for real, the rest derived from them), "
          f"{sizes.profiles:,} strangers' profiles ({sizes.avatars:,} distinct avatars), "
          f"{sizes.copied} enrolled photos copied with {len(PHOTO_EDITS)} edits; {workers} processes")  # fmt: skip

    # Enrolment
    made = photos("calibration", sizes.photos, seed=1, workers=workers)
    views, records, enrol_cpu, enrol_wall = enrol_photos(made, workers)
    print(f"enrolment: {enrol_cpu * 1000:.1f} ms CPU per photo ({len(views[0])} views); {len(made):,} photos in "
          f"{enrol_wall:.1f} s on {workers} processes: 75,000 photos would take "
          f"{DISTRICT_STAFF * enrol_wall / len(made) / 60:.1f} min")  # fmt: skip
    origins = Counter(p.origin for p in made)
    print("  enrolled photos by origin: " + ", ".join(f"{k} {v}" for k, v in sorted(origins.items())))

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "scale.db"
        db = open_database(db_path)
        start = time.perf_counter()
        save_enrolments(db, roster(sizes, views, records))
        saved = time.perf_counter() - start
        size = db_path.stat().st_size
        print(f"database: {size / sizes.staff / 1024:.1f} KB per person ({size / 2**20:.0f} MB for {sizes.staff:,}); "
              f"saving took {saved:.1f} s")  # fmt: skip
        start, before = time.perf_counter(), resident_mb()  # as a scan loads them: people, then views as one table
        people = list_people(db, references=False)
        table = reference_table(db)
        loaded, loaded_mb = time.perf_counter() - start, resident_mb() - before
        ids = [p.id for p in sorted(people, key=lambda p: int(p.email.removeprefix("staff").split("@")[0]))]
        blobs = {pid: photo_prints(db, pid) for pid in ids[: sizes.photos]}
    print(f"loading the roster: {loaded:.1f} s; peak memory so far {rss_mb():.0f} MB")
    prints_cache: dict[int, list[PhotoPrint]] = {}
    verified: Counter = Counter()  # enrolled people verified, by the origin of the avatar asking
    aligned: Counter = Counter()  # keypoint alignments (two per photo placed plausibly), by that origin
    asking = ""  # the origin of the avatar being matched

    position = {pid: k for k, pid in enumerate(ids)}

    def prints(person_id: int) -> list[PhotoPrint]:
        real = ids[position[person_id] % sizes.photos]  # a derived person has the record of the photo it reuses
        verified[asking] += 1
        if real not in prints_cache:
            prints_cache[real] = [PhotoPrint.from_bytes(b) for b in blobs[real]]
        return prints_cache[real]

    # Avatars
    strangers = stranger_profiles(sizes)
    avatar_photos = photos("test", sizes.avatars, seed=2, workers=workers)
    copied, copy_data = copies(sizes, made, ids, len(avatar_photos))
    avatar_data = [p.data for p in avatar_photos] + copy_data
    n_timed = min(200, len(avatar_data))
    timed = avatar_data[:n_timed]
    query_views(timed[0], PIXELS)  # imports done before timing (imagehash loads scipy on its first call)
    imagehash.phash(Image.open(io.BytesIO(timed[0])))
    hashing = cpu_ms(lambda: [query_views(d, PIXELS) for d in timed])
    phashing = cpu_ms(lambda: [imagehash.phash(Image.open(io.BytesIO(d))) for d in timed])
    print(f"avatar hashing: {hashing / n_timed:.1f} ms per avatar (imagehash.phash of the same files: "
          f"{phashing / n_timed:.1f} ms)")  # fmt: skip
    avatar_views = [tuple(query_views(d, PIXELS)) for d in avatar_data]

    def counted_align(*args: object, **kwargs: object) -> object:
        aligned[asking] += 1
        return align(*args, **kwargs)

    photo_check.align = counted_align  # how many candidates got past their placement to keypoints

    # Matching
    originals = np.array([name.endswith(":original") for name in table.names])[table.codes]
    phashes = [int(h) for h in table.hashes[originals, 0]]  # for the plain approach
    before = resident_mb()
    start = time.process_time()
    matcher = Matcher(people, DISTRICT, MatchingConfig(), prints=prints, photos=HashIndex(table), workers=workers)
    built = time.process_time() - start
    del table  # a scan keeps only the index
    print(f"matcher built in {built:.1f} s CPU; it holds {resident_mb() - before:.0f} MB "
          f"(the roster as loaded: {loaded_mb:.0f} MB); peak memory of this benchmark {rss_mb():.0f} MB")  # fmt: skip
    findings: dict[str, Counter] = defaultdict(Counter)
    false_photo_pairs: set[tuple[int, int]] = set()
    start, wall = time.process_time(), time.perf_counter()
    shown = Counter()
    for obs in strangers:
        data = avatar_data[obs.avatar]
        asking = avatar_photos[obs.avatar].origin
        shown[asking] += 1
        found = matcher.match(obs.profile, avatar_views[obs.avatar], picture=lambda d=data: picture(d, PIXELS))
        for m in found:
            findings[m.rule][obs.avatar] += 1
            if m.rule == "photo":
                false_photo_pairs.add((obs.avatar, m.person_id))
    match_cpu = (time.process_time() - start) / len(strangers)
    match_wall = (time.perf_counter() - wall) / len(strangers)
    candidates = [len(matcher.names.candidates(o.profile.display_name, o.profile.handle)) for o in strangers]
    recall: dict[str, list[bool]] = defaultdict(list)
    asking = "copy"  # not counted below
    for obs in copied:
        data = avatar_data[obs.avatar]
        found = matcher.match(obs.profile, avatar_views[obs.avatar], picture=lambda d=data: picture(d, PIXELS))
        recall[obs.edit].append(any(m.person_id == obs.copy_of and m.rule == "photo" for m in found))

    # The plain approach, on a sample
    names = [p.name for p in people]
    sample = strangers[: sizes.plain]
    plain_cpu = cpu_ms(
        lambda: [plain_match(o.profile, avatar_views[o.avatar][0][1].phash, names, phashes) for o in sample]
    )
    plain_cpu /= len(sample) * 1000

    report(sizes, match_cpu, plain_cpu, hashing / n_timed, candidates, findings, false_photo_pairs, recall)
    print(f"  matching on {workers} threads (verification): {match_wall * 1000:.1f} ms per profile elapsed; "
          f"a weekly pass {WEEKLY_PROFILES * match_wall / 60:.1f} min")  # fmt: skip
    print("  enrolled people verified per stranger's profile, by its avatar (of them, matched by keypoints): "
          + ", ".join(f"{origin} {verified[origin] / n:.1f} ({aligned[origin] / 2 / n:.1f})"
                      for origin, n in sorted(shown.items())))  # fmt: skip
    print(f"peak memory: {rss_mb():.0f} MB")


def report(
    sizes: Sizes,
    match_cpu: float,
    plain_cpu: float,
    hash_ms: float,
    candidates: list[int],
    findings: dict[str, Counter],
    false_photo_pairs: set[tuple[int, int]],
    recall: dict[str, list[bool]],
) -> None:
    ordered = sorted(candidates)
    print(f"matching: {match_cpu * 1000:.2f} ms CPU per profile; plain approach {plain_cpu * 1000:.1f} ms "
          f"(speed-up over it: {plain_cpu / match_cpu:.2f}×)")  # fmt: skip
    weekly = WEEKLY_PROFILES * (match_cpu + hash_ms / 1000)
    print(f"  a weekly pass of {WEEKLY_PROFILES:,} profiles at this roster size: {weekly / 60:.1f} min of CPU "
          f"(hashing {hash_ms:.1f} + matching {match_cpu * 1000:.1f} ms per profile, one core)")  # fmt: skip
    print(f"  name candidates per profile: mean {sum(ordered) / len(ordered):.1f}, "
          f"p95 {ordered[int(0.95 * (len(ordered) - 1))]}, max {ordered[-1]}")  # fmt: skip
    avatars = sizes.avatars
    pairs = avatars * sizes.staff
    k = len(false_photo_pairs)
    bound = upper95(k, pairs)
    passes = DISTRICT_STAFF * WEEKLY_PROFILES
    print(f"false photo-only findings: {k} in {pairs:,} (avatar, person) pairs: {k / pairs:.2g} per pair "
          f"(95% bound {bound:.2g}); expected per weekly pass at {DISTRICT_STAFF:,} × {WEEKLY_PROFILES:,}: "
          f"{k / pairs * passes:.1f} (bound {bound * passes:.0f})")  # fmt: skip
    for rule, per_avatar in sorted(findings.items()):
        print(f"  strangers' findings by rule {rule}: {sum(per_avatar.values())} on {len(per_avatar)} avatars")
    total = [hit for hits in recall.values() for hit in hits]
    if total:
        print(
            f"photo-only recall on copies of enrolled photos: {sum(total) / len(total):.3f} ({sum(total)}/{len(total)})"
        )
        weak = sorted((sum(h) / len(h), edit) for edit, h in recall.items())
        print("  weakest edits: " + ", ".join(f"{edit} {share:.2f}" for share, edit in weak[:8]))


if __name__ == "__main__":
    main()
