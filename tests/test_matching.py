"""The decision: profiles and enrolled hashes in, findings with rules and reasons out (pure)."""

from __future__ import annotations

import pytest

from sources.base import Profile
from watcher.config import DistrictConfig, MatchingConfig
from watcher.demo.portraits import cropped, district_logo, jpeg, mirrored, png, portrait, recompressed, tinted
from watcher.matching import Matcher, match_profile
from watcher.matching.affiliation import read_claim
from watcher.matching.images import PHOTO_LOOSE, query_views, reference_views
from watcher.models import Logo, Person

PIXELS = 16_000_000
SETTINGS = MatchingConfig()
DISTRICT = DistrictConfig(
    name="Sierra Vista Unified School District",
    keywords=("SVUSD", "Noble Avenue Elementary"),
    official_accounts=frozenset({"bluesky:svusd.bsky.social"}),
)
MARIA = Person(
    id=1,
    email="maria@svusd.example",
    name="María García López",
    aliases=("Maria Garcia",),
    school="Noble Avenue Elementary",
    accounts=frozenset({"bluesky:maria.bsky.social"}),
    references=tuple(reference_views(jpeg(portrait(101)), PIXELS)),
)
PACO = Person(id=2, email="paco@svusd.example", name="Francisco Hernández", school="Mesa Verde High School")
LOGO = Logo(id=1, label="seal", views=tuple(reference_views(png(district_logo()), PIXELS)))


def avatar(image):
    return tuple(query_views(jpeg(image), PIXELS))


def profile(name, handle="someone.bsky.social", bio="", source="bluesky"):
    return Profile(source=source, platform_id=f"did:{handle}", handle=handle, display_name=name, description=bio)


def match(p, image=None, people=(MARIA, PACO), logos=(LOGO,)):
    return match_profile(p, avatar(image) if image is not None else (), list(people), list(logos), DISTRICT, SETTINGS)


def test_name_and_copied_photo_is_impersonation_with_reasons():
    (m,) = match(profile("Maria Garcia"), recompressed(portrait(101)))
    assert (m.kind, m.person_id, m.rule) == ("impersonation", 1, "name+photo")
    assert m.score > 0.9 and m.evidence["photo_distance"] <= PHOTO_LOOSE
    assert any("profile photo matches" in r for r in m.evidence["reasons"])
    assert m.evidence["name_reason"]


@pytest.mark.parametrize("edit", [recompressed, mirrored, tinted, lambda im: cropped(im, 0.10)])
def test_edited_copies_of_the_photo_still_match(edit):
    assert [m.rule for m in match(profile("Maria Garcia"), edit(portrait(101)))] == ["name+photo"]


def test_photo_alone_under_another_name():
    (m,) = match(profile("Ms. G's class"), recompressed(portrait(101)))
    assert m.rule == "photo" and m.person_id == 1


def test_namesakes_with_another_face_are_not_findings():
    for seed in range(500, 515):
        assert match(profile("María García López"), portrait(seed)) == []


@pytest.mark.parametrize(
    "bio",
    ["Proud parent of a Noble Avenue Elementary kid", "SVUSD alum, class of 2009", "Noble Avenue Elementary fan"],
)
def test_parents_alumni_and_fans_make_no_claim(bio):
    assert match(profile("Maria Garcia", bio=bio), portrait(600)) == []


def test_name_with_a_staff_claim_is_impersonation_even_without_a_photo():
    (m,) = match(profile("Maria Garcia", bio="5th grade teacher at Noble Ave Elem. DM me!"))
    assert m.rule == "name+affiliation" and m.evidence["affiliation"] == ["Noble Avenue Elementary"]
    assert "teacher" in m.evidence["role_words"]


def test_nickname_with_claim():
    (m,) = match(profile("Paco Hernandez", bio="Maestro en Mesa Verde High School"))
    assert (m.person_id, m.rule) == (2, "name+affiliation")


def test_a_copied_identity_is_attributed_to_its_owner_not_to_colleagues_alike():
    torres = Person(11, "t@svusd.example", "Antonio Rodríguez Torres", school="Mesa Verde High School")
    jimenez = Person(12, "j@svusd.example", "Antonio Rodríguez Jiménez", school="Noble Avenue Elementary")
    claim = profile("Antonio Rodríguez Torres", bio="Teacher at Mesa Verde High School")
    assert [m.person_id for m in match(claim, people=(torres, jimenez))] == [11]
    # Same name for both: the one at the school the profile names.
    twin = Person(13, "t2@svusd.example", "Antonio Rodríguez", school="Noble Avenue Elementary")
    other = Person(14, "t3@svusd.example", "Antonio Rodríguez", school="Mesa Verde High School")
    short = profile("Antonio Rodríguez", bio="Teacher at Noble Avenue Elementary")
    assert [m.person_id for m in match(short, people=(twin, other))] == [13]
    # An initial: the first surname over the second, the name's own initial over a nickname's.
    fernando = Person(16, "f1@svusd.example", "Fernando Mendoza García", school="Mesa Verde High School")
    francisco = Person(17, "f2@svusd.example", "Francisco Pérez Mendoza", school="Mesa Verde High School")
    nurse = profile("F. Mendoza", bio="School nurse at Mesa Verde High School")
    assert [m.person_id for m in match(nurse, people=(fernando, francisco))] == [16]
    maria = Person(18, "m@svusd.example", "María Cruz Rodríguez", school="Mesa Verde High School")
    rosario = Person(19, "r@svusd.example", "Rosario Cruz Gutiérrez", school="Mesa Verde High School")  # María del R.
    counselor = profile("M. Cruz", bio="Counselor at Mesa Verde High School")
    assert [m.person_id for m in match(counselor, people=(maria, rosario))] == [18]
    # The photo says whose identity it is: a colleague whose name fits too is not reported.
    pedro = Person(15, "p@svusd.example", "Maria Garcia", school="Noble Avenue Elementary")
    assert [m.person_id for m in match(profile("Maria Garcia"), recompressed(portrait(101)), (MARIA, pedro))] == [1]


def test_own_account_is_never_reported_as_impersonation():
    own = profile("María García López", handle="Maria.bsky.social", bio="Teacher at Noble Avenue Elementary")
    assert match(own, portrait(101)) == []


def test_the_logo_on_a_staff_members_own_account_is_reported_with_them():
    own = profile("María García López", handle="maria.bsky.social")
    (m,) = match(own, tinted(district_logo()))
    assert (m.kind, m.person_id) == ("logo_misuse", 1) and m.evidence["own_account"]


def test_logo_misuse_official_exemption_and_other_seals():
    (m,) = match(profile("SVUSD news"), tinted(district_logo()))
    assert (m.kind, m.person_id, m.rule) == ("logo_misuse", None, "logo")
    assert match(profile("Sierra Vista Unified", handle="svusd.bsky.social"), district_logo()) == []
    other = district_logo(ring=(120, 20, 20), star=(200, 200, 200), seed=3)
    assert match(profile("Other district"), other) == []


def test_no_photo_never_matches_a_photo():
    assert match(profile("Ms. G"), None) == []


def test_a_matcher_is_built_once_and_reused():
    matcher = Matcher([MARIA, PACO], [LOGO], DISTRICT, SETTINGS)
    assert matcher.match(profile("Maria Garcia"), avatar(recompressed(portrait(101))))[0].person_id == 1
    assert matcher.match(profile("Nobody Here"), avatar(portrait(999))) == []


@pytest.mark.parametrize(
    ("text", "staff"),
    [
        ("5th grade teacher at Noble Avenue Elementary", True),
        ("Counselor @ Noble Ave Elem", True),
        ("Maestra en Mesa Verde HS", True),
        ("Proud parent of a Noble Avenue Elementary kid", False),
        ("SVUSD alum, class of 2009", False),
        ("Teacher", False),
        ("Coach. Mesa Verde Hawks!", False),
    ],
)
def test_reading_a_claim(text, staff):
    places = ["Sierra Vista Unified School District", "SVUSD", "Noble Avenue Elementary", "Mesa Verde High School"]
    assert read_claim(text, places).claims_staff is staff
