"""A labelled development corpus for matching: staff, their impostors, and everyone else.

Seeded and self-contained: staff get synthetic portraits (which resemble each other, as real
avatars do); impostors copy a name with a disguise and a photo with an edit; namesakes share a
name but not a face; look-alike names differ by a name; strangers share nothing; fan pages wear
the district logo (whole, recoloured, greyscale, or large on another picture); official
accounts may; other institutions' seals look alike but are not ours. Each profile carries the
findings it should produce, so ``bench/eval.py`` can score precision and recall per class.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageOps

from watcher.demo.portraits import district_logo, jpeg, png, portrait
from watcher.matching.name_parts import nicknames_of

DISTRICT = "Sierra Vista Unified School District"
KEYWORDS = ["SVUSD", "Sierra Vista Unified"]
SCHOOLS = ["Noble Avenue Elementary", "Mesa Verde High School", "Canyon Oaks Middle School", "Rio Seco Elementary"]
OFFICIAL = ["svusd.bsky.social", "svusd_news"]
FIRST_ES = [
    "María",
    "José",
    "Francisco",
    "Guadalupe",
    "Jesús",
    "Eduardo",
    "Ignacio",
    "Dolores",
    "Rosario",
    "Alberto",
    "Antonio",
    "Carmen",
    "Luis",
    "Ana",
    "Sofía",
    "Javier",
    "Lucía",
    "Miguel",
    "Elena",
    "Ramón",
    "Teresa",
    "Enrique",
    "Patricia",
    "Roberto",
    "Isabel",
    "Manuel",
    "Beatriz",
    "Fernando",
    "Gabriela",
    "Ricardo",
]
FIRST_EN = [
    "Jennifer",
    "Michael",
    "David",
    "Sarah",
    "Robert",
    "Emily",
    "James",
    "Katherine",
    "William",
    "Rebecca",
    "Daniel",
    "Margaret",
    "Thomas",
    "Susan",
    "Andrew",
    "Elizabeth",
    "Christopher",
    "Samantha",
    "Joseph",
    "Laura",
]
LAST_ES = [
    "García",
    "Hernández",
    "López",
    "Martínez",
    "González",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
    "Mendoza",
    "Vargas",
    "Castillo",
    "Jiménez",
    "Moreno",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vega",
]
LAST_EN = [
    "Johnson",
    "Nguyen",
    "Smith",
    "Williams",
    "Brown",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Kim",
    "Patel",
]
ROLES = ["teacher", "5th grade teacher", "counselor", "maestra", "principal", "librarian", "coach", "school nurse"]
NEUTRAL_BIOS = [
    "",
    "Coffee first.",
    "Runner. Dad.",
    "Photography and hikes",
    "Nurse in Houston",
    "Software engineer",
    "Views my own",
    "Abuela, cocinera, lectora",
    "Go Hawks!",
    "Gardening",
]
NOT_STAFF_BIOS = ["Proud parent of a {school} kid", "{school} alum, class of 2009", "Mom of two at {school}",
                  "Former student of {school}", "Fan of {district} sports"]  # fmt: skip
CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і",
                          "A": "А", "E": "Е", "O": "О", "P": "Р", "C": "С", "M": "М", "H": "Н", "T": "Т"})  # fmt: skip
LEET = str.maketrans({"a": "4", "e": "3", "o": "0", "i": "1", "s": "5", "t": "7"})
NAME_DISGUISES = ["same", "accents", "cyrillic", "leet", "nickname", "title_role", "reordered", "typo",
                  "fullwidth", "zero_width", "initial"]  # fmt: skip
PHOTO_EDITS = ["recompress", "mirror", "crop10", "crop20", "crop25", "circle", "border", "grayscale", "tint",
               "caption", "rotate3", "rotate5", "mirror_crop"]  # fmt: skip


@dataclass
class StaffMember:
    name: str
    email: str
    school: str
    seed: int | None
    opt_in: bool
    handles: list[str] = field(default_factory=list)


@dataclass
class CorpusProfile:
    source: str  # "bluesky" or "mastodon"
    handle: str  # bluesky handle, or mastodon username
    name: str
    bio: str
    image: bytes | None
    label: str  # impostor_name_photo, impostor_photo, impostor_claim, own, namesake, lookalike, stranger,
    #            logo, own_logo, official, other_seal
    detail: str = ""  # the disguise or edit, for per-kind recall
    expect: set[tuple[str, str | None]] = field(default_factory=set)  # {(kind, person e-mail or None)}


@dataclass
class Corpus:
    staff: list[StaffMember]
    profiles: list[CorpusProfile]
    photos: dict[str, bytes]  # e-mail -> enrolled photo
    logo: bytes


def build_corpus(seed: int = 7, staff_count: int = 40, strangers: int = 60) -> Corpus:
    rnd = random.Random(seed)
    staff, photos = _staff(rnd, staff_count, seed)
    faces = {s.email: portrait(s.seed) for s in staff if s.seed is not None}
    logo_image = district_logo()
    profiles: list[CorpusProfile] = []
    serial = iter(range(10_000))

    def add(source: str, name: str, bio: str, image: bytes | None, label: str, detail: str = "", expect=()):
        number = next(serial)
        base = "".join(ch for ch in _ascii(name).lower() if ch.isalnum())[:14] or "user"
        handle = f"{base}{number}.bsky.social" if source == "bluesky" else f"{base}{number}"
        profiles.append(CorpusProfile(source, handle, name, bio, image, label, detail, set(expect)))
        return profiles[-1]

    with_photo = [s for s in staff if s.seed is not None]
    for i, person in enumerate(with_photo):
        face = faces[person.email]
        source = "bluesky" if i % 2 == 0 else "mastodon"
        disguise = NAME_DISGUISES[i % len(NAME_DISGUISES)]
        edit = PHOTO_EDITS[i % len(PHOTO_EDITS)]
        bio = rnd.choice(["", f"{rnd.choice(ROLES).title()} at {person.school}", "DMs open", "Educator"])
        add(
            source,
            disguise_name(person.name, disguise, rnd),
            bio,
            jpeg(edit_photo(face, edit, rnd)),
            "impostor_name_photo",
            f"{disguise}+{edit}",
            {("impersonation", person.email)},
        )
        if i % 3 == 0:  # the same photo under another name, found through the school it names
            other_edit = PHOTO_EDITS[(i * 7 + 3) % len(PHOTO_EDITS)]
            add("mastodon" if source == "bluesky" else "bluesky", rnd.choice(["Ms. G's Class", "Room 12 News",
                "Homework Help", "The Science Corner"]) + f" {i}", f"Updates for {person.school} families",
                jpeg(edit_photo(face, other_edit, rnd)), "impostor_photo", other_edit,
                {("impersonation", person.email)})  # fmt: skip
        if i % 4 == 1:  # a namesake: same name, another face, maybe a parent or alum of the school
            bio = rnd.choice(NEUTRAL_BIOS + [b.format(school=person.school, district=DISTRICT) for b in NOT_STAFF_BIOS])
            add(source, _maybe_accentless(person.name, rnd), bio, jpeg(portrait(50_000 + i)), "namesake")
        if i % 4 == 3:  # a look-alike name: another given name or surname, another face
            add(
                source,
                lookalike_name(person.name, rnd),
                rnd.choice(NEUTRAL_BIOS),
                jpeg(portrait(60_000 + i)),
                "lookalike",
            )
    for i, person in enumerate(staff):
        if i % 3 == 2:  # name + a claim to work at the school, with someone else's photo or none
            disguise = NAME_DISGUISES[(i + 4) % len(NAME_DISGUISES)]
            image = jpeg(portrait(70_000 + i)) if i % 2 else None
            role = rnd.choice(ROLES)
            add("bluesky" if i % 2 else "mastodon", disguise_name(person.name, disguise, rnd),
                f"{role.title()} at {person.school}. Parents, message me here.", image, "impostor_claim", disguise,
                {("impersonation", person.email)})  # fmt: skip
    for j, person in enumerate([s for s in staff if s.handles]):
        source, _, handle = person.handles[0].partition(":")
        face = faces.get(person.email)
        wears_logo = j % 3 == 0
        image = jpeg(_logo_on(face or portrait(80_000 + j), logo_image, 0.6)) if wears_logo else (
            jpeg(face) if face is not None else None)  # fmt: skip
        p = add(
            source,
            person.name,
            f"{rnd.choice(ROLES).title()} at {person.school}",
            image,
            "own_logo" if wears_logo else "own",
            expect={("logo_misuse", person.email)} if wears_logo else (),
        )
        p.handle = handle if source == "bluesky" else handle.split("@")[0]
    for k, edit in enumerate(["whole", "recolour", "grayscale", "large_on_photo", "large_on_colour", "recompress"] * 2):
        add("bluesky" if k % 2 else "mastodon", rnd.choice(["SVUSD Parents", "Noble Avenue Fans", "SVUSD News 24/7",
            "Sierra Vista Unified Memes", "Mesa Verde Boosters", "Rio Seco PTA (unofficial)"]) + f" {k}",
            "Not affiliated with the district", jpeg(edit_logo(logo_image, edit, rnd, k)), "logo", edit,
            {("logo_misuse", None)})  # fmt: skip
    for k, handle in enumerate(OFFICIAL):
        p = add("bluesky" if k == 0 else "mastodon", DISTRICT, "Official account of SVUSD", png(logo_image), "official")
        p.handle = handle
    for k in range(8):  # other institutions' seals, built on the same template
        seal = district_logo(ring=_other_colour(rnd), star=_other_colour(rnd), seed=100 + k)
        add("bluesky" if k % 2 else "mastodon", f"{rnd.choice(['Valley', 'Oak Grove', 'Pine Hills', 'Lakeside'])} "
            f"School District {k}", "Official account", jpeg(seal), "other_seal")  # fmt: skip
    for k in range(strangers):
        first = rnd.choice(FIRST_ES + FIRST_EN)
        last = rnd.choice(LAST_ES + LAST_EN)
        image = jpeg(portrait(90_000 + k)) if rnd.random() < 0.8 else None
        add(
            "bluesky" if k % 2 else "mastodon",
            f"{first} {last}",
            rnd.choice([*NEUTRAL_BIOS, "Teacher", "Maestra"]),
            image,
            "stranger",
        )
    # A stranger who happens to share a staff name is a namesake: relabel, never expected.
    staff_names = {_ascii(s.name).lower() for s in staff}
    for p in profiles:
        if p.label == "stranger" and _ascii(p.name).lower() in staff_names:
            p.label = "namesake"
    return Corpus(staff, profiles, photos, png(logo_image))


def _staff(rnd: random.Random, count: int, seed: int) -> tuple[list[StaffMember], dict[str, bytes]]:
    staff: list[StaffMember] = []
    photos: dict[str, bytes] = {}
    used: set[str] = set()
    while len(staff) < count:
        spanish = rnd.random() < 0.65
        first = rnd.choice(FIRST_ES if spanish else FIRST_EN)
        last = rnd.choice(LAST_ES if spanish else LAST_EN)
        if spanish and rnd.random() < 0.5:
            second = rnd.choice([s for s in LAST_ES if s != last])
            last = f"{last} {second}" if rnd.random() < 0.7 else f"{last}-{second}"
        name = f"{first} {last}"
        key = _ascii(name).lower()
        if key in used:
            continue
        used.add(key)
        n = len(staff)
        email = f"{_ascii(first).lower()}.{_ascii(last).lower().replace(' ', '').replace('-', '')}{n}@svusd.example"
        member = StaffMember(
            name, email, SCHOOLS[n % len(SCHOOLS)], seed * 1000 + n if n % 8 != 7 else None, n % 5 != 4
        )
        if n % 4 == 0:
            source = "bluesky" if n % 8 == 0 else "mastodon"
            handle = f"{_ascii(first).lower()}{n}own"
            member.handles.append(f"bluesky:{handle}.bsky.social" if source == "bluesky" else f"mastodon:{handle}")
        staff.append(member)
        if member.seed is not None:
            photos[email] = jpeg(portrait(member.seed), 90)
    return staff, photos


def disguise_name(name: str, how: str, rnd: random.Random) -> str:
    words = name.split()
    first, rest = words[0], words[1:]
    if how == "accents":
        return _ascii(name)
    if how == "cyrillic":
        return name.translate(CYRILLIC)
    if how == "leet":
        return " ".join([first.translate(LEET), *rest])
    if how == "nickname":
        nicknames = nicknames_of(first)
        return " ".join([nicknames[0].title() if nicknames else first, rest[0]])
    if how == "title_role":
        title = rnd.choice(["Ms.", "Mr.", "Profe", "Coach", "Maestra"])
        return f"{title} {name} - {rnd.choice(ROLES)}"
    if how == "reordered":
        return f"{' '.join(rest)}, {first}"
    if how == "typo":
        target = max(words, key=len)
        i = rnd.randrange(1, len(target) - 1)
        typo = target[:i] + target[i + 1] + target[i] + target[i + 2 :]
        return name.replace(target, typo, 1)
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    if how == "zero_width":
        return first[:2] + "\u200b" + first[2:] + " " + " ".join(rest)
    if how == "initial":
        return f"{first[0]}. {rest[0]}"
    return name


def lookalike_name(name: str, rnd: random.Random) -> str:
    words = name.split()
    if rnd.random() < 0.5:
        pool = FIRST_ES + FIRST_EN
        return " ".join([rnd.choice([f for f in pool if f != words[0]]), *words[1:]])
    pool = LAST_ES + LAST_EN
    return " ".join([words[0], rnd.choice([s for s in pool if s not in words])])


def edit_photo(face: Image.Image, edit: str, rnd: random.Random) -> Image.Image:
    w, h = face.size
    if edit == "recompress":
        return face.resize((200, 200))
    if edit == "mirror":
        return ImageOps.mirror(face)
    if edit.startswith("crop") or edit == "mirror_crop":
        fraction = {"crop10": 0.10, "crop20": 0.20, "crop25": 0.25}.get(edit, 0.12)
        keep = 1 - fraction
        cw, ch = int(w * keep), int(h * keep)
        x, y = rnd.randint(0, w - cw), rnd.randint(0, h - ch)
        out = face.crop((x, y, x + cw, y + ch)).resize((320, 320))
        return ImageOps.mirror(out) if edit == "mirror_crop" else out
    if edit == "circle":
        mask = Image.new("L", face.size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, w, h), fill=255)
        out = Image.new("RGB", face.size, rnd.choice([(255, 255, 255), (30, 30, 30), (40, 120, 200)]))
        out.paste(face, (0, 0), mask)
        return out
    if edit == "border":
        pad = int(w * rnd.uniform(0.08, 0.15))
        return ImageOps.expand(face, border=pad, fill=rnd.choice([(255, 255, 255), (0, 0, 0), (200, 30, 30)]))
    if edit == "grayscale":
        return ImageOps.grayscale(face).convert("RGB")
    if edit == "tint":
        overlay = Image.new("RGB", face.size, rnd.choice([(255, 180, 0), (0, 120, 255), (255, 0, 120)]))
        return Image.blend(face, overlay, 0.25)
    if edit == "caption":
        out = face.copy()
        draw = ImageDraw.Draw(out)
        draw.rectangle((0, int(h * 0.85), w, h), fill=(0, 0, 0))
        draw.text((10, int(h * 0.88)), "Back to school!", fill=(255, 255, 255))
        return out
    if edit.startswith("rotate"):
        angle = float(edit[6:]) * rnd.choice([-1, 1])
        return face.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    return face


def edit_logo(logo: Image.Image, edit: str, rnd: random.Random, k: int) -> Image.Image:
    if edit == "recolour":
        r, g, b = logo.split()
        return Image.merge("RGB", (b, r, g))
    if edit == "grayscale":
        return ImageOps.grayscale(logo).convert("RGB")
    if edit in ("large_on_photo", "large_on_colour"):
        background = (
            portrait(95_000 + k) if edit == "large_on_photo" else Image.new("RGB", logo.size, _other_colour(rnd))
        )
        return _logo_on(background, logo, rnd.uniform(0.55, 0.85))
    if edit == "recompress":
        return Image.open(io.BytesIO(jpeg(logo.resize((150, 150)), 50))).convert("RGB")
    return logo


def _logo_on(background: Image.Image, logo: Image.Image, share: float) -> Image.Image:
    """The logo placed large (``share`` of the width) on another picture, off-centre a little."""
    out = background.resize((400, 400)).copy()
    size = int(400 * share)
    small = logo.resize((size, size))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size, size), fill=255)
    x = (400 - size) // 2 + int((400 - size) * 0.2)
    y = (400 - size) // 2
    out.paste(small, (x, y), mask)
    return out


def _other_colour(rnd: random.Random) -> tuple[int, int, int]:
    hue = rnd.random()
    return tuple(int(127 + 120 * math.sin(2 * math.pi * (hue + k / 3))) for k in range(3))  # type: ignore[return-value]


def _maybe_accentless(name: str, rnd: random.Random) -> str:
    return _ascii(name) if rnd.random() < 0.5 else name


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
