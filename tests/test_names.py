"""Name matching: disguised names score high, namesakes and strangers low, and blocking loses none."""

from __future__ import annotations

import random

import pytest

from watcher.matching.name_parts import nicknames_of, split_name
from watcher.matching.names import NameIndex, fold, mentions, name_score, normalise_name
from watcher.models import Person

PEOPLE = {
    p.id: p
    for p in [
        Person(1, "p1@x.example", "María García López", aliases=("Maria Garcia",)),
        Person(2, "p2@x.example", "Francisco Hernández"),
        Person(3, "p3@x.example", "Michael Johnson"),
        Person(4, "p4@x.example", "José Luis Torres"),
        Person(5, "p5@x.example", "Guadalupe Ramírez"),
        Person(6, "p6@x.example", "Jesús Martínez"),
        Person(7, "p7@x.example", "Eduardo Sánchez Ruiz"),
        Person(8, "p8@x.example", "Katherine O'Brien"),
        Person(9, "p9@x.example", "Ana de la Cruz"),
        Person(10, "p10@x.example", "Jennifer Nguyen"),
        Person(11, "p11@x.example", "Roberto Flores"),
        Person(12, "p12@x.example", "Dolores Castillo"),
        Person(13, "p13@x.example", "Ignacio Vega"),
        Person(14, "p14@x.example", "Rosario Mendoza"),
        Person(15, "p15@x.example", "Antonio Jiménez"),
        Person(16, "p16@x.example", "Elizabeth Smith"),
        Person(17, "p17@x.example", "Enrique Morales"),
        Person(18, "p18@x.example", "Alberto Gutiérrez"),
        Person(19, "p19@x.example", "María Gómez"),
        Person(20, "p20@x.example", "Jane Doe"),
    ]
}

# Labels: the same person in disguise (≥ 0.90), a one-letter typo (≥ 0.88), an initial and a surname
# (0.80–0.90, and ≥ 0.85 so blocking must keep it), half a name (0.60–0.80), another person who
# shares only a first name or only a surname (< 0.80), an unrelated name (< 0.60).
SAME, TYPO, INITIAL, PARTIAL, SHARES, UNRELATED = "same", "typo", "initial", "partial", "shares", "unrelated"
BOUNDS = {
    SAME: (0.90, 1.0),
    TYPO: (0.88, 1.0),
    INITIAL: (0.85, 0.90),
    PARTIAL: (0.60, 0.80),
    SHARES: (0.0, 0.80),
    UNRELATED: (0.0, 0.60),
}
PAIRS = [
    # display name, handle, enrolled person, label
    ("María García López", "", 1, SAME),
    ("Maria Garcia", "", 1, SAME),
    ("MARIA GARCIA LOPEZ", "", 1, SAME),
    ("Maria Garcia-Lopez", "", 1, SAME),
    ("María García", "", 1, SAME),
    ("Garcia, Maria", "", 1, SAME),
    ("Ms. Maria Garcia - 5th grade teacher", "", 1, SAME),
    ("Maria Garcia | Noble Ave", "", 1, SAME),
    ("Maria Garcia (she/her)", "", 1, SAME),
    ("ＭＡＲＩＡ ＧＡＲＣＩＡ", "", 1, SAME),  # full-width
    ("Maria\u200b Gar\u200dcia", "", 1, SAME),  # zero-width characters
    ("\u202eMaria Garcia", "", 1, SAME),  # a bidi override
    ("M4ria G4rcia", "", 1, SAME),
    ("Mаria Gаrcia", "", 1, SAME),  # Cyrillic а
    ("𝐌𝐚𝐫𝐢𝐚 𝐆𝐚𝐫𝐜𝐢𝐚", "", 1, SAME),  # mathematical bold
    ("Maria Garcia 🍎📚", "", 1, SAME),
    ("rnaria garcia", "", 1, SAME),  # "rn" for "m"
    ("", "mariagarcia.bsky.social", 1, SAME),
    ("", "m4riagarcia", 1, SAME),
    ("", "garcia.maria@mastodon.social", 1, SAME),
    ("Міchael Johnson", "", 3, SAME),  # Cyrillic М and і
    ("Mike Johnson", "", 3, SAME),
    ("Michael Johnson Official", "", 3, SAME),
    ("Paco Hernández", "", 2, SAME),
    ("Pancho Hernandez", "", 2, SAME),
    ("Francisco Hernandez", "", 2, SAME),
    ("Hernández Francisco", "", 2, SAME),
    ("Francisco Hernández López", "", 2, SAME),  # a second surname not enrolled
    ("", "pacohernandez", 2, SAME),
    ("Chuy Martinez", "", 6, SAME),
    ("Lalo Sánchez", "", 7, SAME),
    ("Sr. Eduardo Sánchez Ruiz, Maestro", "", 7, SAME),
    ("Lupe Ramirez", "", 5, SAME),
    ("Pepe Torres", "", 4, SAME),
    ("José Torres", "", 4, SAME),
    ("Jose L. Torres", "", 4, SAME),
    ("Luis Torres", "", 4, SAME),
    ("Nacho Vega", "", 13, SAME),
    ("Charo Mendoza", "", 14, SAME),
    ("Toño Jiménez", "", 15, SAME),
    ("Kike Morales", "", 17, SAME),
    ("Beto Flores", "", 11, SAME),
    ("Beto Gutierrez", "", 18, SAME),
    ("Lola Castillo", "", 12, SAME),
    ("Liz Smith", "", 16, SAME),
    ("Elizabeth Ѕmith", "", 16, SAME),  # Cyrillic Ѕ
    ("Dr. Katherine O'Brien", "", 8, SAME),
    ("Katherine OBrien ✨ Math Teacher", "", 8, SAME),
    ("Ana De La Cruz", "", 9, SAME),
    ("Ana Delacruz", "", 9, SAME),
    ("Jen Nguyen", "", 10, SAME),
    ("", "jane_doe.bsky.social", 20, SAME),
    ("", "JaneDoe", 20, SAME),
    ("", "doejane", 20, SAME),
    ("Maria Garcla", "", 1, TYPO),
    ("Naria Garcia", "", 1, TYPO),
    ("Micheal Johnson", "", 3, TYPO),
    ("Francisco Hernadez", "", 2, TYPO),
    ("Jenifer Nguyen", "", 10, TYPO),
    ("Guadalupe Ramires", "", 5, TYPO),
    ("", "mariagarcai", 1, TYPO),
    ("M. Garcia", "", 1, INITIAL),
    ("", "mgarcia", 1, INITIAL),
    ("F. Hernandez", "", 2, INITIAL),
    ("JL Torres", "", 4, INITIAL),
    ("Ms. Garcia - 5th grade", "", 1, PARTIAL),
    ("Maria G.", "", 1, PARTIAL),
    ("Maria Gomez", "", 1, SHARES),
    ("Maria Garcia", "", 19, SHARES),
    ("Laura Garcia", "", 1, SHARES),
    ("Maria Garza", "", 1, SHARES),
    ("Michael Brown", "", 3, SHARES),
    ("Sarah Johnson", "", 3, SHARES),
    ("Pedro Hernandez", "", 2, SHARES),
    ("Jose Martinez", "", 4, SHARES),
    ("Roberto Gutierrez", "", 18, SHARES),  # Beto is Alberto's nickname and Roberto's: no bridge
    ("Alberto Flores", "", 11, SHARES),
    ("Laura Smith", "ls.bsky.social", 1, UNRELATED),
    ("John Williams", "", 3, UNRELATED),
    ("Pedro Páramo", "", 2, UNRELATED),
    ("Xóchitl Ramos", "", 5, UNRELATED),
    ("", "coolcat99", 1, UNRELATED),
    ("Garcia Elementary PTA", "", 1, UNRELATED),
    ("Мария Гарсия", "", 1, UNRELATED),  # a genuine Cyrillic name is not folded into a Latin one
]
TRUE = (SAME, TYPO, INITIAL)


@pytest.mark.parametrize(("shown", "handle", "person_id", "label"), PAIRS)
def test_labelled_pairs(shown, handle, person_id, label):
    low, high = BOUNDS[label]
    result = name_score(shown, handle, PEOPLE[person_id])
    assert low <= result.score <= high, result
    assert 0.0 <= result.score <= 1.0 and result.reason


def test_separation_between_true_and_false_pairs():
    """Every disguise of a person scores above every other person's name, with room to spare."""
    scores = {
        label: [name_score(d, h, PEOPLE[pid]).score for d, h, pid, lab in PAIRS if lab == label] for label in BOUNDS
    }
    assert min(scores[SAME] + scores[TYPO]) >= 0.90
    assert max(scores[SHARES] + scores[UNRELATED]) < 0.75
    assert max(scores[UNRELATED]) < 0.6


@pytest.mark.parametrize(
    ("shown", "handle", "person_id", "reason"),
    [
        ("Maria Garcia", "", 1, "the same name"),
        ("Mаria Gаrcia", "", 1, "your name written with look-alike letters"),
        ("ＭＡＲＩＡ ＧＡＲＣＩＡ", "", 1, "your name written with look-alike letters"),
        ("Maria\u200b Garcia", "", 1, "your name with invisible characters"),
        ("M4ria G4rcia", "", 1, "your name with digits for letters"),
        ("Paco Hernández", "", 2, "a nickname of your name (Paco for Francisco)"),
        ("Francisco Hernandez", "", 2, "your name without accents"),
        ("Garcia, Maria", "", 1, "your name reordered"),
        ("Maria Garcla", "", 1, "one letter off"),
        ("M. Garcia", "", 1, "your initial and surname"),
        ("", "mariagarcia.bsky.social", 1, "your name run together as a handle"),
        ("Luis Torres", "", 4, "your middle name and surname"),
        ("Laura Smith", "", 1, "a different name"),
    ],
)
def test_reasons_in_plain_words(shown, handle, person_id, reason):
    assert reason in name_score(shown, handle, PEOPLE[person_id]).reason.split("; ")


def test_score_says_what_matched_and_where():
    best = name_score("Maria Garcia", "x.bsky.social", PEOPLE[1])
    assert (best.score, best.variant, best.compared) == (1.0, "Maria Garcia", "display name")
    by_handle = name_score("", "mariagarcialopez.bsky.social", PEOPLE[1])
    assert (by_handle.score, by_handle.variant, by_handle.compared) == (1.0, "María García López", "handle")
    nickname = name_score("Paco Hernandez", "", PEOPLE[2])
    assert nickname.variant == "Francisco Hernández" and nickname.reason.startswith("a nickname of your name")
    assert name_score("", "", PEOPLE[1]).score == 0.0


def test_aliases_and_one_word_aliases():
    lupita = Person(30, "l@x.example", "Guadalupe Ramos", aliases=("Lupita", "Lupe R. Ramos"))
    assert name_score("Lupita Ramos", "", lupita).score >= 0.9
    assert name_score("Lupe R. Ramos", "", lupita).variant == "Lupe R. Ramos"
    cher = Person(31, "c@x.example", "Cher")
    assert name_score("Cher", "", cher).score >= 0.88 and name_score("Maria Garcia", "", cher).score < 0.6


def test_genuine_cyrillic_and_greek_names_are_not_turned_into_junk():
    assert normalise_name("Мария Гарсия") == "мария гарсия"
    assert normalise_name("Νίκος Παπαδόπουλος") == "νικοσ παπαδοπουλοσ"
    masha = Person(40, "m@x.example", "Мария Гарсия")
    assert name_score("Мария Гарсия", "", masha).score == 1.0
    # A Latin "a" slipped into the Cyrillic name is a look-alike spoof of it.
    spoof = name_score("Мaрия Гарсия", "", masha)
    assert spoof.score >= 0.9 and "look-alike" in spoof.reason


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("María García López", "maria garcia lopez"),
        ("Ms. Maria Garcia - 5th grade teacher", "maria garcia"),
        ("Maria Garcia | Noble Ave", "maria garcia"),
        ("Maria Garcia (she/her)", "maria garcia"),
        ("Maria Garcia she/her", "maria garcia"),
        ("Garcia, Maria", "maria garcia"),
        ("Maria Garcia, Teacher", "maria garcia"),
        ("ＭＡＲＩＡ\u200b GARCIA", "maria garcia"),
        ("Mаria Gаrcia", "maria garcia"),
        ("M4ria G4rcia 2024", "maria garcia"),
        ("Coach Paco", "paco"),
        ("Profe Lupita 🍎", "lupita"),
        ("🍎🍎", ""),
    ],
)
def test_normalise_name(shown, expected):
    assert normalise_name(shown) == expected


def test_fold_and_mentions_as_before():
    assert fold("Ñandú  Ü") == "nandu u"
    assert mentions("Teacher at SVUSD!", ["SVUSD", "Noble"]) == ["SVUSD"]
    assert mentions("SVUSDX fan", ["SVUSD"]) == []


def test_spanish_nicknames_in_the_table():
    for name, nickname in [
        ("Eduardo", "lalo"),
        ("Jesús", "chuy"),
        ("Ignacio", "nacho"),
        ("Enrique", "kike"),
        ("Dolores", "lola"),
        ("Rosario", "charo"),
        ("Alberto", "beto"),
        ("Antonio", "toño"),
        ("Roberto", "beto"),
        ("Gustavo", "tavo"),
        ("Gregorio", "goyo"),
    ]:
        assert nickname in nicknames_of(name), name


# --- Blocking ----------------------------------------------------------------------------------------


def test_blocking_keeps_every_true_pair_of_the_table():
    index = NameIndex(list(PEOPLE.values()))
    for shown, handle, person_id, label in PAIRS:
        score = name_score(shown, handle, PEOPLE[person_id]).score
        if label in TRUE or score >= 0.85:
            assert person_id in index.candidates(shown, handle), (shown, handle)


@pytest.mark.parametrize(
    ("shown", "handle"),
    [("Laura Smith", "ls.bsky.social"), ("John Williams", ""), ("Pedro Páramo", ""), ("", "coolcat99"), ("", "")],
)
def test_blocking_returns_few_people_for_unrelated_names(shown, handle):
    assert len(NameIndex(list(PEOPLE.values())).candidates(shown, handle)) <= 1


GIVEN = "María José Francisco Guadalupe Jesús Eduardo Ignacio Dolores Rosario Alberto Ana Lucía Sofía Diego".split()
SURNAMES = "García López Hernández Martínez González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz".split()


def _roster(size: int, seed: int = 3) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for i in range(size):
        surnames = " ".join(rng.sample(SURNAMES, rng.choice((1, 2))))
        people.append(Person(1000 + i, f"{i}@x.example", f"{rng.choice(GIVEN)} {surnames}"))
    return people


def _disguises(person: Person) -> list[tuple[str, str]]:
    given, surnames = split_name(person.name)
    first, last = given[0], surnames[0]
    plain = fold(f"{first} {last}")
    typo = last[:2] + last[3:]  # one letter dropped
    out = [
        (plain.upper(), ""),
        (f"{last}, {first}", ""),
        (f"{first[0]}. {last}", ""),
        (f"{first} {typo}", ""),
        (plain.replace("a", "а"), ""),  # Cyrillic а
        ("", plain.replace(" ", "") + "85.bsky.social"),
    ]
    out += [(f"{nick} {last}", "") for nick in nicknames_of(first)[:2]]
    return out


def test_blocking_recall_on_a_generated_roster():
    """Every disguise that scores ≥ 0.85 against its person is among the candidates."""
    people = _roster(300)
    index = NameIndex(people)
    sizes = []
    for person in people:
        for shown, handle in _disguises(person):
            found = index.candidates(shown, handle)
            sizes.append(len(found))
            if name_score(shown, handle, person).score >= 0.85:
                assert person.id in found, (shown, handle, person.name)
    # 300 people share 14 given names and 13 surnames: blocks are real, but far from everyone.
    assert sum(sizes) / len(sizes) < 60
