"""Name blocking at scale: ``NameIndex`` must hand the scorer everyone ``name_score`` may put at 0.77
or more (the lowest score matching uses), and no more than a handful of a common surname's holders."""

from __future__ import annotations

import random
import unicodedata

from watcher.matching.names import BLOCKING_FLOOR, NameIndex, name_score
from watcher.models import Person

NEAR = BLOCKING_FLOOR

GIVEN = (
    "María José Juan Luis Carlos Guadalupe Rosa Ana Jesús Francisco Mario Marta Mariana Marisol Elena Lucía "
    "Gabriela Gerardo Héctor Hugo Guillermo Gregorio Alberto Roberto Antonio Enrique Dolores Teresa Cristina "
    "Jennifer Jessica Michael Christopher Katherine Elizabeth Robert William James Mary Mark Sarah Sara Kim Jo Al"
).split()
COMPOUND = ("José Luis", "María Elena", "Juan Carlos", "Ana María", "María Guadalupe", "Miguel Ángel")
SURNAMES = (
    "García Garza Gracia Hernández Fernández Martínez Martín Rodríguez Rodrigues López Lopes González Gonzales "
    "Pérez Peña Sánchez Ramírez Torres Flores Rivera Gómez Díaz Cruz Ortiz Villarreal Vilarreal Guzmán Smith "
    "Smyth Johnson Jonson Williams Brown Lee Le Li Kim Nguyen Ng Wu Walker Walton Anderson Andersen Thompson"
).split()


def _strip(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _name(rng: random.Random) -> str:
    """A staff-like name: sometimes compound given names, two surnames, a middle initial, no accents."""
    given = rng.choice(COMPOUND) if rng.random() < 0.15 else rng.choice(GIVEN)
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.3:
        surname += rng.choice((" ", "-")) + rng.choice(SURNAMES)
    middle = f" {rng.choice('ABJLMR')}." if rng.random() < 0.1 else ""
    name = f"{given}{middle} {surname}"
    return _strip(name) if rng.random() < 0.4 else name


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(word)))
    return rng.choice((word[:i] + word[i + 1 :], word[:i] + word[i - 1 :], word[:i] + "e" + word[i + 1 :]))


def _profiles(people: list[Person], rng: random.Random) -> list[tuple[str, str]]:
    """Strangers' names and handles, and staff names disguised the ways impostors write them."""
    out = []
    for _ in range(70):
        name = _name(rng)
        first, last = _strip(name).lower().split()[0], _strip(name).lower().split()[-1]
        out.append((name, rng.choice(("", f"{first}{last}", f"{first[0]}{last}", f"{last}{first}", f"x{first}{last}"))))
    for person in rng.sample(people, 90):
        words = person.name.replace("-", " ").split()
        first, last = words[0], words[-1]
        plain = _strip(f"{first}{last}").lower()
        out += [
            rng.choice(
                (
                    (f"{first[0]}. {last}", ""),
                    (f"{first} {_typo(last, rng)}", ""),
                    (f"{_typo(first, rng)} {last}", ""),
                    (f"{last}, {first}", ""),
                    ("", _typo(plain, rng)),
                    ("", f"{plain[0]}{_strip(last).lower()}"),
                    ("", f"the{plain}"),
                    (_strip(person.name).upper(), ""),
                    (f"{_typo(_typo(first, rng), rng)} {last}", ""),
                    (f"{first} {_typo(_typo(last, rng), rng)}", ""),
                )
            )
        ]
    return out


def test_every_person_scoring_near_a_profile_is_a_candidate():
    rng = random.Random(20240611)
    names = list(dict.fromkeys(_name(rng) for _ in range(150)))
    people = [Person(i, f"p{i}@x.example", name) for i, name in enumerate(names)]
    index = NameIndex(people)
    near = 0
    for display, handle in _profiles(people, rng):
        candidates = index.candidates(display, handle)
        for person in people:
            if name_score(display, handle, person).score >= NEAR:
                near += 1
                assert person.id in candidates, (display, handle, person.name)
    assert near > 100  # the profiles do come near people: the check above is not empty


def test_a_common_surname_stranger_meets_only_the_holders_with_a_fitting_given_name():
    given = [g for g in GIVEN if g not in ("Jo", "Al")]
    people = []
    for i in range(600):
        surname = "García" if i % 3 else f"García {SURNAMES[i % len(SURNAMES)]}"
        people.append(Person(i, f"g{i}@x.example", f"{given[i % len(given)]} {surname}"))
    people.append(Person(900, "lupe@x.example", "Lupe García"))
    index = NameIndex(people)
    found = index.candidates("Guadalupe García Hernández", "")
    holders = {p.id for p in people if p.name.split()[0] in ("Guadalupe", "Lupe")}
    assert holders <= found
    # Not Gabriela, Gerardo, Gregorio or Héctor García, though they share the surname and an initial.
    assert found == holders, sorted(people[i].name if i < 900 else "Lupe García" for i in found - holders)
    # An initial: the holders whose given name or a nickname of it starts with G (Luis: "Güicho").
    initial = index.candidates("G. García", "")
    assert initial == {p.id for p in people if name_score("G. García", "", p).score >= NEAR}
    assert {p.name.split()[0] for p in people if p.id in initial} == {
        "Guadalupe", "Gabriela", "Gerardo", "Gregorio", "Guillermo", "Luis", "Lupe"
    }  # fmt: skip
