from django.core.management.base import BaseCommand, CommandError

from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = "校验审计链：逐条核对哈希，报告第一处断裂（记录被篡改、删除或插入）。"

    def handle(self, *args, **options):
        report = audit_chain_verify()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：共校验 {report.checked} 条记录。"))
            return
        raise CommandError(
            f"审计链断裂：第一处问题在记录 #{report.broken_at}（此前 {report.checked} 条完好）。原因：{report.reason}"
        )
