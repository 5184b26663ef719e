"""Matching is pure: profiles and enrolled hashes in, findings with reasons out."""

from __future__ import annotations

import itertools

import pytest

from sources.base import Profile
from watcher.config import DistrictConfig, MatchingConfig
from watcher.demo.portraits import cropped, district_logo, jpeg, mirrored, png, portrait, recompressed, tinted
from watcher.matching import match_profile
from watcher.matching.images import distance, hash_image, reference_views
from watcher.matching.names import fold, mentions, name_score, normalise_name
from watcher.models import Logo, Person

PIXELS = 16_000_000
SETTINGS = MatchingConfig()
DISTRICT = DistrictConfig(
    name="Sierra Vista Unified School District",
    keywords=("SVUSD",),
    official_accounts=frozenset({"bluesky:svusd.bsky.social"}),
)


def views(image, fmt=jpeg):
    return tuple(h for _, h in reference_views(fmt(image), PIXELS))


def avatar(image):
    return hash_image(jpeg(image), PIXELS)


MARIA = Person(
    id=1,
    email="maria@svusd.example",
    name="María García López",
    aliases=("Maria Garcia",),
    school="Noble Avenue Elementary",
    accounts=frozenset({"bluesky:maria.bsky.social"}),
    references=views(portrait(101)),
)
LOGO = Logo(id=1, label="seal", views=views(district_logo(), png))


def profile(name, handle="someone.bsky.social", bio="", source="bluesky"):
    return Profile(source=source, platform_id=f"did:{handle}", handle=handle, display_name=name, description=bio)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("María García López", "maria garcia lopez"),
        ("Ms. Maria Garcia - 5th grade teacher", "maria garcia"),
        ("Maria Garcia | Noble Ave", "maria garcia"),
        ("Maria Garcia (she/her)", "maria garcia"),
        ("Garcia, Maria", "maria garcia"),
        ("Maria Garcia, Teacher", "maria garcia"),
        ("ＭＡＲＩＡ\u200b GARCIA", "maria garcia"),
        ("Coach Paco", "paco"),
    ],
)
def test_normalise_name(shown, expected):
    assert normalise_name(shown) == expected


def test_name_score_prefers_the_best_variant_and_says_what_matched():
    best = name_score("Maria Garcia", "x.bsky.social", ["María García López", "Maria Garcia"])
    assert best.score == 1.0 and best.variant == "Maria Garcia" and best.compared == "display name"
    by_handle = name_score("", "mariagarcialopez.bsky.social", ["María García López"])
    assert by_handle.score == 1.0 and by_handle.compared == "handle"
    assert name_score("Laura Smith", "ls.bsky.social", ["María García López", "Maria Garcia"]).score < 0.7


def test_mentions_whole_words_only():
    assert mentions("Teacher at SVUSD!", ["SVUSD", "Noble"]) == ["SVUSD"]
    assert mentions("SVUSDX fan", ["SVUSD"]) == []
    assert fold("Ñandú  Ü") == "nandu u"


def test_name_and_copied_photo_is_impersonation():
    (m,) = match_profile(profile("Maria Garcia"), avatar(recompressed(portrait(101))), [MARIA], [], DISTRICT, SETTINGS)
    assert (m.kind, m.person_id, m.rule) == ("impersonation", 1, "name+photo")
    assert m.evidence["photo_distance"] <= SETTINGS.photo_distance
    assert m.score > 0.9
    assert any("profile photo matches" in r for r in m.evidence["reasons"])


@pytest.mark.parametrize("edit", [recompressed, mirrored, tinted, lambda im: cropped(im, 0.03)])
def test_edited_copies_of_the_photo_still_match(edit):
    matches = match_profile(profile("Maria Garcia"), avatar(edit(portrait(101))), [MARIA], [], DISTRICT, SETTINGS)
    assert [m.rule for m in matches] == ["name+photo"]


def test_photo_alone_under_another_name():
    (m,) = match_profile(profile("Ms. G's class"), avatar(recompressed(portrait(101))), [MARIA], [], DISTRICT, SETTINGS)
    assert m.rule == "photo" and m.evidence["name_score"] < SETTINGS.name_threshold


def test_namesake_with_another_face_is_not_a_finding():
    for seed in range(500, 520):
        assert (
            match_profile(profile("María García López"), avatar(portrait(seed)), [MARIA], [], DISTRICT, SETTINGS) == []
        )


def test_namesake_claiming_the_school_is_a_finding():
    (m,) = match_profile(
        profile("Maria Garcia", bio="Teacher at Noble Avenue Elementary"), None, [MARIA], [], DISTRICT, SETTINGS
    )
    assert m.rule == "name+affiliation"
    assert m.evidence["affiliation"] == ["Noble Avenue Elementary"]


def test_own_account_is_never_reported():
    own = profile("María García López", handle="Maria.bsky.social", bio="Noble Avenue Elementary")
    assert match_profile(own, avatar(portrait(101)), [MARIA], [LOGO], DISTRICT, SETTINGS) == []


def test_logo_misuse_and_official_exemption():
    (m,) = match_profile(profile("SVUSD news"), avatar(tinted(district_logo())), [MARIA], [LOGO], DISTRICT, SETTINGS)
    assert (m.kind, m.person_id, m.rule) == ("logo_misuse", None, "logo")
    official = profile("Sierra Vista Unified", handle="svusd.bsky.social")
    assert match_profile(official, avatar(district_logo()), [MARIA], [LOGO], DISTRICT, SETTINGS) == []


def test_similar_seal_of_another_institution_is_not_the_logo():
    other = district_logo(ring=(20, 45, 110), star=(200, 200, 200), seed=3)
    assert match_profile(profile("Other school"), avatar(other), [], [LOGO], DISTRICT, SETTINGS) == []


def test_no_photo_never_matches_a_photo():
    assert match_profile(profile("Ms. G"), None, [MARIA], [LOGO], DISTRICT, SETTINGS) == []


def test_thresholds_hold_on_different_peoples_portraits():
    """Different people's portraits sit close (same pose): none may pass the photo-only rule."""
    refs = {seed: views(portrait(seed)) for seed in range(200, 240)}
    closest = min(min(distance(refs[a][0].phash, r.phash) for r in refs[b]) for a, b in itertools.combinations(refs, 2))
    assert closest > SETTINGS.photo_only_distance
