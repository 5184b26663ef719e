"""The demo's world: a sample district, its staff, and the Bluesky profiles around them.

Impostors copy a staff member's name (with accents dropped or a nickname) and
edit their photo; namesakes share a name but not a face; strangers share
neither; fan pages wear the district logo. The label of each profile says what
it is, so the demo and the tests can check the answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from watcher.demo.fake_mastodon import account
from watcher.demo.portraits import cropped, district_logo, jpeg, mirrored, png, portrait, recompressed, tinted

DISTRICT = "Sierra Vista Unified School District"
KEYWORDS = ["SVUSD", "Sierra Vista Unified", "Noble Avenue Elementary", "Mesa Verde High School"]
OFFICIAL = "svusd.bsky.social"


@dataclass(frozen=True)
class Staff:
    name: str
    email: str
    seed: int | None  # portrait seed; None: no photo enrolled
    school: str
    opt_in: bool
    aliases: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


STAFF = [
    Staff(
        "María García López",
        "maria.garcia@svusd.example",
        101,
        "Noble Avenue Elementary",
        True,
        ("Maria Garcia",),
        ("bluesky:mgarcia-teaches.bsky.social",),
    ),
    Staff(
        "Francisco Hernández",
        "francisco.hernandez@svusd.example",
        102,
        "Mesa Verde High School",
        True,
        ("Paco Hernández",),
    ),
    Staff(
        "Guadalupe Ramírez", "guadalupe.ramirez@svusd.example", None, "Noble Avenue Elementary", True, ("Lupe Ramírez",)
    ),
    Staff("Jennifer Nguyen", "jennifer.nguyen@svusd.example", 104, "Mesa Verde High School", True),
    Staff("Michael Johnson", "michael.johnson@svusd.example", 105, "Noble Avenue Elementary", True),
    Staff("José Luis Torres", "jose.torres@svusd.example", 106, "Mesa Verde High School", False, ("José Torres",)),
    Staff("Aisha Rahman", "aisha.rahman@svusd.example", 107, "Noble Avenue Elementary", True),
    Staff("David Kim", "david.kim@svusd.example", 108, "Mesa Verde High School", True),
]

STRANGER_FIRST = [
    "Laura",
    "Kevin",
    "Sofia",
    "Daniel",
    "Emily",
    "Carlos",
    "Hannah",
    "Omar",
    "Grace",
    "Luis",
    "Chloe",
    "Ethan",
    "Rosa",
    "Miguel",
    "Olivia",
    "Samuel",
]
STRANGER_LAST = [
    "Garza",
    "Hernando",
    "Ramos",
    "Nguyen",
    "Johnston",
    "Torrez",
    "Kimball",
    "Rahmani",
    "Garcia",
    "Lopez",
    "Smith",
    "Patel",
]


@dataclass
class World:
    actors: list[dict[str, Any]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    photos: dict[str, bytes] = field(default_factory=dict)  # staff e-mail -> enrolled photo (JPEG)
    logo: bytes = b""
    expected: dict[str, str] = field(default_factory=dict)  # handle -> what the profile really is
    mastodon: list[dict[str, Any]] = field(default_factory=list)  # Account objects on one server
    mastodon_images: dict[str, bytes] = field(default_factory=dict)

    def add(
        self,
        label: str,
        handle: str,
        name: str,
        bio: str = "",
        image: bytes | None = None,
        labels: tuple[str, ...] = (),
    ) -> None:
        actor: dict[str, Any] = {
            "did": f"did:plc:demo{len(self.actors):04d}",
            "handle": handle,
            "displayName": name,
            "description": bio,
            "createdAt": "2026-01-15T12:00:00.000Z",
            "indexedAt": "2026-11-01T12:00:00.000Z",
            "labels": [{"val": v} for v in labels],
        }
        if image is not None:
            path = f"/img/{len(self.actors):04d}.jpg"
            self.images[path] = image
            actor["avatar"] = path
        self.actors.append(actor)
        self.expected[handle] = label

    def add_mastodon(
        self,
        label: str,
        username: str,
        name: str,
        note: str = "",
        image: bytes | None = None,
        header: bytes | None = None,
        **extra: Any,
    ) -> None:
        """A local account on the demo's Mastodon server; its expected key is ``mastodon:username``."""
        path = None
        if image is not None:
            path = f"/img/m{len(self.mastodon):04d}.jpg"
            self.mastodon_images[path] = image
        if header is not None:
            extra["header"] = f"/img/h{len(self.mastodon):04d}.jpg"
            self.mastodon_images[extra["header"]] = header
        self.mastodon.append(account(len(self.mastodon), username, name, note, path, **extra))
        self.expected[f"mastodon:{username}"] = label

    def label_of(self, source: str, handle: str) -> str:
        """What a found profile really is, by the source's name and the handle it reported."""
        if source == "mastodon":
            return self.expected.get(f"mastodon:{handle.split('@')[0]}", "unknown")
        return self.expected.get(handle, "unknown")


def build_world(strangers: int = 40) -> World:
    world = World()
    faces = {s.email: portrait(s.seed) for s in STAFF if s.seed is not None}
    world.photos = {email: jpeg(face, 90) for email, face in faces.items()}
    logo = district_logo()
    world.logo = png(logo)
    maria, paco, jen, jose, aisha, david = (
        faces[s.email] for s in STAFF if s.seed is not None and s.name != "Michael Johnson"
    )

    # Impostors.
    world.add(
        "impostor:maria.garcia@svusd.example",
        "maria-garcia-noble.bsky.social",
        "Maria Garcia",
        "5th grade teacher at Noble Avenue Elementary 🍎 DM me about your child's grades",
        jpeg(recompressed(maria)),
    )
    world.add(
        "impostor:francisco.hernandez@svusd.example",
        "pacohernandez.bsky.social",
        "Paco Hernandez",
        "Coach. Mesa Verde Hawks!",
        jpeg(mirrored(paco)),
    )
    world.add(
        "impostor:guadalupe.ramirez@svusd.example",
        "lupe-ramirez.bsky.social",
        "Lupe Ramirez",
        "Counselor @ Noble Avenue Elementary. Parents, message me here.",
    )
    world.add(
        "impostor:jennifer.nguyen@svusd.example",
        "jnguyen-mvhs.bsky.social",
        "Jennifer Nguyen",
        "Chemistry",
        jpeg(cropped(jen, 0.03)),
    )
    world.add("impostor:jose.torres@svusd.example", "jltorres.bsky.social", "Jose Torres", "", jpeg(tinted(jose)))
    world.add(
        "impostor:david.kim@svusd.example",
        "mr-k-class.bsky.social",
        "Mr. K's Class",
        "Homework help for Mesa Verde High School students",
        jpeg(recompressed(david, 320, 70)),
    )
    # Hidden from logged-out viewers: the source must skip it.
    world.add(
        "hidden",
        "aisha-rahman-teach.bsky.social",
        "Aisha Rahman",
        "Noble Avenue Elementary",
        jpeg(recompressed(aisha)),
        ("!no-unauthenticated",),
    )

    # The staff's own accounts: never reported.
    world.add(
        "own:maria.garcia@svusd.example",
        "mgarcia-teaches.bsky.social",
        "María García López",
        "Teacher at Noble Avenue Elementary",
        jpeg(maria),
    )

    # Namesakes: same name, another face, no claim on the district.
    for seed, (handle, name, bio) in enumerate(
        [
            ("mjohnson-runs.bsky.social", "Michael Johnson", "Runner. Dad. Ohio."),
            ("mike-johnson-art.bsky.social", "Michael Johnson", "Illustrator"),
            ("mariagarcia-madrid.bsky.social", "María García", "Madrid · fotografía"),
            ("jen-nguyen.bsky.social", "Jennifer Nguyen", "Nurse in Houston"),
            ("davidkim.bsky.social", "David Kim", "Software engineer"),
        ],
        start=500,
    ):
        world.add("namesake", handle, name, bio, jpeg(portrait(seed)))

    # Logo misuse, and the district's own account wearing its logo.
    world.add(
        "logo",
        "noble-ave-parents.bsky.social",
        "Noble Avenue Elementary Parents (unofficial)",
        "Not affiliated with SVUSD",
        jpeg(tinted(logo)),
    )
    world.add(
        "logo",
        "svusd-news.bsky.social",
        "SVUSD News 24/7",
        "Breaking news about Sierra Vista Unified",
        jpeg(recompressed(logo, 200, 55)),
    )
    world.add("official", OFFICIAL, "Sierra Vista Unified School District", "Official account of SVUSD", png(logo))

    # The same district on a Mastodon server.
    mike = next(portrait(s.seed) for s in STAFF if s.name == "Michael Johnson" and s.seed is not None)
    world.add_mastodon(
        "impostor:aisha.rahman@svusd.example",
        "aisha_rahman",
        "Aisha Rahman",
        '<p>Teacher at <a href="https://noble.svusd.example">Noble Avenue Elementary</a><br>Parents: DM me</p>',
        jpeg(recompressed(aisha)),
    )
    world.add_mastodon(
        "impostor:michael.johnson@svusd.example", "coach_mike", "Mike J.", "<p>Go Hawks</p>", jpeg(mirrored(mike))
    )
    world.add_mastodon("namesake", "jnguyen", "Jennifer Nguyen", "<p>Nurse. Houston.</p>", jpeg(portrait(530)))
    world.add_mastodon("namesake", "mgarcia", "Maria Garcia", "<p>Just here for the birds</p>")  # default avatar
    world.add_mastodon(
        "logo", "svusd_parents", "SVUSD Parents Union", "<p>Unofficial</p>", jpeg(recompressed(logo, 180, 60))
    )
    world.add_mastodon(
        "logo",
        "svusd_memes",
        "Sierra Vista memes",
        "<p>Memes about SVUSD life</p>",
        jpeg(portrait(541)),
        header=jpeg(banner_with(logo)),
    )
    # Not discoverable, as remote accounts are whenever their server does not publish the flag:
    # that governs directory listing, not whether the public profile may be read.
    world.add_mastodon(
        "impostor:david.kim@svusd.example",
        "david_kim_teach",
        "David Kim",
        "<p>Mesa Verde High School</p>",
        jpeg(david),
        discoverable=False,
    )

    rnd = random.Random(2026)
    for i in range(strangers):
        first, last = rnd.choice(STRANGER_FIRST), rnd.choice(STRANGER_LAST)
        image = jpeg(portrait(1000 + i)) if rnd.random() < 0.8 else None
        world.add(
            "stranger",
            f"{first.lower()}{last.lower()}{i}.bsky.social",
            f"{first} {last}",
            rnd.choice(["", "Coffee first.", "Teacher", "Mesa fan"]),
            image,
        )
    return world


def banner_with(logo: Image.Image) -> Image.Image:
    """A wide profile banner (3:1) with the logo, full height, in the middle."""
    banner = Image.new("RGB", (600, 200), (30, 60, 40))
    banner.paste(logo.resize((200, 200)), (200, 0))
    return banner


def roster_rows(world: World) -> list[dict[str, str]]:
    return [
        {
            "name": s.name,
            "email": s.email,
            "aliases": ";".join(s.aliases),
            "handles": ";".join(s.handles),
            "photos": f"photos/{s.email.split('@')[0]}.jpg" if s.seed is not None else "",
            "school": s.school,
            "opt_in": "yes" if s.opt_in else "no",
        }
        for s in STAFF
    ]
