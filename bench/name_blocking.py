"""How many people name blocking hands the scorer per profile, how long that takes, and what it misses.

A roster of realistic staff names (``name_frequencies.py``) is indexed with ``NameIndex``; then
strangers' names and disguised staff names (true impostors) are looked up. Printed per group:
candidates per profile (mean, p95, max), CPU time per profile for blocking plus scoring every
candidate, and recall: for a sample of profiles every person scoring >= 0.77 by brute force
(``name_score`` against the whole roster, or a random part of it plus the true person) must be
among the candidates. Nothing is asserted.

    PYTHONPATH=. .venv/bin/python bench/name_blocking.py --staff 75000 --profiles 2000
    PYTHONPATH=. .venv/bin/python bench/name_blocking.py --staff 20000 --recall 100 --recall-pool 0
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).parent))

from name_frequencies import roster_names, stranger_names, strip_accents

from watcher.matching.names import NameIndex, name_score, nicknames_of, split_name
from watcher.models import Person

NEAR = 0.77  # the lowest score matching uses (an initial and a surname with a staff claim)
Profile = tuple[str, str, int | None]  # display name, handle, the person disguised (None: a stranger)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=75_000)
    parser.add_argument("--profiles", type=int, default=2000, help="per group (strangers, impostors)")
    parser.add_argument("--recall", type=int, default=40, help="profiles per group checked by brute force")
    parser.add_argument("--recall-pool", type=int, default=0, help="people scored per profile; 0: everyone")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--middle-initials", type=float, default=0.12, help="share of names with one")
    args = parser.parse_args()

    names = roster_names(args.staff, args.seed, args.middle_initials)
    people = [Person(i, f"s{i}@district.example", name) for i, name in enumerate(names)]
    started = time.process_time()
    index = NameIndex(people)
    print(f"{args.staff} staff; index built in {time.process_time() - started:.1f} s CPU")

    rng = random.Random(args.seed)
    groups = {
        "strangers": [
            (*_stranger_profile(name, rng), None)
            for name in stranger_names(args.profiles, args.seed, args.middle_initials)
        ],
        "impostors": [_impostor(people[rng.randrange(len(people))], rng) for _ in range(args.profiles)],
    }
    for label, profiles in groups.items():
        _measure(label, profiles, index, people)
        _recall(label, rng.sample(profiles, min(args.recall, len(profiles))), index, people, args.recall_pool, rng)


def _measure(label: str, profiles: list[Profile], index: NameIndex, people: list[Person]) -> None:
    sizes, times, found = [], [], 0
    worst: tuple[int, str, str] = (0, "", "")
    for display, handle, true_id in profiles:
        started = time.process_time()
        candidates = index.candidates(display, handle)
        scores = {pid: name_score(display, handle, people[pid]).score for pid in candidates}
        times.append(time.process_time() - started)
        sizes.append(len(candidates))
        worst = max(worst, (len(candidates), display, handle))
        found += true_id is not None and scores.get(true_id, 0.0) >= NEAR
    sizes.sort()
    p95 = sizes[int(0.95 * (len(sizes) - 1))]
    print(
        f"{label:9}  candidates mean {mean(sizes):7.1f}  p95 {p95:5}  max {sizes[-1]:5}  "
        f"{1000 * mean(times):7.2f} ms/profile (p95 {1000 * sorted(times)[int(0.95 * (len(times) - 1))]:.1f})"
    )
    print(f"{'':9}  largest: {worst[1]!r} / {worst[2]!r}")
    if label == "impostors":
        print(f"{'':9}  true person found with score >= {NEAR}: {found}/{len(profiles)}")


def _recall(
    label: str, profiles: list[Profile], index: NameIndex, people: list[Person], pool: int, rng: random.Random
) -> None:
    """Brute force: everyone scoring >= NEAR must be a candidate."""
    started = time.process_time()
    misses, near, checked = [], 0, 0
    for display, handle, true_id in profiles:
        scored = people if not pool else rng.sample(people, min(pool, len(people)))
        if true_id is not None:
            scored = [*scored, people[true_id]]
        candidates = index.candidates(display, handle)
        for person in scored:
            score = name_score(display, handle, person).score
            checked += 1
            if score >= NEAR:
                near += 1
                if person.id not in candidates:
                    misses.append((display, handle, person.name, score))
    seconds = time.process_time() - started
    print(
        f"{'':9}  recall over {len(profiles)} profiles x {len(scored)} people ({checked} pairs, {seconds:.0f} s): "
        f"{near} scored >= {NEAR}, {len(misses)} missed by blocking"
    )
    for miss in misses[:15]:
        print(f"{'':11}MISSED {miss[0]!r} / {miss[1]!r} -> {miss[2]!r} ({miss[3]})")


def _stranger_profile(name: str, rng: random.Random) -> tuple[str, str]:
    """A stranger's display name and a handle of the kinds people pick."""
    given, surnames = split_name(name.replace(".", ""))
    first, last = _ascii(given[0]), _ascii(surnames[0]) if surnames else ""
    handle = rng.choice(
        [f"{first}{last}", f"{first[:1]}{last}", f"{first}.{last}", f"{first}_{last}{rng.randrange(100)}",
         f"{last}{first[:1]}", f"{rng.choice(['cool', 'the', 'mrs', 'coach'])}{last}", "", f"user{rng.randrange(9999)}"]
    )  # fmt: skip
    return name, handle


def _impostor(person: Person, rng: random.Random) -> Profile:
    """One disguise of a staff member's name, as impostors write them."""
    given, surnames = split_name(person.name.replace(".", "").replace("-", " "))
    first, last = given[0], surnames[0] if surnames else ""
    nicks = nicknames_of(first)
    kind = rng.choice(["same", "nickname", "initial", "accents", "typo", "joined", "joined_initial", "reordered"])
    if kind == "nickname" and nicks:
        return f"{rng.choice(nicks).title()} {last}", "", person.id
    if kind == "initial":
        return f"{first[0]}. {last}", "", person.id
    if kind == "accents":
        return strip_accents(person.name), "", person.id
    if kind == "typo":
        return f"{first} {_typo(last, rng)}", "", person.id
    if kind == "joined":
        return "", f"{_ascii(first)}{_ascii(last)}{rng.choice(['', '1', '_', '22'])}", person.id
    if kind == "joined_initial":
        return "", f"{_ascii(first)[:1]}{_ascii(last)}", person.id
    if kind == "reordered":
        return f"{last}, {first}", "", person.id
    return person.name, "", person.id


def _typo(word: str, rng: random.Random) -> str:
    """One letter dropped, doubled, swapped with the next, or replaced."""
    i = rng.randrange(1, max(2, len(word) - 1))
    how = rng.choice(["drop", "double", "swap", "replace"])
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[: i + 1] + word[i:]
    if how == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", strip_accents(text)).lower() if c.isalnum())


if __name__ == "__main__":
    main()
