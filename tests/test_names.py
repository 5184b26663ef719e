"""Name matching: disguised names score high, namesakes and strangers low, and blocking loses none."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest

from watcher.matching.names import (
    NameIndex,
    canonicals_of,
    fold,
    mentions,
    name_score,
    nicknames_of,
    normalise_name,
    split_name,
)
from watcher.models import Person

NICKNAMES_CSV = Path(__file__).parent.parent / "watcher" / "data" / "nicknames.csv"

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


@pytest.mark.parametrize(
    ("name", "given", "surnames"),
    [
        ("María del Carmen de la Rosa", ["María", "del Carmen"], ["de la Rosa"]),
        ("María del Carmen Gómez", ["María", "del Carmen"], ["Gómez"]),
        ("María de los Ángeles Ruiz Soto", ["María", "de los Ángeles"], ["Ruiz", "Soto"]),
        ("Ana de la Cruz", ["Ana"], ["de la Cruz"]),  # de la Cruz is a surname
        ("María de la Cruz Pérez", ["María"], ["de la Cruz", "Pérez"]),
    ],
)
def test_marian_given_names_keep_their_particle(name, given, surnames):
    assert split_name(name) == (given, surnames)


def test_a_handle_of_a_compound_given_name_alone_is_no_full_name():
    rosa = Person(1, "r@svusd.example", "María del Carmen de la Rosa")
    assert name_score("Someone", "mariadelcarmen436", rosa).score < 0.85
    # …while her usual short forms are her name.
    for shown in ("Carmen de la Rosa", "Maricarmen de la Rosa", "Mari Carmen de la Rosa"):
        assert name_score(shown, "x", rosa).score >= 0.9, shown


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


# --- Disguises on a roster built here -----------------------------------------------------------------
# Names written the ways impostors on other people's corpora wrote them: each disguise is a small
# function of the enrolled given name and surname(s), and each must score ≥ 0.88 against that person
# (≈ 0.85 for an initial and a surname) and survive blocking, alone and combined with another.

ROSTER_GIVEN = (
    "María José Francisco Gregorio Jesús Guadalupe Eduardo Ignacio Dolores Rosario Alberto Antonio Guillermo "
    "Enrique Pilar Concepción Consuelo Mercedes Fernando Rafael Ricardo Álvaro Ángela Óscar William Margaret "
    "Robert Katherine Elizabeth Richard James Charles Edward Jennifer Michael Patricia Thomas Susan Roberto Luis"
).split()
ROSTER_SURNAMES = (
    "García López Hernández Martínez González Pérez Sánchez Ramírez Torres Flores Rivera Gómez Díaz Núñez Salazar "
    "Castillo Mendoza Vega Morales Ortiz Guzmán Jiménez Ruiz Navarro Domínguez Vázquez Ibáñez Villarreal Smith "
    "Johnson Williams Brown Nguyen Miller Anderson Thompson Walker Cabrera Aguilar Delgado Fuentes Herrera"
).split()
# The nickname an impostor uses, written from common usage (not read from the table under test).
ROSTER_NICKNAMES = {
    "María": "Mari", "José": "Pepe", "Francisco": "Paco", "Gregorio": "Goyo", "Jesús": "Chuy", "Guadalupe": "Lupita",
    "Eduardo": "Lalo", "Ignacio": "Nacho", "Dolores": "Lola", "Rosario": "Charo", "Alberto": "Beto", "Antonio": "Toño",
    "Guillermo": "Memo", "Enrique": "Quique", "Pilar": "Pili", "Concepción": "Conchita", "Consuelo": "Chelo",
    "Mercedes": "Meche", "Fernando": "Nando", "Rafael": "Rafa", "Ricardo": "Ricky", "Álvaro": "Alvarito",
    "Ángela": "Angie", "Óscar": "Osqui", "William": "Bill", "Margaret": "Peggy", "Robert": "Bob", "Katherine": "Kate",
    "Elizabeth": "Betsy", "Richard": "Dick", "James": "Jimmy", "Charles": "Chuck", "Edward": "Ted",
    "Jennifer": "Jen", "Michael": "Mike", "Patricia": "Patty", "Thomas": "Tom", "Susan": "Sue", "Roberto": "Beto",
    "Luis": "Lucho",
}  # fmt: skip


def _roster_people() -> list[Person]:
    """40 people; every third has two surnames (every sixth hyphenated), with and without accents."""
    people = []
    for i, given in enumerate(ROSTER_GIVEN):
        surname = ROSTER_SURNAMES[i]
        if i % 3 == 0:
            surname += ("-" if i % 6 == 0 else " ") + ROSTER_SURNAMES[(i + 13) % len(ROSTER_SURNAMES)]
        people.append(Person(500 + i, f"r{i}@x.example", f"{given} {surname}"))
    return people


ROSTER = _roster_people()
ROSTER_INDEX = NameIndex(ROSTER)


def _parts(person: Person) -> tuple[str, str]:
    given = person.name.split()[0]
    return given, person.name[len(given) + 1 :]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _by_name(name: str, *templates: str):
    """A disguise that replaces each ASCII letter by the Unicode character named after it, if any."""

    def one(ch: str) -> str:
        if not (ch.isascii() and ch.isalpha()):
            return ch
        case = "CAPITAL" if ch.isupper() else "SMALL"
        for template in templates:
            try:
                return unicodedata.lookup(template.format(case=case, L=ch.upper()))
            except KeyError:
                continue
        return ch

    def disguise(text: str) -> str:
        return "".join(one(ch) for ch in text)

    disguise.__name__ = name
    return disguise


def _math(style: str, gaps: str):
    # The mathematical alphabets have holes filled by Letterlike Symbols ("SCRIPT CAPITAL B" ℬ,
    # and "PLANCK CONSTANT" ℎ for the italic h).
    name = "math_" + style.lower().replace(" ", "_").replace("-", "_")
    templates = [f"MATHEMATICAL {style} {{case}} {{L}}", f"{gaps} {{case}} {{L}}"]
    return _by_name(name, *templates, *(["PLANCK CONSTANT"] if style == "ITALIC" else []))


fullwidth = _by_name("fullwidth", "FULLWIDTH LATIN {case} LETTER {L}")
small_caps = _by_name("small_caps", "LATIN LETTER SMALL CAPITAL {L}")  # ᴍᴀʀɪᴀ; NFKC leaves these alone
circled = _by_name("circled", "CIRCLED LATIN {case} LETTER {L}")
parenthesised = _by_name("parenthesised", "PARENTHESIZED LATIN SMALL LETTER {L}")
negative_circled = _by_name("negative_circled", "NEGATIVE CIRCLED LATIN CAPITAL LETTER {L}")
superscript = _by_name("superscript", "MODIFIER LETTER {case} {L}", "SUPERSCRIPT LATIN SMALL LETTER {L}")

CYRILLIC = dict(zip("aeopcxyijsABEHKMOPCTX", "аеорсхуіјѕАВЕНКМОРСТХ", strict=True))
GREEK = dict(zip("oivABEHIKMNOPTXYZ", "οινΑΒΕΗΙΚΜΝΟΡΤΧΥΖ", strict=True))


def cyrillic_all(text: str) -> str:
    return "".join(CYRILLIC.get(ch, ch) for ch in text)


def cyrillic_some(text: str) -> str:
    """One look-alike per word, the rest left Latin."""
    return " ".join(_first_swapped(word, CYRILLIC) for word in text.split(" "))


def greek_some(text: str) -> str:
    return " ".join(_first_swapped(word, GREEK) for word in text.split(" "))


def _first_swapped(word: str, table: dict[str, str]) -> str:
    for i, ch in enumerate(word):
        if ch in table:
            return word[:i] + table[ch] + word[i + 1 :]
    return word


def leet(text: str) -> str:
    return text.translate(str.maketrans("aeioAEIOsS", "4310431055"))


def leet_symbols(text: str) -> str:
    return text.translate(str.maketrans("aistlgb", "@!$7|98"))


def zero_width(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if ch.isalpha() and i % 3 == 1:
            out.append("\u200b\u200c\u200d\u2060\ufeff"[i % 5])
    return "".join(out)


def no_accents(text: str) -> str:
    return _strip_accents(text)


def upper(text: str) -> str:
    return text.upper()


def emoji_around(text: str) -> str:
    return f"🍎✏️ {text} 📚👩🏽\u200d🏫 🇲🇽"


def emoji_between(text: str) -> str:
    return " ✨ ".join(text.split(" ", 1)) + " ★♥"


def emoji_glued(text: str) -> str:
    return "🍎".join(text.split(" ", 1)) + "1️⃣"


def separators(text: str) -> str:
    return "~ " + " · ".join(text.split(" ", 1)) + " •"


def pipe_between(text: str) -> str:
    return " | ".join(text.split(" ", 1))


def shortcodes(text: str) -> str:
    return f":verified: {text} :apple:"


def doubled(text: str) -> str:
    """The second letter of each word written twice ("Mariia" style), the last one three times."""
    words = [w[:2] + w[1] + w[2:] if len(w) > 2 else w for w in text.split(" ")]
    words[-1] = words[-1][:-1] + words[-1][-1] * 3 if words[-1][-1:].isalpha() else words[-1]
    return " ".join(words)


def dropped_double(text: str) -> str:
    return re.sub(r"(\w)\1", r"\1", text, count=1) if re.search(r"(\w)\1", text) else text[:-1] + text[-1] * 2


TEXT_DISGUISES = {
    f.__name__: f
    for f in (
        *(fullwidth, small_caps, circled, parenthesised, negative_circled, superscript, cyrillic_all, cyrillic_some),
        *(greek_some, leet, leet_symbols, zero_width, no_accents, upper, emoji_around, emoji_between, emoji_glued),
        *(separators, pipe_between, shortcodes, doubled, dropped_double),
    )
} | {
    (math := _math(style, gaps)).__name__: math
    for style, gaps in (
        ("BOLD", ""),
        ("ITALIC", ""),
        ("BOLD ITALIC", ""),
        ("SCRIPT", "SCRIPT"),
        ("FRAKTUR", "BLACK-LETTER"),
        ("DOUBLE-STRUCK", "DOUBLE-STRUCK"),
        ("SANS-SERIF", ""),
        ("MONOSPACE", ""),
    )
}
HANDLE_SAFE = {"leet", "doubled", "dropped_double", "no_accents"}  # a handle has no room for fancy letters or emoji


# Structures: where the name's parts go. Each returns (display name, handle).
def plain(given: str, surname: str) -> tuple[str, str]:
    return f"{given} {surname}", ""


def nickname(given: str, surname: str) -> tuple[str, str]:
    return f"{ROSTER_NICKNAMES[given]} {surname}", ""


def last_first(given: str, surname: str) -> tuple[str, str]:
    return f"{surname}, {given}", ""


def title_and_role(given: str, surname: str) -> tuple[str, str]:
    return f"Ms. {given} {surname} - 5th grade teacher", ""


def profe_and_school(given: str, surname: str) -> tuple[str, str]:
    return f"Profe {given} {surname} | Noble Elementary", ""


def first_surname(given: str, surname: str) -> tuple[str, str]:
    return f"{given} {re.split('[ -]', surname)[0]}", ""


def surnames_hyphenated(given: str, surname: str) -> tuple[str, str]:
    return f"{given} {'-'.join(re.split('[ -]', surname))}", ""


def surnames_joined(given: str, surname: str) -> tuple[str, str]:
    return f"{given} {''.join(re.split('[ -]', surname))}", ""


def typo_in_surname(given: str, surname: str) -> tuple[str, str]:
    """A letter dropped from the surname (not one that would leave a doubled letter: "Pé(r)ez")."""
    plain = _strip_accents(surname).lower()
    cut = next(i for i in range(2, len(plain) - 1) if plain[i - 1] != plain[i + 1])
    return f"{given} {surname[:cut] + surname[cut + 1 :]}", ""


def typo_in_given(given: str, surname: str) -> tuple[str, str]:
    return f"{given[0] + given[2] + given[1] + given[3:]} {surname}", ""  # "Micheal"


def handle_run_together(given: str, surname: str) -> tuple[str, str]:
    return "", _strip_accents(f"{given}{surname}").replace(" ", "").replace("-", "").lower() + ".bsky.social"


def handle_reordered(given: str, surname: str) -> tuple[str, str]:
    return "", _strip_accents(f"{surname}.{given}").replace(" ", "").replace("-", "").lower() + "@mastodon.social"


def handle_nickname(given: str, surname: str) -> tuple[str, str]:
    first = re.split("[ -]", surname)[0]
    return "", _strip_accents(f"{ROSTER_NICKNAMES[given]}_{first}").lower()


STRUCTURES = {
    f.__name__: f
    for f in (
        *(plain, nickname, last_first, title_and_role, profe_and_school, first_surname, surnames_hyphenated),
        *(surnames_joined, typo_in_surname, typo_in_given, handle_run_together, handle_reordered, handle_nickname),
    )
}


def initial_dot(given: str, surname: str) -> tuple[str, str]:
    return f"{given[0]}. {surname}", ""


def initial_no_dot(given: str, surname: str) -> tuple[str, str]:
    return f"{given[0]} {surname}", ""


def initial_accented(given: str, surname: str) -> tuple[str, str]:
    accented = unicodedata.normalize("NFC", given[0] + "\u0301") if given[0] in "AEIOU" else given[0]
    return f"{accented}. {surname}", ""


def second_surname_only(given: str, surname: str) -> tuple[str, str]:
    parts = re.split("[ -]", surname)
    return (f"{given} {parts[-1]}", "") if len(parts) > 1 else initial_dot(given, surname)


NEAR = {f.__name__: f for f in (initial_dot, initial_no_dot, initial_accented, second_surname_only)}

# Two disguises at once: a structure with a text disguise (all pairs, on a rotating fifth of the
# roster), and text disguises on top of each other.
TEXT_PAIRS = [
    ("cyrillic_some", "leet"),
    ("cyrillic_all", "no_accents"),
    ("cyrillic_some", "doubled"),
    ("greek_some", "leet_symbols"),
    ("cyrillic_some", "emoji_between"),
    ("math_bold", "emoji_around"),
    ("math_script", "no_accents"),
    ("small_caps", "leet"),
    ("fullwidth", "zero_width"),
    ("leet", "emoji_glued"),
    ("superscript", "doubled"),
    ("circled", "cyrillic_some"),
    ("leet_symbols", "dropped_double"),
    ("shortcodes", "math_sans_serif"),
    ("upper", "leet"),
]


def _disguised(person: Person, structure, texts=()) -> tuple[str, str]:
    given, surname = _parts(person)
    display, handle = structure(given, surname)
    user, at, server = handle.partition("@") if "@" in handle else handle.partition(".bsky.social")
    for name in texts:
        if display:
            display = TEXT_DISGUISES[name](display)
        elif name in HANDLE_SAFE:
            user = TEXT_DISGUISES[name](user)
    return display, user + at + server


def _misses(cases, low: float, high: float = 1.0) -> list[tuple[str, str, str, float]]:
    misses = []
    for person, (display, handle) in cases:
        score = name_score(display, handle, person).score
        if not low <= score <= high or person.id not in ROSTER_INDEX.candidates(display, handle):
            misses.append((person.name, display, handle, score))
    return misses


@pytest.mark.parametrize("structure", STRUCTURES)
def test_each_structure_scores_as_the_person(structure):
    cases = [(p, _disguised(p, STRUCTURES[structure])) for p in ROSTER]
    assert _misses(cases, 0.88) == []


@pytest.mark.parametrize("disguise", TEXT_DISGUISES)
def test_each_text_disguise_scores_as_the_person(disguise):
    cases = [(p, _disguised(p, plain, (disguise,))) for p in ROSTER]
    assert sum(display != p.name for p, (display, _) in cases) >= 20  # the disguise does disguise
    assert _misses(cases, 0.88) == []


@pytest.mark.parametrize("structure", STRUCTURES)
def test_a_structure_and_a_text_disguise_together(structure):
    cases = []
    for i, disguise in enumerate(TEXT_DISGUISES):
        for person in ROSTER[i % 5 :: 5]:
            cases.append((person, _disguised(person, STRUCTURES[structure], (disguise,))))
    assert _misses(cases, 0.88) == []


@pytest.mark.parametrize(("first", "second"), TEXT_PAIRS)
def test_two_text_disguises_together(first, second):
    cases = [(p, _disguised(p, plain, (first, second))) for p in ROSTER]
    cases += [(p, _disguised(p, nickname, (first, second))) for p in ROSTER[::4]]
    assert _misses(cases, 0.88) == []


@pytest.mark.parametrize("near", NEAR)
def test_initial_or_second_surname_stays_near(near):
    """An initial and a surname (or the second surname alone) score about 0.85: below the threshold,
    within the margin decision.py allows a staff claim at the person's school (0.88 - 0.08), disguised too."""
    plain_cases = [(p, _disguised(p, NEAR[near])) for p in ROSTER]
    assert _misses(plain_cases, 0.84, 0.87) == []
    disguised = [
        (p, _disguised(p, NEAR[near], (d,)))
        for d in ("cyrillic_some", "emoji_around", "math_bold", "doubled", "zero_width")
        for p in ROSTER[::3]
    ]
    assert _misses(disguised, 0.80, 0.87) == []


# --- Different people stay apart ----------------------------------------------------------------------

LOOKALIKE_PEOPLE = [
    # display name, handle, enrolled name: one or two letters apart, but another person
    ("Mario García", "", "María García"),
    ("Mario Garcia", "", "María García López"),
    ("", "mariogarcia.bsky.social", "María García"),
    ("Mariio Garcia", "", "María García"),
    ("M4r10 G4rc14", "", "María García"),
    ("Mаrio García", "", "María García"),  # Cyrillic а
    ("Lulu Torres", "", "Luis Torres"),
    ("Lu1u Torres", "", "Luis Torres"),
    ("Lu|u Torres", "", "Luis Torres"),
    ("Luisa Torres", "", "Luis Torres"),
    ("Mark Smith", "", "Mary Smith"),
    ("Dana Brown", "", "Dina Brown"),
    ("Francisca Pérez", "", "Francisco Pérez"),
    ("Antonia Ruiz", "", "Antonio Ruiz"),
    ("Roberta Flores", "", "Roberto Flores"),
    ("Julio Vega", "", "Julia Vega"),
    ("Daniela Ortiz", "", "Daniel Ortiz"),
    ("Juana Díaz", "", "Juan Díaz"),
    ("Paula Smith", "", "Paul Smith"),
    ("Gabriela Reyes", "", "Gabriel Reyes"),
    ("María José Torres", "", "Mario José Torres"),
    ("María Garza", "", "María García"),
    ("Maria Garzza", "", "María García"),
    ("Roberto Gutiérrez", "", "Alberto Gutiérrez"),  # Beto is both: no bridge
    ("Guillermina Díaz", "", "Guillermo Díaz"),
    ("Pepa Torres", "", "José Torres"),
    ("Lee Nguyen", "", "Le Nguyen"),
    ("Sue Lee", "", "Sam Lee"),
]

OTHER_GIVEN = (
    "Laura Pedro Sofía Diego Carmen Lucía Andrés Daniel Sarah Brian Emily Kevin Hugo Irene Marcos Olga".split()
)
OTHER_SURNAMES = "Castro Ramos Silva Rojas Medina Campos Molina Suárez Acosta Blanco Cortés Ponce Bravo Cooper".split()


def _negatives() -> list[tuple[str, Person, str, str]]:
    """For each roster person: another given name with the same surname, the same given name with
    another surname ("shares"), and an unrelated name; plainly and in disguise."""
    out = []
    for i, person in enumerate(ROSTER):
        given, surname = _parts(person)
        other_given, other_surname = OTHER_GIVEN[i % len(OTHER_GIVEN)], OTHER_SURNAMES[i % len(OTHER_SURNAMES)]
        disguise = TEXT_DISGUISES[("leet", "cyrillic_some", "doubled", "math_bold", "emoji_around")[i % 5]]
        for kind, shown in (
            ("shares", f"{other_given} {surname}"),
            ("shares", f"{given} {other_surname}"),
            ("unrelated", f"{other_given} {other_surname}"),
        ):
            out += [(kind, person, shown, ""), (kind, person, disguise(shown), "")]
        out.append(("shares", person, "", _strip_accents(f"{other_given}{surname}").replace(" ", "").lower()))
    return out


@pytest.mark.parametrize(("shown", "handle", "enrolled"), LOOKALIKE_PEOPLE)
def test_lookalike_names_of_other_people_stay_below_the_threshold(shown, handle, enrolled):
    person = Person(90, "o@x.example", enrolled)
    assert name_score(shown, handle, person).score < 0.88


@pytest.mark.parametrize("kind", ["shares", "unrelated"])
def test_other_people_on_the_roster_stay_apart(kind):
    """Today's bounds: a shared given name or surname alone stays below 0.80, an unrelated name below 0.60."""
    scores = [(name_score(d, h, p).score, d, h, p.name) for k, p, d, h in _negatives() if k == kind]
    assert max(scores) < ((0.8,) if kind == "shares" else (0.6,))


def test_disguised_people_still_score_above_everyone_else():
    """The lowest disguise (not an initial) still beats the highest other person, with room to spare."""
    true = [
        name_score(*_disguised(p, STRUCTURES[s], (d,)), p).score
        for s, d in (("plain", "leet"), ("nickname", "cyrillic_some"), ("typo_in_surname", "emoji_between"))
        for p in ROSTER
    ]
    false = [name_score(shown, handle, person).score for _, person, shown, handle in _negatives()]
    assert min(true) - max(false) >= 0.08


# --- Names in other scripts ---------------------------------------------------------------------------

NON_LATIN = [
    "Дмитрий Иванов",
    "Ελένη Παπαδοπούλου",
    "Αλέξανδρος Νικολάου",
    "김민준",
    "山田 太郎",
    "محمد أحمد",
    "प्रिया शर्मा",
    "สมชาย ใจดี",
    "Ադամ Պետրոսյան",
]


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


@pytest.mark.parametrize("name", NON_LATIN)
def test_a_name_in_another_script_stays_itself(name):
    normalised = normalise_name(name)
    assert _scripts(normalised) == _scripts(name)  # not folded into Latin look-alikes
    assert sum(ch.isalpha() for ch in normalised) == sum(ch.isalpha() for ch in unicodedata.normalize("NFC", name))
    # Emoji, flags, symbols and shortcodes around it go; none of its letters do.
    assert normalise_name(f"🌸 {name} ✨👩🏽\u200d🏫 🇬🇷 :verified:") == normalised
    assert normalise_name(f"{name} ★ - Teacher") == normalised
    person = Person(80, "n@x.example", name)
    assert name_score(name, "", person).score >= (1.0 if " " in name else 0.9)  # one word: a given name alone
    assert person.id in NameIndex([*ROSTER, person]).candidates(f"{name} 📚", "")
    assert max(name_score(name, "", other).score for other in ROSTER) < 0.6


def test_only_words_mixing_scripts_are_folded():
    assert normalise_name("Дмитрий Іvanov") == "дмитрии ivanov"  # Cyrillic І inside a Latin word
    assert normalise_name("Еlena Ruiz") == "elena ruiz"
    assert name_score("Ѕofía Ruіz", "", Person(81, "s@x.example", "Sofía Ruiz")).score >= 0.9


# --- The nickname table -------------------------------------------------------------------------------

NICKNAME_PAIRS = [
    ("Gregorio", "Goyo"), ("Francisco", "Paco"), ("Francisco", "Pancho"), ("Francisco", "Curro"), ("José", "Pepe"),
    ("José", "Chepe"), ("Jesús", "Chuy"), ("Jesús", "Chucho"), ("Guadalupe", "Lupe"), ("Guadalupe", "Lupita"),
    ("Eduardo", "Lalo"), ("Ignacio", "Nacho"), ("Dolores", "Lola"), ("Rosario", "Charo"), ("Alberto", "Beto"),
    ("Roberto", "Beto"), ("Antonio", "Toño"), ("Guillermo", "Memo"), ("Enrique", "Quique"), ("Enrique", "Kike"),
    ("Pilar", "Pili"), ("Concepción", "Concha"), ("Concepción", "Conchita"), ("Consuelo", "Chelo"),
    ("Mercedes", "Meche"), ("Fernando", "Nando"), ("Rafael", "Rafa"), ("Ricardo", "Rica"), ("Ricardo", "Ricky"),
    ("William", "Bill"), ("William", "Will"), ("William", "Billy"), ("Margaret", "Peggy"), ("Margaret", "Maggie"),
    ("Robert", "Bob"), ("Robert", "Rob"), ("Katherine", "Kate"), ("Katherine", "Katie"), ("Katherine", "Kathy"),
    ("Elizabeth", "Liz"), ("Elizabeth", "Beth"), ("Elizabeth", "Betsy"), ("Richard", "Dick"), ("Richard", "Rick"),
    ("James", "Jim"), ("James", "Jimmy"), ("Charles", "Chuck"), ("Edward", "Ted"), ("Edward", "Ned"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "nick"), NICKNAME_PAIRS)
def test_nicknames_both_ways(name, nick):
    assert nick.lower() in nicknames_of(name)
    assert fold(name) in canonicals_of(nick)
    assert name_score(f"{nick} Salazar", "", Person(70, "n@x.example", f"{name} Salazar")).score >= 0.9
    assert name_score(f"{name} Salazar", "", Person(71, "n@x.example", f"{nick} Salazar")).score >= 0.9


def test_the_nickname_table_is_broad():
    rows = [line.split(",", 1) for line in NICKNAMES_CSV.read_text(encoding="utf-8").splitlines()[1:]]
    assert sum(len(nicks.split(";")) for _, nicks in rows) >= 300
    assert len({name for name, _ in rows}) == len(rows)  # one row per name


def test_a_middle_initial_is_part_of_the_given_name_not_a_surname():
    """ "Patricia K. Anderson": K. is her middle initial. Read as a first surname, it made every
    Christopher with a middle initial look like "Christopher Walson" (0.85: one of your surnames)."""
    patricia = Person(1, "p@x.example", "Patricia K. Anderson")
    christopher = Person(2, "c@x.example", "Christopher U. Calridge")
    assert split_name("Patricia K. Anderson") == (["Patricia", "K."], ["Anderson"])
    assert name_score("Patricia Anderson", "", patricia).score == 1.0
    assert name_score("Patricia K. Anderson", "", patricia).score == 1.0
    assert name_score("P. Anderson", "", patricia).score >= 0.85
    assert name_score("Christopher Walson", "", christopher).score < 0.77
    assert name_score("Christopher Calridge", "", christopher).score == 1.0
