"""提标 benchmark: recompute N enrolled 低保 households of one county on PostgreSQL (issue 5 §3).

    createdb -h 127.0.0.1 -U postgres assistance_bench_recompute
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/assistance_bench_recompute
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_recompute.py --enrolments 1000000 [--repeat 2]

Setup (once, kept for later runs): the county 长白 (220623) with 10 towns × 12 villages through the services, the
shipped policy profiles, and N enrolments, each with its household, application, evaluation and decision basis.
The rows are cloned from one template row per table with ``INSERT … SELECT … generate_series`` and the basis is
written with ``COPY`` from the batch path's own generator (``batch.generate_columns``), adjusted so that every
household is enrolled as the old standard would decide it (low income, property within the limits): throw-away
benchmark data that bypasses the services and the audit trail, so the script refuses a database whose name does
not contain ``bench``.

Each run then measures, on the same rows:

1. the plain SQL ``UPDATE`` that sets every one of those enrolments' amount (in a transaction rolled back), and
2. ``cases.services.recompute.enrolments_recompute`` end to end — read the bases, run the batch path with the
   county's parameters, write every new amount and its ``EnrolmentChange``, audit — after resetting the amounts
   so that every enrolment changes;

and prints both times, their ratio, how many enrolments changed and the process's peak memory. Targets: end to
end ≤ 60 s and ≤ 3 × the plain UPDATE, memory bounded by the chunk (no list of a million objects).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

import django

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from assistance.models import Region  # noqa: E402
from assistance.services import system_actor  # noqa: E402
from cases.models import Application, Enrolment, Evaluation, Household  # noqa: E402
from cases.services.recompute import CHUNK, enrolments_recompute  # noqa: E402
from eligibility.rules import batch  # noqa: E402
from eligibility.rules.facts import Household as FactsHousehold  # noqa: E402
from eligibility.rules.facts import Person, Request  # noqa: E402
from eligibility.rules.profile_data import load_documents  # noqa: E402
from eligibility.rules.schema import EXPENSE_KINDS, INCOME_KINDS  # noqa: E402
from eligibility.rules.serialization import request_to_dict  # noqa: E402
from eligibility.services import profiles_load  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_households import COUNTY, ID_BASE, build_regions, clone, rss_mb  # noqa: E402

MONTH = dt.date(2026, 12, 1)
OLD_AMOUNT = "100.00"  # every enrolment's amount before the run: all of them change


def _copy(table: str, columns: list[str], rows: np.ndarray) -> None:
    buffer = io.StringIO()
    np.savetxt(buffer, rows, fmt="%d", delimiter="\t")
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _enrolled_columns(n: int, seed: int) -> batch.HouseholdColumns:
    """Generated households, made enrollable: those the batch path would not enrol get no income and no
    property counted (every household below the standard, property within the limits)."""
    cols = batch.generate_columns(n, seed=seed, month=MONTH)
    cols.fallback[:] = False
    cols.counts[cols.offsets] = True  # every household has a counted member
    params = parameter_set()
    outcome = batch.evaluate_dibao_batch(cols, batch.BatchParams.from_parameter_set(params)).outcome
    poor = outcome != batch.ELIGIBLE
    for values in cols.income.values():
        values[poor[cols.person_hh]] = 0
    for array in (cols.financial_assets, cols.vehicles_counted, cols.vehicle_value_counted, cols.homes_counted):
        array[poor] = 0
    return cols


def parameter_set():
    from eligibility.selectors import parameter_set_for

    return parameter_set_for(county=Region.objects.get(code=COUNTY[0]), month=MONTH)


def setup(n: int, seed: int) -> None:
    actor = system_actor()
    started = time.perf_counter()
    county, _towns, villages = build_regions(10, 12)
    profiles_load(actor=actor, documents=load_documents())  # after the regions: links 长白 to its profile
    village = villages[0]
    request = Request(
        program="dibao",
        month=MONTH,
        household=FactsHousehold(area_type="rural", members=(Person(ref="1", birth_date=dt.date(1960, 5, 1)),)),
    )
    with transaction.atomic():
        household = Household.objects.create(
            code="BENCHR0000000000",
            hukou_region=village,
            residence_address="基准测试",
            area_type="rural",
            created_by=actor,
        )
        app = Application.objects.create(
            code="BENCHR-TEMPLATE",
            program="dibao",
            household=household,
            region=village,
            county=county,
            profile="changbai",
            status="confirmed",
            applied_on=MONTH,
            created_by=actor,
        )
        evaluation = Evaluation.objects.create(
            application=app,
            program="dibao",
            profile="changbai",
            month=MONTH,
            outcome="eligible",
            amount=OLD_AMOUNT,
            decision={},
            request=request_to_dict(request),
            evaluated_by=actor,
        )
        enrolment = Enrolment.objects.create(
            household=household,
            program="dibao",
            monthly_amount=OLD_AMOUNT,
            start_month=MONTH,
            application=app,
            evaluation=evaluation,
            region=village,
        )
    village_ids = [v.pk for v in villages]
    spread = f"(ARRAY{village_ids})[1 + mod(g, {len(village_ids)})]"
    clone(Household, household.pk, n, {"code": "'BENCHR' || lpad(g::text, 10, '0')", "hukou_region_id": spread})
    clone(
        Application,
        app.pk,
        n,
        {"code": "'BENCHR-' || g", "household_id": f"{ID_BASE} + g", "region_id": spread},
    )
    clone(Evaluation, evaluation.pk, n, {"application_id": f"{ID_BASE} + g"})
    clone(
        Enrolment,
        enrolment.pk,
        n,
        {
            "household_id": f"{ID_BASE} + g",
            "application_id": f"{ID_BASE} + g",
            "evaluation_id": f"{ID_BASE} + g",
            "region_id": spread,
        },
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(status="ended")  # the template itself is not recomputed
    print(f"已复制 {n} 户家庭、申请、评估和在保记录（{time.perf_counter() - started:.0f} 秒）", flush=True)

    step = 200_000
    for start in range(0, n, step):
        size = min(step, n - start)
        cols = _enrolled_columns(size, seed + start)
        ids = ID_BASE + 1 + start + np.arange(size, dtype=np.int64)
        hh = np.column_stack(
            [
                ids,
                cols.urban,
                cols.financial_assets,
                cols.vehicles_counted,
                cols.vehicle_value_counted,
                cols.homes_counted,
                cols.centralised,
                np.full(size, -1),
                np.zeros(size, dtype=np.int64),
                *(cols.rigid_12m[kind] for kind in EXPENSE_KINDS),
            ]
        ).astype(np.int64)
        month_text = MONTH.isoformat()
        buffer = io.StringIO()
        for row in hh.tolist():
            row[1], row[6], row[8] = ("t" if row[1] else "f"), ("t" if row[6] else "f"), "f"
            buffer.write("\t".join(map(str, row[:1])) + f"\t{month_text}\t" + "\t".join(map(str, row[1:])) + "\n")
        columns = [
            "enrolment_id",
            "month",
            "urban",
            "financial_assets",
            "vehicles_counted",
            "vehicle_value_counted",
            "homes_counted",
            "centralised",
            "subject",
            "fallback",
            *(f"rigid_{k}" for k in EXPENSE_KINDS),
        ]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY cases_enrolmentbasis ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        position = np.arange(cols.persons) - cols.offsets[cols.person_hh]
        person_ids = ids[cols.person_hh]
        people = np.column_stack(
            [
                person_ids,
                position,
                cols.birth_y,
                cols.birth_m,
                cols.birth_d,
                cols.counts,
                cols.deceased,
                cols.gone,
                cols.disability,
                cols.grade,
                cols.serious_illness,
                cols.college,
                cols.college,
                cols.labour,
                cols.selfcare,
            ]
        ).astype(np.int64)
        buffer = io.StringIO()
        bools = (5, 6, 7, 10, 11, 12)
        for row in people.tolist():
            for k in bools:
                row[k] = "t" if row[k] else "f"
            buffer.write("\t".join(map(str, row)) + "\n")
        person_columns = [
            "enrolment_id",
            "position",
            "birth_year",
            "birth_month",
            "birth_day",
            "counts",
            "deceased",
            "gone",
            "disability",
            "grade",
            "serious_illness",
            "college",
            "school",
            "labour",
            "selfcare",
        ]
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY cases_enrolmentbasisperson ({', '.join(person_columns)}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        for kind, values in cols.income.items():
            chosen = np.nonzero(values)[0]
            rows = np.column_stack(
                [person_ids[chosen], position[chosen], np.full(len(chosen), INCOME_KINDS.index(kind)), values[chosen]]
            )
            _copy("cases_enrolmentbasisincome", ["enrolment_id", "position", "kind", "amount"], rows)
        print(f"  核定依据 {start + size}/{n}（{time.perf_counter() - started:.0f} 秒）", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def target_count(county: Region) -> int:
    return Enrolment.objects.filter(status="active", program="dibao", region__path__startswith=county.path).count()


def reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_enrolmentchange WHERE cause = 'standard'")
        cursor.execute(f"UPDATE cases_enrolment SET monthly_amount = {OLD_AMOUNT} WHERE id > {ID_BASE}")
        cursor.execute("VACUUM ANALYZE cases_enrolment")
        cursor.execute("VACUUM ANALYZE cases_enrolmentchange")


def plain_update(county: Region) -> float:
    """The plain SQL UPDATE that sets the same rows' amount (rolled back)."""
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_enrolment SET monthly_amount = monthly_amount + 50 WHERE status = 'active' "
                "AND program = 'dibao' AND region_id IN (SELECT id FROM assistance_region WHERE path LIKE %s)",
                [county.path + "%"],
            )
            elapsed = time.perf_counter() - started
            print(f"  普通 UPDATE：{cursor.rowcount} 行", flush=True)
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=CHUNK)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args()
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql":
        sys.exit("提标基准测试只在 PostgreSQL 上运行（设置 DATABASE_URL）")
    if "bench" not in Path(name).name and not args.allow_any_database:
        sys.exit(f"拒绝运行：数据库 {name} 的名称不含 bench。基准数据绕过服务和审计，只能写入基准测试库。")
    county = Region.objects.filter(code=COUNTY[0]).first()
    if county is None or target_count(county) < args.enrolments:
        setup(args.enrolments, args.seed)
        county = Region.objects.get(code=COUNTY[0])
    n = target_count(county)
    print(f"县：{county.name}，在保低保户 {n}，生效月份 {MONTH:%Y-%m}，每批 {args.chunk}", flush=True)
    for run in range(1, args.repeat + 1):
        reset()
        update_s = plain_update(county)
        with connection.cursor() as cursor:  # the rolled-back UPDATE left a dead version of every row
            cursor.execute("VACUUM ANALYZE cases_enrolment")
        rss_before = rss_mb()
        started = time.perf_counter()
        result = enrolments_recompute(actor=system_actor(), county=county, month=MONTH, chunk=args.chunk)
        recompute_s = time.perf_counter() - started
        report = result.as_dict()
        print(
            f"第 {run} 次：普通 UPDATE {update_s:.1f} 秒；提标重算（端到端）{recompute_s:.1f} 秒；"
            f"比值 {recompute_s / update_s:.2f}×；调整 {report['changed']} 户，不变 {report['unchanged']}，"
            f"需复核 {report['review']}，逐户计算 {report['scalar']}；月发放 {report['total_before']} → "
            f"{report['total_after']} 元；分段（秒）{report['seconds']}；"
            f"进程内存峰值 {rss_mb():.0f} MB（重算前 {rss_before:.0f} MB）",
            flush=True,
        )


if __name__ == "__main__":
    main()
