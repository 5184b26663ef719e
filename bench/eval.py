"""``make eval``: the development corpus through the real product, scored per class.

The corpus (bench/corpus.py) is served by the local Bluesky and Mastodon stand-ins and run
through the same commands a district uses: ``people import``, ``logos add``, ``scan``,
``findings --json``. Precision and recall are printed per class; nothing is asserted.

    .venv/bin/python bench/eval.py [--seed 7] [--staff 40] [--strangers 60]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from corpus import OFFICIAL, SCHOOLS, Corpus, build_corpus

from watcher.cli import cli
from watcher.demo.appview import FakeAppView
from watcher.demo.mastodon import FakeMastodon, account


def serve(corpus: Corpus) -> tuple[FakeAppView, FakeMastodon]:
    actors, images, accounts, mastodon_images = [], {}, [], {}
    for n, p in enumerate(corpus.profiles):
        path = f"/img/{n:05d}.jpg" if p.image is not None else None
        if p.source == "bluesky":
            actor = {"did": f"did:plc:eval{n:05d}", "handle": p.handle, "displayName": p.name, "description": p.bio}
            if path:
                images[path] = p.image
                actor["avatar"] = path
            actors.append(actor)
        else:
            if path:
                mastodon_images[path] = p.image
            accounts.append(account(n, p.handle, p.name, f"<p>{p.bio}</p>" if p.bio else "", path))
    return FakeAppView(actors, images), FakeMastodon(accounts, mastodon_images)


def write_inputs(folder: Path, corpus: Corpus, bluesky_url: str, mastodon_url: str) -> Path:
    (folder / "photos").mkdir()
    with open(folder / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "aliases", "handles", "photos", "school", "opt_in"])
        for s in corpus.staff:
            photo = ""
            if s.email in corpus.photos:
                photo = f"photos/{s.email.split('@')[0]}.jpg"
                (folder / photo).write_bytes(corpus.photos[s.email])
            writer.writerow([s.name, s.email, "", ";".join(s.handles), photo, s.school, "yes" if s.opt_in else "no"])
    (folder / "logo.png").write_bytes(corpus.logo)
    mastodon_host = mastodon_url.split("//")[1].split(":")[0]
    keywords = ", ".join(f'"{k}"' for k in ["SVUSD", "Sierra Vista Unified", *SCHOOLS])
    config = folder / "watcher.toml"
    config.write_text(
        f"""database = "watcher.db"
[district]
name = "Sierra Vista Unified School District"
keywords = [{keywords}]
official_accounts = ["bluesky:{OFFICIAL[0]}", "mastodon:{OFFICIAL[1]}@{mastodon_host}"]
[network]
allow_private_addresses = true
retry_backoff = 0.01
[[sources]]
name = "bluesky"
type = "bluesky"
base_url = "{bluesky_url}"
rate_limit = "1000/1s,burst=1000"
[[sources]]
name = "mastodon"
type = "mastodon"
base_url = "{mastodon_url}"
rate_limit = "1000/1s,burst=1000"
[email]
maildir = "outbox"
""",
        encoding="utf-8",
    )
    return config


def evaluate(corpus: Corpus, workdir: Path) -> dict:
    bluesky, mastodon = serve(corpus)
    with bluesky, mastodon:
        config = write_inputs(workdir, corpus, bluesky.base_url, mastodon.base_url)
        runner = CliRunner()

        def run(*args: str) -> str:
            result = runner.invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
            if result.exit_code != 0:
                raise SystemExit(f"watcher {' '.join(args)} failed: {result.output}")
            return result.stdout

        run("people", "import", str(workdir / "roster.csv"))
        run("logos", "add", str(workdir / "logo.png"), "--label", "district seal")
        start = time.perf_counter()
        run("scan")
        took = time.perf_counter() - start
        findings = json.loads(run("findings", "--json"))
    by_key = {(p.source, p.handle.lower()): p for p in corpus.profiles}
    predicted: set[tuple[tuple[str, str], str, str | None]] = set()
    for f in findings:
        handle = f["handle"].split("@")[0] if f["source"] == "mastodon" else f["handle"]
        predicted.add(((f["source"], handle.lower()), f["kind"], f["person"]))
    expected = {((p.source, p.handle.lower()), kind, person) for p in corpus.profiles for kind, person in p.expect}
    return {"predicted": predicted, "expected": expected, "by_key": by_key, "scan_seconds": took}


def report(result: dict) -> None:
    predicted, expected, by_key = result["predicted"], result["expected"], result["by_key"]
    for kind in ("impersonation", "logo_misuse"):
        exp = {e for e in expected if e[1] == kind}
        got = {p for p in predicted if p[1] == kind}
        tp = len(exp & got)
        precision = tp / len(got) if got else 1.0
        recall = tp / len(exp) if exp else 1.0
        print(f"{kind:<14} precision {precision:.3f}  recall {recall:.3f}  ({tp} right, {len(got) - tp} wrong, "
              f"{len(exp) - tp} missed)")  # fmt: skip
    print("\nrecall by class and disguise (expected findings found):")
    rows: Counter = Counter()
    hits: Counter = Counter()
    for e in expected:
        profile = by_key[e[0]]
        for key in (profile.label, f"  {profile.label}: {profile.detail}" if profile.detail else None):
            if key:
                rows[key] += 1
                hits[key] += e in predicted
    for key in sorted(rows, key=lambda k: (k.strip().split(":")[0], not k.startswith(" "), k)):
        print(f"  {key:<48} {hits[key]:>3}/{rows[key]:<3}")
    wrong = [p for p in predicted if p not in expected]
    print(f"\nfindings that should not exist: {len(wrong)}")
    for p in sorted(wrong, key=str)[:25]:
        profile = by_key.get(p[0])
        label = f"{profile.label} {profile.detail}".strip() if profile else "?"
        print(f"  {p[1]:<14} {p[2] or '-':<40} on {p[0][0]}:{p[0][1]} ({label}: {profile.name if profile else ''!r})")
    own = [
        p for p in wrong if by_key.get(p[0]) and by_key[p[0]].label in ("own", "own_logo") and p[1] == "impersonation"
    ]
    print(f"own accounts reported as impersonation: {len(own)}")
    print(f"scan: {result['scan_seconds']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--staff", type=int, default=40)
    parser.add_argument("--strangers", type=int, default=60)
    args = parser.parse_args()
    corpus = build_corpus(args.seed, args.staff, args.strangers)
    labels = Counter(p.label for p in corpus.profiles)
    print(f"corpus seed {args.seed}: {len(corpus.staff)} staff, {len(corpus.profiles)} profiles {dict(labels)}\n")
    with tempfile.TemporaryDirectory() as tmp:
        report(evaluate(corpus, Path(tmp)))


if __name__ == "__main__":
    main()
