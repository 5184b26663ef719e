"""The match reasons in Spanish (notifications/reasons_es.py): every shape matching writes, built by
matching itself where it can be, read back into Spanish with its data (names, labels, schools, numbers)
untouched; anything else comes back as it was."""

from __future__ import annotations

import re

import pytest
from image_edits import rotated

from notifications.reasons_es import in_spanish, reasons_in
from watcher.config import DistrictConfig, MatchingConfig
from watcher.demo.portraits import jpeg, mirrored, portrait, recompressed
from watcher.matching import match_profile
from watcher.matching.affiliation import ROLE_WORDS, Claim
from watcher.matching.decision import _photo_reason
from watcher.matching.images import ViewMatch, photo_print, picture, query_views, reference_views
from watcher.matching.images.photo_check import Verification
from watcher.matching.names import name_score
from watcher.matching.names import reasons as name_reasons
from watcher.models import LogoSighting, Person, Profile
from watcher.pictures import _how

PIXELS = 16_000_000
SETTINGS = MatchingConfig()
SCHOOL = "Noble Avenue Elementary"
DISTRICT = DistrictConfig(name="Sierra Vista Unified School District", keywords=("SVUSD",))
MARIA = Person(
    id=1,
    email="maria@svusd.example",
    name="María García López",
    school=SCHOOL,
    accounts=frozenset({"bluesky:maria.bsky.social"}),
    references=tuple(reference_views(jpeg(portrait(101)), PIXELS)),
)
PACO = Person(id=2, email="paco@svusd.example", name="Francisco Hernández", school=SCHOOL)
HOSTILE = (
    '"><script>alert(1)</script>',
    "Maria \u202erehcaet\u202c",
    "A”, 99% alike) (“B",
    "seal” (at 40% of its width, top right)",
    "School at the Lake\nsecond line",
)
# Words of the English reasons that Spanish does not share: none may be left once the data is taken out.
ENGLISH = set(
    """the your you is of alike matching points photo profile enrolled letter letters says at shows logo district
    moderators marked account width staff member guideline mirrored cropped turned distance or less match nickname
    handle name surname surnames with without extra words inside initial first title reordered accents invisible
    digits doubled copy layout same filling top bottom left right centre middle banner impersonation limited fraud
    teacher grade works for look alike different run together""".split()
)


def english_left(spanish: str, *data: str) -> set[str]:
    for part in data:
        spanish = spanish.replace(part, " ")
    return set(re.findall(r"\w+", spanish.lower())) & ENGLISH


def profile(name: str = "", handle: str = "someone.bsky.social", bio: str = "", moderation: tuple = ()) -> Profile:
    return Profile(
        source="bluesky", platform_id=f"did:{handle}", handle=handle, display_name=name, description=bio,
        moderation=moderation,
    )  # fmt: skip


def name_reason(display: str, handle: str, person: Person) -> str:
    """decision.py's words for a name, around the real score."""
    found = name_score(display, handle, person)
    return f"the {found.compared} is {found.reason} (“{found.variant}”, {found.score:.0%} alike)"


# --- the name ---------------------------------------------------------------------------------------------


def test_a_real_name_finding_says_its_name_and_claim_in_spanish():
    (m,) = match_profile(profile("Maria Garcla", bio=f"Teacher at {SCHOOL}"), (), [MARIA, PACO], DISTRICT, SETTINGS)
    name, claim = m.evidence.reasons
    assert in_spanish(name) == (
        "el nombre visible se parece a su nombre: una letra distinta; su nombre con uno de sus apellidos; su nombre"
        f" sin tildes (“María García López”, {m.evidence.name_score:.0%} de parecido)"
    )
    assert in_spanish(claim) == f"el perfil dice que es docente en {SCHOOL}"


@pytest.mark.parametrize(
    ("display", "handle", "person", "spanish"),
    [
        ("María García López", "x", MARIA, "el nombre visible es exactamente su nombre"),
        ("Mаría García López", "x", MARIA, "su nombre escrito con letras parecidas"),
        ("M4ría García López", "x", MARIA, "su nombre con números en lugar de letras"),
        ("María\u200bGarcíaLópez", "x", MARIA, "su nombre con caracteres invisibles"),
        ("García López María", "x", MARIA, "su nombre en otro orden"),
        ("Maria Garcia Lopez", "x", MARIA, "su nombre sin tildes"),
        ("Marai Grcaia", "x", MARIA, "una letra distinta; dos letras distintas"),
        ("Mariaa García López", "x", MARIA, "una letra repetida u omitida"),
        ("M. García López", "x", MARIA, "su inicial y su apellido"),
        ("María García", "x", MARIA, "su nombre con uno de sus apellidos"),
        ("María López", "x", MARIA, "su nombre solo con su segundo apellido"),
        ("María García López Official", "x", MARIA, "palabras de más"),
        ("María G.", "x", MARIA, "su nombre de pila y la inicial de su apellido"),
        ("Ms. García", "x", MARIA, "solo su tratamiento y su apellido"),
        ("GarcíaLópez", "x", MARIA, "solo su apellido"),
        ("María", "x", MARIA, "solo su nombre de pila"),
        ("", "mariagarcialopez", MARIA, "el identificador de la cuenta se parece a su nombre: su nombre todo junto"),
        ("", "maria.garcia.lopez", MARIA, "su nombre como identificador"),
        ("", "realmariagarcialopezofficial", MARIA, "su nombre dentro de una palabra más larga"),
        ("Paco Hernández", "x", PACO, "un diminutivo de su nombre (Paco por Francisco)"),
        ("Bob Smith", "x", MARIA, "el nombre visible es un nombre distinto del suyo"),
    ],
)
def test_every_way_a_name_scores_is_said_in_spanish(display, handle, person, spanish):
    english = name_reason(display, handle, person)
    said = in_spanish(english)
    assert spanish in said, (english, said)
    score = re.search(r"(\d+%) alike\)$", english)[1]
    assert said.endswith(f"(“{person.name}”, {score} de parecido)")
    assert not english_left(said, person.name, "Paco", "Francisco")


@pytest.mark.parametrize("constant", [v for k, v in vars(name_reasons).items() if k.isupper()])
def test_every_name_reason_matching_knows_has_spanish_words(constant):
    english = f"the handle is {constant}; one letter off (“Ana Ruiz”, 88% alike)"
    said = in_spanish(english)
    assert said != english and said.endswith("(“Ana Ruiz”, 88% de parecido)")
    assert not english_left(said, "Ana Ruiz")


def test_a_middle_name_and_a_one_off_surname_are_said_in_spanish():
    jose = Person(id=3, email="j@svusd.example", name="José Luis Torres")
    said = in_spanish(name_reason("Luis Torres", "x", jose))
    assert said.startswith("el nombre visible se parece a su nombre: su segundo nombre y su apellido")


# --- the photo ----------------------------------------------------------------------------------------------


def photo_match(image, name: str = "Maria Garcia"):
    shown = picture(jpeg(image), PIXELS)
    prints = {1: [photo_print(jpeg(portrait(101)), PIXELS)]}
    views = tuple(query_views(jpeg(image), PIXELS))
    return match_profile(
        profile(name), views, [MARIA], DISTRICT, SETTINGS, prints=lambda i: prints.get(i, []), picture=lambda: shown
    )


def test_real_photo_reasons_are_said_in_spanish():
    (near,) = photo_match(mirrored(recompressed(portrait(101))))
    photo = next(r for r in near.evidence.reasons if r.startswith("the profile photo"))
    said = in_spanish(photo)
    assert said.startswith("la foto del perfil coincide con la foto que usted inscribió, en espejo (distancia ")
    assert f"(distancia {near.evidence.photo_distance}; " in said and " o menos es una coincidencia)" in said

    (copy,) = photo_match(rotated(portrait(101), 12, (255, 255, 255)), name="Room 12 News")
    (reason,) = copy.evidence.reasons
    said = in_spanish(reason)
    assert said.startswith("la foto del perfil es una copia de la foto que usted inscribió")
    assert f"({copy.evidence.photo_inliers} puntos coincidentes; el " in said and "de su disposición coincide)" in said
    assert not english_left(said)


@pytest.mark.parametrize(
    ("reference_view", "mirrored_check", "angle", "spanish"),
    [
        ("original", False, 0.0, "inscribió ("),
        ("mirror", False, 0.0, "inscribió, en espejo ("),
        ("crop-10", False, 0.0, "inscribió, recortada ("),
        ("original", True, 0.0, "inscribió, en espejo ("),  # verification saw it mirrored
        ("original", False, -14.4, "inscribió, girada 14° ("),  # verification measured the turn
    ],
)
def test_every_way_a_photo_matches_is_said_in_spanish(reference_view, mirrored_check, angle, spanish):
    view = ViewMatch(1, 6, reference_view, "original", 3)
    check = Verification(212, 300, 0.9, 0.97, 250, None, None, mirrored_check, 1.0, angle)
    verified, near = _photo_reason(view, check, 10), _photo_reason(view, None, 10)
    assert in_spanish(verified) == (
        f"la foto del perfil es una copia de la foto que usted {spanish}212 puntos coincidentes; el 97% de su"
        " disposición coincide)"
    )
    if not (mirrored_check or angle):  # what only verification sees is not said of hashes
        assert in_spanish(near) == (
            f"la foto del perfil coincide con la foto que usted {spanish}distancia 6; 10 o menos es una coincidencia)"
        )
    assert not english_left(in_spanish(verified)) and not english_left(in_spanish(near))


# --- a claim on the district ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(ROLE_WORDS))
def test_every_role_word_is_said_in_spanish(role):
    english = Claim((SCHOOL,), (role,), ()).in_words()
    said = in_spanish(english)
    assert said.startswith("el perfil dice que ") and said.endswith(f" {SCHOOL}"), said
    assert not english_left(said, SCHOOL)


@pytest.mark.parametrize(
    ("bio", "spanish"),
    [
        (f"5th grade at {SCHOOL}", "es docente de 5.º grado en"),
        (f"Kindergarten grade at {SCHOOL}", "es docente de kínder en"),
        (f"third grade at {SCHOOL}", "es docente de tercer grado en"),
        (f"I work at {SCHOOL}", "trabaja en"),
        (f"Trabaja en {SCHOOL}", "trabaja en"),
        (f"I teach at {SCHOOL}", "enseña en"),
        (f"Maestra de tercer grado, {SCHOOL}", "es maestra en"),
        (f"Psicóloga, {SCHOOL}", "es psicóloga en"),
        (f"Staff, {SCHOOL}", "forma parte del personal de"),
    ],
)
def test_real_claims_are_said_in_spanish(bio, spanish):
    (m,) = match_profile(profile("Maria Garcia", bio=bio), (), [MARIA], DISTRICT, SETTINGS)
    claim = m.evidence.reasons[-1]
    assert claim.startswith("the profile says it is a ")
    assert in_spanish(claim) == f"el perfil dice que {spanish} {SCHOOL}"


def test_a_claim_naming_several_places_keeps_them_as_written():
    english = Claim(("Sierra Vista Unified School District", SCHOOL), ("works at",), ()).in_words()
    assert in_spanish(english) == f"el perfil dice que trabaja en Sierra Vista Unified School District, {SCHOOL}"


# --- a district logo, guideline 10 and the platform's verdicts ----------------------------------------------------


BOXES = [
    ((0.0, 0.0, 0.95, 1.0), "ocupa el 95% de su ancho"),
    ((0.4, 0.4, 0.6, 0.6), "con un tamaño del 20% de su ancho, en el centro"),
    ((0.0, 0.0, 0.2, 0.2), "arriba a la izquierda"),
    ((0.4, 0.0, 0.6, 0.2), "arriba en el centro"),
    ((0.8, 0.0, 1.0, 0.2), "arriba a la derecha"),
    ((0.0, 0.4, 0.2, 0.6), "a media altura a la izquierda"),
    ((0.8, 0.4, 1.0, 0.6), "a media altura a la derecha"),
    ((0.0, 0.8, 0.2, 1.0), "abajo a la izquierda"),
    ((0.4, 0.8, 0.6, 1.0), "abajo en el centro"),
    ((0.8, 0.8, 1.0, 1.0), "abajo a la derecha"),
]


@pytest.mark.parametrize(("box", "spanish"), BOXES)
@pytest.mark.parametrize("where", ["profile photo", "banner"])
@pytest.mark.parametrize("points", [0, 31])
def test_a_logo_on_someones_own_account_is_said_in_spanish(box, spanish, where, points):
    """Logo misuse as matching reports it, on a staff member's own account (guideline 10)."""
    sighting = LogoSighting(1, "district seal", where, 0.8, points, _how(box))
    own = profile("Maria's page", handle="maria.bsky.social")
    (m,) = match_profile(own, (), [MARIA], DISTRICT, SETTINGS, logo_sightings=[sighting])
    logo, guideline = (in_spanish(r) for r in m.evidence.reasons)
    shown = "la foto del perfil" if where == "profile photo" else "la imagen de portada"
    assert logo.startswith(f"{shown} muestra el logotipo del distrito “district seal” (")
    assert spanish in logo and (f"({points} puntos coincidentes, " in logo) == bool(points)
    assert guideline == "en la cuenta personal de un miembro del personal (directriz 10 del distrito)"
    assert not english_left(logo, "district seal")


def test_the_platforms_verdicts_are_said_in_spanish():
    flagged = profile(
        "Maria Garcia", bio=f"Teacher at {SCHOOL}", moderation=("impersonation", "spam or fraud", "limited")
    )
    (m,) = match_profile(flagged, (), [MARIA], DISTRICT, SETTINGS)
    said = in_spanish(m.evidence.reasons[-1])
    assert said == (
        "los moderadores de la plataforma han marcado esta cuenta: suplantación de identidad, spam o fraude, limitada"
    )
    assert in_spanish("the platform's moderators have marked this account: shadowbanned") == (
        "los moderadores de la plataforma han marcado esta cuenta: shadowbanned"  # a verdict not known here: as written
    )


# --- data untouched, unknown text unchanged -----------------------------------------------------------------------


@pytest.mark.parametrize("data", HOSTILE, ids=["script", "rtl", "fake-score", "fake-placement", "newline"])
def test_quoted_data_comes_back_exactly_as_written(data):
    """Hostile or odd data (quotes, markup, RTL marks, text shaped like our own words) is kept as it is:
    escaping is the templates' work, and it must not shift where the data begins or ends."""
    name = in_spanish(f"the display name is the same name (“{data}”, 100% alike)")
    assert name == f"el nombre visible es exactamente su nombre (“{data}”, 100% de parecido)"
    logo = in_spanish(f"the banner shows the district logo “{data}” (12 matching points, at 30% of its width, centre)")
    assert logo == (
        f"la imagen de portada muestra el logotipo del distrito “{data}” (12 puntos coincidentes, con un tamaño del"
        " 30% de su ancho, en el centro)"
    )
    claim = in_spanish(Claim((data, SCHOOL), ("teacher",), ()).in_words())
    assert claim == f"el perfil dice que es docente en {data}, {SCHOOL}"


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "the photo is yours",
        "the display name is something new (“Ana Ruiz”, 90% alike)",
        "the display name is one letter off; something new (“Ana Ruiz”, 90% alike)",
        "the profile says it is a wizard at Hogwarts",
        "the banner shows the district logo “seal” (somewhere)",
        "the profile photo is a copy of the photo you enrolled, squashed (3 matching points, 40% of its layout the"
        " same)",
        "el nombre visible es exactamente su nombre (“Ana Ruiz”, 100% de parecido)",
        "<script>alert(1)</script>",
    ],
)
def test_an_unknown_reason_comes_back_unchanged(reason):
    assert in_spanish(reason) == reason


def test_reasons_are_translated_only_for_spanish():
    reasons = ("the display name is the same name (“Ana Ruiz”, 100% alike)", "the photo is yours")
    assert reasons_in(reasons, "en") == list(reasons)
    assert reasons_in(reasons, "es") == ["el nombre visible es exactamente su nombre (“Ana Ruiz”, 100% de parecido)",
                                         "the photo is yours"]  # fmt: skip
