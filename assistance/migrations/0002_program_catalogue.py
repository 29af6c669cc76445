"""Load the program catalogue. New programs are added as data (admin console), not code."""

from django.db import migrations

PROGRAMS = [
    # code, name, short name, kind, by household, legal basis, sort
    ("dibao", "最低生活保障", "低保", "monthly_cash", True,
     "社会救助暂行办法第二章；最低生活保障审核确认办法（民发〔2021〕57号）", 10),
    ("tekun", "特困人员救助供养", "特困", "monthly_cash", False,
     "社会救助暂行办法第三章；特困人员认定办法（民发〔2021〕43号）", 20),
    ("low_income", "低收入家庭认定", "低收入", "status", True,
     "关于加强低收入人口动态监测做好分层分类社会救助工作的意见（2023）", 30),
    ("temp_emergency", "临时救助（急难型）", "急难型临时救助", "temporary", True,
     "关于进一步加强和改进临时救助工作的意见（民发〔2018〕23号）", 40),
    ("temp_expenditure", "临时救助（支出型）", "支出型临时救助", "temporary", True,
     "关于进一步加强和改进临时救助工作的意见（民发〔2018〕23号）", 50),
    ("medical", "医疗救助", "医疗救助", "specialised", False,
     "社会救助暂行办法第五章；国办发〔2021〕42号", 60),
    ("education", "教育救助", "教育救助", "specialised", False, "社会救助暂行办法第六章", 70),
]


def load(apps, schema_editor):
    Program = apps.get_model("assistance", "Program")
    for code, name, short, kind, by_household, basis, sort in PROGRAMS:
        Program.objects.update_or_create(
            code=code,
            defaults={"name": name, "short_name": short, "kind": kind, "by_household": by_household,
                      "legal_basis": basis, "sort_order": sort},
        )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
