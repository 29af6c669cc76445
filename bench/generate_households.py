"""Bulk-generate N households with members in one county, for benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assistance_bench \\
        .venv/bin/python bench/generate_households.py --households 100000

Regions (one county, its towns and villages) and the two benchmark accounts (``bench_town``, a town
caseworker of the first town, and ``bench_county``, a county reviewer) are created through the
services, as in production. The households and members themselves are written with ``bulk_create``:
that bypasses the services' validation and the audit trail, which is acceptable only because this is
throw-away benchmark data — 100 000 households through ``household_create`` would take hours. For the
same reason the script refuses to run on a database whose name does not contain ``bench`` (override
with ``--allow-any-database``), and it never runs against a database with real households in it.

Re-running adds households until the county has ``--households`` of them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assistance.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402

from assistance.models import Region, Staff  # noqa: E402
from assistance.roles import RegionLevel, Role  # noqa: E402
from assistance.services import region_create, staff_create, system_actor  # noqa: E402
from cases.choices import AreaType, Relation  # noqa: E402
from cases.id_numbers import make_id_number  # noqa: E402
from cases.models import Household, Member  # noqa: E402

# The county the benchmark uses: 长白朝鲜族自治县 under 白山市, 吉林省 (its code is valid in ID numbers).
PROVINCE = ("220000", "吉林省")
CITY = ("220600", "白山市")
COUNTY = ("220623", "长白朝鲜族自治县")
CODE_PREFIX = "BENCH"  # household codes BENCH22062300000001: never clash with service-made codes
BENCH_PASSWORD = "bench-pass-12345"

ID_BASE = 10_000_000  # rows cloned in SQL get ids above anything the services made


def rss_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clone(model, template_id: int, n: int, substitutions: dict[str, str]) -> None:
    """Insert ``n`` copies of ``model``'s template row (PostgreSQL): ids ID_BASE + 1 … ID_BASE + n, ``g`` = 1 … n in
    the ``substitutions`` (column → SQL expression); then move the id sequence past them."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    values = [substitutions.get(c, c) for c in columns]
    values[columns.index("id")] = f"{ID_BASE} + g"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} t, generate_series(1, %s) g WHERE t.id = %s",
            [n, template_id],
        )
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔"
)
GIVEN_NAMES = (  # noqa: SIM905 - a word list reads best as one string
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建国 建华 国庆 淑珍 玉兰 志强 海燕 "
    "春梅 金凤 红梅 德明 文华 永刚 立新 玉珍 凤英 桂兰 秀珍 淑英 晓东 晓燕 子涵 浩然 欣怡 梓轩 一诺 宇航"
).split()


def _get_or_create_region(actor: Staff, code: str, name: str, level: str, parent: Region | None) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        with transaction.atomic():
            region = region_create(actor=actor, code=code, name=name, level=level, parent=parent)
    return region


def build_regions(towns: int, villages_per_town: int) -> tuple[Region, list[Region], list[Region]]:
    """Return the county, its towns and villages, creating what is missing through the services."""
    actor = system_actor()
    province = _get_or_create_region(actor, *PROVINCE, RegionLevel.PROVINCE, None)
    city = _get_or_create_region(actor, *CITY, RegionLevel.CITY, province)
    county = _get_or_create_region(actor, *COUNTY, RegionLevel.COUNTY, city)
    town_list, village_list = [], []
    for t in range(towns):
        town = _get_or_create_region(actor, f"{COUNTY[0]}9{t:02d}", f"基准测试{t + 1}镇", RegionLevel.TOWN, county)
        town_list.append(town)
        for v in range(villages_per_town):
            village_list.append(
                _get_or_create_region(
                    actor, f"{town.code}2{v:02d}", f"基准测试{t + 1}镇{v + 1}村", RegionLevel.VILLAGE, town
                )
            )
    return county, town_list, village_list


def build_staff(county: Region, first_town: Region) -> None:
    """Create the two benchmark logins if they are missing."""
    actor = system_actor()
    for username, role, region in (
        ("bench_town", Role.TOWN_CASEWORKER, first_town),
        ("bench_county", Role.COUNTY_REVIEWER, county),
    ):
        if not Staff.objects.filter(username=username).exists():
            with transaction.atomic():
                staff_create(
                    actor=actor,
                    username=username,
                    display_name=username,
                    password=BENCH_PASSWORD,
                    role=role,
                    region=region,
                )


def _id_number(k: int) -> str:
    """The k-th benchmark ID number, births spread over 1935–2014.

    (k·7919 mod 29000, k mod 997) determines k below 29000·997 ≈ 28.9 million (Chinese remainder
    theorem; 7919 and 997 are primes), so the (birth date, sequence) pairs and the numbers are distinct.
    """
    birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=(k * 7919) % 29000)
    return make_id_number(COUNTY[0], birth, k % 997 + 1)


def generate(total: int, *, towns: int, villages_per_town: int, batch: int, seed: int) -> None:
    county, town_list, villages = build_regions(towns, villages_per_town)
    build_staff(county, town_list[0])
    existing = Household.objects.filter(code__startswith=CODE_PREFIX).count()
    members_made = Member.objects.filter(household__code__startswith=CODE_PREFIX).count()
    if existing >= total:
        print(f"已有 {existing} 户基准数据，无需生成")
        return
    rng = random.Random(seed + existing)
    creator = system_actor()
    started = time.perf_counter()
    n = existing
    print(f"生成 {total - existing} 户（已有 {existing} 户），每批 {batch} 户 …")
    while n < total:
        size = min(batch, total - n)
        with transaction.atomic():
            households = Household.objects.bulk_create(
                [
                    Household(
                        code=f"{CODE_PREFIX}{COUNTY[0]}{n + i + 1:08d}",
                        hukou_region=villages[(n + i) % len(villages)],
                        residence_address=f"{villages[(n + i) % len(villages)].name}{rng.randint(1, 300)}号",
                        area_type=AreaType.RURAL,
                        created_by=creator,
                    )
                    for i in range(size)
                ]
            )
            members = []
            for household in households:
                surname = rng.choice(SURNAMES)
                for position in range(rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 5))):
                    members_made += 1
                    number = _id_number(members_made)
                    members.append(
                        Member(
                            household=household,
                            name=surname + rng.choice(GIVEN_NAMES),
                            id_number=number,
                            birth_date=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                            sex="M" if int(number[16]) % 2 else "F",
                            relation=Relation.HEAD if position == 0 else rng.choice((Relation.SPOUSE, Relation.CHILD)),
                        )
                    )
            Member.objects.bulk_create(members, batch_size=5000)
            head = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).values("pk")[:1]
            Household.objects.filter(pk__in=[h.pk for h in households]).update(head=Subquery(head))
        n += size
        rate = (n - existing) / (time.perf_counter() - started)
        print(f"  {n:>8} 户  {members_made:>8} 人  （{rate:,.0f} 户/秒）", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_household; ANALYZE cases_member; ANALYZE assistance_region")
    print(f"完成：{n} 户，{members_made} 人，用时 {time.perf_counter() - started:.1f} 秒")


def main() -> None:
    parser = argparse.ArgumentParser(description="为基准测试批量生成家庭和成员（bulk_create，仅用于基准测试库）")
    parser.add_argument("--households", type=int, default=100_000, help="县内基准家庭总数（默认 100000）")
    parser.add_argument("--towns", type=int, default=10, help="乡镇数（默认 10）")
    parser.add_argument("--villages-per-town", type=int, default=12, help="每个乡镇的村数（默认 12）")
    parser.add_argument("--batch", type=int, default=5000, help="每批写入的户数")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--allow-any-database", action="store_true", help="允许在名称不含 bench 的数据库上运行")
    args = parser.parse_args()
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in Path(name).name and not args.allow_any_database:
        sys.exit(f"拒绝运行：数据库 {name} 的名称不含 bench。基准数据绕过服务和审计，只能写入基准测试库。")
    generate(
        args.households, towns=args.towns, villages_per_town=args.villages_per_town, batch=args.batch, seed=args.seed
    )


if __name__ == "__main__":
    main()
