"""``manage.py coverage_check [--months 18] [--start YYYY-MM]``: every county with a profile must have exactly
one approved value in force, through inheritance, for every parameter in every month of the window.

Reports each gap (county, parameter, months) and exits non-zero if there is any — also for an approved value
that does not parse, a parameter the schema no longer knows, or two approved values for the same month.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from assistance.models import Region
from assistance.roles import RegionLevel
from eligibility.models import ParameterStatus, ParameterVersion, PolicyProfile, ProfileJurisdiction
from eligibility.rules.profile_data import (
    ProfileDocument,
    ProfileVersion,
    add_months,
    coverage_report,
    parse_month,
    parse_value,
)
from eligibility.rules.schema import PARAMETERS


def stored_documents() -> tuple[dict[str, ProfileDocument], list[str]]:
    """Return the approved versions as profile documents (for ``profile_data.coverage_report``), and the
    problems found on the way (unparsable values, unknown keys, two approved values in one month)."""
    problems: list[str] = []
    profiles = list(PolicyProfile.objects.select_related("parent").order_by("code"))
    counties: dict[int, list[str]] = defaultdict(list)
    for profile_id, code in ProfileJurisdiction.objects.values_list("profile_id", "county__code"):
        counties[profile_id].append(code)
    versions: dict[int, list[ProfileVersion]] = defaultdict(list)
    rows = ParameterVersion.objects.filter(status=ParameterStatus.APPROVED).select_related("profile")
    for row in rows.order_by("profile_id", "key", "effective_from"):
        definition = PARAMETERS.get(row.key)
        if definition is None:
            problems.append(f"档案 {row.profile.code} 有参数表中没有的参数 {row.key}（版本 {row.pk}）")
            continue
        try:
            value = parse_value(definition, row.value)
        except ValueError as error:
            problems.append(f"档案 {row.profile.code} 的 {row.key}（版本 {row.pk}）取值无效：{error}")
            continue
        versions[row.profile_id].append(
            ProfileVersion(row.key, value, row.effective_from, row.clause, row.local_default, row.is_demo, row.note)
        )
    duplicates = (
        ParameterVersion.objects.filter(status=ParameterStatus.APPROVED)
        .values("profile__code", "key", "effective_from")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for d in duplicates:
        problems.append(
            f"档案 {d['profile__code']} 的 {d['key']} 在 {d['effective_from']:%Y-%m} 有 {d['n']} 个已批准的值"
        )
    documents = {
        p.code: ProfileDocument(
            code=p.code,
            name=p.name,
            parent=p.parent.code if p.parent else None,
            document=p.document,
            jurisdiction_codes=tuple(sorted(counties[p.pk])),
            versions=tuple(versions[p.pk]),
        )
        for p in profiles
    }
    return documents, problems


def _ranges(months: list[datetime.date]) -> str:
    """``2027-07 至 2028-04、2028-07`` for a sorted list of months."""
    parts: list[str] = []
    start = end = None
    for month in [*sorted(set(months)), None]:
        if start is not None and (month is None or month != add_months(end, 1)):
            parts.append(f"{start:%Y-%m}" if start == end else f"{start:%Y-%m} 至 {end:%Y-%m}")
            start = None
        if month is not None and start is None:
            start = end = month
        elif month is not None:
            end = month
    return "、".join(parts)


class Command(BaseCommand):
    help = (
        "检查政策参数覆盖：每个有档案的县（市、区），每个参数在未来若干月内都恰有一个已批准的值；"
        "有缺口则以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=18, help="检查的月数（默认 18）", metavar="N")
        parser.add_argument("--start", default="", help="起始月份 YYYY-MM（默认本月）", metavar="YYYY-MM")

    def handle(self, *args, **options):
        months = options["months"]
        if months < 1:
            raise CommandError("--months 须为正整数")
        try:
            start = parse_month(options["start"]) if options["start"] else timezone.localdate().replace(day=1)
        except ValueError as error:
            raise CommandError(str(error)) from None
        documents, problems = stored_documents()
        gaps: dict[str, dict[str, list[datetime.date]]] = defaultdict(lambda: defaultdict(list))
        for profile, key, month in coverage_report(documents, start, months):
            gaps[profile][key].append(month)
        regions = {r.code: r for r in Region.objects.filter(level=RegionLevel.COUNTY)}
        write = self.stdout.write
        end = add_months(start, months - 1)
        write(f"政策参数覆盖检查：{start:%Y-%m} 至 {end:%Y-%m}（{months} 个月），{len(PARAMETERS)} 个参数")
        checked = 0
        gap_count = 0
        for code, document in sorted(documents.items()):
            for county_code in document.jurisdiction_codes:
                checked += 1
                county = regions.get(county_code)
                name = f"{county.name}（{county_code}）" if county else county_code
                for key, missing in sorted(gaps.get(code, {}).items()):
                    gap_count += len(set(missing))
                    label = PARAMETERS[key].label if key in PARAMETERS else key
                    write(self.style.ERROR(f"  缺口：{name} 档案 {code}  {key}（{label}）  {_ranges(missing)}"))
        for problem in problems:
            write(self.style.ERROR(f"  问题：{problem}"))
        governed = {c for d in documents.values() for c in d.jurisdiction_codes}
        without = sorted(set(regions) - governed)
        if without:
            names = "、".join(f"{regions[c].name}（{c}）" for c in without)
            write(self.style.WARNING(f"  注意：{len(without)} 个县（市、区）没有适用的档案，不能测算：{names}"))
        if gap_count or problems:
            raise CommandError(f"覆盖检查未通过：{gap_count} 个（县、参数、月份）缺口，{len(problems)} 个其他问题")
        write(self.style.SUCCESS(f"覆盖检查通过：{checked} 个县（市、区）的每个参数在每个月都恰有一个已批准的值"))
