"""``manage.py seed_demo``: demo data for the five jurisdictions of the policy texts.

Deterministic and idempotent: run it again and nothing changes, not even the audit trail. Everything
is written through the services — the registry as the system account, the demo applications as the demo
staff who would do each step (``assistance.demo.cases``) — so the audit chain covers the demo data.
"""

from __future__ import annotations

import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assistance.demo.loader import (
    DEMO_PASSWORD,
    SUPERUSER,
    CountyResult,
    DemoLoader,
    LoginSpec,
    county_logins,
    headline_logins,
)
from assistance.demo.regions import COUNTIES, COUNTY_BY_SLUG, CountySpec
from assistance.models import Staff
from assistance.roles import Role
from audit.models import AuditEvent
from cases.selectors import inbox_for

COUNT_LABELS = (
    ("regions", "区划"),
    ("staff", "账号"),
    ("roles", "补授岗位"),
    ("illnesses", "重病目录"),
    ("standards", "低保标准"),
    ("parameters", "政策参数"),
    ("households", "家庭"),
    ("members", "成员"),
    ("incomes", "收入"),
    ("assets", "财产"),
    ("expenses", "刚性支出"),
    ("supporters", "义务人"),
    ("applications", "演示申请"),
    ("discovery", "主动发现线索"),
)
# The logins whose inbox (待办) the headline table counts.
INBOX_ROLES = (Role.TOWN_CASEWORKER, Role.COUNTY_REVIEWER, Role.VILLAGE_ASSISTANT)


def _display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


class Command(BaseCommand):
    help = (
        "生成演示数据：政策文件所涉县（市、区）的区划、账号、重病目录、示意低保标准、家庭，"
        "以及处于各办理环节的演示申请和主动发现线索。"
        "确定性生成，可重复运行（已存在的不再写入，也不产生审计记录）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--households", type=int, default=200, help="每个县（市、区）的家庭数（默认 200）", metavar="N"
        )
        parser.add_argument(
            "--counties",
            default="",
            help="只生成这些县（逗号分隔）：" + ",".join(c.slug for c in COUNTIES),
            metavar="SLUGS",
        )
        parser.add_argument("--list-logins", action="store_true", help="只列出全部演示账号，不写入任何数据")
        parser.add_argument(
            "--allow-production", action="store_true", help="在生产配置下也运行（会建立公开密码的账号，慎用）"
        )

    def handle(self, *args, **options):
        counties = self._counties(options["counties"])
        if options["list_logins"]:
            self._list_logins(counties)
            return
        households = options["households"]
        if households < 0:
            raise CommandError("--households 不能为负数")
        if (settings.SETTINGS_MODULE or "").endswith("production") and not options["allow_production"]:
            raise CommandError("当前为生产配置：演示数据会建立公开密码的账号，已拒绝。确需运行请加 --allow-production")
        started = time.monotonic()
        events_before = AuditEvent.objects.count()
        loader = DemoLoader(
            counties=counties, households=households, today=timezone.localdate(), progress=self.stdout.write
        )
        results = loader.run()
        elapsed = time.monotonic() - started
        new_events = AuditEvent.objects.count() - events_before
        self._summary(results, loader.superuser_created, new_events, elapsed)
        self._headline_logins(counties)

    def _counties(self, value: str) -> list[CountySpec]:
        if not value.strip():
            return list(COUNTIES)
        slugs = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in slugs if s not in COUNTY_BY_SLUG]
        if unknown:
            raise CommandError(f"未知的县（市、区）：{'、'.join(unknown)}。可选：{', '.join(COUNTY_BY_SLUG)}")
        return [c for c in COUNTIES if c.slug in slugs]

    # --- output ---------------------------------------------------------------------------------------

    def _summary(self, results: list[CountyResult], superuser_created: bool, new_events: int, elapsed: float) -> None:
        write = self.stdout.write
        changed = superuser_created or any(sum(r.created.values()) for r in results)
        write("")
        write("演示数据（确定性生成；姓名、身份证号、收入等均为虚构，低保标准为示意）")
        for r in results:
            parts = [f"{label} {r.created[key]}" for key, label in COUNT_LABELS if r.created[key]]
            line = f"  {r.county.county.name}（{r.county.slug}）："
            line += ("新建 " + "，".join(parts)) if parts else "无新增"
            line += f"；家庭共 {r.households_planned} 户，其中已存在 {r.households_existing} 户"
            write(line)
            if r.county.code_note:
                write(f"    区划代码说明：{r.county.code_note}")
            for reason in r.refused:
                write(self.style.WARNING(f"    未写入 {reason}"))
        if superuser_created:
            write(f"  系统管理员账号 {SUPERUSER}：新建")
        if changed:
            write(self.style.SUCCESS(f"完成：新增审计事件 {new_events} 条，用时 {elapsed:.1f} 秒"))
        else:
            write(
                self.style.SUCCESS(
                    f"没有任何变化：演示数据已全部存在（新增审计事件 {new_events} 条，用时 {elapsed:.1f} 秒）"
                )
            )

    def _login_rows(self, logins: list[LoginSpec], *, inbox: bool = False) -> list[tuple[str, str, str, str]]:
        staff = {s.username: s for s in Staff.objects.filter(username__in=[x.username for x in logins])}
        rows = []
        for login in logins:
            person = staff.get(login.username)
            where = login.region_name
            if inbox and person is not None and login.role in INBOX_ROLES:
                # Reading only: the inbox a newcomer will find after signing in.
                where += f"（待办 {inbox_for(actor=person).count()} 件）"
            rows.append((login.role_label, login.username, person.display_name if person else "（未建立）", where))
        return rows

    def _write_table(self, rows: list[tuple[str, str, str, str]]) -> None:
        widths = [max((_display_width(r[i]) for r in rows), default=0) for i in range(3)]
        for row in rows:
            cells = [_pad(cell, width) for cell, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("    " + "  ".join([*cells, row[3]]))

    def _headline_logins(self, counties: list[CountySpec]) -> None:
        write = self.stdout.write
        write("")
        write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        write(f"  系统管理员：{SUPERUSER}")
        for county in counties:
            write(f"  {county.county.name}")
            self._write_table(self._login_rows(headline_logins(county), inbox=True))
        write("其余账号：manage.py seed_demo --list-logins")

    def _list_logins(self, counties: list[CountySpec]) -> None:
        write = self.stdout.write
        write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        write(f"  系统管理员：{SUPERUSER}")
        for county in counties:
            write(f"  {county.county.name}")
            self._write_table(self._login_rows(county_logins(county)))
