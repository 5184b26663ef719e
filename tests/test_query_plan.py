"""Query planning: name variants, handle permutations, district queries, dedup and caps."""

from __future__ import annotations

import unicodedata

import pytest

from sources.base import HANDLE, NAME, PREFIX, SearchRule
from watcher.config import DistrictConfig
from watcher.matching.names import nicknames_of, split_name
from watcher.models import Person
from watcher.query_plan import (
    AS_SHOWN,
    HANDLE_SHAPED,
    JOINED,
    SURNAME_FIRST,
    UNACCENTED,
    handle_candidates,
    lookalike_spelling,
    name_forms,
    name_variants,
    needs,
    plan_queries,
    prefix_forms,
)

DISTRICT = DistrictConfig(name="Sierra Vista Unified School District", keywords=("SVUSD", "svusd "))


@pytest.mark.parametrize(
    ("name", "given", "surnames"),
    [
        ("María García López", ["María"], ["García", "López"]),
        ("José Luis Torres", ["José", "Luis"], ["Torres"]),
        ("Ana María López Pérez", ["Ana", "María"], ["López", "Pérez"]),
        ("Ana de la Cruz", ["Ana"], ["de la Cruz"]),
        ("Li García-Ruiz", ["Li"], ["García", "Ruiz"]),
        ("Jennifer Nguyen", ["Jennifer"], ["Nguyen"]),
        ("Cher", ["Cher"], []),
    ],
)
def test_split_name(name, given, surnames):
    assert split_name(name) == (given, surnames)


def test_name_forms_most_telling_first():
    maria = Person(1, "m@x.example", "María García López", aliases=("Mari García",))
    assert name_forms(maria)[:14] == [
        (AS_SHOWN, "María García López"),
        (AS_SHOWN, "Mari García"),
        (AS_SHOWN, "María García"),
        (UNACCENTED, "Maria Garcia Lopez"),
        (UNACCENTED, "Maria Garcia"),
        (AS_SHOWN, "Маríа Gаrсíа Lóреz"),  # Cyrillic а, с, р, е: what a search for the name never finds
        (AS_SHOWN, "María López"),  # each surname alone, as a culture with two surnames shows it
        (UNACCENTED, "Maria Lopez"),
        (JOINED, "maria.garcia"),
        (JOINED, "maria_garcia"),
        (JOINED, "mariagarcia"),
        (SURNAME_FIRST, "García María"),
        (SURNAME_FIRST, "Garcia Maria"),
        (HANDLE_SHAPED, "maria-garcia"),
    ]
    texts = name_variants(maria)
    assert texts.index("García López") > texts.index("Maruca García") and "María G" in texts
    paco = name_variants(Person(2, "f@x.example", "Francisco Hernández"))
    assert paco[:2] == ["Francisco Hernández", "Francisco Hernandez"] and "Paco Hernández" in paco
    assert "Hernández" not in paco  # a single common surname alone floods results


@pytest.mark.parametrize(
    ("rule", "wanted", "unwanted"),
    [
        # Mastodon: one phrase, in order, accents kept; usernames match too.
        (
            SearchRule(any_order=False, folds_accents=False, handles=True),
            {"Maria Garcia", "García María", "maria.garcia", "mgarcia"},
            set(),
        ),
        # Bluesky's search service: every word, any order, accents folded, handles too.
        (SearchRule(handles=True), {"María García", "maria.garcia", "mgarcia"}, {"Maria Garcia", "García María"}),
        # GitHub's in:name: names only.
        (SearchRule(), {"María García", "maria.garcia"}, {"Maria Garcia", "García María", "mgarcia"}),
    ],
)
def test_each_platform_gets_the_forms_its_search_needs(rule, wanted, unwanted):
    maria = Person(1, "m@x.example", "María García López")
    texts = {q.text for q in plan_queries([maria], DISTRICT, rule=rule) if q.kind == NAME}
    assert wanted <= texts and not unwanted & texts
    assert all(needs(rule, q.form) for q in plan_queries([maria], DISTRICT, rule=rule) if q.for_people)


def test_typeahead_queries_keep_one_half_of_the_name_whole():
    """A name disguised in one half ("Tyl3r Brown", "Yolanda Gracía") is still typed by the other."""
    assert prefix_forms(Person(1, "t@x.example", "Tyler Brown")) == ["Tyler B", "Brown T"]
    assert prefix_forms(Person(2, "m@x.example", "María García López")) == ["María G", "García M", "López M"]
    assert prefix_forms(Person(3, "c@x.example", "Cher")) == []
    plan = plan_queries([Person(1, "t@x.example", "Tyler Brown")], DISTRICT)
    assert [q.text for q in plan if q.kind == PREFIX] == ["Tyler B", "Brown T"]


def test_a_handle_only_search_gets_no_spaced_names_nor_district_queries():
    rule = SearchRule(names=False, handles=True)
    plan = plan_queries([Person(1, "g@x.example", "Graciela Cruz")], DISTRICT, rule=rule)
    names = [q.text for q in plan if q.kind == NAME]
    assert names[:5] == ["graciela.cruz", "graciela_cruz", "gracielacruz", "graciela-cruz", "gcruz"]
    assert all(" " not in text and text == text.lower() for text in names)


def test_lookalike_spelling_swaps_latin_letters_for_cyrillic_twins():
    spelled = lookalike_spelling("Jennifer Cox")
    assert spelled != "Jennifer Cox" and {unicodedata.name(c).split()[0] for c in spelled if c not in "Jnfr "} == {
        "CYRILLIC"
    }
    assert spelled.count("е") == 2 and "х" in spelled and "С" in spelled
    assert lookalike_spelling("Ángel Ruíz")[0] == "Á"  # accented letters have no twin and stay


def test_nicknames_in_both_languages():
    assert "paco" in nicknames_of("Francisco") and "pepe" in nicknames_of("José")
    assert "lupe" in nicknames_of("guadalupe") and "chuy" in nicknames_of("Jesús")
    assert "mike" in nicknames_of("Michael") and nicknames_of("Zyx") == ()


def test_handle_candidates():
    handles = handle_candidates(Person(1, "j@x.example", "Jane Doe"))
    assert handles[:6] == ["janedoe", "jane.doe", "jane_doe", "jane-doe", "jdoe", "doejane"]
    assert handle_candidates(Person(2, "p@x.example", "Francisco Hernández"))[6] == "pacohernandez"
    assert handle_candidates(Person(3, "c@x.example", "Cher")) == []


def test_plan_dedupes_across_people_caps_and_adds_district_queries():
    people = [
        Person(1, "a@x.example", "Jennifer Nguyen", school="Mesa Verde High School"),
        Person(2, "b@x.example", "Jennifer Nguyen", school="Mesa Verde High School"),  # two staff, one name
        Person(3, "c@x.example", "María García López", school="Noble Avenue Elementary"),
    ]
    plan = plan_queries(people, DISTRICT, max_names=3, max_handles=2)
    jen = [q for q in plan if q.text == "Jennifer Nguyen"]
    assert len(jen) == 1 and jen[0].for_people == (1, 2) and jen[0].kind == NAME
    assert sum(1 for q in plan if 3 in q.for_people and q.kind == NAME) == 3
    assert sum(1 for q in plan if 3 in q.for_people and q.kind == HANDLE) == 2
    district = [q.text for q in plan if not q.for_people]
    assert district == [
        "Sierra Vista Unified School District",
        "SVUSD",
        "Mesa Verde High School",
        "Noble Avenue Elementary",
        "Sierra Vista",  # the short forms bios use: "Go Sierra Vista!", "Tutoring for Mesa Verde kids"
        "Mesa Verde",
        "Noble Avenue",
    ]
    assert len({q.key for q in plan}) == len(plan)


def test_a_limited_budget_gives_the_district_and_everyone_their_best_queries_first():
    people = [
        Person(i, f"p{i}@x.example", name) for i, name in enumerate(["Jennifer Nguyen", "José Torres", "Ana Cruz"])
    ]
    plan = [q for q in plan_queries(people, DISTRICT) if q.kind == NAME]
    assert [q.for_people for q in plan[:3]] == [(), (), ()]  # the district's queries come first
    people_part = plan[3:]
    assert [q.text for q in people_part[:3]] == ["Jennifer Nguyen", "José Torres", "Ana Cruz"]
    first_seconds = {q.for_people[0]: i for i, q in reversed(list(enumerate(people_part)))}
    assert sorted(first_seconds.values()) == [0, 1, 2]  # each person's first query before anyone's second


def test_a_roster_name_with_a_middle_initial_is_also_searched_without_it():
    """Impostors show "Patricia Anderson", not "Patricia K. Anderson"; "K. Anderson" and "patriciak"
    (the initial read as a surname) are nobody's name."""
    person = Person(1, "p@x.example", "Patricia K. Anderson")
    assert name_variants(person)[:2] == ["Patricia K. Anderson", "Patricia Anderson"]
    assert "K. Anderson" not in name_variants(person)
    assert "patriciaanderson" in handle_candidates(person) and "patriciak" not in handle_candidates(person)
