"""The decision basis of an enrolment (核定依据): the facts its last decision relied on, kept as the rules engine's
batch columns (``eligibility.rules.batch.HouseholdColumns``, money in integer fen) so that a standards change
(提标) recomputes every enrolment of a county in bulk from exactly those facts, without re-reading the registry
(``cases.services.recompute``).

Written by ``cases.services.basis.basis_store`` whenever a decision creates or adjusts an enrolment; one
``EnrolmentBasis`` row per enrolment (replaced by the next decision), its persons, their incomes (only the
non-zero ones) and the 特困 subject's legal supporters. Never edited by hand.
"""

from __future__ import annotations

from django.db import models

from cases.models.workflow import Enrolment


class EnrolmentBasis(models.Model):
    """The household part of the basis (one row per enrolment)."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name="在保对象", primary_key=True, on_delete=models.CASCADE, related_name="basis"
    )
    month = models.DateField("核定月份")
    urban = models.BooleanField("城市")
    financial_assets = models.BigIntegerField("金融资产（分）")
    vehicles_counted = models.IntegerField("计入的车辆数")
    vehicle_value_counted = models.BigIntegerField("计入的车辆价值（分）")
    homes_counted = models.IntegerField("计入的房产数")
    centralised = models.BooleanField("集中供养")
    subject = models.IntegerField("特困对象在成员中的位置", default=-1)
    fallback = models.BooleanField("须逐户计算", default=False)
    rigid_medical = models.BigIntegerField("近12个月医疗支出（分）", default=0)
    rigid_education = models.BigIntegerField("近12个月教育支出（分）", default=0)
    rigid_rehabilitation = models.BigIntegerField("近12个月康复支出（分）", default=0)
    rigid_care = models.BigIntegerField("近12个月照护支出（分）", default=0)
    rigid_other = models.BigIntegerField("近12个月其他刚性支出（分）", default=0)

    class Meta:
        verbose_name = "核定依据"
        verbose_name_plural = "核定依据"

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.month:%Y-%m}"


class EnrolmentBasisPerson(models.Model):
    """A member as the decision counted them (``position`` = order in the household's person columns)."""

    enrolment = models.ForeignKey(Enrolment, verbose_name="在保对象", on_delete=models.CASCADE, related_name="+")
    position = models.SmallIntegerField("序号")
    birth_year = models.SmallIntegerField("出生年")
    birth_month = models.SmallIntegerField("出生月")
    birth_day = models.SmallIntegerField("出生日")
    counts = models.BooleanField("计入家庭人口")
    deceased = models.BooleanField("已死亡")
    gone = models.BooleanField("服刑或失踪")
    disability = models.SmallIntegerField("残疾类别代码")
    grade = models.SmallIntegerField("残疾等级")
    serious_illness = models.BooleanField("重病")
    college = models.BooleanField("在读大学")
    school = models.BooleanField("在校就读")
    labour = models.SmallIntegerField("劳动能力代码")
    selfcare = models.SmallIntegerField("自理能力代码")

    class Meta:
        verbose_name = "核定依据（成员）"
        verbose_name_plural = "核定依据（成员）"
        constraints = [models.UniqueConstraint(fields=["enrolment", "position"], name="basis_person_position")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}#{self.position}"


class EnrolmentBasisIncome(models.Model):
    """A member's counted monthly income of one kind, in fen (``kind`` = index in ``schema.INCOME_KINDS``)."""

    enrolment = models.ForeignKey(Enrolment, verbose_name="在保对象", on_delete=models.CASCADE, related_name="+")
    position = models.SmallIntegerField("成员序号")
    kind = models.SmallIntegerField("收入类别代码")
    amount = models.BigIntegerField("月收入（分）")

    class Meta:
        verbose_name = "核定依据（收入）"
        verbose_name_plural = "核定依据（收入）"

    def __str__(self) -> str:
        return f"{self.enrolment_id}#{self.position} {self.kind} {self.amount}"


class EnrolmentBasisSupporter(models.Model):
    """A legal supporter of the 特困 subject as the decision saw them."""

    enrolment = models.ForeignKey(Enrolment, verbose_name="在保对象", on_delete=models.CASCADE, related_name="+")
    birth_year = models.SmallIntegerField("出生年")
    birth_month = models.SmallIntegerField("出生月")
    birth_day = models.SmallIntegerField("出生日")
    disability = models.SmallIntegerField("残疾类别代码")
    grade = models.SmallIntegerField("残疾等级")
    income = models.BigIntegerField("年收入（分）")
    tekun = models.BooleanField("特困人员")
    dibao = models.BooleanField("低保对象")
    gone = models.BooleanField("无能力或服刑失踪")

    class Meta:
        verbose_name = "核定依据（法定义务人）"
        verbose_name_plural = "核定依据（法定义务人）"

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.birth_year}"
