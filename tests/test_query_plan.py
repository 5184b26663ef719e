"""Query planning: name variants, handle permutations, district queries, dedup and caps."""

from __future__ import annotations

import unicodedata

import pytest

from sources.base import HANDLE, NAME
from watcher.config import DistrictConfig
from watcher.matching.name_parts import nicknames_of, split_name
from watcher.models import Person
from watcher.query_plan import handle_candidates, lookalike_spelling, name_variants, plan_queries

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


def test_name_variants_most_telling_first():
    maria = Person(1, "m@x.example", "María García López", aliases=("Mari García",))
    assert name_variants(maria) == [
        "María García López",
        "Mari García",
        "Maria Garcia Lopez",
        "Маríа Gаrсíа Lóреz",  # Cyrillic а, с, р, е: what a search for the name never finds
        "María García",
        "Maria Garcia",
        "Maruca García",
        "García López",
    ]
    paco = name_variants(Person(2, "f@x.example", "Francisco Hernández"))
    assert paco[:2] == ["Francisco Hernández", "Francisco Hernandez"] and paco[3] == "Paco Hernández"
    assert "Hernández" not in paco  # a single common surname alone floods results


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
    assert handles[:5] == ["janedoe", "jane.doe", "jane_doe", "jdoe", "doejane"]
    assert handle_candidates(Person(2, "p@x.example", "Francisco Hernández"))[5] == "pacohernandez"
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
    ]
    assert len({q.key for q in plan}) == len(plan)


def test_a_limited_budget_gives_the_district_and_everyone_their_best_queries_first():
    people = [
        Person(i, f"p{i}@x.example", name) for i, name in enumerate(["Jennifer Nguyen", "José Torres", "Ana Cruz"])
    ]
    plan = [q for q in plan_queries(people, DISTRICT) if q.kind == NAME]
    assert [q.for_people for q in plan[:2]] == [(), ()]  # the district's queries come first
    people_part = plan[2:]
    assert [q.text for q in people_part[:3]] == ["Jennifer Nguyen", "José Torres", "Ana Cruz"]
    first_seconds = {q.for_people[0]: i for i, q in reversed(list(enumerate(people_part)))}
    assert sorted(first_seconds.values()) == [0, 1, 2]  # each person's first query before anyone's second


def test_a_roster_name_with_a_middle_initial_is_also_searched_without_it():
    """Impostors show "Patricia Anderson", not "Patricia K. Anderson"; "K. Anderson" and "patriciak"
    (the initial read as a surname) are nobody's name."""
    person = Person(1, "p@x.example", "Patricia K. Anderson")
    assert "Patricia Anderson" in name_variants(person)
    assert "K. Anderson" not in name_variants(person)
    assert "patriciaanderson" in handle_candidates(person) and "patriciak" not in handle_candidates(person)
