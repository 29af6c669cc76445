"""The household registry: households, members, their incomes, property, rigid expenses and legal
supporters outside the household. Written only through ``cases.services``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from assistance.models import RecognisedIllness, Region
from assistance.roles import RegionLevel
from cases.choices import (
    INCOME_TREATMENT,
    AreaType,
    AssetKind,
    DisabilityType,
    EducationStage,
    Employment,
    ExpenseKind,
    HouseholdStatus,
    IncomeKind,
    IncomeSource,
    LabourAbility,
    MembershipEnd,
    Relation,
    SelfCareLevel,
    Sex,
    SupporterRelation,
)
from cases.id_numbers import validate_id_number

MONEY = {"max_digits": 14, "decimal_places": 2}
phone_validator = RegexValidator(r"^[0-9+\- ]{7,20}$", "请输入有效的电话号码（7–20位数字）")
account_validator = RegexValidator(r"^[0-9]{8,30}$", "银行账号应为8–30位数字")


class Household(models.Model):
    """A household (家庭) registered at the village/community of its 户籍."""

    code = models.CharField("家庭编号", max_length=20, unique=True, editable=False)
    hukou_region = models.ForeignKey(
        Region,
        verbose_name="户籍所在村（社区）",
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": RegionLevel.VILLAGE},
    )
    residence_region = models.ForeignKey(
        Region,
        verbose_name="居住地村（社区）",
        on_delete=models.PROTECT,
        related_name="resident_households",
        null=True,
        blank=True,
        limit_choices_to={"level": RegionLevel.VILLAGE},
        help_text="与户籍地不一致时填写（人户分离）",
    )
    residence_address = models.CharField("居住地址", max_length=200)
    area_type = models.CharField("城乡类别", max_length=10, choices=AreaType.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    bank_account_holder = models.CharField("账户户名", max_length=50, blank=True)
    bank_account_number = models.CharField("银行账号", max_length=30, blank=True, validators=[account_validator])
    head = models.ForeignKey(
        "Member", verbose_name="户主", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField("状态", max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE)
    notes = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        ordering = ["-id"]
        indexes = [models.Index(fields=["hukou_region", "status"], name="household_region_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(bank_account_number="") | ~Q(bank_account_holder=""),
                name="household_account_has_holder",
                violation_error_message="填写银行账号时必须填写账户户名",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("household-detail", args=[self.pk])


class Member(models.Model):
    """A person in a household. ID number validated; birth date and sex derived from it."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="members")
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, validators=[validate_id_number])
    birth_date = models.DateField("出生日期", editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    disability_type = models.CharField("残疾类别", max_length=20, choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="1–4级，以残疾人证为准",
    )
    serious_illness = models.ForeignKey(
        RecognisedIllness, verbose_name="重病病种", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    labour_ability = models.CharField(
        "劳动能力", max_length=10, choices=LabourAbility.choices, blank=True, help_text="经评估认定；未评估留空"
    )
    # Self-care on the six national items (tekun-renyuan-rending-banfa-2021 第二十一条): True = can do it.
    selfcare_eating = models.BooleanField("自主吃饭", null=True, blank=True)
    selfcare_dressing = models.BooleanField("自主穿衣", null=True, blank=True)
    selfcare_transfer = models.BooleanField("自主上下床", null=True, blank=True)
    selfcare_toileting = models.BooleanField("自主如厕", null=True, blank=True)
    selfcare_walking = models.BooleanField("室内自主行走", null=True, blank=True)
    selfcare_bathing = models.BooleanField("自主洗澡", null=True, blank=True)
    selfcare_assessed_on = models.DateField("自理能力评估日期", null=True, blank=True)
    selfcare_level = models.CharField(
        "生活自理能力", max_length=10, choices=SelfCareLevel.choices, blank=True, editable=False
    )
    education_stage = models.CharField(
        "教育阶段", max_length=20, choices=EducationStage.choices, default=EducationStage.NONE
    )
    in_school = models.BooleanField("在校就读", default=False)
    employment = models.CharField("就业状况", max_length=20, choices=Employment.choices, blank=True)
    deceased_on = models.DateField("死亡日期", null=True, blank=True)
    imprisoned_from = models.DateField("服刑开始日期", null=True, blank=True)
    imprisoned_until = models.DateField("服刑结束日期", null=True, blank=True)
    missing_since = models.DateField("失踪日期", null=True, blank=True)
    is_active = models.BooleanField("在册", default=True)
    left_on = models.DateField("迁出日期", null=True, blank=True)
    left_reason = models.CharField("迁出原因", max_length=20, choices=MembershipEnd.choices, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    SELFCARE_FIELDS = (
        "selfcare_eating",
        "selfcare_dressing",
        "selfcare_transfer",
        "selfcare_toileting",
        "selfcare_walking",
        "selfcare_bathing",
    )

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["id_number"], name="member_id_number"),
            # Searching by the leading digits of an ID number is a LIKE 'x%' prefix match.
            models.Index(fields=["id_number"], name="member_id_number_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["household", "is_active"], name="member_household_active"),
            models.Index(fields=["name"], name="member_name"),
        ]
        constraints = [
            # One person, one active household.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(is_active=True),
                name="member_one_active_household_per_id",
                violation_error_message="该身份证号已在其他家庭登记为在册成员",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(is_active=True, relation="head"),
                name="member_one_head_per_household",
                violation_error_message="一户只能有一名户主",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True) | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="member_disability_grade_1_4",
                violation_error_message="残疾等级应为1–4级",
            ),
            models.CheckConstraint(
                condition=(Q(disability_type="") & Q(disability_grade__isnull=True))
                | (~Q(disability_type="") & Q(disability_grade__isnull=False)),
                name="member_disability_type_with_grade",
                violation_error_message="残疾类别和残疾等级须同时填写",
            ),
            models.CheckConstraint(
                condition=Q(deceased_on__isnull=True) | Q(deceased_on__gte=F("birth_date")),
                name="member_death_after_birth",
                violation_error_message="死亡日期不能早于出生日期",
            ),
            models.CheckConstraint(
                condition=Q(imprisoned_until__isnull=True)
                | (Q(imprisoned_from__isnull=False) & Q(imprisoned_until__gte=F("imprisoned_from"))),
                name="member_prison_dates_ordered",
                violation_error_message="服刑结束日期不能早于开始日期",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(left_on__isnull=False),
                name="member_inactive_has_left_on",
                violation_error_message="迁出的成员须填写迁出日期",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        from audit.services import mask_id_number

        return mask_id_number(self.id_number)

    def age_on(self, day) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class MemberIncome(models.Model):
    """One kind of income (or deduction) of one member in one month, in yuan."""

    member = models.ForeignKey(Member, verbose_name="成员", on_delete=models.PROTECT, related_name="incomes")
    month = models.DateField("所属月份", help_text="当月1日")
    kind = models.CharField("收入类别", max_length=30, choices=IncomeKind.choices)
    amount = models.DecimalField("金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    source = models.CharField("来源", max_length=20, choices=IncomeSource.choices, default=IncomeSource.DECLARED)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "成员收入"
        verbose_name_plural = "成员收入"
        ordering = ["member_id", "-month", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month", "kind"],
                name="income_one_per_member_month_kind",
                violation_error_message="该成员本月已登记此类收入，请修改原记录",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="income_amount_not_negative", violation_error_message="金额不能为负数"
            ),
            models.CheckConstraint(
                condition=Q(month__day=1), name="income_month_first_day", violation_error_message="所属月份应为当月1日"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m} {self.get_kind_display()} {self.amount}"

    @property
    def treatment(self) -> str:
        return INCOME_TREATMENT[self.kind][0]

    @property
    def treatment_basis(self) -> str:
        return INCOME_TREATMENT[self.kind][1]

    def get_treatment_display(self) -> str:
        from cases.choices import IncomeTreatment

        return IncomeTreatment(self.treatment).label


class Asset(models.Model):
    """Property of the household (dibao-shenhe-queren-banfa-2021 第十四条), valued in yuan."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="assets")
    owner = models.ForeignKey(
        Member, verbose_name="所有人", null=True, blank=True, on_delete=models.PROTECT, related_name="assets"
    )
    kind = models.CharField("财产类别", max_length=20, choices=AssetKind.choices)
    description = models.CharField("说明", max_length=200, blank=True, help_text="如：开户行、车牌号、房屋坐落")
    value = models.DecimalField("价值（元）", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    valued_on = models.DateField("估值日期")
    # Vehicles
    vehicle_plate = models.CharField("车牌号", max_length=20, blank=True)
    vehicle_purchase_price = models.DecimalField(
        "购置价（元）", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    # Real estate
    floor_area = models.DecimalField(
        "建筑面积（㎡）",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_only_home = models.BooleanField("唯一住房", default=False)
    # Necessary production/living property may be exempted (第十四条).
    is_exempt = models.BooleanField("豁免", default=False, help_text="维持家庭生产生活的必需财产")
    exempt_reason = models.CharField("豁免理由", max_length=200, blank=True)
    source = models.CharField("来源", max_length=20, choices=IncomeSource.choices, default=IncomeSource.DECLARED)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "家庭财产"
        verbose_name_plural = "家庭财产"
        ordering = ["household_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="asset_value_not_negative", violation_error_message="价值不能为负数"
            ),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exempt_reason=""),
                name="asset_exempt_has_reason",
                violation_error_message="豁免的财产须说明理由",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class RigidExpense(models.Model):
    """A rigid expense (刚性支出) of the household over a period, in yuan."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="expenses")
    member = models.ForeignKey(
        Member, verbose_name="成员", null=True, blank=True, on_delete=models.PROTECT, related_name="expenses"
    )
    kind = models.CharField("支出类别", max_length=20, choices=ExpenseKind.choices)
    amount = models.DecimalField("金额（元）", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    period_start = models.DateField("起始月份")
    period_end = models.DateField("截止月份")
    description = models.CharField("说明", max_length=200, blank=True)
    source = models.CharField("来源", max_length=20, choices=IncomeSource.choices, default=IncomeSource.DECLARED)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "刚性支出"
        verbose_name_plural = "刚性支出"
        ordering = ["household_id", "-period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="expense_amount_not_negative", violation_error_message="金额不能为负数"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="expense_period_ordered",
                violation_error_message="截止月份不能早于起始月份",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class LegalSupporter(models.Model):
    """A legal supporter (法定赡养扶养抚养义务人) living outside the household, with the facts that decide
    whether they are able to support (tekun-renyuan-rending-banfa-2021 第八条)."""

    household = models.ForeignKey(Household, verbose_name="家庭", on_delete=models.PROTECT, related_name="supporters")
    supported_member = models.ForeignKey(
        Member, verbose_name="被赡养（扶养、抚养）人", on_delete=models.PROTECT, related_name="supporters"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, validators=[validate_id_number])
    birth_date = models.DateField("出生日期", editable=False)
    relation = models.CharField("关系", max_length=20, choices=SupporterRelation.choices)
    address = models.CharField("住址", max_length=200, blank=True)
    disability_type = models.CharField("残疾类别", max_length=20, choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    annual_income = models.DecimalField(
        "上年收入（元）", **MONEY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    is_tekun = models.BooleanField("本人为特困人员", default=False)
    is_dibao = models.BooleanField("本人为低保对象", default=False)
    in_prison = models.BooleanField("正在服刑", default=False)
    is_missing = models.BooleanField("下落不明/失踪", default=False)
    lacks_legal_capacity = models.BooleanField("无民事行为能力或限制民事行为能力", default=False)
    notes = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "法定义务人"
        verbose_name_plural = "法定赡养扶养抚养义务人"
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supported_member", "id_number"],
                name="supporter_once_per_member",
                violation_error_message="该义务人已登记",
            ),
            models.CheckConstraint(
                condition=Q(annual_income__gte=0),
                name="supporter_income_not_negative",
                violation_error_message="收入不能为负数",
            ),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True) | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="supporter_disability_grade_1_4",
                violation_error_message="残疾等级应为1–4级",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# django-guardian object permissions with direct foreign keys (joinable, unlike the generic ones):
# a grant lets a staff member outside the household's region see it, e.g. a county reviewer of the
# county where the family now lives (人户分离), or a city auditor looking at one case.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class HouseholdUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "家庭授权（人员）"
        verbose_name_plural = "家庭授权（人员）"


class HouseholdGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "家庭授权（组）"
        verbose_name_plural = "家庭授权（组）"
