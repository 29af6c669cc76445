"""Town reserve funds for temporary assistance (临时救助备用金).

maiji-2021 §四(四)15: 通过国库集中支付的方式年初按照辖区人口每人2元的标准进行预拨，用完后可继续申请，强化监督检查，
年底定期清算. changbai-2021 §二(六)22: 在乡镇建立社会救助备用金，按需核定备用金额度.

One ``ReserveFund`` per town and year: the yearly allocation (``temp.reserve.per_resident`` × residents, or the
amount the county sets where the profile has no per-resident standard), top-ups approved by the county, drawdowns
by 急难 pay-first aid (``reserve_draw``, called from the workflow through ``payments.hooks.emergency_paid``) and the
year-end settlement, which returns the balance. Every movement is a ``ReserveEntry`` with the balance after it;
the fund's running totals satisfy ``balance = allocated + topped_up − drawn − returned ≥ 0`` (check constraints),
and every write locks the fund row first (``select_for_update``) so concurrent drawdowns cannot overdraw it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from assistance.errors import ApplicationError, PermissionRefused
from assistance.models import Region, Staff
from assistance.roles import RegionLevel, Role
from assistance.scoping import holds_role_over
from audit.services import audit_record, model_snapshot
from cases.choices import ProgramCode
from cases.models import Application
from payments.choices import RequestStatus, ReserveEntryKind, ReserveFundStatus
from payments.models import ReserveEntry, ReserveFund, ReserveTopUp
from payments.services._common import (
    FEN,
    county_of,
    money,
    require_county,
    require_payment_admin,
    require_payment_reviewer,
    today,
)

AUDITED = ["residents", "per_resident", "allocated", "topped_up", "drawn", "returned", "balance", "status"]
TOP_UP_AUDITED = ["amount", "reason", "status", "decided_by", "decision_note"]
PER_RESIDENT_KEY = "temp.reserve.per_resident"


# --- helpers --------------------------------------------------------------------------------------------------


def per_resident_standard(county: Region, year: int) -> Decimal | None:
    """The profile's yearly allocation per resident in force in January of ``year`` (maiji-2021 §四(四)15: 2 yuan);
    ``None`` where the profile sets none (0) or the county has no profile: the amount is then decided as needed
    (按需核定, changbai-2021 §二(六)22) and entered by the county administrator."""
    from eligibility.rules.parameters import MissingParameter
    from eligibility.selectors import parameter_set_for

    try:
        params = parameter_set_for(county=county, month=dt.date(year, 1, 1))
        value = params.get(PER_RESIDENT_KEY).value
    except (ApplicationError, MissingParameter):
        return None
    value = Decimal(value)
    return value if value > 0 else None


def _require_town(town: Region) -> Region:
    if town is None or town.level != RegionLevel.TOWN:
        raise ApplicationError("请选择乡镇（街道）", code="invalid", fields={"town": ["必须是乡镇级区划"]})
    return town


def _year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ApplicationError("年度格式不正确", code="invalid", fields={"year": ["请输入年份，如 2026"]}) from None
    current = today().year
    if value < 2000 or value > current + 1:
        raise ApplicationError(
            f"年度应在 2000 年至 {current + 1} 年之间", code="invalid", fields={"year": ["年度超出范围"]}
        )
    return value


def _residents(residents: Any) -> int:
    try:
        value = int(str(residents).strip())
    except (TypeError, ValueError):
        raise ApplicationError("辖区人口格式不正确", code="invalid", fields={"residents": ["请输入整数"]}) from None
    if value < 0 or value > 100_000_000:
        raise ApplicationError("辖区人口超出范围", code="invalid", fields={"residents": ["请输入 0 或正整数"]})
    return value


def _text(value: Any, field: str, label: str, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(f"请填写{label}", code="invalid", fields={field: [f"请填写{label}"]})
    if len(text) > 200:
        raise ApplicationError(f"{label}不能超过200字", code="invalid", fields={field: ["不能超过200字"]})
    return text


def _locked_fund(fund: ReserveFund) -> ReserveFund:
    return ReserveFund.objects.select_for_update().select_related("town", "county").get(pk=fund.pk)


def _entry(
    *, actor: Staff, fund: ReserveFund, kind: str, amount: Decimal, note: str = "", **links: Any
) -> ReserveEntry:
    return ReserveEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        balance_after=fund.balance,
        on=today(),
        note=note[:200],
        actor=actor,
        **links,
    )


def is_town_caseworker(actor: Staff, town: Region) -> bool:
    return actor.is_superuser or holds_role_over(actor, Role.TOWN_CASEWORKER, town)


# --- allocation -----------------------------------------------------------------------------------------------


@transaction.atomic
def reserve_allocate(*, actor: Staff, town: Region, year: int, residents: int, amount: Any = None) -> ReserveFund:
    """Create the town's fund of ``year`` with its allocation (年初预拨): ``residents`` × the profile's
    per-resident standard (maiji-2021 §四(四)15: 每人2元), or ``amount`` where the profile has none (按需核定).

    County administrator only. A second allocation of the same town and year is refused (409 ``reserve_exists``);
    an ``amount`` different from the standard's result is refused (400)."""
    town = _require_town(town)
    county = county_of(town)
    require_payment_admin(actor, county, "预拨临时救助备用金")
    year = _year(year)
    residents = _residents(residents)
    standard = per_resident_standard(county, year)
    if standard is not None:
        allocated = (standard * residents).quantize(FEN)
        if amount not in (None, "") and money(amount, "amount", "预拨金额") != allocated:
            raise ApplicationError(
                f"本地按辖区人口每人{standard}元的标准预拨（{residents}人 × {standard}元 = {allocated}元），"
                "不能另定金额",
                code="invalid",
                fields={"amount": ["按标准计算，无需填写"]},
            )
        if allocated <= 0:
            raise ApplicationError(
                "按辖区人口计算的预拨金额为0，请填写辖区人口", code="invalid", fields={"residents": ["请填写辖区人口"]}
            )
    else:
        if amount in (None, ""):
            raise ApplicationError(
                "本地未规定按人口预拨的标准，请按需核定备用金额度",
                code="invalid",
                fields={"amount": ["请填写预拨金额"]},
            )
        allocated = money(amount, "amount", "预拨金额")
    if ReserveFund.objects.filter(town=town, year=year).exists():
        raise ApplicationError(f"{town.name}{year}年的备用金已预拨，不能重复预拨", code="reserve_exists", status=409)
    try:
        with transaction.atomic():
            fund = ReserveFund.objects.create(
                town=town,
                county=county,
                year=year,
                residents=residents,
                per_resident=standard or Decimal("0"),
                allocated=allocated,
                balance=allocated,
            )
    except IntegrityError:  # the same allocation committed a moment ago by someone else
        raise ApplicationError(
            f"{town.name}{year}年的备用金已预拨，不能重复预拨", code="reserve_exists", status=409
        ) from None
    basis = f"辖区人口 {residents} 人 × 每人 {standard} 元" if standard is not None else "按需核定"
    _entry(
        actor=actor, fund=fund, kind=ReserveEntryKind.ALLOCATION, amount=allocated, note=f"{year}年初预拨（{basis}）"
    )
    audit_record(
        actor=actor,
        action="reserve_fund.allocate",
        target=fund,
        region=town,
        after=model_snapshot(fund, AUDITED),
        note=basis,
    )
    return fund


def reserve_allocate_year(*, actor: Staff, county: Region, year: int) -> list[ReserveFund]:
    """Allocate ``year``'s fund of every town of ``county`` that had one the year before, with last year's residents
    (and last year's allocation where the profile sets no per-resident standard); towns already allocated are
    skipped. For the yearly beat job (as the system actor) or the administrator. Each town is its own
    transaction; return the funds created."""
    require_county(county)
    require_payment_admin(actor, county, "预拨临时救助备用金")
    year = _year(year)
    created = []
    previous = ReserveFund.objects.filter(county=county, year=year - 1).select_related("town").order_by("town__path")
    have = set(ReserveFund.objects.filter(county=county, year=year).values_list("town_id", flat=True))
    standard = per_resident_standard(county, year)
    for last in previous:
        if last.town_id in have:
            continue
        amount = None if standard is not None else last.allocated
        if standard is None and not last.allocated:
            continue
        try:
            created.append(
                reserve_allocate(actor=actor, town=last.town, year=year, residents=last.residents, amount=amount)
            )
        except ApplicationError as error:
            if error.code != "reserve_exists":
                raise
    return created


# --- top-ups --------------------------------------------------------------------------------------------------


@transaction.atomic
def reserve_top_up_request(*, actor: Staff, fund: ReserveFund, amount: Any, reason: str) -> ReserveTopUp:
    """A town caseworker asks for more reserve money (用完后可继续申请, maiji-2021 §四(四)15); pending until a county
    reviewer decides (``reserve_top_up_decide``)."""
    fund = _locked_fund(fund)
    if not is_town_caseworker(actor, fund.town):
        raise PermissionRefused("只有本乡镇（街道）的经办人员可以申请追加备用金")
    if fund.status != ReserveFundStatus.OPEN:
        raise ApplicationError("该备用金已年终清算，不能再申请追加", code="reserve_settled", status=409)
    value = money(amount, "amount", "申请金额")
    reason = _text(reason, "reason", "申请理由")
    top_up = ReserveTopUp.objects.create(fund=fund, amount=value, reason=reason, requested_by=actor)
    audit_record(
        actor=actor,
        action="reserve_top_up.request",
        target=top_up,
        region=fund.town,
        after=model_snapshot(top_up, TOP_UP_AUDITED),
        note=reason,
    )
    return top_up


@transaction.atomic
def reserve_top_up_decide(*, actor: Staff, top_up: ReserveTopUp, approve: bool, note: str = "") -> ReserveTopUp:
    """A county reviewer approves (the amount is added to the fund: a top-up entry) or refuses (with a note) a
    pending top-up request. A request already decided is refused (409)."""
    top_up = ReserveTopUp.objects.select_for_update().get(pk=top_up.pk)
    fund = _locked_fund(top_up.fund)
    require_payment_reviewer(actor, fund.county, "审批追加备用金")
    if top_up.status != RequestStatus.PENDING:
        raise ApplicationError(
            f"该追加申请已{top_up.get_status_display()}，不能重复审批", code="illegal_transition", status=409
        )
    note = _text(note, "note", "不予批准的理由", required=not approve)
    before = model_snapshot(top_up, TOP_UP_AUDITED)
    if approve:
        if fund.status != ReserveFundStatus.OPEN:
            raise ApplicationError("该备用金已年终清算，不能再追加", code="reserve_settled", status=409)
        fund_before = model_snapshot(fund, AUDITED)
        fund.topped_up += top_up.amount
        fund.balance += top_up.amount
        fund.save(update_fields=["topped_up", "balance", "updated_at"])
        _entry(
            actor=actor,
            fund=fund,
            kind=ReserveEntryKind.TOP_UP,
            amount=top_up.amount,
            note=f"追加拨付：{top_up.reason}",
            top_up=top_up,
        )
        audit_record(
            actor=actor,
            action="reserve_fund.top_up",
            target=fund,
            region=fund.town,
            before=fund_before,
            after=model_snapshot(fund, AUDITED),
        )
    top_up.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    top_up.decided_by = actor
    top_up.decided_at = timezone.now()
    top_up.decision_note = note
    top_up.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="reserve_top_up.decide",
        target=top_up,
        region=fund.town,
        before=before,
        after=model_snapshot(top_up, TOP_UP_AUDITED),
        note=note,
    )
    return top_up


# --- drawdowns ------------------------------------------------------------------------------------------------


def _town_of(application: Application) -> Region | None:
    region = application.region
    if region.level == RegionLevel.TOWN:
        return region
    return region.parent if region.parent_id else None


@transaction.atomic
def reserve_draw(*, actor: Staff, application: Application) -> ReserveEntry | None:
    """Pay a 急难 case paid first by the town (小金额先行救助, 先行救助后置审批 and the bridge aid of a pending
    低保/特困 application alike) from the town's reserve fund of the year: a drawdown entry of
    ``application.approved_amount`` naming the case.

    Called inside ``cases.services.workflow.emergency_aid_grant``'s transaction (``payments.hooks.emergency_paid``),
    which has checked the caseworker. Where the town has no open fund this year nothing happens (the county pays
    directly) and ``None`` is returned. A balance short of the amount raises ``ApplicationError`` (409
    ``reserve_insufficient``), so the whole payment rolls back. Calling it again for the same case returns the
    existing entry."""
    if application.program != ProgramCode.TEMP_EMERGENCY:
        return None
    amount = application.approved_amount or Decimal("0")
    town = _town_of(application)
    if amount <= 0 or town is None:
        return None
    year = (application.paid_on or today()).year
    fund = (
        ReserveFund.objects.select_for_update()
        .select_related("town", "county")
        .filter(town=town, year=year, status=ReserveFundStatus.OPEN)
        .first()
    )
    if fund is None:
        return None
    existing = ReserveEntry.objects.filter(application=application, kind=ReserveEntryKind.DRAWDOWN).first()
    if existing is not None:
        return existing
    if fund.balance < amount:
        raise ApplicationError(
            f"备用金余额不足（余额 {fund.balance} 元），请先申请追加备用金",
            code="reserve_insufficient",
            status=409,
            extra={"balance": str(fund.balance), "amount": str(amount), "fund": fund.pk},
        )
    before = model_snapshot(fund, AUDITED)
    fund.drawn += amount
    fund.balance -= amount
    fund.save(update_fields=["drawn", "balance", "updated_at"])
    entry = _entry(
        actor=actor,
        fund=fund,
        kind=ReserveEntryKind.DRAWDOWN,
        amount=amount,
        note=f"急难型临时救助 {application.code}",
        application=application,
    )
    audit_record(
        actor=actor,
        action="reserve_fund.draw",
        target=fund,
        region=fund.town,
        household=application.household,
        before=before,
        after=model_snapshot(fund, AUDITED),
        note=application.code,
    )
    return entry


# --- settlement -----------------------------------------------------------------------------------------------


def can_settle(fund: ReserveFund, on: dt.date | None = None) -> bool:
    """Year end (年底定期清算): in December of the fund's year, or any time after it."""
    on = on or today()
    return fund.status == ReserveFundStatus.OPEN and (fund.year < on.year or (fund.year == on.year and on.month == 12))


@transaction.atomic
def reserve_settle(*, actor: Staff, fund: ReserveFund) -> ReserveFund:
    """Settle the fund at year end (年底定期清算, maiji-2021 §四(四)15): the balance is returned (a settlement entry)
    and the fund closes. County administrator only; in December of the fund's year or later; not while a
    top-up request is pending."""
    fund = _locked_fund(fund)
    require_payment_admin(actor, fund.county, "清算临时救助备用金")
    if fund.status != ReserveFundStatus.OPEN:
        raise ApplicationError("该备用金已清算", code="reserve_settled", status=409)
    if not can_settle(fund):
        raise ApplicationError(f"{fund.year}年的备用金只能在{fund.year}年12月或以后清算", code="too_early", status=409)
    if ReserveTopUp.objects.filter(fund=fund, status=RequestStatus.PENDING).exists():
        raise ApplicationError("尚有待审批的追加申请，请先审批后再清算", code="top_up_pending", status=409)
    before = model_snapshot(fund, AUDITED)
    returned = fund.balance
    fund.returned += returned
    fund.balance = Decimal("0")
    fund.status = ReserveFundStatus.SETTLED
    fund.settled_by = actor
    fund.settled_at = timezone.now()
    fund.save()
    if returned > 0:
        _entry(
            actor=actor,
            fund=fund,
            kind=ReserveEntryKind.SETTLEMENT,
            amount=returned,
            note=f"{fund.year}年终清算，收回余额",
        )
    audit_record(
        actor=actor,
        action="reserve_fund.settle",
        target=fund,
        region=fund.town,
        before=before,
        after=model_snapshot(fund, AUDITED),
        note=f"收回 {returned} 元",
    )
    return fund


def reserve_settlement_report(*, county: Region, year: int) -> dict:
    """The year-end settlement report of ``county``: per town the residents, allocation, top-ups (count, sum),
    drawdowns (count, sum), amount returned and closing balance, and the county's totals. Money as ``Decimal``.
    Three queries whatever the number of towns. The caller checks the reader's scope."""
    funds = (
        ReserveFund.objects.filter(county=county, year=year)
        .select_related("town")
        .annotate(
            drawdown_count=Count("entries", filter=Q(entries__kind=ReserveEntryKind.DRAWDOWN)),
            top_up_count=Count("entries", filter=Q(entries__kind=ReserveEntryKind.TOP_UP)),
        )
        .order_by("town__path")
    )
    rows = []
    for fund in funds:
        rows.append(
            {
                "fund": fund,
                "town": fund.town,
                "residents": fund.residents,
                "per_resident": fund.per_resident,
                "allocated": fund.allocated,
                "top_up_count": fund.top_up_count,
                "topped_up": fund.topped_up,
                "drawdown_count": fund.drawdown_count,
                "drawn": fund.drawn,
                "returned": fund.returned,
                "balance": fund.balance,
                "status": fund.status,
                "status_label": fund.get_status_display(),
            }
        )
    sums = ReserveFund.objects.filter(county=county, year=year).aggregate(
        residents=Sum("residents"),
        allocated=Sum("allocated"),
        topped_up=Sum("topped_up"),
        drawn=Sum("drawn"),
        returned=Sum("returned"),
        balance=Sum("balance"),
    )
    zero = Decimal("0.00")
    totals = {
        "towns": len(rows),
        "residents": sums["residents"] or 0,
        "allocated": sums["allocated"] or zero,
        "top_up_count": sum(r["top_up_count"] for r in rows),
        "topped_up": sums["topped_up"] or zero,
        "drawdown_count": sum(r["drawdown_count"] for r in rows),
        "drawn": sums["drawn"] or zero,
        "returned": sums["returned"] or zero,
        "balance": sums["balance"] or zero,
        "settled": sum(1 for r in rows if r["status"] == ReserveFundStatus.SETTLED),
    }
    return {"county": county, "year": year, "rows": rows, "totals": totals}
