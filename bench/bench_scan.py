"""Benchmarks: a full scan against the local AppView, and matching alone.

    make bench            # or: .venv/bin/python bench/bench_scan.py --strangers 1000 --people 1000

Prints wall-clock numbers; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from storage import open_database
from storage.people import save_enrolments
from watcher import pipeline
from watcher.config import DistrictConfig, MatchingConfig, load_config
from watcher.demo import write_config
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.sample import build_world
from watcher.matching import Matcher
from watcher.matching.images import photo_print, query_views, reference_views
from watcher.models import Enrolment, Person, Profile


def bench_scan(strangers: int) -> None:
    world = build_world(strangers=strangers)
    with tempfile.TemporaryDirectory() as tmp, FakeAppView(world.actors, world.images) as server:
        folder = Path(tmp)
        config = load_config(write_config(folder, server.base_url))
        db = open_database(config.database)
        from watcher.demo import sample

        save_enrolments(
            db,
            [
                Enrolment(
                    email=s.email,
                    name=s.name,
                    aliases=s.aliases,
                    school=s.school,
                    opt_in=s.opt_in,
                    accounts=s.handles,
                    photos=(tuple(reference_views(world.photos[s.email], 10**8)),) if s.email in world.photos else (),
                    prints=(photo_print(world.photos[s.email], 10**8).to_bytes(),) if s.email in world.photos else (),
                )
                for s in sample.STAFF
            ],
        )
        for label, _ in (("first scan (avatars fetched)", 0), ("second scan (avatars cached)", 1)):
            start = time.perf_counter()
            report = pipeline.run_scan(config, db)
            took = time.perf_counter() - start
            print(
                f"{label}: {report.profiles_seen} profiles, {report.queries} queries in {took:.2f} s "
                f"({report.profiles_seen / took:.0f} profiles/s)"
            )


def bench_matching(people_count: int, profiles_count: int) -> None:
    from watcher.demo.portraits import jpeg, portrait

    refs = tuple(reference_views(jpeg(portrait(1)), 10**8))
    people = [
        Person(id=i, email=f"p{i}@x.example", name=f"Person{i} Surname{i}", references=refs)
        for i in range(people_count)
    ]
    avatar = tuple(query_views(jpeg(portrait(2)), 10**8))
    profiles = [Profile("b", f"d{i}", f"h{i}.bsky.social", f"Someone Else{i}") for i in range(profiles_count)]
    start = time.perf_counter()
    matcher = Matcher(people, DistrictConfig(keywords=("SVUSD",)), MatchingConfig())
    built = time.perf_counter() - start
    start = time.perf_counter()
    for p in profiles:
        matcher.match(p, avatar)
    took = time.perf_counter() - start
    print(
        f"matching: index of {people_count} people built in {built:.2f} s; {profiles_count} profiles matched in "
        f"{took:.2f} s ({took / profiles_count * 1000:.1f} ms per profile)"
    )

    data = jpeg(portrait(3))
    start = time.perf_counter()
    for _ in range(50):
        query_views(data, 10**8)
    print(f"avatar views (400x400 JPEG): {(time.perf_counter() - start) / 50 * 1000:.1f} ms per image")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strangers", type=int, default=1000)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--profiles", type=int, default=200)
    args = parser.parse_args()
    bench_scan(args.strangers)
    bench_matching(args.people, args.profiles)
