"""Choices of the payments app: roll kinds and states, line kinds and results, receivables, reserve funds."""

from __future__ import annotations

from django.db import models

from cases.choices import ProgramCode

# The programs paid month by month through a roll (发放花名册): the enrolment programs, and 支出型 temporary aid
# approved once and paid in instalments (一次审批、分次发放, maiji-2021 §四(四)15).
ROLL_PROGRAMS = (ProgramCode.DIBAO, ProgramCode.DIBAO_SINGLE, ProgramCode.TEKUN, ProgramCode.TEMP_EXPENDITURE)


class RollKind(models.TextChoices):
    MONTHLY = "monthly", "月度发放"  # one per county × program × month
    ADJUSTMENT = "adjustment", "补发"  # corrections after approval: back-pay (补发), numbered per month
    PRICE_SUBSIDY = "price_subsidy", "价格临时补贴"  # one per subsidy batch


class RollStatus(models.TextChoices):
    DRAFT = "draft", "草稿"  # generated; may be generated again
    CHECKED = "checked", "已核对"  # totals by town and the changes against last month reviewed
    APPROVED = "approved", "已审批"  # a county reviewer approved it (not the one who generated it); frozen
    EXPORTED = "exported", "已导出"  # the bank file was produced
    RECONCILED = "reconciled", "已对账"  # every line has the bank's result, nothing unmatched is left


FROZEN_STATUSES = (RollStatus.APPROVED, RollStatus.EXPORTED, RollStatus.RECONCILED)


class LineKind(models.TextChoices):
    REGULAR = "regular", "当月发放"  # the enrolment's amount for the roll's month
    CARRY = "carry", "失败重发"  # a failed line of an earlier roll, paid again after the account was corrected
    BACK_PAY = "back_pay", "补发"  # the shortfall of a month already paid (retroactive standard, late confirmation)
    INSTALMENT = "instalment", "分次发放"  # one instalment of 支出型 temporary aid
    FUNERAL = "funeral", "丧葬费"  # 特困 funeral payment (maiji-2021 §四(二)5)
    PRICE_SUBSIDY = "price_subsidy", "价格临时补贴"


class LineStatus(models.TextChoices):
    PENDING = "pending", "待发放"
    PAID = "paid", "已到账"
    FAILED = "failed", "发放失败"


class CarryState(models.TextChoices):
    # Whether a failed line was carried is not a state: it is the carry line that names it (``carried_from``).
    NONE = "", "—"
    WAITING = "waiting", "待更正账户"  # failed; carried once the household's account changes (or it is released)
    READY = "ready", "已核实，下期重发"  # released by a person: the account is right, pay it again
    CANCELLED = "cancelled", "不再发放"  # e.g. the recipient died before the money could be paid


class ResultOutcome(models.TextChoices):
    PAID = "paid", "成功"
    FAILED = "failed", "失败"
    UNMATCHED = "unmatched", "未匹配"


class Resolution(models.TextChoices):
    OPEN = "", "待处理"
    MATCHED = "matched", "已人工匹配"
    DISMISSED = "dismissed", "已核实排除"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV 文本"
    XLSX = "xlsx", "Excel（xlsx）"


class ReceivableCause(models.TextChoices):
    DEATH = "death", "死亡后未及时停发"
    OVERPAYMENT = "overpayment", "多发（核算差额）"
    INELIGIBLE = "ineligible", "不符合条件仍在发放"
    FRAUD = "fraud", "骗取救助"  # maiji-2021 §五(三)
    EMERGENCY_REFUSED = "emergency_refused", "急难先行救助后置审批不予确认"
    OTHER = "other", "其他"


class ReceivableStatus(models.TextChoices):
    OPEN = "open", "追回中"
    SETTLED = "settled", "已结清"  # repaid (and written off, if any) in full


class ReceivableEntryKind(models.TextChoices):
    REPAYMENT = "repayment", "退回"
    WRITE_OFF = "write_off", "核销"


class ReserveEntryKind(models.TextChoices):
    ALLOCATION = "allocation", "年初预拨"  # maiji-2021 §四(四)15: 每人2元，年初预拨
    TOP_UP = "top_up", "追加拨付"  # 用完后可继续申请
    DRAWDOWN = "drawdown", "急难救助支出"
    SETTLEMENT = "settlement", "年终清算收回"  # 年底定期清算


class ReserveFundStatus(models.TextChoices):
    OPEN = "open", "使用中"
    SETTLED = "settled", "已清算"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"


class InstalmentStatus(models.TextChoices):
    # Whether an instalment is on a roll is the line that names it, not a state.
    SCHEDULED = "scheduled", "按计划发放"
    CANCELLED = "cancelled", "已取消"


class SubsidyBatchStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    GENERATED = "generated", "已生成发放名单"
