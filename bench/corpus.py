"""A labelled development corpus for matching: staff, their impostors, and everyone else.

Why: matching tuned on one synthetic corpus scored near 1.0 there and far lower on a district it
had never seen. This corpus is broad and split in two parts that share nothing:

- ``calibration`` (thresholds may be fitted on it) and ``test`` (never fitted on; reported) use
  different districts, schools and name seeds, different real photographs
  (``bench/real_photos.py``), different synthetic portrait seeds, and different logo designs
  (``bench/logo_designs.py``: seeds below 1000 for calibration, 1000 and up for test).
- Staff carry synthetic portraits and real photos (at least 40 % real), English and Spanish names
  with double surnames, particles, compound given names and middle initials, at several schools.
- Impostors copy a name with one of ``NAME_DISGUISES`` and a photo with one of the edits in
  ``bench/photo_edits.py``; photo-only impostors put the photo under an unrelated name; claim
  impostors copy the name and claim the job with another photo or none. Namesakes, look-alike
  names, strangers and the staff's own accounts must not be reported as impersonation.
- The district has several logos of different kinds; fan pages wear them with every logo edit;
  other institutions' logos on the same templates and generic shapes must not be reported.

Every profile carries its ``label``, a ``detail`` (the disguise and edit; ``kind:edit`` for
logos) and the findings it should produce, so ``bench/eval.py`` can score each class.
Images are served as the platforms serve them: Bluesky 1000x1000 (WebP or JPEG), Mastodon
400x400 (JPEG, PNG or WebP); a picture shrunk by the author stays small.
"""

from __future__ import annotations

import io
import math
import random
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

import cv2
import logo_designs
import numpy as np
import photo_edits
from PIL import Image, ImageOps
from real_photos import RealPhotoPool

from watcher.demo.portraits import png, portrait

PARTS = ("calibration", "test")


@dataclass(frozen=True)
class District:
    name: str
    keywords: tuple[str, ...]
    schools: tuple[str, ...]
    official: tuple[str, str]  # the Bluesky handle and the Mastodon username of the official accounts
    domain: str


DISTRICTS = {
    "calibration": District(
        "Sierra Vista Unified School District",
        ("SVUSD", "Sierra Vista Unified"),
        ("Noble Avenue Elementary", "Mesa Verde High School", "Canyon Oaks Middle School", "Rio Seco Elementary",
         "Benito Juárez Elementary", "Desert Willow Middle School", "Juniper Flats Elementary",
         "Sierra Vista Adult School"),
        ("svusd.bsky.social", "svusd_news"),
        "svusd.example",
    ),
    "test": District(
        "Harbor Ridge Unified School District",
        ("HRUSD", "Harbor Ridge Unified"),
        ("Bayview Elementary", "Pacific Crest High School", "Dolores Huerta Middle School", "Cypress Point Elementary",
         "César Chávez Elementary", "Lighthouse Middle School", "Marina Heights STEM Academy",
         "Kelp Bay Continuation High School"),
        ("hrusd.bsky.social", "hrusd_news"),
        "hrusd.example",
    ),
}  # fmt: skip
# The old names, kept for scripts that import them: the calibration district.
DISTRICT = DISTRICTS["calibration"].name
KEYWORDS = list(DISTRICTS["calibration"].keywords)
SCHOOLS = list(DISTRICTS["calibration"].schools[:4])
OFFICIAL = list(DISTRICTS["calibration"].official)
FACE_BASE = {"calibration": 1_000_000_000, "test": 2_000_000_000}  # synthetic portrait seeds, per part

FIRST_ES = ["María", "José", "Francisco", "Guadalupe", "Jesús", "Eduardo", "Ignacio", "Dolores", "Rosario", "Alberto",
            "Antonio", "Carmen", "Luis", "Ana", "Sofía", "Javier", "Lucía", "Miguel", "Elena", "Ramón", "Teresa",
            "Enrique", "Patricia", "Roberto", "Isabel", "Manuel", "Beatriz", "Fernando", "Gabriela", "Ricardo",
            "Alejandro", "Guillermo", "Rafael", "Salvador", "Consuelo", "Mercedes", "Graciela", "Alicia", "Adriana",
            "Cristina", "Verónica", "Yolanda", "Marisol", "Araceli", "Rocío", "Leticia", "Esperanza", "Socorro",
            "Refugio", "Héctor", "Raúl", "Sergio", "Óscar", "Rubén", "Andrés", "Joaquín", "Tomás", "Ximena",
            "Valeria", "Julián", "Concepción", "María José", "José Luis", "Juan Carlos", "Ana María",
            "María del Carmen", "Luz María", "Juan Pablo", "María Fernanda"]  # fmt: skip
FIRST_EN = ["Jennifer", "Michael", "David", "Sarah", "Robert", "Emily", "James", "Katherine", "William", "Rebecca",
            "Daniel", "Margaret", "Thomas", "Susan", "Andrew", "Elizabeth", "Christopher", "Samantha", "Joseph",
            "Laura", "Patricia", "Richard", "Anthony", "Nicholas", "Matthew", "Jonathan", "Benjamin", "Alexander",
            "Deborah", "Kimberly", "Jessica", "Stephanie", "Victoria", "Timothy", "Edward", "Charles", "Abigail",
            "Cynthia", "Barbara", "Kenneth", "Steven", "Gregory", "Pamela", "Lawrence", "Raymond", "Jacqueline",
            "Brittany", "Ashley", "Megan", "Tyler", "Kevin", "Brian", "Heather", "Amanda", "Nicole", "Rachel",
            "Lauren", "Dorothy", "Catherine", "Theodore"]  # fmt: skip
LAST_ES = ["García", "Hernández", "López", "Martínez", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez",
           "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Ortiz", "Gutiérrez", "Chávez", "Ramos",
           "Mendoza", "Vargas", "Castillo", "Jiménez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vega",
           "Álvarez", "Ruiz", "Delgado", "Castro", "Ortega", "Rubio", "Marín", "Núñez", "Iglesias", "Guerrero",
           "Cortés", "Navarro", "Domínguez", "Muñoz", "Salazar", "Soto", "Contreras", "Espinoza", "Valenzuela",
           "Fuentes", "Cabrera", "Campos", "Maldonado", "Ibarra", "Peña", "Rosales", "Villanueva", "Zamora", "Acosta",
           "de la Cruz", "del Valle", "de León", "de la Rosa"]  # fmt: skip
LAST_EN = ["Johnson", "Nguyen", "Smith", "Williams", "Brown", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
           "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Kim",
           "Patel", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams",
           "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
           "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper",
           "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "O'Brien", "Tran", "Chen", "Singh", "Park",
           "Washington", "Coleman", "Brooks"]  # fmt: skip
# Our own list (not the product's): English and Spanish hypocorisms, some the product may not know.
NICKNAMES = {
    "Katherine": ["Kate", "Katie", "Kathy"], "Catherine": ["Cathy", "Cat"], "William": ["Bill", "Will", "Billy"],
    "Robert": ["Bob", "Rob", "Bobby"], "Elizabeth": ["Liz", "Beth", "Betsy"], "Margaret": ["Maggie", "Peggy", "Meg"],
    "Jennifer": ["Jen", "Jenny"], "Michael": ["Mike", "Mikey"], "David": ["Dave"], "James": ["Jim", "Jimmy", "Jamie"],
    "Thomas": ["Tom", "Tommy"], "Christopher": ["Chris", "Topher"], "Joseph": ["Joe", "Joey"],
    "Daniel": ["Dan", "Danny"], "Samantha": ["Sam", "Sammy"], "Rebecca": ["Becky", "Becca"], "Susan": ["Sue", "Suzy"],
    "Andrew": ["Andy", "Drew"], "Patricia": ["Patty", "Trish", "Paty"], "Richard": ["Rick", "Rich", "Dick"],
    "Anthony": ["Tony"], "Nicholas": ["Nick", "Nicky"], "Matthew": ["Matt"], "Jonathan": ["Jon", "Johnny"],
    "Benjamin": ["Ben", "Benny"], "Alexander": ["Alex", "Xander"], "Deborah": ["Debbie", "Deb"],
    "Kimberly": ["Kim"], "Jessica": ["Jess", "Jessie"], "Stephanie": ["Steph"], "Victoria": ["Vicky", "Tori"],
    "Timothy": ["Tim"], "Edward": ["Ed", "Eddie", "Ted"], "Charles": ["Charlie", "Chuck"], "Abigail": ["Abby"],
    "Cynthia": ["Cindy"], "Barbara": ["Barb", "Babs"], "Kenneth": ["Ken", "Kenny"], "Steven": ["Steve"],
    "Gregory": ["Greg"], "Pamela": ["Pam"], "Lawrence": ["Larry"], "Raymond": ["Ray"], "Jacqueline": ["Jackie"],
    "Dorothy": ["Dot", "Dottie"], "Theodore": ["Ted", "Teddy", "Theo"], "Rachel": ["Rach"], "Amanda": ["Mandy"],
    "Francisco": ["Paco", "Pancho", "Frank"], "José": ["Pepe", "Chepe"], "Guadalupe": ["Lupe", "Lupita"],
    "Jesús": ["Chuy", "Chucho"], "Eduardo": ["Lalo", "Eddie"], "Ignacio": ["Nacho"], "Dolores": ["Lola", "Lolita"],
    "Rosario": ["Charo", "Chayo"], "Alberto": ["Beto"], "Roberto": ["Beto", "Rober"], "Antonio": ["Toño", "Tony"],
    "Enrique": ["Kike", "Quique"], "Concepción": ["Concha", "Conchita"], "Manuel": ["Manolo", "Manny"],
    "Alejandro": ["Alex", "Ale"], "Guillermo": ["Memo", "Guille"], "Rafael": ["Rafa"], "Fernando": ["Nando"],
    "Salvador": ["Chava"], "Ramón": ["Moncho"], "Refugio": ["Cuca", "Cuquita"], "Consuelo": ["Chelo"],
    "Mercedes": ["Meche"], "Graciela": ["Chela"], "Alicia": ["Licha"], "Adriana": ["Adri"], "Cristina": ["Cris"],
    "Gabriela": ["Gaby"], "Beatriz": ["Bety"], "Isabel": ["Chabela", "Isa"], "Teresa": ["Tere"], "Luis": ["Lucho"],
    "Ricardo": ["Richi"], "Javier": ["Javi"], "Socorro": ["Coco"], "Esperanza": ["Lancha"], "Rocío": ["Chío"],
    "Sergio": ["Checo"], "Joaquín": ["Quino"], "María José": ["Majo"], "José Luis": ["Pepe"],
    "Juan Carlos": ["Juanca"], "María del Carmen": ["Mamen", "Maica"], "María Fernanda": ["Marifer"],
}  # fmt: skip
ROLES = ["teacher", "5th grade teacher", "3rd grade teacher", "math teacher", "science teacher", "counselor",
         "principal", "assistant principal", "librarian", "coach", "school nurse", "music teacher",
         "special education teacher", "kindergarten teacher", "ESL teacher", "maestra", "maestro",
         "maestra de 2do grado", "consejera", "directora", "profesora de matemáticas"]  # fmt: skip
NEUTRAL_BIOS = ["", "Coffee first.", "Runner. Dad.", "Photography and hikes", "Nurse in Houston", "Software engineer",
                "Views my own", "Abuela, cocinera, lectora", "Go Hawks!", "Gardening", "Dog mom", "Retired",
                "Futbol y familia", "Music, books, tacos"]  # fmt: skip
NOT_STAFF_BIOS = ["Proud parent of a {school} kid", "{school} alum, class of 2009", "Mom of two at {school}",
                  "Former student of {school}", "Fan of {district} sports", "Papá orgulloso, {school}"]  # fmt: skip
ELSEWHERE = ["Austin ISD", "Fresno Unified", "Chicago Public Schools", "Escuela Benito Juárez, Monterrey",
             "Denver Public Schools", "Tucson Unified"]  # fmt: skip
PAGE_NAMES = ["Room 12 News", "Homework Help", "Ms. G's Class", "The Science Corner", "Coach's Corner",
              "Tareas y Más", "Biblioteca Escolar", "Class of 2027 Memories", "Reading Buddies", "STEM Club Updates",
              "Kindness Counts", "Daily Motivation", "Teacher Deals", "Scholarship Info"]  # fmt: skip
FAN_NAMES = ["{short} Parents", "{school} Fans", "{short} News 24/7", "{place} Memes", "{school} Boosters",
             "{school} PTA (unofficial)", "{short} Sports Talk", "Noticias {short}"]  # fmt: skip
UNRELATED_PAGES = ["Weekend Deals", "Go Team!", "Local News Now", "Sports Talk Daily", "Giveaways 2026",
                   "Community Board"]  # fmt: skip

CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і", "A": "А", "E": "Е",
            "O": "О", "P": "Р", "C": "С", "M": "М", "H": "Н", "T": "Т", "K": "К", "B": "В"}  # fmt: skip
GREEK = {"A": "Α", "B": "Β", "E": "Ε", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο", "P": "Ρ",
         "T": "Τ", "X": "Χ", "Y": "Υ", "Z": "Ζ", "o": "ο", "v": "ν"}  # fmt: skip
LEET = {"a": "4", "e": "3", "o": "0", "i": "1", "s": "5", "t": "7", "l": "1"}
NAME_DISGUISES = ("same", "accents", "cyrillic", "greek", "leet", "nickname", "title_role", "reordered", "typo_swap",
                  "typo_drop", "typo_double", "fullwidth", "zero_width", "initial", "emoji", "shortcodes",
                  "run_together", "caps", "first_surname_only", "middle_initial")  # fmt: skip
PHOTO_EDITS = tuple(photo_edits.PHOTO_EDITS)


@dataclass
class StaffMember:
    name: str
    email: str
    school: str
    seed: int | None  # the synthetic portrait's seed, None for a real photo or no photo
    opt_in: bool
    handles: list[str] = field(default_factory=list)
    given: str = ""
    middle: str = ""  # an initial with its dot, or ""
    surnames: tuple[str, ...] = ()
    joiner: str = " "  # between two surnames: " " or "-"
    photo: str = ""  # "synthetic", a real_photos origin, or "" for no photo


@dataclass
class CorpusProfile:
    source: str  # "bluesky" or "mastodon"
    handle: str  # bluesky handle, or mastodon username
    name: str
    bio: str
    image: bytes | None
    label: str  # impostor_name_photo, impostor_photo, impostor_claim, own, own_logo, namesake, lookalike,
    #            stranger, logo, official, other_logo, distractor
    detail: str = ""  # the disguise and edit ("typo_swap+crop20"); "kind:edit" for logos
    expect: set[tuple[str, str | None]] = field(default_factory=set)  # {(kind, person e-mail or None)}
    banner: bytes | None = None
    disguise: str = ""  # the name disguise alone, for per-disguise recall
    edit: str = ""  # the photo edit alone, or the logo edit
    photo: str = ""  # where the photo came from: synthetic, real_crop, real_face, ... ("" for none)
    logo_kind: str = ""


@dataclass
class DistrictLogo:
    kind: str
    seed: int
    label: str  # what `logos add --label` gets: "<kind> <n>"
    png: bytes


@dataclass
class Corpus:
    staff: list[StaffMember]
    profiles: list[CorpusProfile]
    photos: dict[str, bytes]  # e-mail -> enrolled photo
    logo: bytes  # the first district logo (PNG), for older callers
    logos: list[DistrictLogo] = field(default_factory=list)
    district: District = DISTRICTS["test"]
    schools: list[str] = field(default_factory=list)
    part: str = "test"
    seed: int = 7
    stats: dict[str, int] = field(default_factory=dict)


T = TypeVar("T")


class _Cycle(Generic[T]):
    """Items in shuffled rounds, so that every item comes up once per round; ``take`` skips
    items that do not fit (a disguise a name cannot wear) without losing them."""

    def __init__(self, items: Sequence[T], rnd: random.Random) -> None:
        self.items, self.rnd = list(items), rnd
        self.queue: list[T] = []

    def take(self, fits: Callable[[T], bool] = lambda _: True) -> T:
        for _ in range(2):
            for i, item in enumerate(self.queue):
                if fits(item):
                    return self.queue.pop(i)
            fresh = self.items[:]
            self.rnd.shuffle(fresh)
            self.queue += fresh
        raise ValueError("no item fits")


def build_corpus(
    seed: int = 7, staff_count: int = 40, strangers: int = 60, part: str = "test", logo_count: int | None = None
) -> Corpus:
    """The labelled corpus of ``part`` for a district of ``staff_count`` people; deterministic.

    ``logo_count`` district logos (default 4, or 8 for a district of more than 100 staff, which
    also takes its kinds from further along the seed's order, so the two standard sizes share no
    design and no kind).
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: one of {', '.join(PARTS)}")
    district = DISTRICTS[part]
    rnd = random.Random(f"corpus:{part}:{seed}:{staff_count}")
    pool = RealPhotoPool(part, seed * 1000 + staff_count % 1000)
    schools = list(district.schools[: min(len(district.schools), max(4, staff_count // 30))])
    face_seed = _face_seeds(part, seed)
    staff, photos, faces = _staff(rnd, staff_count, district, schools, pool, face_seed)
    logos = _district_logos(part, seed, staff_count, logo_count)
    with ThreadPoolExecutor(max_workers=2) as workers:
        b = _Builder(rnd, pool, face_seed, district, schools, staff, faces, logos, workers)
        b.impostors_with_photo()
        b.claims_namesakes_lookalikes()
        b.own_accounts()
        b.logo_pages()
        b.official_accounts()
        b.not_our_logos(seed, part)
        b.strangers(strangers)
        b.finish()
    staff_names = {ascii_fold(s.name).lower() for s in staff}
    for p in b.profiles:  # a stranger who happens to share a staff name is a namesake: relabel, never expected
        if p.label == "stranger" and ascii_fold(p.name).lower() in staff_names:
            p.label = "namesake"
    stats = dict(Counter(f"staff_photo_{s.photo or 'none'}" for s in staff))
    stats |= {f"pool_{k}": v for k, v in pool.used().items()}
    return Corpus(staff, b.profiles, photos, logos[0].png, logos, district, schools, part, seed, stats)


class _Builder:
    """The profiles of one corpus, section by section, drawing on one random stream and one photo pool."""

    def __init__(
        self,
        rnd: random.Random,
        pool: RealPhotoPool,
        face_seed: Callable[[int, int], int],
        district: District,
        schools: list[str],
        staff: list[StaffMember],
        faces: dict[str, Image.Image],
        logos: list[DistrictLogo],
        workers: ThreadPoolExecutor,
    ) -> None:
        self.rnd, self.pool, self.face_seed, self.district, self.schools = rnd, pool, face_seed, district, schools
        self.staff, self.faces, self.logos = staff, faces, logos
        self.logo_images = {lg.label: logo_designs.design(lg.kind, lg.seed) for lg in logos}
        self.profiles: list[CorpusProfile] = []
        self.short = district.keywords[0]
        self.place = district.keywords[1].split(" Unified")[0]
        self.staff_names = {ascii_fold(s.name).lower() for s in staff}
        self.disguises: _Cycle[str] = _Cycle(NAME_DISGUISES, rnd)
        self.workers = workers
        self.pending: list[tuple[CorpusProfile, str, Future[bytes]]] = []

    def add(self, source: str, name: str, bio: str, image: Job | None, label: str, **kw: Any) -> CorpusProfile:
        """A profile; its pictures are encoded on the worker threads (``finish`` collects them)."""
        banner = kw.pop("banner", None)
        number = len(self.profiles)
        folded = ascii_fold(unicodedata.normalize("NFKC", name)).lower()
        base = "".join(ch for ch in folded if ch.isascii() and ch.isalnum())[:14] or "user"  # handles are ASCII
        handle = f"{base}{number}.bsky.social" if source == "bluesky" else f"{base}{number}"
        profile = CorpusProfile(source, handle, name, bio, None, label, **kw)
        self.profiles.append(profile)
        for attribute, job in (("image", image), ("banner", banner)):
            if job is not None:
                self.pending.append((profile, attribute, self.workers.submit(job)))
        return profile

    def finish(self) -> None:
        """Wait for every picture and put it on its profile."""
        for profile, attribute, future in self.pending:
            setattr(profile, attribute, future.result())
        self.pending.clear()

    def other_face(self, role: int, n: int, none_share: float = 0.15) -> tuple[Image.Image | None, str]:
        """Someone else's photo: synthetic or real (or a composite), or none."""
        r = self.rnd.random()
        if r < none_share:
            return None, ""
        if r < none_share + (1 - none_share) * 0.55:
            return portrait(self.face_seed(role, n)), "synthetic"
        avatar = self.pool.any()
        return avatar.image, avatar.origin

    def disguised(self, person: StaffMember) -> tuple[str, str]:
        how = self.disguises.take(lambda d: disguise_name(person, d, random.Random(0)) is not None)
        return disguise_name(person, how, self.rnd) or person.name, how

    def impostors_with_photo(self) -> None:
        """Per staff member with a photo: name + photo with a disguise and an edit; the photo alone, edited."""
        rnd = self.rnd
        edits_name: _Cycle[str] = _Cycle(PHOTO_EDITS, rnd)
        edits_alone: _Cycle[str] = _Cycle(PHOTO_EDITS, rnd)
        for i, person in enumerate(s for s in self.staff if s.email in self.faces):
            face = self.faces[person.email]
            source = "bluesky" if i % 2 == 0 else "mastodon"
            name, how = self.disguised(person)
            edit = edits_name.take()
            bio = rnd.choice(["", f"{_cap(rnd.choice(ROLES))} at {person.school}", "DMs open", "Educator"])
            image = _served(photo_edits.apply(edit, face, rnd), source, rnd, edit)
            expect = {("impersonation", person.email)}
            self.add(source, name, bio, image, "impostor_name_photo", detail=f"{how}+{edit}", expect=expect,
                     disguise=how, edit=edit, photo=person.photo)  # fmt: skip
            # The photo under an unrelated name. The bio names the school or the district somehow: a
            # profile naming nothing of them cannot be found by any search, and finding is not matching.
            edit = edits_alone.take()
            source = "bluesky" if source == "mastodon" else "mastodon"
            name = f"{rnd.choice(PAGE_NAMES)} {i}" if rnd.random() < 0.5 else _random_name(rnd, self.staff_names)
            bio = rnd.choice([f"Updates for {person.school} families", f"{self.short} news and tips",
                              f"Tutoring for {_school_word(person.school)} kids, DM me",
                              f"Go {self.place}! Good vibes only",
                              f"Sharing what I love about {person.school}"])  # fmt: skip
            image = _served(photo_edits.apply(edit, face, rnd), source, rnd, edit)
            self.add(source, name, bio, image, "impostor_photo", detail=edit, expect=expect, edit=edit,
                     photo=person.photo)  # fmt: skip

    def claims_namesakes_lookalikes(self) -> None:
        rnd = self.rnd
        claim_images = _Cycle(["none", "synthetic", "real"], rnd)
        for i, person in enumerate(self.staff):
            source = "bluesky" if i % 2 else "mastodon"
            if i % 3 == 2:  # name + a claim to work at the school, with someone else's photo or none
                name, how = self.disguised(person)
                which = claim_images.take()
                image, origin = None, ""
                if which == "synthetic":
                    image, origin = portrait(self.face_seed(3, i)), "synthetic"
                elif which == "real":
                    avatar = self.pool.any()
                    image, origin = avatar.image, avatar.origin
                role = rnd.choice(ROLES)
                bio = rnd.choice([f"{_cap(role)} at {person.school}. Parents, message me here.",
                                  f"{role} @ {person.school} ({self.short})", f"{_cap(role)}, {self.district.name}",
                                  f"Proud {role} at {person.school}! DM for class info"])  # fmt: skip
                self.add(source, name, bio, _maybe(image, source, rnd), "impostor_claim", detail=how,
                         expect={("impersonation", person.email)}, disguise=how, photo=origin)  # fmt: skip
            if i % 4 == 1:  # a namesake: same name, another face; a parent, an alum, or a teacher elsewhere
                image, origin = self.other_face(1, i)
                not_staff = [b.format(school=person.school, district=self.district.name) for b in NOT_STAFF_BIOS]
                bio = rnd.choice([*NEUTRAL_BIOS[:6], *not_staff, f"Teacher at {rnd.choice(ELSEWHERE)}"])
                name = ascii_fold(person.name) if rnd.random() < 0.4 else person.name
                self.add(source, name, bio, _maybe(image, source, rnd), "namesake", photo=origin)
            if i % 4 == 3:  # a look-alike name: another given name or surname, another face
                image, origin = self.other_face(2, i)
                name, how = lookalike_name(person, rnd)
                self.add(source, name, rnd.choice(NEUTRAL_BIOS), _maybe(image, source, rnd), "lookalike", detail=how,
                         photo=origin)  # fmt: skip

    def own_accounts(self) -> None:
        """The staff's own accounts (never impersonation); a third wear a district logo (logo misuse, attached)."""
        rnd = self.rnd
        logo_cycle: _Cycle[DistrictLogo] = _Cycle(self.logos, rnd)
        for j, person in enumerate(s for s in self.staff if s.handles):
            source, _, handle = person.handles[0].partition(":")
            face = self.faces.get(person.email)
            bio = f"{_cap(rnd.choice(ROLES))} at {person.school}"
            if j % 3 == 0:
                lg = logo_cycle.take()
                edit = rnd.choice(["placed30-60", "placed60-100", "banner", "whole"])
                back = face if face is not None else portrait(self.face_seed(5, j))
                picture = logo_designs.apply_logo_edit(self.logo_images[lg.label], edit, rnd, back)
                banner = _banner(picture, source, rnd) if edit == "banner" else None
                image = _served(back if banner else picture, source, rnd)
                p = self.add(source, person.name, bio, image, "own_logo", detail=f"{lg.kind}:{edit}", banner=banner,
                             expect={("logo_misuse", person.email)}, edit=edit, logo_kind=lg.kind,
                             photo=person.photo)  # fmt: skip
            else:
                p = self.add(source, person.name, bio, _maybe(face, source, rnd), "own", photo=person.photo)
            p.handle = handle if source == "bluesky" else handle.split("@")[0]

    def logo_pages(self) -> None:
        """Fan pages and impostors wearing each district logo, with every logo edit."""
        rnd = self.rnd
        k = 0
        for lg in self.logos:
            for edit in logo_designs.LOGO_EDITS:
                source = "bluesky" if k % 2 else "mastodon"
                school = rnd.choice(self.schools)
                if k % 3 == 2:  # a page about something else that still names the district somewhere
                    name = f"{rnd.choice(UNRELATED_PAGES)} {k}"
                    bio = rnd.choice([f"Deals for {school} families", f"Follow for {self.short} news",
                                      f"Daily posts, {self.place}"])  # fmt: skip
                else:
                    name = rnd.choice(FAN_NAMES).format(short=self.short, school=school, place=self.place) + f" {k}"
                    bio = rnd.choice(["Not affiliated with the district", f"Parents helping parents at {school}",
                                      f"All things {self.short}", ""])  # fmt: skip
                self.logo_profile(self.logo_images[lg.label], lg.kind, edit, source, name, bio, "logo",
                                  {("logo_misuse", None)}, k)  # fmt: skip
                k += 1

    def official_accounts(self) -> None:
        """The district's own accounts: a logo as avatar, another as banner; never reported."""
        for n, handle in enumerate(self.district.official):
            lg, other = self.logos[n % len(self.logos)], self.logos[(n + 1) % len(self.logos)]
            source = "bluesky" if n == 0 else "mastodon"
            whole = logo_designs.apply_logo_edit(
                self.logo_images[lg.label], "whole", self.rnd, Image.new("RGB", (8, 8))
            )
            back = portrait(self.face_seed(7, 9000 + n))
            banner = logo_designs.apply_logo_edit(self.logo_images[other.label], "banner", self.rnd, back)
            p = self.add(source, self.district.name, f"Official account of {self.short}", partial(png, whole),
                         "official", detail=f"{lg.kind}:whole", logo_kind=lg.kind,
                         banner=_banner(banner, source, self.rnd))  # fmt: skip
            p.handle = handle

    def not_our_logos(self, seed: int, part: str) -> None:
        """Other institutions' logos on our logos' templates (twins), other designs, generic shapes: never ours."""
        rnd = self.rnd
        others: list[tuple[str, str, Image.Image]] = []
        taken = {x.seed for x in self.logos}
        for n, lg in enumerate(self.logos):
            for t in range(2):
                twin = logo_designs.template_twin(lg.kind, lg.seed, _twin_seed(part, lg.seed, n * 2 + t, taken))
                others.append(("other_logo", lg.kind, twin))
        for kind, image in logo_designs.distractors(seed * 2 + (part == "test"), 12 if len(self.logos) <= 4 else 24):
            if kind.startswith("other:"):
                others.append(("other_logo", kind.removeprefix("other:"), image))
            else:
                others.append(("distractor", kind, image))
        for n, (label, kind, image) in enumerate(others):
            source = "bluesky" if n % 2 else "mastodon"
            if label == "other_logo":
                words = rnd.choice(["Valley", "Oak Grove", "Pine Hills", "Lakeside", "Brookfield", "Summit"])
                name, bio = f"{words} School District {n}", "Official account"
            else:
                name = f"{rnd.choice(UNRELATED_PAGES)} {n}"
                bio = rnd.choice([f"Proud sponsor of {rnd.choice(self.schools)}", f"Sports near {self.place}"])
            edit = rnd.choice(logo_designs.LOGO_EDITS)
            self.logo_profile(image, kind, edit, source, name, bio, label, set(), 500 + n)

    def logo_profile(
        self,
        logo: Image.Image,
        kind: str,
        edit: str,
        source: str,
        name: str,
        bio: str,
        label: str,
        expect: set[tuple[str, str | None]],
        k: int,
    ) -> None:
        """One profile wearing ``logo`` with ``edit``: as the avatar, or as the banner (then a face is the avatar).

        What a logo is placed on is a synthetic portrait or a real photo, never a staff member's.
        """
        rnd = self.rnd
        back = portrait(self.face_seed(6, k)) if rnd.random() < 0.5 else self.pool.any().image
        picture = logo_designs.apply_logo_edit(logo, edit, rnd, back)
        detail = f"{kind}:{edit}"
        if edit == "banner":
            avatar = portrait(self.face_seed(7, k)) if rnd.random() < 0.6 else None
            self.add(source, name, bio, _maybe(avatar, source, rnd), label, detail=detail, expect=expect,
                     banner=_banner(picture, source, rnd), edit=edit, logo_kind=kind)  # fmt: skip
        else:
            self.add(source, name, bio, _served(picture, source, rnd, edit), label, detail=detail, expect=expect,
                     edit=edit, logo_kind=kind)  # fmt: skip

    def strangers(self, count: int) -> None:
        """People who share nothing with the staff (a name word at most): synthetic, real or no photo."""
        rnd = self.rnd
        for n in range(count):
            image, origin = self.other_face(4, n)
            source = "bluesky" if n % 2 else "mastodon"
            bio = rnd.choice([*NEUTRAL_BIOS, "Teacher", "Maestra", f"Teacher at {rnd.choice(ELSEWHERE)}"])
            self.add(source, _random_name(rnd), bio, _maybe(image, source, rnd), "stranger", photo=origin)


def _cap(role: str) -> str:
    return role[:1].upper() + role[1:]


def _school_word(school: str) -> str:
    """How people shorten a school's name: without its kind ("Bayview", "César Chávez")."""
    kinds = {"Elementary", "Middle", "High", "School", "Academy", "STEM", "Continuation", "Adult"}
    return " ".join(w for w in school.split() if w not in kinds)


def _face_seeds(part: str, seed: int) -> Callable[[int, int], int]:
    """Synthetic portrait seeds by role (0 staff, 1 namesakes, ...), disjoint across parts and roles."""

    def face_seed(role: int, n: int) -> int:
        return FACE_BASE[part] + seed * 1_000_000 + role * 10_000 + n

    return face_seed


def _district_logos(part: str, seed: int, staff_count: int, logo_count: int | None) -> list[DistrictLogo]:
    large = staff_count > 100
    count = logo_count or (8 if large else 4)
    start = 4 if large else 0
    kinds = list(logo_designs.LOGO_KINDS)
    random.Random(f"kinds:{part}:{seed}").shuffle(kinds)
    out = []
    for k in range(count):
        kind = kinds[(start + k) % len(kinds)]
        design_seed = (seed * 50 + start + k) % 1000 if part == "calibration" else 1000 + seed * 50 + start + k
        out.append(DistrictLogo(kind, design_seed, f"{kind} {k + 1}", png(logo_designs.design(kind, design_seed))))
    return out


def _twin_seed(part: str, seed: int, n: int, taken: set[int]) -> int:
    """Another institution's seed, in the part's own range (below 1000 for calibration)."""
    candidate = (seed + 500 + 37 * n) % 1000 if part == "calibration" else 200_000 + seed * 16 + n
    while candidate in taken or candidate == seed:
        candidate = (candidate + 1) % 1000 if part == "calibration" else candidate + 1
    return candidate


# --- staff and names ------------------------------------------------------------------------------


def _staff(
    rnd: random.Random,
    count: int,
    district: District,
    schools: list[str],
    pool: RealPhotoPool,
    face_seed: Callable[[int, int], int],
) -> tuple[list[StaffMember], dict[str, bytes], dict[str, Image.Image]]:
    staff: list[StaffMember] = []
    photos: dict[str, bytes] = {}
    faces: dict[str, Image.Image] = {}
    used: set[str] = set()
    with_photo = [n for n in range(count) if n % 8 != 7]
    real = set(rnd.sample(with_photo, math.ceil(len(with_photo) * 0.4)))
    while len(staff) < count:
        person = _random_person(rnd)
        key = ascii_fold(person.name).lower()
        if key in used:
            continue
        used.add(key)
        n = len(staff)
        local = "".join(ch for ch in ascii_fold(f"{person.given}.{person.surnames[0]}").lower() if ch.isalnum()
                        or ch == ".")  # fmt: skip
        person.email = f"{local}{n}@{district.domain}"
        person.school = schools[n % len(schools)]
        person.opt_in = n % 5 != 4
        if n in real and (avatar := pool.real()) is not None:
            faces[person.email], person.photo = avatar.image, avatar.origin
        elif n % 8 != 7:
            person.seed = face_seed(0, n)
            faces[person.email], person.photo = portrait(person.seed), "synthetic"
        if n % 4 == 0:
            handle = "".join(ch for ch in ascii_fold(person.given).lower() if ch.isalnum()) + f"{n}own"
            person.handles.append(f"bluesky:{handle}.bsky.social" if n % 8 == 0 else f"mastodon:{handle}")
        if person.email in faces:  # the roster photo: the same picture, as HR or the school site keeps it
            side = rnd.choice([300, 400, 600])
            enrolled = faces[person.email].resize((side, side), Image.Resampling.LANCZOS)
            photos[person.email] = _encode(enrolled, "JPEG", rnd.randint(85, 95))
        staff.append(person)
    return staff, photos, faces


def _random_person(rnd: random.Random) -> StaffMember:
    spanish = rnd.random() < 0.55
    given = rnd.choice(FIRST_ES if spanish else FIRST_EN)
    surnames: tuple[str, ...] = (rnd.choice(LAST_ES if spanish else LAST_EN),)
    joiner, middle = " ", ""
    if spanish and rnd.random() < 0.5:
        surnames += (rnd.choice([s for s in LAST_ES if s != surnames[0]]),)
        joiner = " " if rnd.random() < 0.75 else "-"
    elif not spanish and rnd.random() < 0.3:
        middle = rnd.choice("ABCDEFGHJKLMNPRSTW") + "."
    person = StaffMember("", "", "", None, True, given=given, middle=middle, surnames=surnames, joiner=joiner)
    person.name = full_name(person)
    return person


def full_name(p: StaffMember, surnames: Sequence[str] | None = None) -> str:
    parts = [p.given, p.middle] if p.middle else [p.given]
    family = surnames if surnames is not None else p.surnames
    joiner = p.joiner if " " not in "".join(family) else " "
    return " ".join([*parts, joiner.join(family)])


def _random_name(rnd: random.Random, avoid: set[str] | None = None) -> str:
    while True:
        name = _random_person(rnd).name
        if not avoid or ascii_fold(name).lower() not in avoid:
            return name


def disguise_name(person: StaffMember, how: str, rnd: random.Random) -> str | None:
    """``person``'s name as an impostor writes it; None when the disguise does not apply to the name."""
    name, given, surname = person.name, person.given, person.surnames[0]
    family = full_name(person)[len(given) :].strip().removeprefix(person.middle).strip()
    if how == "same":
        return name
    if how == "accents":
        return ascii_fold(name) if ascii_fold(name) != name else None
    if how in ("cyrillic", "greek"):
        table = CYRILLIC if how == "cyrillic" else GREEK
        spots = [i for i, ch in enumerate(name) if ch in table]
        if not spots:
            return None
        chars = list(name)
        for i in rnd.sample(spots, min(len(spots), rnd.randint(1, 3))):
            chars[i] = table[chars[i]]
        return "".join(chars)
    if how == "leet":
        spots = [i for i, ch in enumerate(given) if ch in LEET]
        if not spots:
            return None
        chars = list(given)
        for i in rnd.sample(spots, min(len(spots), rnd.randint(1, 2))):
            chars[i] = LEET[chars[i]]
        return "".join(chars) + name[len(given) :]
    if how == "nickname":
        if given not in NICKNAMES:
            return None
        return f"{rnd.choice(NICKNAMES[given])} {surname}"
    if how == "title_role":
        title = rnd.choice(["Ms.", "Mr.", "Mrs.", "Dr.", "Profe", "Maestra", "Coach", "Sra.", "Sr."])
        return f"{title} {name}" + rnd.choice(["", f" - {rnd.choice(ROLES)}", f" | {rnd.choice(ROLES)}"])
    if how == "reordered":
        return f"{family}, {given}" + (f" {person.middle}" if person.middle else "")
    if how.startswith("typo_"):
        words = [w for w in name.split() if len(w) >= 5]
        if not words:
            return None
        target = rnd.choice(words)
        spots = [i for i in range(1, len(target) - 2) if target[i] != target[i + 1]]
        i = rnd.choice(spots) if spots else 1
        typo = {
            "typo_swap": target[:i] + target[i + 1] + target[i] + target[i + 2 :],
            "typo_drop": target[:i] + target[i + 1 :],
            "typo_double": target[: i + 1] + target[i] + target[i + 1 :],
        }[how]
        return name.replace(target, typo, 1) if typo != target else None
    if how == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name)
    if how == "zero_width":
        mark = rnd.choice(["\u200b", "\u200d", "\u00ad", "\u2060"])
        cut = rnd.randrange(1, len(given))
        return given[:cut] + mark + given[cut:] + name[len(given) :]
    if how == "initial":
        return f"{given[0]}. {surname}"
    if how == "emoji":
        return rnd.choice([f"{name} 🍎📚", f"✨ {name} ✨", f"{name} 🌻", f"🇲🇽 {name}", f"{name} 💙🏫"])
    if how == "shortcodes":
        return rnd.choice([f":apple: {name}", f"{name} :verified:", f":books: {name} :flag_mx:"])
    if how == "run_together":
        plain = ascii_fold(f"{given} {surname}").replace("'", "")
        words = plain.split()
        return rnd.choice(["".join(words), ".".join(words).lower(), "_".join(words).lower()])
    if how == "caps":
        return name.upper()
    if how == "first_surname_only":
        if len(person.surnames) < 2:
            return None
        return f"{given} {surname}"
    if how == "middle_initial":
        if person.middle:
            return f"{given} {family}"
        return f"{given} {rnd.choice('ABCDEFGHJKLMNPRSTW')}. {family}"
    raise ValueError(f"unknown name disguise {how!r}")


def lookalike_name(person: StaffMember, rnd: random.Random) -> tuple[str, str]:
    """Another person's name that shares part of this one: (name, how)."""
    r = rnd.random()
    if len(person.surnames) == 2 and r < 0.3:
        second = rnd.choice([s for s in LAST_ES if s not in person.surnames])
        return full_name(person, (person.surnames[0], second)), "other_second_surname"
    if r < 0.6:
        pool = [g for g in FIRST_ES + FIRST_EN if g != person.given and g not in NICKNAMES.get(person.given, [])]
        other = StaffMember("", "", "", None, True, given=rnd.choice(pool), surnames=person.surnames,
                            joiner=person.joiner)  # fmt: skip
        return full_name(other), "other_given"
    family = [s for s in LAST_ES + LAST_EN if s not in person.surnames]
    return full_name(person, (rnd.choice(family),)), "other_surname"


def ascii_fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


# --- serving images as the platforms do ------------------------------------------------------------


Job = Callable[[], bytes]  # an image's encoding, run on a worker thread (Pillow and OpenCV release the GIL)


def _served(image: Image.Image, source: str, rnd: random.Random, edit: str = "") -> Job:
    """An avatar as the platform serves it: Bluesky 1000x1000 (WebP or JPEG), Mastodon 400x400
    (JPEG, PNG or WebP); a picture the author shrank (``photo_edits.SERVED_AS_IS``, or under 200 px)
    stays as small as it was. The format is drawn now; the work is done by the returned job."""
    small = edit in photo_edits.SERVED_AS_IS or min(image.size) < 200
    side = min(image.size) if small else (1000 if source == "bluesky" else 400)
    r = rnd.random()
    if source == "bluesky":
        fmt, quality = ("WEBP", 80) if r < 0.5 else ("JPEG", 88)
    else:
        fmt, quality = ("JPEG", 85) if r < 0.7 else ("PNG", 0) if r < 0.85 else ("WEBP", 80)
    return partial(_square_encoded, image, side, fmt, quality)


def _square_encoded(image: Image.Image, side: int, fmt: str, quality: int) -> bytes:
    image = image.convert("RGB")
    if image.width != image.height:
        image = ImageOps.fit(image, (min(image.size),) * 2, Image.Resampling.LANCZOS)
    if side > image.width:  # OpenCV: five times faster than Pillow at enlarging, which is most of the build
        image = Image.fromarray(cv2.resize(np.asarray(image), (side, side), interpolation=cv2.INTER_CUBIC))
    elif side < image.width:
        image = image.resize((side, side), Image.Resampling.LANCZOS)
    return _encode(image, fmt, quality)


def _maybe(image: Image.Image | None, source: str, rnd: random.Random) -> Job | None:
    return None if image is None else _served(image, source, rnd)


def _banner(image: Image.Image, source: str, rnd: random.Random) -> Job:
    """A profile banner: 1500x500 (Bluesky WebP, Mastodon JPEG)."""
    fmt = "WEBP" if source == "bluesky" else "JPEG"
    return partial(_banner_encoded, image, fmt)


def _banner_encoded(image: Image.Image, fmt: str) -> bytes:
    return _encode(ImageOps.fit(image.convert("RGB"), (1500, 500), Image.Resampling.LANCZOS), fmt, 80)


def _encode(image: Image.Image, fmt: str, quality: int = 85) -> bytes:
    out = io.BytesIO()
    if fmt == "WEBP":
        image.save(out, "WEBP", quality=quality, method=0)
    elif fmt == "PNG":
        image.save(out, "PNG", compress_level=1)
    else:
        image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()
