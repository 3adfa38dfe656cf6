"""How long a full rescreen of everyone takes: 100,000 users against all the real lists.

    .venv/bin/python benchmarks/rescreen.py
    .venv/bin/python benchmarks/rescreen.py --users 20000 --keep

Creates a scratch database next to DATABASE_URL's (`<name>_rescreen_bench`, dropped at the
end unless --keep), imports the real lists from ../shared/data/sanctions with the real
importer, creates the users in bulk (a full name each; a third also with an approved KYC
identity: date of birth, nationality, residence; about 0.2 % of them named like a listed
person), then calls `start_rescreen()` and runs its chunks through the real task
(`compliance.rescreen_chunk`) in this process, in order (Celery eager mode): one worker's
worth of CPU. Prints users/s and the total time, the index build and the matches found.
Workers split the chunks between them, so W worker processes on W cores take about 1/W of
the time (the work is CPU-bound name matching; the database sees one query per chunk and
writes only for matches).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "sanctions"
LISTS = {
    "ofac_sdn": ["ofac_sdn.csv", "ofac_alt.csv", "ofac_add.csv", "ofac_sdn_comments.csv"],
    "ofac_cons": [
        "ofac_cons_prim.csv",
        "ofac_cons_alt.csv",
        "ofac_cons_add.csv",
        "ofac_cons_comments.csv",
    ],
    "un": ["un_consolidated.xml"],
}
GIVEN = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "david",
    "elizabeth",
    "maria",
    "jose",
    "juan",
    "ana",
    "carlos",
    "luis",
    "wei",
    "li",
    "jing",
    "mohammed",
    "ahmed",
    "ali",
    "fatima",
    "omar",
    "aisha",
    "ivan",
    "olga",
    "sergei",
    "elena",
    "anna",
    "peter",
    "thomas",
    "sarah",
    "emma",
    "lucas",
    "noah",
    "sofia",
    "hiroshi",
    "yuki",
    "priya",
    "rahul",
    "mehmet",
    "ayse",
]
SURNAMES = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "lopez",
    "wang",
    "li",
    "zhang",
    "chen",
    "nguyen",
    "kim",
    "park",
    "singh",
    "kumar",
    "khan",
    "hassan",
    "ibrahim",
    "ivanov",
    "smirnov",
    "petrov",
    "muller",
    "schmidt",
    "rossi",
    "dubois",
    "silva",
    "santos",
    "yilmaz",
    "kaya",
    "tanaka",
    "sato",
    "novak",
    "kowalski",
    "jensen",
    "larsen",
]


def say(text: str = "") -> None:
    print(text, flush=True)  # noqa: T201 - a benchmark prints its figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=500, help="users per task")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    missing = [n for files in LISTS.values() for n in files if not (args.data / n).exists()]
    if missing:
        say(f"skipped: the list files are not in {args.data} (missing {', '.join(missing)})")
        return

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cryptopulse.settings")
    import django
    from django.conf import settings

    django.setup()
    # A cache namespace of this run only (rescreen chunks and the index stamp live there).
    settings.CACHES["default"]["KEY_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    settings.SCREENING_RESCREEN_CHUNK = args.chunk
    from django.db import connection

    name = f"{settings.DATABASES['default']['NAME']}_rescreen_bench"
    database: dict[str, Any] = settings.DATABASES["default"]
    database["TEST"] = {**database.get("TEST", {}), "NAME": name}
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keep)
    say(f"scratch database {name} ready in {time.perf_counter() - started:.1f} s")
    try:
        run(args)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(name, verbosity=0)


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from compliance.models import (
        KycStatus,
        KycSubmission,
        RescreenJob,
        ScreeningMatch,
        WatchlistEntry,
    )
    from compliance.screening import index as screening_index
    from compliance.screening.services import start_rescreen
    from compliance.screening.watchlists import import_watchlist
    from cryptopulse.celery import app

    started = time.perf_counter()
    for source, files in LISTS.items():
        import_watchlist(source=source, paths=[args.data / n for n in files])
    entries = WatchlistEntry.objects.filter(active=True).count()
    say(f"lists imported: {entries} entries ({time.perf_counter() - started:.1f} s)")

    rng = random.Random(args.seed)  # noqa: S311 - repeatable users, not secrets
    people = list(
        WatchlistEntry.objects.filter(kind="individual", active=True)
        .exclude(dates_of_birth=[])
        .values_list("name", "dates_of_birth", "nationalities")[:2000]
    )
    password = make_password(None)  # unusable: nobody signs in here
    started = time.perf_counter()
    now = timezone.now()
    batch: list[User] = []
    identities: list[tuple[int, str, date, str]] = []
    planted: set[str] = set()
    for n in range(args.users):
        if rng.random() < 0.002 and people:
            planted.add(f"user{n}@bench.example")
            listed_name, dobs, nations = rng.choice(people)
            last, _, given = listed_name.partition(",")
            full_name = f"{given.strip()} {last.strip()}".strip().title()
            year = int(str(dobs[0])[:4]) if isinstance(dobs[0], str) else int(dobs[0]["from"])
            nationality = nations[0] if nations else "US"
        else:
            full_name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}".title()
            year = rng.randint(1945, 2004)
            nationality = rng.choice(["US", "GB", "DE", "FR", "IN", "CN", "BR", "RU", "TR", "NG"])
        batch.append(User(email=f"user{n}@bench.example", full_name=full_name, password=password))
        if n % 3 == 0:
            identities.append(
                (n, full_name, date(year, rng.randint(1, 12), rng.randint(1, 28)), nationality)
            )
    User.objects.bulk_create(batch, batch_size=5000)
    ids = dict(User.objects.filter(email__endswith="@bench.example").values_list("email", "pk"))
    KycSubmission.objects.bulk_create(
        [
            KycSubmission(
                user_id=ids[f"user{n}@bench.example"],
                level=1,
                status=KycStatus.APPROVED,
                legal_name=full_name,
                date_of_birth=born,
                nationality=nationality,
                residence_country=nationality,
                submitted_at=now,
                decided_at=now,
            )
            for n, full_name, born, nationality in identities
        ],
        batch_size=5000,
    )
    say(
        f"{args.users:,} users created ({len(identities):,} with a KYC identity) in "
        f"{time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    screening_index.invalidate()
    index = screening_index.get_index(max_age=0)
    build = time.perf_counter() - started
    say(f"index: {len(index)} entries, {len(index.records):,} names, built in {build:.1f} s")

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    started = time.perf_counter()
    with transaction.atomic():
        job = start_rescreen()
    # on commit, the chunks ran one after another in this process
    elapsed = time.perf_counter() - started
    job = RescreenJob.objects.get(pk=job.pk)
    say(
        f"rescreen #{job.pk}: {job.status}, {job.done:,} of {job.total:,} users, "
        f"{job.matches} new matches, chunks of {args.chunk}"
    )
    matched = set(
        ScreeningMatch.objects.values_list("user__email", flat=True).distinct().iterator()
    )
    say(
        f"users matched: {len(matched):,} ({len(matched & planted)} of the {len(planted)} named "
        f"like a listed person; the others have a common name that is, or nearly is, a listed "
        f"name or alias, mostly with no date of birth to tell them apart)"
    )
    say(
        f"full rescreen of {job.total:,} users: {elapsed:.1f} s in one process, "
        f"{job.total / elapsed:,.0f} users/s ({elapsed / max(1, job.total) * 1000:.2f} ms per user)"
    )


if __name__ == "__main__":
    main()
