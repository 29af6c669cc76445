"""Monthly payment rolls (发放花名册), their lines, bank templates and the bank's result files.

Written only through ``payments.services``. Amounts on lines are integer fen (batch path, a province's roll has
millions of lines); roll totals are kept equal to the sum of their lines by the services that write lines.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from assistance.models import Region
from payments.choices import (
    CarryState,
    FileFormat,
    ImportStatus,
    LineKind,
    LineStatus,
    Resolution,
    ResultOutcome,
    RollKind,
    RollStatus,
)

STAFF = settings.AUTH_USER_MODEL

# The fields a bank template's columns may carry (``BankTemplate.columns[i]["field"]``).
EXPORT_FIELDS = {
    "reference": "流水号（本系统明细编号，回盘时原样返回）",
    "seq": "序号",
    "payee_name": "户名",
    "account_number": "银行账号",
    "bank_name": "开户银行",
    "id_number": "身份证号码",
    "amount_yuan": "金额（元，两位小数）",
    "amount_fen": "金额（分）",
    "period": "所属月份",
    "town": "乡镇（街道）",
    "village": "村（社区）",
    "kind": "发放类别",
    "program": "救助项目",
    "note": "摘要",
}
# The fields a result file's columns may carry (``BankTemplate.result_columns``: field → header).
RESULT_FIELDS = {
    "reference": "流水号",
    "account_number": "银行账号",
    "amount_yuan": "金额（元）",
    "status": "处理结果",
    "reason": "失败原因",
}


class BankTemplate(models.Model):
    """How one bank wants its payment file, and how its result file looks: data an administrator edits, not code.

    ``columns``: ``[{"header": "账号", "field": "account_number"}, …]`` (fields from ``EXPORT_FIELDS``).
    ``result_columns``: ``{"reference": "流水号", "status": "处理结果", …}`` (fields from ``RESULT_FIELDS``);
    ``success_values``: the texts of the status column that mean paid (all others mean failed).
    """

    county = models.ForeignKey(
        Region,
        verbose_name="适用县（市、区）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空则各县均可使用",
    )
    name = models.CharField("模板名称", max_length=60)
    bank_name = models.CharField("代发银行", max_length=60)
    file_format = models.CharField("文件格式", max_length=10, choices=FileFormat.choices, default=FileFormat.CSV)
    encoding = models.CharField(
        "字符编码", max_length=20, default="gb18030", help_text="CSV 适用：gb18030、gbk、utf-8-sig 等"
    )
    delimiter = models.CharField("分隔符", max_length=2, default=",")
    columns = models.JSONField("导出列", default=list)
    totals_row = models.BooleanField("末行合计", default=True)
    totals_label = models.CharField("合计行标题", max_length=20, default="合计")
    result_columns = models.JSONField("回盘文件列", default=dict)
    success_values = models.JSONField("表示成功的结果", default=list)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "银行代发模板"
        verbose_name_plural = "银行代发模板"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="banktemplate_name_per_county")]

    def __str__(self) -> str:
        return self.name


class CountyPaymentSetting(models.Model):
    """A county's payment settings: the day of the month its rolls are generated (by beat) and its bank template."""

    county = models.OneToOneField(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    roll_day = models.PositiveSmallIntegerField(
        "每月生成花名册日期", default=5, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    bank_template = models.ForeignKey(
        BankTemplate, verbose_name="默认代发模板", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "县级发放设置"
        verbose_name_plural = "县级发放设置"
        constraints = [
            models.CheckConstraint(
                condition=Q(roll_day__gte=1) & Q(roll_day__lte=28),
                name="paymentsetting_roll_day_in_month",
                violation_error_message="生成日期应为每月1–28日",
            )
        ]

    def __str__(self) -> str:
        return f"{self.county} 每月{self.roll_day}日"


class PaymentRoll(models.Model):
    """发放花名册: one per county × program × month (monthly), or a numbered adjustment roll (补发), or the roll
    of a price-subsidy batch. Lifecycle draft → checked → approved (four eyes) → exported → reconciled; from
    approval on its lines are frozen."""

    code = models.CharField("花名册编号", max_length=40, unique=True)
    county = models.ForeignKey(Region, verbose_name="县（市、区）", on_delete=models.PROTECT, related_name="+")
    program = models.CharField("救助项目", max_length=20, blank=True)
    month = models.DateField("发放月份")
    kind = models.CharField("类型", max_length=20, choices=RollKind.choices, default=RollKind.MONTHLY)
    seq = models.PositiveSmallIntegerField("批次", default=1)
    status = models.CharField("状态", max_length=12, choices=RollStatus.choices, default=RollStatus.DRAFT)
    line_count = models.PositiveIntegerField("笔数", default=0)
    total_fen = models.BigIntegerField("总金额（分）", default=0)
    paid_count = models.PositiveIntegerField("已到账笔数", default=0)
    paid_fen = models.BigIntegerField("已到账金额（分）", default=0)
    failed_count = models.PositiveIntegerField("失败笔数", default=0)
    failed_fen = models.BigIntegerField("失败金额（分）", default=0)
    check_report = models.JSONField("核对结果", default=dict, blank=True)
    bank_template = models.ForeignKey(
        BankTemplate, verbose_name="代发模板", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subsidy_batch = models.OneToOneField(
        "PriceSubsidyBatch",
        verbose_name="价格临时补贴批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="roll",
    )
    generated_by = models.ForeignKey(STAFF, verbose_name="生成人", on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        STAFF, verbose_name="核对人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField("核对时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        STAFF, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    exported_by = models.ForeignKey(
        STAFF, verbose_name="导出人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exported_at = models.DateTimeField("导出时间", null=True, blank=True)
    reconciled_at = models.DateTimeField("对账完成时间", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "发放花名册"
        verbose_name_plural = "发放花名册"
        ordering = ["-month", "county_id", "kind", "program", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "program", "month"],
                condition=Q(kind="monthly"),
                name="roll_monthly_once",
                violation_error_message="该县该项目本月的花名册已存在",
            ),
            models.UniqueConstraint(
                fields=["county", "program", "month", "seq"],
                condition=Q(kind="adjustment"),
                name="roll_adjustment_seq",
            ),
            models.CheckConstraint(condition=Q(total_fen__gte=0), name="roll_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("payment-roll-detail", args=[self.pk])

    @property
    def frozen(self) -> bool:
        return self.status in (RollStatus.APPROVED, RollStatus.EXPORTED, RollStatus.RECONCILED)


class PaymentLine(models.Model):
    """One payment on a roll: who, which account, how much (fen), for which month, and where it came from — the
    enrolment change (and so the decision) for a regular line, the failed line for a carried one, the
    instalment, the life event (funeral) or the subsidy batch. One regular line per enrolment and month."""

    roll = models.ForeignKey(
        PaymentRoll, verbose_name="花名册", on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    kind = models.CharField("类别", max_length=16, choices=LineKind.choices, default=LineKind.REGULAR)
    enrolment = models.ForeignKey(
        "cases.Enrolment",
        verbose_name="在保对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_lines",
        db_index=False,
    )
    household = models.ForeignKey(
        "cases.Household", verbose_name="家庭", on_delete=models.PROTECT, related_name="payment_lines"
    )
    member = models.ForeignKey(
        "cases.Member",
        verbose_name="救助对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    application = models.ForeignKey(
        "cases.Application",
        verbose_name="决定申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    change = models.ForeignKey(
        "cases.EnrolmentChange",
        verbose_name="金额依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    instalment = models.ForeignKey(
        "Instalment",
        verbose_name="分次发放",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    life_event = models.ForeignKey(
        "cases.LifeEvent",
        verbose_name="生命事件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name="原失败明细",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    region = models.ForeignKey(
        Region, verbose_name="村（社区）", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    town = models.ForeignKey(
        Region, verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period_month = models.DateField("所属月份")
    amount_fen = models.BigIntegerField("金额（分）")
    payee_name = models.CharField("户名", max_length=50, blank=True)
    bank_name = models.CharField("开户银行", max_length=60, blank=True)
    account_number = models.CharField("银行账号", max_length=30, blank=True)
    status = models.CharField("发放结果", max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    result_at = models.DateTimeField("回盘时间", null=True, blank=True)
    carry_state = models.CharField("失败处理", max_length=10, choices=CarryState.choices, blank=True, default="")

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        ordering = ["roll_id", "id"]
        indexes = [
            models.Index(fields=["roll", "town"], name="line_roll_town"),
            models.Index(fields=["enrolment", "period_month"], name="line_enrolment_month"),
        ]
        constraints = [
            # One regular line per enrolment and month (CONVENTIONS): generating a roll twice gives the same roll.
            models.UniqueConstraint(
                fields=["enrolment", "period_month"],
                condition=Q(kind="regular"),
                name="line_regular_once",
                violation_error_message="该在保对象本月已有发放明细",
            ),
            models.UniqueConstraint(
                fields=["carried_from"], condition=Q(carried_from__isnull=False), name="line_carried_once"
            ),
            models.UniqueConstraint(fields=["instalment"], condition=Q(kind="instalment"), name="line_instalment_once"),
            models.UniqueConstraint(fields=["life_event"], condition=Q(kind="funeral"), name="line_funeral_once"),
            models.UniqueConstraint(
                fields=["roll", "member"], condition=Q(kind="price_subsidy"), name="line_subsidy_once"
            ),
            models.UniqueConstraint(
                fields=["roll", "enrolment", "period_month"], condition=Q(kind="back_pay"), name="line_back_pay_once"
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="line_amount_positive", violation_error_message="发放金额必须大于0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.roll_id}-{self.pk} {self.amount_fen}"


class BankResultImport(models.Model):
    """One result file (回盘文件) the bank returned for a roll: stored as received, processed into rows."""

    roll = models.ForeignKey(PaymentRoll, verbose_name="花名册", on_delete=models.PROTECT, related_name="imports")
    file = models.FileField("回盘文件", upload_to="payments/results/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    job = models.ForeignKey(
        "assistance.Job", verbose_name="后台任务", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    row_count = models.PositiveIntegerField("行数", default=0)
    paid_count = models.PositiveIntegerField("成功笔数", default=0)
    paid_fen = models.BigIntegerField("成功金额（分）", default=0)
    failed_count = models.PositiveIntegerField("失败笔数", default=0)
    failed_fen = models.BigIntegerField("失败金额（分）", default=0)
    unmatched_count = models.PositiveIntegerField("未匹配行数", default=0)
    error = models.TextField("错误", blank=True)
    uploaded_by = models.ForeignKey(STAFF, verbose_name="导入人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "银行回盘文件"
        verbose_name_plural = "银行回盘文件"
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["roll", "sha256"], name="import_file_once", violation_error_message="该回盘文件已导入过"
            )
        ]

    def __str__(self) -> str:
        return self.filename


class BankResultRow(models.Model):
    """One row of a result file: matched to a line (paid or failed, with the bank's reason) or unmatched — an
    unmatched row stays listed until a person matches it to a line or dismisses it with a note."""

    result_import = models.ForeignKey(
        BankResultImport, verbose_name="回盘文件", on_delete=models.PROTECT, related_name="rows"
    )
    row_number = models.PositiveIntegerField("行号")
    reference = models.CharField("流水号", max_length=40, blank=True)
    account_number = models.CharField("银行账号", max_length=40, blank=True)
    amount_fen = models.BigIntegerField("金额（分）", null=True, blank=True)
    bank_status = models.CharField("银行处理结果", max_length=40, blank=True)
    reason = models.CharField("失败原因/未匹配原因", max_length=200, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=ResultOutcome.choices)
    line = models.ForeignKey(
        PaymentLine, verbose_name="发放明细", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField("处理", max_length=10, choices=Resolution.choices, blank=True, default="")
    resolved_by = models.ForeignKey(
        STAFF, verbose_name="处理人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.CharField("处理说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "回盘明细"
        verbose_name_plural = "回盘明细"
        ordering = ["result_import_id", "row_number"]
        constraints = [models.UniqueConstraint(fields=["result_import", "row_number"], name="result_row_once")]

    def __str__(self) -> str:
        return f"{self.result_import_id}:{self.row_number}"
