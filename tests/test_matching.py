"""The decision: profiles and enrolled hashes in, findings with rules and reasons out (pure)."""

from __future__ import annotations

import dataclasses

import pytest
from image_edits import grayscale, placed, rotated

from watcher.config import DistrictConfig, MatchingConfig
from watcher.demo.portraits import cropped, district_logo, jpeg, mirrored, png, portrait, recompressed, tinted
from watcher.matching import Matcher, match_profile
from watcher.matching.affiliation import read_claim
from watcher.matching.images import PHOTO_LOOSE, photo_print, picture, query_views, reference_views
from watcher.matching.logos import enrol_logo, picture_features
from watcher.matching.names import NameIndex
from watcher.models import Logo, LogoSighting, Person, Profile
from watcher.pictures import LogoSearch

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
LOGO = Logo(id=1, label="seal", model=enrol_logo(png(district_logo()), PIXELS).to_bytes())
PRINTS = {1: [photo_print(jpeg(portrait(101)), PIXELS)]}


def avatar(image):
    return tuple(query_views(jpeg(image), PIXELS))


def profile(name, handle="someone.bsky.social", bio="", source="bluesky"):
    return Profile(source=source, platform_id=f"did:{handle}", handle=handle, display_name=name, description=bio)


def match(p, image=None, people=(MARIA, PACO), logos=(LOGO,), verify=True, settings=SETTINGS):
    """Match as a scan does: the avatar's hash views, the logos found in it, and the avatar itself
    when verification asks (``verify=False``: the avatar could not be fetched again)."""
    views = avatar(image) if image is not None else ()
    shown = (lambda: picture(jpeg(image), PIXELS)) if image is not None and verify else None
    sightings = []
    if image is not None:
        sightings = LogoSearch(list(logos)).search(picture_features(jpeg(image), PIXELS), "profile photo")
    return match_profile(
        p,
        views,
        list(people),
        DISTRICT,
        settings,
        prints=lambda person_id: PRINTS.get(person_id, []),
        picture=shown,
        logo_sightings=sightings,
    )


def test_name_and_copied_photo_is_impersonation_with_reasons():
    (m,) = match(profile("Maria Garcia"), recompressed(portrait(101)))
    assert (m.kind, m.person_id, m.rule) == ("impersonation", 1, "name+photo")
    assert m.score > 0.9 and m.evidence.photo_distance <= PHOTO_LOOSE
    assert any("profile photo matches" in r for r in m.evidence.reasons)
    assert m.evidence.name_reason


@pytest.mark.parametrize("edit", [recompressed, mirrored, tinted, lambda im: cropped(im, 0.10)])
def test_edited_copies_of_the_photo_still_match(edit):
    assert [m.rule for m in match(profile("Maria Garcia"), edit(portrait(101)))] == ["name+photo"]


def test_photo_alone_under_another_name():
    (m,) = match(profile("Ms. G's class"), recompressed(portrait(101)))
    assert m.rule == "photo" and m.person_id == 1


def test_a_photo_candidate_whose_name_blocking_left_out_is_decided_by_verification_alone():
    """Blocking guarantees such a name scores under 0.77, below any use of it: the name is scored only
    once the photo is verified, for the evidence, and the finding is the one scoring it first gives
    (as it does when a lower name threshold makes 0.77 matter)."""
    assert 1 not in NameIndex([MARIA, PACO]).candidates("Ms. G's class", "someone.bsky.social")
    lower = dataclasses.replace(SETTINGS, name_threshold=0.84)  # 0.84 - 0.08 < 0.77: every name is scored
    rules = []
    for image in (recompressed(portrait(101)), rotated(portrait(101), 8, (255, 255, 255)), portrait(102)):
        quick, scored = match(profile("Ms. G's class"), image), match(profile("Ms. G's class"), image, settings=lower)
        assert [(m.person_id, m.rule, m.score, m.evidence) for m in quick] == [
            (m.person_id, m.rule, m.score, m.evidence) for m in scored
        ]
        rules.append([m.rule for m in quick])
    assert rules == [["photo"], ["photo"], []]


def test_a_photo_alone_is_verified_never_taken_on_its_hashes():
    turned = rotated(grayscale(portrait(101)), 12, (255, 255, 255))
    (m,) = match(profile("Room 12 News"), turned)
    assert (m.person_id, m.rule) == (1, "photo")
    assert m.evidence.photo_verified and m.evidence.photo_inliers >= 12
    assert any("is a copy of the photo you enrolled" in r for r in m.evidence.reasons)
    # The same avatar, when it cannot be looked at again: its hashes alone make no finding.
    assert match(profile("Room 12 News"), turned, verify=False) == []


def test_with_a_matching_name_close_hashes_need_no_verification():
    (m,) = match(profile("Maria Garcia"), recompressed(portrait(101)), verify=False)
    assert m.rule == "name+photo" and m.evidence.photo_verified is False


def test_logo_sightings_make_logo_misuse_with_where_and_how():
    (m,) = match(profile("SVUSD news"), placed(district_logo(), portrait(700), 0.4, (0.9, 0.1)))
    assert (m.kind, m.rule, m.evidence.logo, m.evidence.logo_where) == ("logo_misuse", "logo", "seal",
                                                                              "profile photo")  # fmt: skip
    assert "top right" in m.evidence.logo_placement and m.evidence.logo_points >= 7


def test_a_logo_found_by_its_edges_is_reported_without_matching_points():
    sighting = LogoSighting(1, "seal", "banner", 0.8, 0, "at 40% of its width, top right")
    (m,) = match_profile(profile("SVUSD news"), (), [MARIA, PACO], DISTRICT, SETTINGS, logo_sightings=[sighting])
    assert m.kind == "logo_misuse" and m.evidence.logo_points == 0
    assert m.evidence.reasons[0] == "the banner shows the district logo “seal” (at 40% of its width, top right)"


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
    assert m.rule == "name+affiliation" and m.evidence.affiliation == ("Noble Avenue Elementary",)
    assert "teacher" in m.evidence.role_words


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


def test_a_photo_alone_does_not_take_the_name_from_its_owner():
    # Someone's name and a school claim, with a colleague's photo: both are impersonated.
    sergio = Person(21, "s@svusd.example", "Sergio González Salazar", school="Noble Avenue Elementary")
    found = match(profile("Sergio González Salazar", bio="Teacher at Noble Avenue Elementary"),
                  rotated(portrait(101), 8), (MARIA, sergio))  # fmt: skip
    assert sorted((m.person_id, m.rule) for m in found) == [(1, "photo"), (21, "name+affiliation")]


def test_own_account_is_never_reported_as_impersonation():
    own = profile("María García López", handle="Maria.bsky.social", bio="Teacher at Noble Avenue Elementary")
    assert match(own, portrait(101)) == []


def test_the_logo_on_a_staff_members_own_account_is_reported_with_them():
    own = profile("María García López", handle="maria.bsky.social")
    (m,) = match(own, tinted(district_logo()))
    assert (m.kind, m.person_id) == ("logo_misuse", 1) and m.evidence.own_account


def test_logo_misuse_official_exemption_and_other_seals():
    (m,) = match(profile("SVUSD news"), tinted(district_logo()))
    assert (m.kind, m.person_id, m.rule) == ("logo_misuse", None, "logo")
    assert match(profile("Sierra Vista Unified", handle="svusd.bsky.social"), district_logo()) == []
    other = district_logo(ring=(120, 20, 20), star=(200, 200, 200), seed=3)
    assert match(profile("Other district"), other) == []


def test_no_photo_never_matches_a_photo():
    assert match(profile("Ms. G"), None) == []


def test_a_matcher_is_built_once_and_reused():
    matcher = Matcher([MARIA, PACO], DISTRICT, SETTINGS)
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


def test_an_avatars_photo_candidates_are_verified_on_threads_with_the_same_findings():
    """Several enrolled people within hash reach of one avatar (here a photo four of them enrolled, as
    with a team picture): their photos are verified on several threads, read from the lookup in the
    caller's thread (it may hold a database connection), and the findings are those of one thread."""
    import threading

    seeds = {k: 100 + k for k in range(1, 9)} | {k: 103 for k in range(9, 12)}
    people = [
        Person(id=k, email=f"p{k}@svusd.example", name=f"Person Number{k}", references=avatar(portrait(seed)))
        for k, seed in seeds.items()
    ]
    records = {k: [photo_print(jpeg(portrait(seed)), PIXELS)] for k, seed in seeds.items()}
    readers = set()

    def prints(person_id):
        readers.add(threading.current_thread().name)
        return records[person_id]

    image = rotated(recompressed(portrait(103)), 6, (255, 255, 255))
    assert len(Matcher(people, DISTRICT, SETTINGS).photos.nearest(avatar(image), 50)) >= 4  # enough for threads
    results = []
    for workers in (1, 2):
        decoded = []

        def shown(decoded=decoded):
            decoded.append(1)
            return picture(jpeg(image), PIXELS)

        matcher = Matcher(people, DISTRICT, SETTINGS, prints=prints, workers=workers)
        found = matcher.match(profile("Room 12 News"), avatar(image), picture=shown)
        assert decoded == [1]  # the avatar decoded once
        results.append([(m.person_id, m.rule, m.score, m.evidence) for m in found])
    assert results[0] == results[1] and {r[1] for r in results[0]} == {"photo"}
    assert {r[0] for r in results[0]} <= {3, 9, 10, 11}
    assert readers == {threading.current_thread().name}


def test_photo_candidates_are_placed_before_their_keypoints_are_matched(monkeypatch):
    """Views named as the roster names them ("photo0:original"): the pair that matched places the
    avatar in the photo. A stranger drawn from the same template (hash distance 45) shows other colours
    there and is turned away before any keypoint is matched; a copy is placed, aligned and verified."""
    from watcher.matching.images import keypoints, photo_check

    enrolled = jpeg(portrait(603), 90)
    person = Person(
        id=7,
        email="p7@svusd.example",
        name="Person Number7",
        references=tuple((f"photo0:{name}", h) for name, h in reference_views(enrolled, PIXELS)),
    )
    records = {7: [photo_print(enrolled, PIXELS)]}
    aligned = []
    monkeypatch.setattr(photo_check, "align", lambda *a, **k: aligned.append(1) or keypoints.align(*a, **k))
    matcher = Matcher([person], DISTRICT, SETTINGS, prints=lambda i: records[i])
    for image, copy in ((portrait(436), False), (rotated(tinted(portrait(603)), 5, None), True)):
        aligned.clear()
        near = matcher.photos.nearest(avatar(image), 50)
        assert [m.owner for m in near] == [7] and near[0].reference_view.startswith("photo0:")
        found = matcher.match(profile("Room 12 News"), avatar(image), picture=lambda i=image: picture(jpeg(i), PIXELS))
        assert [m.rule for m in found] == (["photo"] if copy else [])
        assert len(aligned) == (2 if copy else 0)
