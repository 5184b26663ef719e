"""The reasons of a match in Spanish, for the alerts and pages of staff who chose Spanish.

Matching writes a finding's reasons in English, once, and the finding keeps them so (the office and
the digest read them as written): ``watcher/matching/decision.py`` (the name, photo, logo, own-account
and moderation reasons), ``affiliation.py`` (a claim on the district), ``names/reasons.py`` and
``names/enrolled.py`` (why a name scored), and ``watcher/pictures.py`` (where a logo sits). Notifications
may not import matching, so the shapes are known here by their words; tests/test_reasons_es.py builds
real reasons through matching and checks each one is read.

What a reason quotes or counts — an enrolled name, a logo's label, the schools, the numbers — is data
and comes back exactly as written. A reason of any other shape (an older version's, one added since),
or one with a part not known here, comes back unchanged: an English line rather than half a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# --- the name: "the display name is <why> (“<name>”, 97% alike)" -------------------------------------

_NAME = re.compile(
    r"the (?P<compared>display name|handle) is (?P<why>.+?) \(“(?P<name>.*)”, (?P<score>\d+%) alike\)", re.DOTALL
)
_COMPARED = {"display name": "el nombre visible", "handle": "el identificador de la cuenta"}
_NAME_WHY = {
    "the same name": "el mismo nombre",
    "your name written with look-alike letters": "su nombre escrito con letras parecidas",
    "your name with invisible characters": "su nombre con caracteres invisibles",
    "your name with digits for letters": "su nombre con números en lugar de letras",
    "your name without accents": "su nombre sin tildes",
    "your name reordered": "su nombre en otro orden",
    "one letter off": "una letra distinta",
    "two letters off": "dos letras distintas",
    "a letter doubled or left out": "una letra repetida u omitida",
    "your initial and surname": "su inicial y su apellido",
    "your middle name and surname": "su segundo nombre y su apellido",
    "your name with one of your surnames": "su nombre con uno de sus apellidos",
    "your name with your second surname only": "su nombre solo con su segundo apellido",
    "with extra words": "palabras de más",
    "your first name and the initial of your surname": "su nombre de pila y la inicial de su apellido",
    "your title and surname only": "solo su tratamiento y su apellido",
    "your surname only": "solo su apellido",
    "your first name only": "solo su nombre de pila",
    "your name run together as a handle": "su nombre todo junto, como identificador",
    "your name as a handle": "su nombre como identificador",
    "your name inside a longer word": "su nombre dentro de una palabra más larga",
    "a different name": "un nombre distinto",
}
_ALONE = {"the same name": "es exactamente su nombre", "a different name": "es un nombre distinto del suyo"}
_NICKNAME = re.compile(r"a nickname of your name \((?P<nick>.+?) for (?P<name>.+)\)", re.DOTALL)

# --- the photo ------------------------------------------------------------------------------------------

_PHOTO_HOW = r"(?P<how>, mirrored|, cropped|, turned \d+°)?"
_PHOTO_COPY = re.compile(
    rf"the profile photo is a copy of the photo you enrolled{_PHOTO_HOW} "
    r"\((?P<points>\d+) matching points, (?P<share>\d+%) of its layout the same\)"
)
_PHOTO_NEAR = re.compile(
    rf"the profile photo matches the photo you enrolled{_PHOTO_HOW} "
    r"\(distance (?P<distance>\d+); (?P<threshold>\d+) or less is a match\)"
)
_TURNED = re.compile(r", turned (?P<degrees>\d+)°")
_PHOTO_HOW_ES = {"": "", ", mirrored": ", en espejo", ", cropped": ", recortada"}

# --- a claim on the district: "the profile says it is a <role> at <places>" -----------------------------

_CLAIM = "the profile says it is a "
# A role word (English, or Spanish as the bio wrote it, accents folded away) as a noun of "es … en".
_ROLE_NOUNS = {
    **dict.fromkeys(("teacher", "teachers", "teaching", "educator", "educators", "instructor"), "docente"),
    **dict.fromkeys(("principal",), "director"),
    **dict.fromkeys(("counselor", "counsellor"), "orientador"),
    "coach": "entrenador",
    "librarian": "bibliotecario",
    "nurse": "enfermero",
    "aide": "auxiliar",
    **dict.fromkeys(("paraeducator", "para"), "auxiliar docente"),
    **dict.fromkeys(("administrator", "admin"), "administrador"),
    "superintendent": "superintendente",
    "secretary": "secretario",
    "custodian": "conserje",
    "psychologist": "psicólogo",
    "therapist": "terapeuta",
    "specialist": "especialista",
    "interventionist": "especialista de intervención",
    **{word: word for word in "maestra maestro profesora profesor profe docente directora director".split()},
    **{word: word for word in "consejera consejero orientadora orientador bibliotecaria bibliotecario".split()},
    **{word: word for word in "enfermera enfermero entrenador entrenadora subdirector subdirectora".split()},
    "maestras": "maestra",
    "maestros": "maestro",
    "asistente": "asistente",
    "psicologa": "psicóloga",
    "psicologo": "psicólogo",
}
_STAFF = {"staff", "faculty"}
_GRADE = re.compile(
    r"(?P<grade>k|kinder|kindergarten|pre ?k|tk|(?P<number>\d{1,2})(?:st|nd|rd|th)?"
    r"|first|second|third|fourth|fifth|sixth) grade"
)
_GRADES = {
    **dict.fromkeys(("k", "kinder", "kindergarten"), "kínder"),
    **dict.fromkeys(("pre k", "prek"), "prekínder"),
    "tk": "kínder de transición",
    "first": "primer grado",
    "second": "segundo grado",
    "third": "tercer grado",
    "fourth": "cuarto grado",
    "fifth": "quinto grado",
    "sixth": "sexto grado",
}
_WORKS = re.compile(r"(?P<verb>work|works|working|trabajo|trabaja|teach|teaches|enseno|ensena) (?:at|for|en|in)")
_TEACHES = {"teach", "teaches", "enseno", "ensena"}

# --- a district logo: "the banner shows the district logo “<label>” (<detail>)" -----------------------

_LOGO = re.compile(
    r"the (?P<where>profile photo|banner) shows the district logo “(?P<label>.*)” "
    r"\((?:(?P<points>\d+) matching points, )?(?P<how>[^()]*)\)",
    re.DOTALL,
)
_WHERE = {"profile photo": "la foto del perfil", "banner": "la imagen de portada"}
_FILLING = re.compile(r"filling (?P<share>\d+%) of its width")
_PLACED = re.compile(r"at (?P<share>\d+%) of its width, (?P<place>[a-z ]+)")
_PLACES = {
    "centre": "en el centro",
    "top left": "arriba a la izquierda",
    "top centre": "arriba en el centro",
    "top right": "arriba a la derecha",
    "middle left": "a media altura a la izquierda",
    "middle right": "a media altura a la derecha",
    "bottom left": "abajo a la izquierda",
    "bottom centre": "abajo en el centro",
    "bottom right": "abajo a la derecha",
}

# --- said whole -----------------------------------------------------------------------------------------

_WHOLE = {
    "on a staff member's own personal account (district guideline 10)": (
        "en la cuenta personal de un miembro del personal (directriz 10 del distrito)"
    ),
}
_MODERATION = "the platform's moderators have marked this account: "
_VERDICTS = {
    "impersonation": "suplantación de identidad",
    "limited": "limitada",
    "spam or fraud": "spam o fraude",
}


def reasons_in(reasons: Iterable[str], language: str) -> list[str]:
    """A finding's reasons, as matching wrote them (English), in ``language`` ("en" or "es")."""
    return [in_spanish(r) for r in reasons] if language == "es" else list(reasons)


def in_spanish(reason: str) -> str:
    """One reason a finding keeps, in Spanish (usted); unchanged when its shape is not known here."""
    if not isinstance(reason, str):
        return reason
    if reason in _WHOLE:
        return _WHOLE[reason]
    for read in (_name, _photo, _claim, _logo, _moderation):
        spanish = read(reason)
        if spanish is not None:
            return spanish
    return reason


def _name(reason: str) -> str | None:
    found = _NAME.fullmatch(reason)
    if found is None:
        return None
    parts = [_name_why(part) for part in found["why"].split("; ")]
    if any(part is None for part in parts):
        return None
    compared, quoted = _COMPARED[found["compared"]], f"(“{found['name']}”, {found['score']} de parecido)"
    if found["why"] in _ALONE:
        return f"{compared} {_ALONE[found['why']]} {quoted}"
    return f"{compared} se parece a su nombre: {'; '.join(map(str, parts))} {quoted}"


def _name_why(part: str) -> str | None:
    if part in _NAME_WHY:
        return _NAME_WHY[part]
    nickname = _NICKNAME.fullmatch(part)
    if nickname is not None:
        return f"un diminutivo de su nombre ({nickname['nick']} por {nickname['name']})"
    return None


def _photo(reason: str) -> str | None:
    copy = _PHOTO_COPY.fullmatch(reason)
    if copy is not None:
        return (
            f"la foto del perfil es una copia de la foto que usted inscribió{_photo_how(copy['how'])} "
            f"({copy['points']} puntos coincidentes; el {copy['share']} de su disposición coincide)"
        )
    near = _PHOTO_NEAR.fullmatch(reason)
    if near is not None:
        return (
            f"la foto del perfil coincide con la foto que usted inscribió{_photo_how(near['how'])} "
            f"(distancia {near['distance']}; {near['threshold']} o menos es una coincidencia)"
        )
    return None


def _photo_how(how: str | None) -> str:
    turned = _TURNED.fullmatch(how or "")
    if turned is not None:
        return f", girada {turned['degrees']}°"
    return _PHOTO_HOW_ES[how or ""]


def _claim(reason: str) -> str | None:
    """The role ends at the first " at " that leaves a role known here ("works at at Noble …")."""
    if not reason.startswith(_CLAIM):
        return None
    rest = reason[len(_CLAIM) :]
    cut = rest.find(" at ")
    while cut > 0:
        says = _role(rest[:cut])
        if says is not None:
            return f"el perfil dice que {says} {rest[cut + len(' at ') :]}"
        cut = rest.find(" at ", cut + 1)
    return None


def _role(role: str) -> str | None:
    """What the profile says it is, up to the place: "es docente en", "trabaja en", …"""
    if role in _ROLE_NOUNS:
        return f"es {_ROLE_NOUNS[role]} en"
    if role in _STAFF:
        return "forma parte del personal de"
    grade = _GRADE.fullmatch(role)
    if grade is not None:
        spoken = f"{grade['number']}.º grado" if grade["number"] else _GRADES[grade["grade"]]
        return f"es docente de {spoken} en"
    if role == "grado":
        return "es docente de un grado en"
    works = _WORKS.fullmatch(role)
    if works is not None:
        return "enseña en" if works["verb"] in _TEACHES else "trabaja en"
    return None


def _logo(reason: str) -> str | None:
    found = _LOGO.fullmatch(reason)
    if found is None:
        return None
    placed = _placement(found["how"])
    if placed is None:
        return None
    detail = f"{found['points']} puntos coincidentes, {placed}" if found["points"] else placed
    return f"{_WHERE[found['where']]} muestra el logotipo del distrito “{found['label']}” ({detail})"


def _placement(how: str) -> str | None:
    """watcher/pictures.py's words for where a logo sits in a picture."""
    filling = _FILLING.fullmatch(how)
    if filling is not None:
        return f"ocupa el {filling['share']} de su ancho"
    placed = _PLACED.fullmatch(how)
    if placed is not None and placed["place"] in _PLACES:
        return f"con un tamaño del {placed['share']} de su ancho, {_PLACES[placed['place']]}"
    return None


def _moderation(reason: str) -> str | None:
    """The verdicts are our own words (sources/base.py); one not known here is kept as written."""
    if not reason.startswith(_MODERATION):
        return None
    verdicts = reason[len(_MODERATION) :].split(", ")
    said = ", ".join(_VERDICTS.get(v, v) for v in verdicts)
    return f"los moderadores de la plataforma han marcado esta cuenta: {said}"
