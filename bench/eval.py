"""``make eval``: the development corpus through the real product, scored per class.

The corpus (``bench/corpus.py``) is served by the local Bluesky and Mastodon stand-ins and run
through the same commands a district uses: ``people import``, ``logos add`` (one per district
logo, labelled "<kind> <n>"), ``scan``, ``findings --json``. Nothing is asserted; figures are
printed per class, per name disguise, per photo edit, per photo origin, per logo kind and edit.
The Mastodon source is signed in (``token_env``), as docs/operating.md advises, so its search pages,
and reads 25 pages of the server's directory (2,000 accounts, more than the corpus has), as a
district would for a server it knows to be that small.

Recall is printed twice: over everything expected (R), and over the profiles search reached (R*),
which is matching alone; the per-edit and per-kind tables count only what search reached.

Without arguments it runs the TEST part (never fitted on) at 60 and 240 staff; thresholds may
only be fitted on ``--part calibration``.

    .venv/bin/python bench/eval.py                          # test part, 60 and 240 staff
    .venv/bin/python bench/eval.py --part calibration       # the part thresholds may be fitted on
    .venv/bin/python bench/eval.py --sizes 60 --seed 11     # one size, another seed
    .venv/bin/python bench/eval.py --staff 40 --strangers 60
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

import calibrate_images
from corpus import NAME_DISGUISES, PARTS, PHOTO_EDITS, Corpus, CorpusProfile, build_corpus
from logo_designs import LOGO_EDITS
from search_reach import print_reach

from watcher.cli import cli
from watcher.demo.fake_appview import FakeAppView
from watcher.demo.fake_mastodon import FakeMastodon, account

Key = tuple[str, str]  # (source, handle in lower case)
Finding = tuple[Key, str, str | None]  # (profile, kind, person e-mail or None)
NOT_OURS = ("other_logo", "distractor")


def _extension(data: bytes) -> str:
    if data[:4] == b"\x89PNG":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "jpg"


EVAL_TOKEN = "eval-token"
DIRECTORY_PAGES = 25  # 2,000 accounts: more than the corpus's Mastodon server has
TOKEN_ENV = "IDENTITY_WATCH_EVAL_MASTODON_TOKEN"


def serve(corpus: Corpus) -> tuple[FakeAppView, FakeMastodon, dict[str, Key]]:
    """The corpus as the two platforms' stand-ins; also which image path belongs to which profile."""
    actors, images, accounts, mastodon_images = [], {}, [], {}
    owners: dict[str, Key] = {}
    for n, p in enumerate(corpus.profiles):
        key = (p.source, p.handle.lower())
        avatar = f"/img/{n:05d}.{_extension(p.image)}" if p.image is not None else None
        banner = f"/img/banner{n:05d}.{_extension(p.banner)}" if p.banner is not None else None
        store = images if p.source == "bluesky" else mastodon_images
        for path, data in ((avatar, p.image), (banner, p.banner)):
            if path and data is not None:
                store[path] = data
                owners[path] = key
        if p.source == "bluesky":
            actor = {"did": f"did:plc:eval{n:05d}", "handle": p.handle, "displayName": p.name, "description": p.bio}
            if avatar:
                actor["avatar"] = avatar
            if banner:
                actor["banner"] = banner
            actors.append(actor)
        else:
            extra = {"header": banner} if banner else {}
            accounts.append(account(n, p.handle, p.name, f"<p>{p.bio}</p>" if p.bio else "", avatar, **extra))
    mastodon = FakeMastodon(accounts, mastodon_images)
    mastodon.token = EVAL_TOKEN  # a district that follows docs/operating.md signs in, so search pages further
    # What search can return is measured here, not how long a week's budget takes (docs/office.md, Coverage):
    # the scan is not paced at 300 requests per 5 minutes, so the stand-in does not count them.
    mastodon.limit_per_window = 10**9
    return FakeAppView(actors, images), mastodon, owners


def write_inputs(folder: Path, corpus: Corpus, bluesky_url: str, mastodon_url: str) -> Path:
    (folder / "photos").mkdir()
    (folder / "logos").mkdir()
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "aliases", "handles", "photos", "school", "opt_in"])
        for s in corpus.staff:
            photo = ""
            if s.email in corpus.photos:
                photo = f"photos/{s.email.split('@')[0]}.jpg"
                (folder / photo).write_bytes(corpus.photos[s.email])
            writer.writerow([s.name, s.email, "", ";".join(s.handles), photo, s.school, "yes" if s.opt_in else "no"])
    for n, logo in enumerate(corpus.logos):
        (folder / "logos" / f"{n + 1}.png").write_bytes(logo.png)
    mastodon_host = mastodon_url.split("//")[1].split(":")[0]
    district = corpus.district
    keywords = ", ".join(json.dumps(k, ensure_ascii=False) for k in [*district.keywords, *corpus.schools])
    config = folder / "watcher.toml"
    config.write_text(
        f"""database = "watcher.db"
[district]
name = "{district.name}"
keywords = [{keywords}]
official_accounts = ["bluesky:{district.official[0]}", "mastodon:{district.official[1]}@{mastodon_host}"]
[network]
allow_private_addresses = true
retry_backoff = 0.01
[[sources]]
name = "bluesky"
type = "bluesky"
base_url = "{bluesky_url}"
page_size = 100
max_pages = 10
rate_limit = "1000/1s,burst=1000"
[[sources]]
name = "mastodon"
type = "mastodon"
base_url = "{mastodon_url}"
token_env = "{TOKEN_ENV}"
page_size = 40
max_pages = 10
directory_pages = {DIRECTORY_PAGES}
rate_limit = "1000/1s,burst=1000"
[email]
maildir = "outbox"
""",
        encoding="utf-8",
    )
    return config


def evaluate(corpus: Corpus, workdir: Path) -> dict[str, Any]:
    """Enrol, scan and read the findings through the CLI; the scan alone is timed."""
    bluesky, mastodon, owners = serve(corpus)
    with bluesky, mastodon:
        config = write_inputs(workdir, corpus, bluesky.base_url, mastodon.base_url)
        os.environ[TOKEN_ENV] = EVAL_TOKEN
        runner = CliRunner()

        def run(*args: str) -> str:
            result = runner.invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
            if result.exit_code != 0:
                raise SystemExit(f"watcher {' '.join(args)} failed: {result.output}")
            return result.stdout

        run("people", "import", str(workdir / "roster.csv"))
        for n, logo in enumerate(corpus.logos):
            run("logos", "add", str(workdir / "logos" / f"{n + 1}.png"), "--label", logo.label)
        start = time.perf_counter()
        run("scan")
        took = time.perf_counter() - start
        findings = json.loads(run("findings", "--json"))
        fetched = {owners[path.split("?")[0]] for path in bluesky.requests + mastodon.requests if path in owners}
    by_key = {(p.source, p.handle.lower()): p for p in corpus.profiles}
    predicted: set[Finding] = set()
    for f in findings:
        handle = f["handle"].split("@")[0] if f["source"] == "mastodon" else f["handle"]
        predicted.add(((f["source"], handle.lower()), f["kind"], f["person"]))
    expected = {((p.source, p.handle.lower()), kind, person) for p in corpus.profiles for kind, person in p.expect}
    return {"predicted": predicted, "expected": expected, "by_key": by_key, "scan_seconds": took, "fetched": fetched}


def _ratio(hit: int, total: int) -> str:
    return f"{hit}/{total}" if total else "-"


def _recall_table(title: str, rows: dict[str, list[tuple[int, int]]], columns: list[str], order: Iterable[str]) -> None:
    """One line per key: found/expected in each column, and the total."""
    print(f"\n{title}")
    print(f"  {'':<26}" + "".join(f"{c:>14}" for c in columns) + f"{'all':>14}")
    for key in order:
        if key not in rows:
            continue
        cells = rows[key]
        hit, total = sum(h for h, _ in cells), sum(t for _, t in cells)
        rate = f" {hit / total:.2f}" if total else ""
        print(f"  {key:<26}" + "".join(f"{_ratio(h, t):>14}" for h, t in cells) + f"{_ratio(hit, total):>9}{rate}")


def report(corpus: Corpus, result: dict[str, Any]) -> dict[str, Any]:
    """Print the figures of one run; return the headline ones for the summary."""
    predicted: set[Finding] = result["predicted"]
    expected: set[Finding] = result["expected"]
    by_key: dict[Key, CorpusProfile] = result["by_key"]
    headline: dict[str, Any] = {}

    def reached(p: CorpusProfile) -> bool:
        return (p.image is None and p.banner is None) or (p.source, p.handle.lower()) in result["fetched"]

    for kind in ("impersonation", "logo_misuse"):
        exp = {e for e in expected if e[1] == kind}
        got = {p for p in predicted if p[1] == kind}
        tp = len(exp & got)
        precision = tp / len(got) if got else 1.0
        recall = tp / len(exp) if exp else 1.0
        near = {e for e in exp if reached(by_key[e[0]])}
        recall_reached = len(near & got) / len(near) if near else 1.0
        headline[kind] = (precision, recall, recall_reached)
        print(f"{kind:<14} precision {precision:.3f}  recall {recall:.3f}  ({tp} right, {len(got) - tp} wrong, "
              f"{len(exp) - tp} missed); recall over what search reached {recall_reached:.3f}")  # fmt: skip

    for source in ("bluesky", "mastodon"):
        exp = {e for e in expected if e[1] == "impersonation" and e[0][0] == source}
        tp = len(exp & predicted)
        headline[f"impersonation_{source}"] = (tp, len(exp))
        print(f"  impersonation recall on {source:<9} {tp / len(exp) if exp else 1:.3f} ({_ratio(tp, len(exp))})")

    def found(p: CorpusProfile, *, only_reached: bool = False) -> tuple[int, int]:
        if only_reached and not reached(p):
            return 0, 0
        keys = {((p.source, p.handle.lower()), kind, person) for kind, person in p.expect}
        return len(keys & predicted), len(keys)

    def recall_of(label: str, *, only_reached: bool = False) -> tuple[int, int]:
        hits = [found(p, only_reached=only_reached) for p in corpus.profiles if p.label == label]
        return sum(h for h, _ in hits), sum(t for _, t in hits)

    for label, words in (("impostor_photo", "photo-only"), ("impostor_name_photo", "name + photo"),
                         ("impostor_claim", "name + claim"), ("own_logo", "own account with logo")):  # fmt: skip
        hit, total = recall_of(label)
        near, far = recall_of(label, only_reached=True)
        headline[label] = (hit, total)
        headline[label + "_reached"] = (near, far)
        print(f"{words + ' recall':<28} {hit / total if total else 1:.3f}  ({_ratio(hit, total)}); "
              f"of those search reached {near / far if far else 1:.3f} ({_ratio(near, far)})")  # fmt: skip
    not_ours = [p for p in corpus.profiles if p.label in NOT_OURS]
    reported = [p for p in not_ours if any(f[0] == (p.source, p.handle.lower()) for f in predicted)]
    headline["not_ours"] = (len(reported), len(not_ours))
    print(f"other institutions' logos / distractors reported: {len(reported)} of {len(not_ours)} (must be 0)")
    own = [f for f in predicted if f[1] == "impersonation" and by_key.get(f[0]) and by_key[f[0]].label in ("own",
           "own_logo")]  # fmt: skip
    headline["own"] = len(own)
    print(f"own accounts reported as impersonation: {len(own)}")

    disguises: dict[str, list[tuple[int, int]]] = defaultdict(lambda: [(0, 0), (0, 0)])
    edits: dict[str, list[tuple[int, int]]] = defaultdict(lambda: [(0, 0), (0, 0)])
    origins: dict[str, list[tuple[int, int]]] = defaultdict(lambda: [(0, 0), (0, 0), (0, 0)])
    logo_kinds: dict[str, list[tuple[int, int]]] = defaultdict(lambda: [(0, 0), (0, 0)])
    logo_edits: dict[str, list[tuple[int, int]]] = defaultdict(lambda: [(0, 0), (0, 0)])

    def bump(table: dict[str, list[tuple[int, int]]], key: str, column: int, p: CorpusProfile) -> None:
        h, t = found(p, only_reached=True)
        old = table[key][column]
        table[key][column] = (old[0] + h, old[1] + t)

    photo_columns = {"impostor_name_photo": 0, "impostor_photo": 1, "impostor_claim": 2}
    for p in corpus.profiles:
        if p.label == "impostor_name_photo":
            bump(disguises, p.disguise, 0, p)
            bump(edits, p.edit, 0, p)
        elif p.label == "impostor_claim":
            bump(disguises, p.disguise, 1, p)
        elif p.label == "impostor_photo":
            bump(edits, p.edit, 1, p)
        if p.label in photo_columns and p.photo:
            bump(origins, p.photo, photo_columns[p.label], p)
        if p.label in ("logo", "own_logo"):
            column = 0 if p.label == "logo" else 1
            bump(logo_kinds, p.logo_kind, column, p)
            bump(logo_edits, p.edit, column, p)
    unreached = sum(1 for p in corpus.profiles if p.expect and not reached(p))
    print(
        f"\nThe tables below count only what search reached ({unreached} expected profiles were never fetched; "
        "the headline recall above counts them as missed)."
    )
    _recall_table("recall per name disguise:", disguises, ["name+photo", "name+claim"], NAME_DISGUISES)
    _recall_table("recall per photo edit:", edits, ["name+photo", "photo-only"], PHOTO_EDITS)
    _recall_table("recall per photo origin:", origins, ["name+photo", "photo-only", "claim(other)"],
                  sorted(origins))  # fmt: skip
    _recall_table("recall per logo kind:", logo_kinds, ["fan pages", "own accounts"], [lg.kind for lg in corpus.logos])
    _recall_table("recall per logo edit:", logo_edits, ["fan pages", "own accounts"], LOGO_EDITS)

    wrong = sorted((p for p in predicted if p not in expected), key=str)
    by_label = Counter(by_key[p[0]].label if p[0] in by_key else "?" for p in wrong)
    print(f"\nfindings that should not exist: {len(wrong)} {dict(by_label)}")
    for p in wrong[:25]:
        profile = by_key.get(p[0])
        label = f"{profile.label} {profile.detail}".strip() if profile else "?"
        print(f"  {p[1]:<14} {p[2] or '-':<40} on {p[0][0]}:{p[0][1]} ({label}: {profile.name if profile else ''!r})")
    missed = [e for e in expected if e not in predicted]
    unseen = [e for e in missed if by_key[e[0]].image is not None and e[0] not in result["fetched"]]
    print(f"expected findings missed: {len(missed)}; of them with an avatar never fetched (not reached by search): "
          f"{len(unseen)}")  # fmt: skip
    reach: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in corpus.profiles:
        if p.image is not None or p.banner is not None:
            reach[p.label][1] += 1
            reach[p.label][0] += (p.source, p.handle.lower()) in result["fetched"]
    print("pictures fetched per class (reached by search): "
          + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(reach.items())))  # fmt: skip
    for e in sorted(unseen, key=str)[:10]:
        p = by_key[e[0]]
        print(f"  never fetched: {p.label} {p.detail} on {p.source}:{p.handle} ({p.name!r})")
    reached = [e for e in missed if e not in unseen]
    reachable = len(expected) - len(unseen)
    print(f"recall over the findings search reached: {1 - len(reached) / reachable if reachable else 1:.3f} "
          f"({reachable - len(reached)}/{reachable})")  # fmt: skip
    print(f"scan: {result['scan_seconds']:.1f} s")
    headline["scan"] = result["scan_seconds"]
    return headline


def describe(corpus: Corpus, strangers: int, built: float) -> None:
    labels = Counter(p.label for p in corpus.profiles)
    photos = Counter(s.photo or "none" for s in corpus.staff)
    print(f"== {corpus.part} part, seed {corpus.seed}: {len(corpus.staff)} staff, {strangers} strangers, "
          f"{len(corpus.profiles)} profiles (built in {built:.1f} s) ==")  # fmt: skip
    print(f"district: {corpus.district.name}; schools: {len(corpus.schools)}")
    print(f"profiles: {dict(labels)}")
    print(f"staff photos: {dict(photos)}; real-photo pool used: {corpus.stats.get('pool_real', 0)} real, "
          f"{corpus.stats.get('pool_composites', 0)} synthetic-on-real composites")  # fmt: skip
    print(f"district logos: {', '.join(f'{lg.label} (design {lg.seed})' for lg in corpus.logos)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=PARTS, default="test")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sizes", default="60,240", help="staff sizes to run, comma-separated (default 60,240)")
    parser.add_argument("--staff", type=int, help="one staff size (overrides --sizes)")
    parser.add_argument("--strangers", type=int, help="strangers (default: 5/3 of the staff)")
    parser.add_argument("--no-pairs", action="store_true", help="skip the per-pair photo false-match rate")
    args = parser.parse_args()
    sizes = [args.staff] if args.staff else [int(s) for s in args.sizes.split(",") if s.strip()]
    summary = []
    for staff in sizes:
        strangers = args.strangers if args.strangers is not None else round(staff * 5 / 3)
        start = time.perf_counter()
        corpus = build_corpus(args.seed, staff, strangers, part=args.part)
        describe(corpus, strangers, time.perf_counter() - start)
        print_reach(corpus, DIRECTORY_PAGES)
        with tempfile.TemporaryDirectory() as tmp:
            summary.append((staff, report(corpus, evaluate(corpus, Path(tmp)))))
        print()
    if len(summary) > 1:
        print(f"== summary, {args.part} part, seed {args.seed} ==")
        print("(R: recall over everything expected; R*: over what search reached, i.e. matching alone)")
        print(f"{'staff':>6} {'imp. P':>7} {'imp. R':>7} {'imp. R*':>8} {'photo-only R':>13} {'R*':>6} "
              f"{'logo P':>7} {'logo R':>7} {'logo R*':>8} {'not ours':>9} {'own':>4} {'scan s':>7}")  # fmt: skip
        for staff, h in summary:
            imp, logo = h["impersonation"], h["logo_misuse"]
            hit, total = h["impostor_photo"]
            near, far = h["impostor_photo_reached"]
            print(f"{staff:>6} {imp[0]:>7.3f} {imp[1]:>7.3f} {imp[2]:>8.3f} {hit / total if total else 1:>13.3f} "
                  f"{near / far if far else 1:>6.3f} {logo[0]:>7.3f} {logo[1]:>7.3f} {logo[2]:>8.3f} "
                  f"{h['not_ours'][0]:>9} {h['own']:>4} {h['scan']:>7.1f}")  # fmt: skip
    if not args.no_pairs:
        pair_rates(args.part)


def pair_rates(part: str) -> None:
    """The per-pair photo false-match rate (and recall per edit) on the same part, from calibrate_images."""
    print(f"\n== photos alone, {part} part: copies per edit and the false-match rate per pair of different people ==")
    true_pairs, false_pairs, compared = calibrate_images.run(part, people=60, strangers=120)
    calibrate_images.report(part, true_pairs, false_pairs, compared)


if __name__ == "__main__":
    main()
