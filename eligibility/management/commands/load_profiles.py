"""``manage.py load_profiles``: write the policy profiles (``eligibility/profiles/*.json``) to the database.

Acts as the system actor; idempotent (a second run writes nothing and records no audit event).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assistance.errors import ApplicationError
from assistance.services import system_actor
from eligibility.rules.profile_data import ProfileError, load_documents
from eligibility.services import profiles_load


class Command(BaseCommand):
    help = "导入政策参数档案（全国基准与各地档案，eligibility/profiles/*.json）为已批准的参数版本；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--dir", default="", help="档案目录（默认 eligibility/profiles）", metavar="PATH")

    def handle(self, *args, **options):
        try:
            documents = load_documents(Path(options["dir"]) if options["dir"] else None)
        except ProfileError as error:
            raise CommandError(f"档案文件有误：{error}") from None
        try:
            result = profiles_load(actor=system_actor(), documents=documents)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        write = self.stdout.write
        if result.profiles_created:
            write(f"新建档案：{'、'.join(result.profiles_created)}")
        if result.profiles_updated:
            write(f"更新档案信息：{'、'.join(result.profiles_updated)}")
        for profile, county in result.links_created:
            write(f"档案 {profile} 适用于区划 {county}")
        for profile, count in sorted(result.versions_created.items()):
            write(f"档案 {profile}：新增参数版本 {count} 个")
        if result.versions_superseded:
            write(f"被文件中的新值替换的版本：{result.versions_superseded} 个")
        for profile, county in result.missing_regions:
            write(self.style.WARNING(f"区划 {county} 尚未建立，档案 {profile} 暂未关联（建立区划后再运行本命令）"))
        if result.changed:
            write(self.style.SUCCESS(f"完成：共 {len(documents)} 个档案"))
        else:
            write(self.style.SUCCESS(f"没有任何变化：{len(documents)} 个档案均已导入"))
