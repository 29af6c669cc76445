"""Time the scoped household list the way the list page and the API use it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assistance_bench \\
        .venv/bin/python bench/bench_household_list.py [--repeat 7] [--explain]

For the town caseworker ``bench_town`` (one town of the county) and the county reviewer
``bench_county`` (the whole county) it times, through ``cases.selectors.household_list_for``:

- the list's first page (``Paginator(...).page(1)``: the count plus the 50 rows with region, head and
  member count),
- a search by the leading digits of an ID number (10 and 14 digits),
- a search by (part of) a member's name,

each as a fresh request would run it (the actor is re-read, so the role look-up is included), and
prints the median and the fastest run in milliseconds, the matches and the number of SQL queries.
Generate the data first with ``bench/generate_households.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

import django

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assistance.models import Staff  # noqa: E402
from cases.models import Household, Member  # noqa: E402
from cases.selectors import household_list_for  # noqa: E402

PAGE_SIZE = 50  # REST_FRAMEWORK["PAGE_SIZE"] and the list page


def pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(width - used, 0)
    return fill + text if right else text + fill


def first_page(username: str, search: str) -> tuple[int, int]:
    """Run one request's worth of work; return (total matches, rows on the first page)."""
    actor = Staff.objects.get(username=username)
    page = Paginator(household_list_for(actor=actor, search=search), PAGE_SIZE).page(1)
    rows = list(page.object_list)
    for household in rows:  # what a row shows: touching these must not query again
        _ = (household.code, household.hukou_region.parent.name, household.head and household.head.name)
        _ = household.member_count
    return page.paginator.count, len(rows)


def measure(username: str, search: str, repeat: int) -> dict:
    first_page(username, search)  # warm the cache and the connection
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        total, rows = first_page(username, search)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        first_page(username, search)
    return {
        "median": statistics.median(timings),
        "best": min(timings),
        "total": total,
        "rows": rows,
        "queries": len(queries.captured_queries),
        "sql": [q["sql"] for q in queries.captured_queries],
    }


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description="家庭列表（按管辖范围）基准测试")
    parser.add_argument("--repeat", type=int, default=7, help="每项重复次数（取中位数，默认 7）")
    parser.add_argument("--explain", action="store_true", help="打印每项最慢那条 SQL 的执行计划（仅 PostgreSQL）")
    args = parser.parse_args()

    if Staff.objects.filter(username__in=["bench_town", "bench_county"]).count() != 2:
        sys.exit("没有基准数据：请先运行 bench/generate_households.py")
    households = Household.objects.count()
    members = Member.objects.count()
    id_prefix_10 = Member.objects.order_by("id").values_list("id_number", flat=True)[members // 2][:10]
    id_prefix_14 = Member.objects.order_by("id").values_list("id_number", flat=True)[members // 3][:14]
    searches = [
        ("列表首页（无检索）", ""),
        (f"身份证号前10位 {id_prefix_10}", id_prefix_10),
        (f"身份证号前14位 {id_prefix_14}", id_prefix_14),
        ("姓名包含“建国”", "建国"),
        ("姓名包含“王秀英”", "王秀英"),
    ]
    print(
        f"数据库 {connection.vendor} {connection.settings_dict['NAME']}：家庭 {households:,} 户，成员 {members:,} 人；"
        f"每项 {args.repeat} 次，取中位数与最快一次（毫秒）"
    )
    columns = (("人员", 10), ("检索", 34), ("中位数", 9), ("最快", 9), ("匹配户数", 10), ("本页", 6), ("查询数", 8))
    print("".join(pad(name, width, right=i > 1) for i, (name, width) in enumerate(columns)))
    print("-" * sum(width for _, width in columns))
    for username, label in (("bench_town", "乡镇经办"), ("bench_county", "县级审核")):
        for title, search in searches:
            result = measure(username, search, args.repeat)
            values = (
                label,
                title,
                f"{result['median']:.1f}",
                f"{result['best']:.1f}",
                f"{result['total']:,}",
                str(result["rows"]),
                str(result["queries"]),
            )
            print("".join(pad(v, w, right=i > 1) for i, (v, (_, w)) in enumerate(zip(values, columns, strict=True))))
            if args.explain and connection.vendor == "postgresql":
                for sql in result["sql"]:
                    if "cases_household" in sql:
                        print(explain(sql))
                        print()


if __name__ == "__main__":
    main()
