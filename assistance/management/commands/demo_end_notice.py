"""End a demo case's public notice now, so that a newcomer can walk one case from intake to enrolment in one
sitting (the law's 7 days cannot pass while they watch). Demo databases only: refused under the production
settings, and the shift is on the case's timeline and in the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assistance.demo.cases import demo_notice_end_now
from assistance.errors import ApplicationError
from assistance.services import system_actor
from cases.models import Application


class Command(BaseCommand):
    help = "演示环境：让指定申请的公示期在昨天结束（便于一次走完受理到审核确认的全流程）"

    def add_arguments(self, parser):
        parser.add_argument("code", help="申请编号，如 SQ2206232026000015")

    def handle(self, *args, **options):
        if (settings.SETTINGS_MODULE or "").endswith("production"):
            raise CommandError("当前为生产配置：公示期不能人为缩短，已拒绝")
        app = Application.objects.filter(code=options["code"].strip()).first()
        if app is None:
            raise CommandError(f"没有申请 {options['code']}")
        try:
            app = demo_notice_end_now(actor=system_actor(), application=app)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{app.code} 的公示期改为 {app.notice_start:%Y-%m-%d} 至 {app.notice_end:%Y-%m-%d}（演示）")
