"""花名册 benchmark: the monthly 低保 payment roll of one county with N enrolments on PostgreSQL (issue: a roll of
1 000 000 lines within 2 × a plain ``INSERT … SELECT`` of the same rows, and its export streamed).

    .venv/bin/python bench/bench_rolls.py [--n 1000000] [--repeat 2] [--variants] [--keep]

The script makes its own scratch database (``--database-url``, default
``postgres://postgres@127.0.0.1:5432/assistance_bench_rolls``; the name must contain ``bench``), migrates it,
and drops it at the end if it created it (``--keep`` keeps it, and a later run reuses a kept database).

Setup: the county 长白 (220623) with 10 towns × 12 villages through the services, then N enrolled 低保 households
cloned in SQL from one template row per table (``INSERT … SELECT … generate_series``): each household has a bank
account; each enrolment has its first ``EnrolmentChange`` and some have more — a third a recheck effective this
month (amount changes against last month), a tenth a future-dated graduated-exit step (after the roll month:
the latest-change lookup must skip it), about 1 % ended this month and 1 % enrolled this month. Throw-away data
that bypasses the services and the audit trail.

Measured (best of ``--repeat``, the order of the two alternating):

1. baseline: one plain ``INSERT INTO payments_paymentline … SELECT … FROM cases_enrolment e JOIN
   assistance_region r JOIN cases_household h`` of the same rows (same columns, the amount from
   ``e.monthly_amount``, no change lookup) into a throw-away roll, then the rows deleted and ``VACUUM ANALYZE``;
2. ``roll_generate`` end to end (reset, chunks, carried lines, totals, audit) of the month; last month's roll is
   generated first so that ``roll_check`` compares against a full roll;
3. ``roll_check`` (totals by town and kind, changes against last month) and ``roll_approve``;
4. the export of the approved roll streamed to ``--export-to`` (default ``/dev/null``): ``payments.bankfiles``
   when it offers a streaming writer, else a plain generator over ``values_list(...).iterator()``; time, MB/s
   and the growth of the process's peak RSS.

Exit status 1 when the ratio roll / baseline exceeds ``--target`` (2.0). ``--variants`` also times alternative
forms of the regular-line statement (raw SQL, not the service) and prints one chunk's ``EXPLAIN ANALYZE``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/assistance_bench_rolls"
MONTH = dt.date(2026, 11, 1)  # the roll's month (roll_generate accepts up to next month)
PREVIOUS = dt.date(2026, 10, 1)
LATER = dt.date(2027, 1, 1)  # a future-dated change, after the roll month
BANKS = ["中国农业银行长白支行", "吉林农村信用社长白联社", "中国邮政储蓄银行长白支行"]


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="enrolments (default 1 000 000)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of baseline and roll; the best of each counts")
    parser.add_argument(
        "--database-url", default=None, help=f"default: $DATABASE_URL if it names a bench database, else {DEFAULT_URL}"
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--export-to", default=os.devnull)
    parser.add_argument("--variants", action="store_true", help="also time variants of the regular-line SQL")
    parser.add_argument("--target", type=float, default=2.0)
    return parser.parse_args()


ARGS = _args() if __name__ == "__main__" else None


def _database_url(args) -> str:
    if args and args.database_url:
        return args.database_url
    env = os.environ.get("DATABASE_URL", "")
    return env if env.startswith("postgres") and "bench" in urlsplit(env).path else DEFAULT_URL


def _ensure_database(url: str) -> bool:
    """Create the database if missing; return True if this run created it."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"拒绝运行：数据库 {name} 的名称不含 bench。基准数据绕过服务和审计，只能写入基准测试库。")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def _drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    os.environ["DATABASE_URL"] = _database_url(ARGS)
    CREATED = _ensure_database(os.environ["DATABASE_URL"])

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402

from assistance.models import Region, Staff  # noqa: E402
from assistance.services import system_actor  # noqa: E402
from cases.models import Application, Enrolment, EnrolmentChange, Evaluation, Household  # noqa: E402
from payments.models import PaymentLine, PaymentRoll  # noqa: E402
from payments.services import rolls as rolls_service  # noqa: E402
from payments.services.rolls import CHUNK, LINE_COLUMNS, roll_approve, roll_check, roll_generate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_households import COUNTY, ID_BASE, build_regions, clone, rss_mb  # noqa: E402

# Amounts as SQL expressions of g (1 … N): the first decided amount, and the enrolment's current one.
A1 = "(200 + mod(g * 37, 600) + mod(g, 4) * 0.25)"
IS_NEW = "mod(g, 101) = 0"  # enrolled this month: not on last month's roll
IS_ENDED = "mod(g, 97) = 0"  # ended this month: on last month's roll only
IS_RECHECK = "mod(g, 3) = 0"  # amount changed this month
IS_EXITING = "mod(g, 10) = 1"  # a graduated-exit step after the roll month (to be skipped)
START = f"CASE WHEN {IS_NEW} THEN DATE '{MONTH}' ELSE DATE '2024-01-01' + make_interval(months => mod(g, 22)) END::date"


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def setup(n: int) -> None:
    actor = system_actor()
    started = time.perf_counter()
    county, _towns, villages = build_regions(10, 12)
    village = villages[0]
    with transaction.atomic():
        household = Household.objects.create(
            code="BENCHP0000000000",
            hukou_region=village,
            residence_address="基准测试",
            area_type="rural",
            created_by=actor,
        )
        app = Application.objects.create(
            code="BENCHP-TEMPLATE",
            program="dibao",
            household=household,
            region=village,
            county=county,
            profile="changbai",
            status="confirmed",
            applied_on=dt.date(2024, 1, 1),
            created_by=actor,
        )
        evaluation = Evaluation.objects.create(
            application=app,
            program="dibao",
            profile="changbai",
            month=dt.date(2024, 1, 1),
            outcome="eligible",
            amount="300.00",
            decision={},
            request={},
            evaluated_by=actor,
        )
        enrolment = Enrolment.objects.create(
            household=household,
            program="dibao",
            monthly_amount="300.00",
            start_month=dt.date(2024, 1, 1),
            application=app,
            evaluation=evaluation,
            region=village,
            status="ended",  # the template itself is not on the rolls
        )
    village_ids = [v.pk for v in villages]
    spread = f"(ARRAY{village_ids})[1 + mod(g, {len(village_ids)})]"
    clone(
        Household,
        household.pk,
        n,
        {
            "code": "'BENCHP' || lpad(g::text, 10, '0')",
            "hukou_region_id": spread,
            "bank_name": f"(ARRAY{BANKS})[1 + mod(g, {len(BANKS)})]",
            "bank_account_holder": "'户主' || g",
            "bank_account_number": "'622848' || lpad(g::text, 13, '0')",
        },
    )
    clone(Application, app.pk, n, {"code": "'BENCHP-' || g", "household_id": f"{ID_BASE} + g", "region_id": spread})
    clone(Evaluation, evaluation.pk, n, {"application_id": f"{ID_BASE} + g"})
    current = (
        f"CASE WHEN {IS_ENDED} THEN 0 WHEN {IS_EXITING} THEN {A1} - 30 WHEN {IS_RECHECK} THEN {A1} + 45.5 ELSE {A1} END"
    )
    clone(
        Enrolment,
        enrolment.pk,
        n,
        {
            "household_id": f"{ID_BASE} + g",
            "application_id": f"{ID_BASE} + g",
            "evaluation_id": f"{ID_BASE} + g",
            "region_id": spread,
            "start_month": START,
            "monthly_amount": current,
            "status": f"CASE WHEN {IS_ENDED} THEN 'ended' WHEN {IS_EXITING} THEN 'exiting' ELSE 'active' END",
            "end_month": f"CASE WHEN {IS_ENDED} THEN DATE '{PREVIOUS}' END",
        },
    )
    print(f"  已复制 {n} 户家庭、申请、评估和在保记录（{time.perf_counter() - started:.0f} 秒）", flush=True)
    # Changes, in the order a later insert (higher id) wins a tie on effective_month.
    columns = [f.column for f in EnrolmentChange._meta.concrete_fields if f.column != "id"]
    steps = [
        ("TRUE", START, A1, "NULL", "active", "new"),
        (IS_RECHECK, f"DATE '{MONTH}'", f"{A1} + 45.5", A1, "active", "recheck"),
        (IS_ENDED, f"DATE '{MONTH}'", "0", A1, "ended", "exit"),
        (IS_EXITING, f"DATE '{LATER}'", f"{A1} - 30", A1, "exiting", "graduated_exit"),
    ]
    for where, month, amount, previous, status, cause in steps:
        values = {
            "enrolment_id": f"{ID_BASE} + g",
            "effective_month": month,
            "amount": amount,
            "previous_amount": previous,
            "category": "''",
            "status": f"'{status}'",
            "cause": f"'{cause}'",
            "application_id": f"{ID_BASE} + g",
            "note": "''",
            "created_at": "now()",
        }
        _sql(
            f"INSERT INTO cases_enrolmentchange ({', '.join(columns)}) "
            f"SELECT {', '.join(values[c] for c in columns)} FROM generate_series(1, %s) g WHERE {where}",
            [n],
        )
    _sql("ANALYZE")
    print(f"  已写入在保金额变动（{time.perf_counter() - started:.0f} 秒）", flush=True)


def target_count(county: Region) -> int:
    return Enrolment.objects.filter(program="dibao", region__path__startswith=county.path, pk__gt=ID_BASE).count()


# --- baseline -----------------------------------------------------------------------------------------------------

BASELINE_SQL = f"""
INSERT INTO payments_paymentline ({LINE_COLUMNS})
SELECT %(roll)s, 'regular', e.id, e.household_id, e.subject_id, e.application_id, NULL, NULL, NULL, NULL,
       e.region_id, r.parent_id, %(month)s, CAST(ROUND(e.monthly_amount * 100) AS BIGINT),
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''
FROM cases_enrolment e
JOIN assistance_region r ON r.id = e.region_id
JOIN cases_household h ON h.id = e.household_id
WHERE e.program = %(program)s AND r.path LIKE %(path)s AND e.start_month <= %(month)s
  AND e.status IN ('active', 'exiting') AND e.monthly_amount > 0
"""


def _vacuum() -> None:
    _sql("VACUUM ANALYZE payments_paymentline")


def _throwaway_roll(county: Region, actor: Staff) -> PaymentRoll:
    roll, _ = PaymentRoll.objects.get_or_create(
        code="BENCH-BASELINE",
        defaults={
            "county": county,
            "program": "dibao",
            "month": MONTH,
            "kind": "adjustment",
            "seq": 99,
            "generated_by": actor,
        },
    )
    return roll


def _delete_lines(roll_id: int) -> None:
    _sql("DELETE FROM payments_paymentline WHERE roll_id = %s", [roll_id])
    _vacuum()


def baseline(county: Region, roll: PaymentRoll) -> tuple[float, int]:
    params = {"roll": roll.pk, "month": MONTH, "program": "dibao", "path": f"{county.path}%"}
    started = time.perf_counter()
    with transaction.atomic():  # one statement, committed (deferred FK checks included)
        rows = _sql(BASELINE_SQL, params)
    elapsed = time.perf_counter() - started
    _delete_lines(roll.pk)
    return elapsed, rows


def generate(county: Region, month: dt.date) -> tuple[float, PaymentRoll, int]:
    started = time.perf_counter()
    result = roll_generate(actor=system_actor(), county=county, program="dibao", month=month)
    return time.perf_counter() - started, result.roll, result.regular


# --- variants of the regular-line statement (raw SQL, for the investigation) --------------------------------------

_HEAD = f"INSERT INTO payments_paymentline ({LINE_COLUMNS})"
_SELECT = """SELECT %(roll)s, 'regular', e.id, e.household_id, e.subject_id, c.application_id, c.id, NULL, NULL, NULL,
       e.region_id, r.parent_id, %(month)s, CAST(ROUND(c.amount * 100) AS BIGINT),
       h.bank_account_holder, h.bank_name, h.bank_account_number, 'pending', '', ''"""
_WHERE = (
    "e.program = %(program)s AND e.id >= %(lo)s AND e.id < %(hi)s AND r.path LIKE %(path)s "
    "AND e.start_month <= %(month)s"
)
_LATERAL = f"""{_HEAD}
{_SELECT}
FROM cases_enrolment e
JOIN assistance_region r ON r.id = e.region_id
JOIN cases_household h ON h.id = e.household_id
JOIN LATERAL (SELECT c2.id, c2.amount, c2.status, c2.application_id FROM cases_enrolmentchange c2
              WHERE c2.enrolment_id = e.id AND c2.effective_month <= %(month)s
              ORDER BY c2.effective_month DESC, c2.id DESC LIMIT 1) c ON TRUE
WHERE {_WHERE} AND c.status IN ('active', 'exiting') AND c.amount > 0
ON CONFLICT DO NOTHING"""
_DISTINCT_ON = f"""{_HEAD}
{_SELECT}
FROM cases_enrolment e
JOIN assistance_region r ON r.id = e.region_id
JOIN cases_household h ON h.id = e.household_id
JOIN (SELECT DISTINCT ON (c2.enrolment_id) c2.enrolment_id, c2.id, c2.amount, c2.status, c2.application_id
      FROM cases_enrolmentchange c2
      WHERE c2.enrolment_id >= %(lo)s AND c2.enrolment_id < %(hi)s AND c2.effective_month <= %(month)s
      ORDER BY c2.enrolment_id, c2.effective_month DESC, c2.id DESC) c ON c.enrolment_id = e.id
WHERE {_WHERE} AND c.status IN ('active', 'exiting') AND c.amount > 0
ON CONFLICT DO NOTHING"""
_NO_CONFLICT = rolls_service.REGULAR_SQL.replace("ON CONFLICT DO NOTHING", "")
VARIANT_RUNS = 1  # each variant once (a full-size pass is about a minute)
VARIANT_INDEX = (
    "CREATE INDEX bench_change_latest ON cases_enrolmentchange (enrolment_id, effective_month DESC, id DESC)"
)


def run_sql_chunks(sql: str, county: Region, roll: PaymentRoll, month: dt.date) -> tuple[float, int]:
    lo, hi = rolls_service._id_bounds(county, "dibao")
    params = {"roll": roll.pk, "month": month, "program": "dibao", "path": f"{county.path}%"}
    started, rows = time.perf_counter(), 0
    for start in range(lo, hi, CHUNK):
        with transaction.atomic():
            rows += _sql(sql, {**params, "lo": start, "hi": min(start + CHUNK, hi)})
    return time.perf_counter() - started, rows


def explain_chunk(sql: str, county: Region, roll: PaymentRoll) -> str:
    params = {"roll": roll.pk, "month": MONTH, "program": "dibao", "path": f"{county.path}%"}
    params.update(lo=ID_BASE + 1, hi=ID_BASE + 1 + CHUNK)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return text


def variants(county: Region, roll: PaymentRoll, baseline_s: float) -> None:
    print("\n== 普通插入语句的变体（原始 SQL，每个一次，之后删除再 VACUUM）==", flush=True)
    cases = [
        ("现行 REGULAR_SQL（相关子查询 + 按主键再取变动）", rolls_service.REGULAR_SQL),
        ("LATERAL 子查询（一次取出变动的列）", _LATERAL),
        ("DISTINCT ON（每块先取各户最新变动，再哈希连接）", _DISTINCT_ON),
        ("现行 SQL 去掉 ON CONFLICT DO NOTHING", _NO_CONFLICT),
    ]

    def measure(label: str, sql: str) -> None:
        best = None
        for _ in range(VARIANT_RUNS):
            seconds, rows = run_sql_chunks(sql, county, roll, MONTH)
            _delete_lines(roll.pk)
            best = seconds if best is None else min(best, seconds)
        print(f"  {label}：{best:.1f} 秒，{rows} 行，对普通插入 {best / baseline_s:.2f}×", flush=True)

    print("  一块（10 万户）的执行计划，现行 REGULAR_SQL：")
    print("    " + explain_chunk(rolls_service.REGULAR_SQL, county, roll).replace("\n", "\n    "), flush=True)
    for label, sql in cases:
        measure(label, sql)
    _sql(VARIANT_INDEX)
    _sql("ANALYZE cases_enrolmentchange")
    try:
        print("  另加索引 cases_enrolmentchange (enrolment_id, effective_month DESC, id DESC)：")
        print("    " + explain_chunk(rolls_service.REGULAR_SQL, county, roll).replace("\n", "\n    "), flush=True)
        measure("现行 REGULAR_SQL + 该索引", rolls_service.REGULAR_SQL)
        measure("LATERAL + 该索引", _LATERAL)
    finally:
        _sql("DROP INDEX bench_change_latest")


# --- export ---------------------------------------------------------------------------------------------------

EXPORT_FIELDS = ("id", "payee_name", "account_number", "bank_name", "amount_fen", "town__name", "region__name")


def _fallback_stream(roll: PaymentRoll, encoding: str = "gb18030"):
    """CSV bytes of the roll's lines, 10 000 rows at a time from a server-side cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["序号", "户名", "银行账号", "开户银行", "金额", "乡镇", "村"])
    total, count = 0, 0
    rows = PaymentLine.objects.filter(roll=roll).order_by("id").values_list(*EXPORT_FIELDS)
    for pk, name, account, bank, fen, town, village in rows.iterator(chunk_size=10_000):
        writer.writerow([pk, name, account, bank, f"{fen // 100}.{fen % 100:02d}", town, village])
        total += fen
        count += 1
        if count % 10_000 == 0:
            yield buffer.getvalue().encode(encoding)
            buffer.seek(0)
            buffer.truncate()
    writer.writerow(["合计", count, "", "", f"{total // 100}.{total % 100:02d}", "", ""])
    yield buffer.getvalue().encode(encoding)


def _template(county: Region):
    """A bank template with every export column, gb18030 (the default encoding), totals row."""
    from payments.models import BankTemplate
    from payments.models.rolls import EXPORT_FIELDS as FIELDS

    template, _ = BankTemplate.objects.get_or_create(
        county=county,
        name="基准测试代发模板",
        defaults={
            "bank_name": "中国农业银行长白支行",
            "columns": [{"header": label[:20], "field": field} for field, label in FIELDS.items()],
            "result_columns": {"reference": "流水号", "status": "处理结果", "reason": "失败原因"},
            "success_values": ["成功"],
        },
    )
    return template


def export_stream(roll: PaymentRoll, actor: Staff):
    """(description, iterable of bytes): the service ``roll_export`` (approved → exported, audit) and its streamed
    CSV (``payments.bankfiles.csv_stream``) when they exist, else a plain generator over the lines."""
    try:
        from payments.services.export import roll_export
    except ImportError:
        roll_export = None
    problem = ""
    if roll_export is not None:
        try:
            bank_export = roll_export(actor=actor, roll=roll, template=_template(roll.county))
        except DatabaseError as error:  # reported, then the file is still written below
            problem = f"；roll_export 失败（{type(error).__name__}: {str(error).strip()}），直接调用 csv_stream"
        else:
            return (
                "payments.services.export.roll_export(...).stream()（payments.bankfiles.csv_stream）",
                bank_export.stream(),
            )
    try:
        from payments.bankfiles import csv_stream
    except ImportError:
        csv_stream = None
    if csv_stream is not None:
        return "payments.bankfiles.csv_stream" + problem, csv_stream(roll, _template(roll.county))
    return "备用生成器（没有 payments.bankfiles）：values_list().iterator(chunk_size=10000)", _fallback_stream(roll)


def export(roll: PaymentRoll, actor: Staff, path: str) -> tuple[str, float, int, float, float]:
    rss_before = rss_mb()
    started = time.perf_counter()
    written = 0
    how, stream = export_stream(roll, actor)
    with open(path, "wb") as out:
        for piece in stream:
            out.write(piece)
            written += len(piece)
    return how, time.perf_counter() - started, written, rss_before, rss_mb()


# --- main -----------------------------------------------------------------------------------------------------------


def _reviewer() -> Staff:
    staff, _ = Staff.objects.get_or_create(
        username="bench_rolls_reviewer",
        defaults={"display_name": "基准审批", "is_superuser": True, "is_active": False, "password": "!"},
    )
    return staff


def main(args) -> int:
    if connection.vendor != "postgresql":
        sys.exit("花名册基准测试只在 PostgreSQL 上运行")
    print(f"数据库 {connection.settings_dict['NAME']}（{'本次新建' if CREATED else '已有'}）", flush=True)
    call_command("migrate", verbosity=0)
    county = Region.objects.filter(code=COUNTY[0]).first()
    if county is None or target_count(county) == 0:
        print(f"生成 {args.n} 户在保低保户…", flush=True)
        setup(args.n)
        county = Region.objects.get(code=COUNTY[0])
    elif target_count(county) != args.n:
        sys.exit(f"库中已有 {target_count(county)} 户，与 --n {args.n} 不符；请删库或换库名")
    actor = system_actor()
    _sql("DELETE FROM payments_paymentline")  # a kept database: start again from no roll
    _sql("DELETE FROM payments_paymentroll")
    _sql("DELETE FROM payments_banktemplate")
    throwaway = _throwaway_roll(county, actor)
    _sql("VACUUM ANALYZE")

    prev_s, prev_roll, prev_rows = generate(county, PREVIOUS)
    print(f"上月（{PREVIOUS:%Y-%m}）花名册 {prev_roll.code}：{prev_rows} 行，{prev_s:.1f} 秒", flush=True)
    _vacuum()

    base_times, roll_times, roll = [], [], None
    for run in range(1, args.repeat + 1):
        order = ("baseline", "roll") if run % 2 else ("roll", "baseline")
        for what in order:
            if what == "baseline":
                seconds, base_rows = baseline(county, throwaway)
                base_times.append(seconds)
                print(f"  第 {run} 次 普通 INSERT … SELECT：{base_rows} 行，{seconds:.1f} 秒", flush=True)
            else:
                seconds, roll, roll_rows = generate(county, MONTH)
                roll_times.append(seconds)
                print(f"  第 {run} 次 roll_generate：{roll_rows} 行，{seconds:.1f} 秒", flush=True)
            if what == "roll" and (run, what) != (args.repeat, order[1]):  # each measurement: the same table
                _delete_lines(roll.pk)
    if order[1] == "baseline":  # the roll checked and exported below: generated once more (one more sample)
        seconds, roll, roll_rows = generate(county, MONTH)
        roll_times.append(seconds)
        print(f"  第 {args.repeat + 1} 次 roll_generate：{roll_rows} 行，{seconds:.1f} 秒", flush=True)
    _vacuum()
    base_s, roll_s = min(base_times), min(roll_times)
    ratio = roll_s / base_s
    if base_rows != roll_rows:
        print(f"注意：普通插入 {base_rows} 行，花名册 {roll_rows} 行，行数不同", flush=True)

    rss = rss_mb()
    started = time.perf_counter()
    roll = roll_check(actor=actor, roll=roll)
    check_s = time.perf_counter() - started
    report = roll.check_report
    check_rss = rss_mb()
    started = time.perf_counter()
    roll = roll_approve(actor=_reviewer(), roll=roll)
    approve_s = time.perf_counter() - started

    how, export_s, written, export_rss_before, export_rss_after = export(roll, actor, args.export_to)

    changes = report["changes"]
    print("\n== 结果 ==")
    print(
        f"县 {county.name}，{MONTH:%Y-%m} 低保花名册 {roll.code}：{roll.line_count} 行，"
        f"合计 {roll.total_fen / 100:,.2f} 元"
    )
    print(f"普通 INSERT … SELECT（最快一次）：{base_s:.1f} 秒  {base_times}")
    print(f"roll_generate 端到端（最快一次）：{roll_s:.1f} 秒  {roll_times}")
    print(f"比值：{ratio:.2f}×（目标 ≤ {args.target}）")
    print(
        f"roll_check：{check_s:.1f} 秒（{len(report['towns'])} 个乡镇；对上月：新增 {changes['new']['n']}，"
        f"停发 {changes['ended']['n']}，金额变化 {changes['changed']['n']}；内存峰值 {rss:.0f} → {check_rss:.0f} MB）"
    )
    print(f"roll_approve：{approve_s:.2f} 秒")
    mb = written / 1e6
    print(
        f"导出：{how}\n  {mb:.1f} MB 写入 {args.export_to}，{export_s:.1f} 秒，{mb / export_s:.1f} MB/s；"
        f"进程内存峰值 {export_rss_before:.0f} → {export_rss_after:.0f} MB"
        f"（增长 {export_rss_after - export_rss_before:.0f} MB）"
    )
    if args.variants or ratio > args.target:
        _delete_lines(roll.pk)  # the variants insert the same month's lines again
        variants(county, throwaway, base_s)
    return 0 if ratio <= args.target else 1


if __name__ == "__main__":
    status = 1
    try:
        status = main(ARGS)
    finally:
        connection.close()
        if CREATED and not ARGS.keep:
            _drop_database(os.environ["DATABASE_URL"])
            print(f"已删除数据库 {urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}", flush=True)
    sys.exit(status)
