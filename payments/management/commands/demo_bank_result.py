"""Write the result file a bank would return for an exported roll (demo and training environments only), so
that a newcomer can import it on the roll's page and watch the reconciliation and the carry-over of failures."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from payments.demo_bank import simulated_result_file
from payments.models import PaymentRoll
from payments.services.export import template_for


class Command(BaseCommand):
    help = "演示环境：为已导出的花名册生成模拟的银行回盘文件（可指定失败笔数），用于在页面上导入对账"

    def add_arguments(self, parser):
        parser.add_argument("code", help="花名册编号，如 FF220623202612DB")
        parser.add_argument("--failures", type=int, default=2, help="失败笔数（默认 2）")
        parser.add_argument("--out", default="", help="输出目录（默认当前目录）")

    def handle(self, *args, **options):
        if (settings.SETTINGS_MODULE or "").endswith("production"):
            raise CommandError("当前为生产配置：回盘文件只能由银行提供，已拒绝")
        roll = PaymentRoll.objects.filter(code=options["code"].strip()).first()
        if roll is None:
            raise CommandError(f"没有花名册 {options['code']}")
        if roll.exported_at is None:
            raise CommandError(f"{roll.code} 尚未导出银行代发文件，请先在页面上审批并导出")
        template = template_for(roll)
        name, content = simulated_result_file(roll, template, failures=options["failures"])
        path = Path(options["out"] or ".") / name
        path.write_bytes(content)
        self.stdout.write(f"已生成模拟回盘文件：{path}（{template.name}，失败 {options['failures']} 笔）")
