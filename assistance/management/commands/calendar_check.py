"""``manage.py calendar_check [--year Y]``: how is next year (or Y) known to the working-day calendar?

A yearly operator task: the State Council announces the next year's holidays around November; until the
installed ``chinesecalendar`` knows them or an administrator has entered and declared them
(``CalendarYear``), deadlines reaching into that year are PROVISIONAL — counted as Monday to Friday less the
fixed-date statutory holidays — and may move once the notice is entered.

Prints one line and exits 0 when the year is covered by the library or declared, and also when it is
provisional (a warning: deadlines still compute). Exits with status 1 only when a declared year is
demonstrably incomplete — a fixed-date statutory holiday on a weekday is not recorded as a rest day
(e.g. its override was removed after the declaration), so deadlines would count it as a working day.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assistance.workdays import calendar_coverage


class Command(BaseCommand):
    help = (
        "检查下一年（或 --year 指定的年份）的节假日安排：chinesecalendar 已覆盖、管理员已补录，或暂定"
        "（暂定时仅提示，退出码 0；已补录年份缺少法定节假日时退出码为 1）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="要检查的年份（默认：下一年）")

    def handle(self, *args, **options):
        year = options["year"] or timezone.localdate().year + 1
        coverage = calendar_coverage(year)
        if coverage.declared and coverage.unrecorded_holidays:
            raise CommandError(coverage.describe())
        if coverage.provisional:
            self.stdout.write(self.style.WARNING("警告：" + coverage.describe()))
            return
        self.stdout.write(self.style.SUCCESS(coverage.describe()))
