"""Time the 待办 inbox and the application list at county scale, the way the pages use them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assistance_bench \\
        .venv/bin/python bench/bench_inbox.py [--applications 100000] [--repeat 7] [--explain]

Uses the households of ``bench/generate_households.py`` (run it first). Adds one application per household
until the county has ``--applications`` of them, spread over the statuses the way a county's register looks
after some years (most confirmed or refused, a few thousand open), with deadlines around today. Like the
household generator, the rows are written with ``bulk_create`` — throw-away benchmark data that bypasses
the services and the audit trail — and the script refuses a database whose name lacks ``bench``.

Then, for the town caseworker ``bench_town`` and the county reviewer ``bench_county``, it times the first
page of ``inbox_for`` (count + 50 rows with household, head and village, as the page shows them) and of
``application_list_for`` (all, and open only), each as a fresh request would run it, and prints the median
and fastest run in milliseconds, the rows matched and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

import django

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assistance.models import Region, Staff  # noqa: E402
from cases.choices import ApplicationStatus as S  # noqa: E402
from cases.models import Application, Household  # noqa: E402
from cases.selectors import application_list_for, inbox_for  # noqa: E402

PAGE_SIZE = 50
# Share of each status in a county's register (open cases are a few per cent of all).
STATUS_WEIGHTS = [
    (S.CONFIRMED, 60),
    (S.REFUSED, 20),
    (S.WITHDRAWN, 6),
    (S.MATERIALS_PENDING, 1),
    (S.ACCEPTED, 1),
    (S.INVESTIGATING, 3),
    (S.EVALUATED, 2),
    (S.TOWN_APPROVED, 1),
    (S.NOTICE, 2),
    (S.DECISION, 4),
]
OPEN = {S.MATERIALS_PENDING, S.ACCEPTED, S.INVESTIGATING, S.EVALUATED, S.TOWN_APPROVED, S.NOTICE, S.DECISION}


def generate(total: int, *, seed: int, batch: int = 5000) -> None:
    if "bench" not in connection.settings_dict["NAME"]:
        sys.exit("拒绝运行：数据库名称不含 bench（基准数据会绕过服务写入）")
    county = Region.objects.get(code="220623")
    have = Application.objects.filter(county=county).count()
    if have >= total:
        print(f"已有 {have} 件申请，不再生成")
        return
    creator = Staff.objects.get(username="bench_town")
    rng = random.Random(seed + have)
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    today = timezone.localdate()
    done = Application.objects.filter(county=county).values("household_id")
    households = (
        Household.objects.filter(hukou_region__path__startswith=county.path)
        .exclude(pk__in=done)
        .values_list("pk", "hukou_region_id")
        .order_by("pk")[: total - have]
    )
    started = time.perf_counter()
    rows: list[Application] = []
    made = have
    for pk, village in households.iterator(chunk_size=batch):
        status = rng.choices(statuses, weights)[0]
        applied = today - datetime.timedelta(days=rng.randint(0, 900 if status not in OPEN else 40))
        rows.append(
            Application(
                code=f"SQ220623{applied.year}B{made + 1:07d}",
                program="dibao",
                household_id=pk,
                region_id=village,
                county=county,
                profile="changbai",
                status=status,
                applied_on=applied,
                authorisation_signed_on=applied,
                accepted_on=None if status == S.MATERIALS_PENDING else applied,
                due_on=(applied + datetime.timedelta(days=rng.randint(3, 45))) if status in OPEN else None,
                town_opinion="approve" if status == S.DECISION else "",
                created_by=creator,
            )
        )
        made += 1
        if len(rows) >= batch:
            Application.objects.bulk_create(rows)
            rows.clear()
    if rows:
        Application.objects.bulk_create(rows)
    print(f"生成 {made - have} 件申请（共 {made} 件），用时 {time.perf_counter() - started:.1f} 秒")


def _inbox(username: str) -> tuple[int, int]:
    actor = Staff.objects.get(username=username)
    page = Paginator(inbox_for(actor=actor), PAGE_SIZE).page(1)
    rows = list(page.object_list)
    for app in rows:  # what a row shows
        _ = (app.code, app.household.code, app.household.head and app.household.head.name, app.region.parent.name)
    return page.paginator.count, len(rows)


def _list(username: str, open_only: bool) -> tuple[int, int]:
    actor = Staff.objects.get(username=username)
    page = Paginator(application_list_for(actor=actor, open_only=open_only), PAGE_SIZE).page(1)
    rows = list(page.object_list)
    for app in rows:
        _ = (app.code, app.household.code, app.household.head and app.household.head.name, app.region.parent.name)
    return page.paginator.count, len(rows)


def measure(run, repeat: int) -> dict:
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            matched, _shown = run()
            timings.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(timings), "best": min(timings), "matched": matched, "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    generate(args.applications, seed=args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_application")
    print(f"{'人员':<14}{'页面':<22}{'中位数 ms':>10}{'最快 ms':>10}{'匹配':>9}{'查询数':>7}")
    for username in ("bench_town", "bench_county"):
        for label, run in (
            ("待办（第一页）", lambda u=username: _inbox(u)),
            ("全部申请（第一页）", lambda u=username: _list(u, False)),
            ("办理中申请（第一页）", lambda u=username: _list(u, True)),
        ):
            r = measure(run, args.repeat)
            print(f"{username:<14}{label:<18}{r['median']:>10.1f}{r['best']:>10.1f}{r['matched']:>9}{r['queries']:>7}")
    if args.explain:
        actor = Staff.objects.get(username="bench_county")
        print(inbox_for(actor=actor)[:PAGE_SIZE].explain(analyze=True))


if __name__ == "__main__":
    main()
