"""``manage.py calendar_check [--year Y]``: is every day of next year (or Y) in the working-day calendar?

A yearly operator task: the State Council announces the next year's holidays around November; until the
installed ``chinesecalendar`` knows them (or an administrator has recorded them), deadlines reaching into
that year cannot be counted. Exits with status 1 when the year is not covered.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from assistance.workdays import calendar_coverage


class Command(BaseCommand):
    help = "检查工作日日历是否覆盖下一年（或 --year 指定的年份）；未覆盖时退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="要检查的年份（默认：下一年）")

    def handle(self, *args, **options):
        year = options["year"] or timezone.localdate().year + 1
        coverage = calendar_coverage(year)
        if not coverage:
            raise CommandError(coverage.describe())
        self.stdout.write(self.style.SUCCESS(coverage.describe()))
